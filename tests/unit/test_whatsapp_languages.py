"""WhatsApp exports in the languages WhatsApp ships (issue 16, item 2): media left out, deleted
messages, the encryption and security-code notices and the group's own notices, counted exactly.

Every export here was written by hand for these tests (tests/fixtures/whatsapp, see its README):
one per language and platform, with what that phone really writes as far as we know it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from groupbox.domain.migration.whatsapp import (
    Counts,
    Entry,
    ExportInfo,
    ExportSource,
    detect,
    parse,
)
from groupbox.domain.migration.whatsapp_phrases import LANGUAGES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
LRM = "\u200e"
INVISIBLE = set("\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def load(path: Path, date_order: str | None = None) -> tuple[ExportInfo, list[Entry]]:
    with ExportSource.open(path) as source:
        info = detect(source, date_order)
        return info, list(parse(source, info))


def one(tmp_path: Path, line: str) -> Entry:
    path = tmp_path / "chat.txt"
    path.write_text(line + "\n", encoding="utf-8")
    [entry] = load(path)[1]
    return entry


# (file, platform, language, (messages, system lines, media, deleted, participants))
EXPORTS = [
    ("android_en_24h.txt", "android", "en", (6, 9, 2, 2, 3)),
    ("ios_en.txt", "ios", "en", (6, 4, 3, 1, 2)),
    ("android_de.txt", "android", "de", (4, 4, 2, 1, 2)),
    ("ios_de.txt", "ios", "de", (5, 3, 2, 1, 2)),
    ("android_es.txt", "android", "es", (4, 4, 2, 1, 2)),
    ("android_fr.txt", "android", "fr", (4, 3, 2, 1, 2)),
    ("android_it.txt", "android", "it", (5, 5, 2, 2, 2)),
    ("ios_it.txt", "ios", "it", (4, 4, 2, 1, 2)),
    ("android_pt_br.txt", "android", "pt-BR", (5, 5, 2, 2, 2)),
    ("ios_pt_br.txt", "ios", "pt-BR", (3, 2, 1, 1, 2)),
    ("android_pt_pt.txt", "android", "pt-PT", (3, 4, 1, 1, 2)),
    ("android_nl.txt", "android", "nl", (3, 4, 1, 1, 2)),
    ("android_ru.txt", "android", "ru", (4, 5, 1, 2, 2)),
    ("ios_ru.txt", "ios", "ru", (3, 3, 1, 1, 2)),
    ("android_cs.txt", "android", "cs", (4, 4, 2, 1, 2)),
    ("android_pl.txt", "android", "pl", (3, 4, 1, 1, 2)),
    ("android_tr.txt", "android", "tr", (3, 4, 1, 1, 2)),
    ("android_id.txt", "android", "id", (3, 4, 1, 1, 2)),
    ("android_ar.txt", "android", "ar", (3, 4, 1, 1, 2)),
    ("android_hi.txt", "android", "hi", (3, 4, 1, 1, 2)),
]


@pytest.mark.parametrize(("name", "platform", "language", "expected"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_export_in_each_language_counts_messages_system_lines_media_and_deleted_exactly(
    name, platform, language, expected
):
    info, entries = load(FIXTURES / name)
    counts = Counts.of(entries)

    assert (info.platform, info.language) == (platform, language)
    assert (counts.messages, counts.system_messages, counts.media, counts.deleted, counts.participants) == expected
    # The encryption notice opens every export: WhatsApp's line, not a message.
    assert (entries[0].kind, entries[0].sender) == ("system", None)
    # Deleted messages keep their sender and lose their placeholder text.
    deleted = [e for e in entries if e.deleted]
    assert deleted and all(e.kind == "message" and e.sender and e.text == "" for e in deleted)
    # Media placeholders are media, not text (a document keeps its caption).
    omitted = [e for e in entries if e.media_omitted]
    assert omitted and all(e.kind == "message" and e.sender for e in omitted)
    assert sum(e.text == "" for e in omitted) >= len(omitted) - 1
    assert all(e.sender is None for e in entries if e.kind == "system")
    assert not INVISIBLE & set("".join(e.text + (e.sender or "") for e in entries))


def test_italian_android_export_entry_by_entry():
    info, entries = load(FIXTURES / "android_it.txt")
    assert [(e.at, e.kind, e.sender, e.text, e.media_name, e.media_omitted, e.deleted) for e in entries] == [
        (datetime(2022, 6, 30, 14, 5), "system", None, entries[0].text, None, False, False),
        (datetime(2022, 6, 30, 14, 5), "system", None, 'Giulia ha creato il gruppo "Calcetto giovedì"', None,
         False, False),
        (datetime(2022, 6, 30, 14, 6), "system", None, "Giulia ha aggiunto Marco", None, False, False),
        (datetime(2022, 6, 30, 14, 10), "message", "Marco", "Ciao a tutti!", None, False, False),
        (datetime(2022, 6, 30, 14, 11), "message", "Marco", "", None, True, False),
        (datetime(2022, 6, 30, 14, 12), "message", "Giulia", "Campo 3", "IMG-20220630-WA0001.jpg", False, False),
        (datetime(2022, 7, 1, 9, 0), "message", "Giulia", "", None, False, True),
        (datetime(2022, 7, 1, 9, 1), "message", "Marco", "", None, False, True),
        (datetime(2022, 7, 1, 9, 2), "system", None,
         "Il tuo codice di sicurezza con Marco è cambiato. Tocca per saperne di più.", None, False, False),
        (datetime(2022, 7, 1, 9, 3), "system", None, "Marco è uscito", None, False, False),
    ]  # fmt: skip
    assert entries[0].text.startswith("I messaggi e le chiamate sono crittografati end-to-end.")


def test_ios_russian_export_names_the_chat_from_its_encryption_notice():
    info, entries = load(FIXTURES / "ios_ru.txt")
    assert info.chat_name == "Родители 5А"
    assert [(e.kind, e.sender) for e in entries] == [
        ("system", None), ("system", None), ("message", "Иван"), ("message", "Иван"), ("message", "Ольга"),
        ("system", None),
    ]  # fmt: skip
    assert (entries[3].media_omitted, entries[4].deleted) == (True, True)


def test_arabic_export_with_arabic_indic_digits_and_right_to_left_marks():
    info, entries = load(FIXTURES / "android_ar.txt")
    assert (info.date_order, info.clock) == ("dmy", "12h")
    assert [e.at for e in entries][3:6] == [
        datetime(2022, 6, 30, 14, 7), datetime(2022, 6, 30, 14, 8), datetime(2022, 7, 1, 9, 0),
    ]  # fmt: skip
    assert (entries[3].sender, entries[3].text) == ("سارة", "مرحبا")


# --- Placeholders, one by one -------------------------------------------------------------------

ANDROID_OMITTED = [
    "<Media omitted>", "<Medien ausgeschlossen>", "<Multimedia omitido>", "<Médias omis>",
    "<Media omessi>", "<Mídia oculta>", "<Arquivo de mídia oculto>", "<Multimédia omitido>",
    "<Media weggelaten>", "<Без медиафайлов>", "<Média vynechána>", "‹Média vynechány›",
    "<Pominięto multimedia>", "<Medya dahil edilmedi>", "<Media tidak disertakan>",
    "<تم استبعاد الوسائط>", "<मीडिया छोड़ दिया गया>",
]  # fmt: skip
IOS_OMITTED = [
    "image omitted", "video omitted", "audio omitted", "sticker omitted", "GIF omitted",
    "document omitted", "Contact card omitted", "Bild weggelassen", "Video weggelassen",
    "imagen omitida", "audio omitido", "image absente", "immagine omessa", "video omesso",
    "imagem ocultada", "imagem omitida", "afbeelding weggelaten", "изображение отсутствует",
    "obrázek vynechán", "pominięto obraz", "görüntü dahil edilmedi", "gambar tidak disertakan",
    "تم استبعاد الصورة", "इमेज छोड़ दी गई",
]  # fmt: skip
DELETED = [
    "This message was deleted", "You deleted this message", "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht", "Se eliminó este mensaje", "Eliminaste este mensaje",
    "Ce message a été supprimé", "Vous avez supprimé ce message",
    "Questo messaggio è stato eliminato", "Hai eliminato questo messaggio", "Mensagem apagada",
    "Você apagou esta mensagem", "Esta mensagem foi eliminada", "Dit bericht is verwijderd",
    "Je hebt dit bericht verwijderd", "Данное сообщение удалено", "Вы удалили данное сообщение",
    "Tato zpráva byla smazána", "Ta wiadomość została usunięta", "Bu mesaj silindi",
    "Bu mesajı sildiniz", "Pesan ini telah dihapus", "Anda menghapus pesan ini",
    "تم حذف هذه الرسالة", "لقد حذفت هذه الرسالة", "यह मैसेज डिलीट कर दिया गया",
    "आपने यह मैसेज डिलीट किया",
]  # fmt: skip


@pytest.mark.parametrize("body", ANDROID_OMITTED + IOS_OMITTED)
def test_media_left_out_of_an_export_is_media_in_every_language(tmp_path, body):
    for line in (f"30/06/22, 14:05 - Anna: {body}", f"{LRM}[30/06/22, 14:05:33] Anna: {LRM}{body}"):
        entry = one(tmp_path, line)
        assert (entry.kind, entry.sender, entry.text, entry.media_omitted, entry.deleted) == (
            "message", "Anna", "", True, False)


@pytest.mark.parametrize("body", DELETED)
def test_a_deleted_message_keeps_its_sender_in_every_language(tmp_path, body):
    for line in (f"30/06/22, 14:05 - Anna: {body}", f"[30/06/22, 14:05:33] Anna: {LRM}{body}."):
        entry = one(tmp_path, line)
        assert (entry.kind, entry.sender, entry.text, entry.deleted, entry.media_omitted) == (
            "message", "Anna", "", True, False)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("IMG-20220630-WA0001.jpg (file attached)", "IMG-20220630-WA0001.jpg"),
        ("IMG-20220630-WA0001.jpg (file allegato)", "IMG-20220630-WA0001.jpg"),
        ("Orario.pdf (file allegato)", "Orario.pdf"),
        ("Lista.pdf (arquivo anexado)", "Lista.pdf"),
        ("Lijst.pdf (bestand bijgevoegd)", "Lijst.pdf"),
        ("PTT-20220630-WA0002.opus (файл прикреплён)", "PTT-20220630-WA0002.opus"),
        ("<allegato: 00000005-PHOTO-2022-06-30-14-12-00.jpg>", "00000005-PHOTO-2022-06-30-14-12-00.jpg"),
        ("<anexado: 00000006-VIDEO-2022-06-30-14-12-00.mp4>", "00000006-VIDEO-2022-06-30-14-12-00.mp4"),
        # A label no table knows yet, beside a file name only WhatsApp gives.
        ("<ліст: 00000007-PHOTO-2022-06-30-14-12-00.jpg>", "00000007-PHOTO-2022-06-30-14-12-00.jpg"),
        ("VID-20220630-WA0003.mp4 (файл)", "VID-20220630-WA0003.mp4"),
    ],
)
def test_attached_files_are_named_in_every_language(tmp_path, body, name):
    entry = one(tmp_path, f"30/06/22, 14:05 - Anna: {body}")
    assert (entry.sender, entry.media_name, entry.text) == ("Anna", name, "")


@pytest.mark.parametrize(
    "body",
    [
        "Your security code with Ben changed. Tap to learn more.",
        "Deine Sicherheitsnummer für Ben hat sich geändert.",
        "Tu código de seguridad con Ben cambió.",
        "Votre code de sécurité avec Ben a changé.",
        "Il tuo codice di sicurezza con Ben è cambiato.",
        "Seu código de segurança com Ben mudou.",
        "Je beveiligingscode met Ben is gewijzigd.",
        "Ваш код безопасности для Ben изменился.",
        "Váš bezpečnostní kód s Ben se změnil.",
        "Twój kod zabezpieczeń z Ben uległ zmianie.",
        "Ben ile olan güvenlik kodunuz değişti.",
        "Kode keamanan Anda dengan Ben telah berubah.",
        "تغيّر رمز الأمان الخاص بك مع Ben.",
        "Ben के साथ आपका सुरक्षा कोड बदल गया है।",
        "Anna added Ben", "Anna hat Ben hinzugefügt.", "Anna añadió a Ben", "Anna a ajouté Ben",
        "Anna ha aggiunto Ben", "Anna adicionou Ben", "Anna heeft Ben toegevoegd", "Анна добавил(-а) Ben",
        "Anna přidal(a) Ben", "Anna dodał(a) Ben", "Anna, Ben'i ekledi", "Anna menambahkan Ben",
        "أحمد أضاف Ben", "राहुल ने Ben को जोड़ा",
        "Ben left", "Ben è uscito", "Ben saiu", "Ben вышел(-а)", "Ben opuścił(a) grupę",
        'Anna changed the subject to "Team"', "Anna ha cambiato l'oggetto in “Squadra”",
        "Anna changed this group's icon", "Anna mudou a imagem do grupo",
        'Anna created group "Team"', 'Anna ha creato il gruppo "Squadra"', 'Ольга создал(-а) группу «Класс»',
    ],
)  # fmt: skip
def test_ios_notices_under_a_persons_name_are_system_lines_in_every_language(tmp_path, body):
    entry = one(tmp_path, f"{LRM}[30/06/22, 14:05:33] Ben: {LRM}{body}")
    assert (entry.kind, entry.sender, entry.text) == ("system", None, body)


def test_a_persons_own_marked_text_stays_their_message(tmp_path):
    entry = one(tmp_path, f"[30/06/22, 14:05:33] Ben: {LRM}SONDAGGIO:")
    assert (entry.kind, entry.sender) == ("message", "Ben")


def test_every_placeholder_in_the_phrase_tables_is_recognised(tmp_path):
    for language, table in LANGUAGES.items():
        for key in ("media_omitted", "deleted"):
            for phrase in table.get(key, ()):
                entry = one(tmp_path, f"30/06/22, 14:05 - Anna: {phrase}")
                assert (entry.sender, entry.text, entry.media_omitted, entry.deleted) == (
                    "Anna", "", key == "media_omitted", key == "deleted"), (language, phrase)
