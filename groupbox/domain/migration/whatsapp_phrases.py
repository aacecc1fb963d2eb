"""What WhatsApp writes into a chat export, per UI language (SPEC §13). Data only: the parser
(`whatsapp.py`, `whatsapp_header.py`) builds its matchers from these tables.

One table a language; each key is optional:
- media_omitted: the whole text of an entry whose media were left out ("<Media omitted>" on
  Android, "image omitted" and kin on iOS). Compared without case, surrounding space or a final
  ".", with ‹› read as <>.
- deleted: the whole text of a deleted message (the sender is kept).
- attached: the label of iOS's "<attached: NAME>".
- file_attached: the label of Android's "NAME (file attached)".
- encryption: a part of the end-to-end encryption notice (it also names the chat on iOS).
- system: parts of WhatsApp's other notices (security code, created, joined, left, added,
  removed, changed the subject or icon, admins, disappearing messages). Matched at the start of
  a word, without case; used to tell iOS notices (written under a name) from a person's text,
  and to recognise the language.
- am / pm: a 12 h clock's markers, where they are not Latin "AM"/"a. m."/"p.m." (those are
  understood in every language).
- chat_file: export file names, "{name}" where the chat's name stands.

Where WhatsApp's wording changed over the years or differs between Android and iOS, every
known variant is listed. A phrase in several tables counts for none of them when the parser
guesses the export's language.
"""

from __future__ import annotations

Table = dict[str, tuple[str, ...]]

EN: Table = {
    "media_omitted": (
        "<Media omitted>", "<Video note omitted>", "image omitted", "video omitted",
        "audio omitted", "sticker omitted", "GIF omitted", "document omitted",
        "Contact card omitted", "video note omitted",
    ),
    "deleted": (
        "This message was deleted", "You deleted this message",
        "This message was deleted by an admin",
    ),
    "attached": ("attached",),
    "file_attached": ("file attached",),
    "encryption": ("end-to-end encrypted", "secured with end-to-end encryption"),
    "system": (
        "security code", "created group", "created this group", "joined using this group",
        "joined", "left", "added", "removed", "changed the subject", "changed this group",
        "changed the group", "changed their phone number", "changed to", "deleted this group",
        "now an admin", "no longer an admin", "disappearing messages", "pinned a message",
    ),
    "chat_file": ("WhatsApp Chat with {name}", "WhatsApp Chat - {name}", "WhatsApp Chat {name}"),
}  # fmt: skip

DE: Table = {
    "media_omitted": (
        "<Medien ausgeschlossen>", "<Medien weggelassen>", "Bild weggelassen",
        "Video weggelassen", "Audio weggelassen", "Sticker weggelassen", "GIF weggelassen",
        "Dokument weggelassen", "Kontaktkarte ausgelassen", "Kontaktkarte weggelassen",
    ),
    "deleted": (
        "Diese Nachricht wurde gelöscht", "Du hast diese Nachricht gelöscht",
        "Sie haben diese Nachricht gelöscht",
    ),
    "attached": ("Anhang",),
    "file_attached": ("Datei angehängt",),
    "encryption": ("Ende-zu-Ende-verschlüsselt", "Ende-zu-Ende-Verschlüsselung"),
    "system": (
        "Sicherheitsnummer", "hat die Gruppe", "hast die Gruppe", "erstellt", "beigetreten",
        "verlassen", "hinzugefügt", "entfernt", "geändert", "jetzt Admin",
        "selbstlöschende Nachrichten",
    ),
    "am": ("vorm.",),
    "pm": ("nachm.",),
    "chat_file": ("WhatsApp Chat mit {name}", "WhatsApp-Chat mit {name}"),
}  # fmt: skip

ES: Table = {
    "media_omitted": (
        "<Multimedia omitido>", "imagen omitida", "video omitido", "vídeo omitido",
        "audio omitido", "sticker omitido", "GIF omitido", "documento omitido",
        "tarjeta de contacto omitida", "contacto omitido",
    ),
    "deleted": (
        "Se eliminó este mensaje", "Eliminaste este mensaje", "Este mensaje fue eliminado",
        "Se ha eliminado este mensaje", "Has eliminado este mensaje",
    ),
    "attached": ("adjunto",),
    "file_attached": ("archivo adjunto",),
    "encryption": ("cifrados de extremo a extremo", "cifrado de extremo a extremo"),
    "system": (
        "código de seguridad", "creó el grupo", "creaste el grupo", "creó este grupo",
        "se unió", "salió", "añadió", "agregó", "eliminó a", "cambió", "ahora eres admin",
        "ahora es admin", "mensajes temporales",
    ),
    "chat_file": ("Chat de WhatsApp con {name}",),
}  # fmt: skip

FR: Table = {
    "media_omitted": (
        "<Médias omis>", "<Fichier omis>", "image absente", "image omise", "vidéo absente",
        "vidéo omise", "audio omis", "audio absent", "sticker omis", "autocollant omis",
        "GIF retiré", "GIF omis", "document manquant", "document omis",
        "fiche contact manquante", "carte de contact omise",
    ),
    "deleted": (
        "Ce message a été supprimé", "Vous avez supprimé ce message", "Tu as supprimé ce message",
    ),
    "attached": ("pièce jointe",),
    "file_attached": ("fichier joint",),
    "encryption": ("chiffrés de bout en bout", "chiffrement de bout en bout"),
    "system": (
        "code de sécurité", "a créé le groupe", "avez créé le groupe", "a créé", "a rejoint",
        "s'est joint", "est parti", "a quitté", "a ajouté", "a retiré", "a changé", "a modifié",
        "désormais admin", "messages éphémères",
    ),
    "chat_file": ("Discussion WhatsApp avec {name}",),
}  # fmt: skip

IT: Table = {
    "media_omitted": (
        "<Media omessi>", "<Media omesso>", "immagine omessa", "video omesso", "audio omesso",
        "sticker omesso", "GIF omessa", "GIF omesso", "documento omesso",
        "scheda contatto omessa", "contatto omesso",
    ),
    "deleted": (
        "Questo messaggio è stato eliminato", "Hai eliminato questo messaggio",
        "Messaggio eliminato",
    ),
    "attached": ("allegato",),
    "file_attached": ("file allegato",),
    "encryption": ("crittografati end-to-end", "crittografia end-to-end"),
    "system": (
        "codice di sicurezza", "ha creato il gruppo", "hai creato il gruppo", "si è unito",
        "si è unita", "link d'invito", "è uscito", "è uscita", "ha abbandonato", "ha aggiunto",
        "ti ha aggiunto", "ha rimosso", "ha cambiato", "ha modificato", "amministratore",
        "messaggi effimeri",
    ),
    "chat_file": ("Chat WhatsApp con {name}", "Chat di WhatsApp con {name}"),
}  # fmt: skip

PT_BR: Table = {
    "media_omitted": (
        "<Mídia oculta>", "<Arquivo de mídia oculto>", "<Mídia omitida>", "imagem ocultada",
        "imagem omitida", "vídeo omitido", "vídeo ocultado", "áudio ocultado", "áudio omitido",
        "figurinha omitida", "figurinha ocultada", "GIF omitido", "documento omitido",
        "documento ocultado", "cartão de contato omitido",
    ),
    "deleted": (
        "Mensagem apagada", "Esta mensagem foi apagada", "Essa mensagem foi apagada",
        "Você apagou esta mensagem", "Você apagou essa mensagem",
    ),
    "attached": ("anexado", "anexo"),
    "file_attached": ("arquivo anexado",),
    "encryption": ("criptografia de ponta a ponta",),
    "system": (
        "código de segurança", "criou o grupo", "criou este grupo", "entrou usando",
        "entrou", "saiu", "adicionou", "removeu", "mudou", "alterou", "agora é admin",
        "mensagens temporárias",
    ),
    "chat_file": ("Conversa do WhatsApp com {name}", "Conversa no WhatsApp com {name}"),
}  # fmt: skip

PT_PT: Table = {
    "media_omitted": (
        "<Multimédia omitido>", "<Multimédia omitida>", "<Ficheiro multimédia omitido>",
        "imagem omitida", "vídeo omitido", "áudio omitido", "autocolante omitido",
        "GIF omitido", "documento omitido", "cartão de contacto omitido",
    ),
    "deleted": (
        "Esta mensagem foi eliminada", "Eliminou esta mensagem", "Apagou esta mensagem",
        "Mensagem eliminada",
    ),
    "attached": ("anexo",),
    "file_attached": ("ficheiro anexado", "ficheiro anexo"),
    "encryption": ("encriptadas ponto a ponto", "encriptação ponto a ponto", "cifradas ponto a ponto"),
    "system": (
        "código de segurança", "criou o grupo", "criou este grupo", "aderiu", "entrou", "saiu",
        "adicionou", "removeu", "mudou", "alterou", "é agora administrador",
    ),
    "chat_file": ("Conversa do WhatsApp com {name}",),
}  # fmt: skip

NL: Table = {
    "media_omitted": (
        "<Media weggelaten>", "afbeelding weggelaten", "video weggelaten", "audio weggelaten",
        "sticker weggelaten", "GIF weggelaten", "document weggelaten", "contactkaart weggelaten",
    ),
    "deleted": (
        "Dit bericht is verwijderd", "Je hebt dit bericht verwijderd",
        "U heeft dit bericht verwijderd", "Bericht verwijderd",
    ),
    "attached": ("bijlage", "bijgevoegd"),
    "file_attached": ("bestand bijgevoegd",),
    "encryption": ("end-to-end versleuteld", "end-to-end-versleuteld", "end-to-end versleuteling"),
    "system": (
        "beveiligingscode", "heeft groep", "aangemaakt", "neemt deel", "lid geworden",
        "uitnodigingslink", "is vertrokken", "heeft de groep verlaten", "toegevoegd",
        "verwijderd", "gewijzigd", "is nu beheerder", "verdwijnende berichten",
    ),
    "chat_file": ("WhatsApp-chat met {name}", "WhatsApp Chat met {name}"),
}  # fmt: skip

RU: Table = {
    "media_omitted": (
        "<Без медиафайлов>", "<Медиафайлы опущены>", "изображение отсутствует",
        "видео отсутствует", "аудио отсутствует", "стикер отсутствует", "GIF отсутствует",
        "документ отсутствует", "карточка контакта отсутствует",
    ),
    "deleted": (
        "Данное сообщение удалено", "Это сообщение удалено", "Сообщение удалено",
        "Вы удалили данное сообщение", "Вы удалили это сообщение",
    ),
    "attached": ("вложение", "прикреплено"),
    "file_attached": ("файл прикреплён", "файл прикреплен", "файл вложен"),
    "encryption": ("сквозным шифрованием", "сквозное шифрование"),
    "system": (
        "код безопасности", "создал", "создали группу", "присоединил", "вышел", "вышла",
        "покинул", "добавил", "удалил", "изменил", "теперь администратор",
        "исчезающие сообщения",
    ),
    "chat_file": ("Чат WhatsApp с {name}", "WhatsApp Чат с {name}"),
}  # fmt: skip

CS: Table = {
    "media_omitted": (
        "<Média vynechána>", "<Média vynechány>", "<Médium vynecháno>", "obrázek vynechán",
        "video vynecháno", "zvuk vynechán", "audio vynecháno", "nálepka vynechána",
        "GIF vynechán", "dokument vynechán", "kontakt vynechán",
    ),
    "deleted": (
        "Tato zpráva byla smazána", "Tato zpráva byla odstraněna", "Smazali jste tuto zprávu",
        "Odstranili jste tuto zprávu",
    ),
    "attached": ("příloha", "připojeno"),
    "file_attached": ("soubor připojen", "připojený soubor", "přiložený soubor"),
    "encryption": ("koncově šifrované", "koncovým šifrováním", "koncové šifrování"),
    "system": (
        "bezpečnostní kód", "vytvořil", "se připojil", "opustil", "odešel", "přidal",
        "odebral", "odstranil", "změnil", "je nyní správce", "mizející zprávy",
    ),
    "am": ("dop.",),
    "pm": ("odp.",),
    "chat_file": ("Chat WhatsApp s {name}", "WhatsApp chat s {name}", "Konverzace WhatsApp s {name}"),
}  # fmt: skip

PL: Table = {
    "media_omitted": (
        "<Pominięto multimedia>", "<Multimedia pominięte>", "pominięto obraz",
        "obraz pominięty", "pominięto wideo", "wideo pominięte", "pominięto dźwięk",
        "pominięto audio", "pominięto naklejkę", "pominięto GIF", "pominięto dokument",
        "dokument pominięty", "pominięto kartę kontaktu",
    ),
    "deleted": (
        "Ta wiadomość została usunięta", "Usunięto tę wiadomość", "Usunąłeś tę wiadomość",
        "Usunęłaś tę wiadomość", "Wiadomość usunięta",
    ),
    "attached": ("załącznik", "załączono"),
    "file_attached": ("plik załączony", "załączony plik", "załączono plik"),
    "encryption": ("szyfrowane end-to-end", "szyfrowaniem end-to-end", "kompleksowo szyfrowane"),
    "system": (
        "kod zabezpieczeń", "kod zabezpieczenia", "utworzył", "dołączył", "opuścił",
        "wyszedł", "wyszła", "dodał", "usunął", "usunęła", "zmienił", "administratorem",
        "znikające wiadomości",
    ),
    "chat_file": ("Czat WhatsApp z {name}",),
}  # fmt: skip

TR: Table = {
    "media_omitted": (
        "<Medya dahil edilmedi>", "<Medya atlandı>", "görüntü dahil edilmedi",
        "görsel dahil edilmedi", "video dahil edilmedi", "ses dahil edilmedi",
        "çıkartma dahil edilmedi", "GIF dahil edilmedi", "belge dahil edilmedi",
        "kişi kartı dahil edilmedi",
    ),
    "deleted": ("Bu mesaj silindi", "Bu mesajı sildiniz", "Bu mesajı sildin"),
    "attached": ("ek", "eklendi"),
    "file_attached": ("dosya ekli", "dosya eklendi"),
    "encryption": ("uçtan uca şifreli", "uçtan uca şifreleme"),
    "system": (
        "güvenlik kodu", "grubunu oluşturdu", "grubu oluşturdu", "oluşturdu", "katıldı",
        "ayrıldı", "ekledi", "çıkardı", "değiştirdi", "artık yönetici", "süreli mesajlar",
    ),
    "am": ("ÖÖ",),
    "pm": ("ÖS",),
    "chat_file": ("{name} ile WhatsApp Sohbeti", "WhatsApp Sohbeti - {name}"),
}  # fmt: skip

ID: Table = {
    "media_omitted": (
        "<Media tidak disertakan>", "gambar tidak disertakan", "video tidak disertakan",
        "audio tidak disertakan", "stiker tidak disertakan", "GIF tidak disertakan",
        "dokumen tidak disertakan", "kartu kontak tidak disertakan",
    ),
    "deleted": ("Pesan ini telah dihapus", "Anda menghapus pesan ini", "Pesan ini sudah dihapus"),
    "attached": ("terlampir", "lampiran"),
    "file_attached": ("file terlampir", "berkas terlampir"),
    "encryption": ("terenkripsi secara end-to-end", "terenkripsi end-to-end", "enkripsi end-to-end"),
    "system": (
        "kode keamanan", "membuat grup", "bergabung", "keluar", "menambahkan",
        "mengeluarkan", "mengubah", "sekarang admin", "pesan sementara",
    ),
    "chat_file": ("Chat WhatsApp dengan {name}", "Obrolan WhatsApp dengan {name}"),
}  # fmt: skip

AR: Table = {
    "media_omitted": (
        "<تم استبعاد الوسائط>", "<الوسائط محذوفة>", "تم استبعاد الصورة", "تم استبعاد الفيديو",
        "تم استبعاد الصوت", "تم استبعاد الملصق", "تم استبعاد صورة GIF", "تم استبعاد المستند",
        "تم استبعاد بطاقة جهة الاتصال",
    ),
    "deleted": ("تم حذف هذه الرسالة", "لقد حذفت هذه الرسالة", "حذفت هذه الرسالة"),
    "attached": ("مرفق", "مُرفق"),
    "file_attached": ("ملف مرفق", "تم إرفاق ملف"),
    "encryption": ("مشفرة تمامًا بين الطرفين", "مشفّرة تمامًا بين الطرفين", "التشفير التام بين الطرفين"),
    "system": (
        "رمز الأمان", "أنشأ المجموعة", "أنشأت المجموعة", "أنشأ", "انضم", "غادر", "أضاف",
        "أزال", "غيّر", "مشرفًا", "الرسائل المؤقتة",
    ),
    "am": ("ص",),
    "pm": ("م",),
    "chat_file": ("دردشة واتساب مع {name}", "دردشة WhatsApp مع {name}"),
}  # fmt: skip

HI: Table = {
    "media_omitted": (
        "<मीडिया छोड़ दिया गया>", "<मीडिया शामिल नहीं है>", "इमेज छोड़ दी गई",
        "फ़ोटो छोड़ दी गई", "वीडियो छोड़ दिया गया", "ऑडियो छोड़ दिया गया",
        "स्टिकर छोड़ दिया गया", "GIF छोड़ दिया गया", "डॉक्यूमेंट छोड़ दिया गया",
    ),
    "deleted": (
        "यह मैसेज डिलीट कर दिया गया", "यह मैसेज डिलीट कर दिया गया था", "आपने यह मैसेज डिलीट किया",
        "आपने यह मैसेज डिलीट कर दिया", "यह संदेश हटा दिया गया", "यह संदेश हटा दिया गया था",
        "आपने यह संदेश हटा दिया",
    ),
    "attached": ("अटैच किया गया", "संलग्न"),
    "file_attached": ("फ़ाइल अटैच की गई", "फ़ाइल संलग्न"),
    "encryption": ("एंड-टू-एंड एन्क्रिप्टेड", "एंड-टू-एंड एन्क्रिप्शन"),
    "system": (
        "सुरक्षा कोड", "ग्रुप बनाया", "बनाया", "शामिल हुए", "जुड़े", "छोड़ दिया", "जोड़ा",
        "हटाया", "बदला", "बदल दिया", "अब एडमिन",
    ),
    "am": ("पूर्वाह्न",),
    "pm": ("अपराह्न",),
    "chat_file": ("{name} के साथ WhatsApp चैट", "WhatsApp चैट {name} के साथ"),
}  # fmt: skip

# Clocks of languages whose other phrases are not listed yet: their exports' times still read.
KO: Table = {"am": ("오전",), "pm": ("오후",)}
JA: Table = {"am": ("午前",), "pm": ("午後",)}
ZH: Table = {"am": ("上午",), "pm": ("下午",)}
EL: Table = {"am": ("π.μ.",), "pm": ("μ.μ.",)}
VI: Table = {"am": ("SA",), "pm": ("CH",)}
SV: Table = {"am": ("fm",), "pm": ("em",)}
HU: Table = {"am": ("de.",), "pm": ("du.",)}
FI: Table = {"am": ("ap.",), "pm": ("ip.",)}

LANGUAGES: dict[str, Table] = {
    "en": EN, "de": DE, "es": ES, "fr": FR, "it": IT, "pt-BR": PT_BR, "pt-PT": PT_PT, "nl": NL,
    "ru": RU, "cs": CS, "pl": PL, "tr": TR, "id": ID, "ar": AR, "hi": HI,
    "ko": KO, "ja": JA, "zh": ZH, "el": EL, "vi": VI, "sv": SV, "hu": HU, "fi": FI,
}  # fmt: skip
