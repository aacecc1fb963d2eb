"""Content sniffing: what a file is comes from its bytes, not its name (SPEC §11)."""

import io
import zipfile

import pytest

from groupbox.domain.files import sniff
from groupbox.domain.files.storage import clean_display_name, name_for_kind

PE_HEADER = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _file(tmp_path, data: bytes):
    path = tmp_path / "upload"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data, content_type", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    (b"OggS\x00\x02\x00\x00", "audio/ogg"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video/webm"),
    ("Training moved to 17:30 — Sporthalle\n".encode(), "text/plain; charset=utf-8"),
])
def test_allowed_types_are_recognised_by_their_bytes(tmp_path, data, content_type):
    assert sniff.sniff(_file(tmp_path, data)).content_type == content_type


@pytest.mark.parametrize("entries, ext", [
    ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "docx"),
    ({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}, "xlsx"),
    ({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}, "pptx"),
    ({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<o/>"}, "odt"),
    ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<o/>"}, "ods"),
])
def test_office_documents_are_zips_with_the_right_inside(tmp_path, entries, ext):
    assert sniff.sniff(_file(tmp_path, _zip(entries))).ext == ext


def test_an_exe_renamed_pdf_is_refused_as_a_program(tmp_path):
    with pytest.raises(sniff.Refused, match="Windows program"):
        sniff.sniff(_file(tmp_path, PE_HEADER + b"\x00" * 200), "pdf")


def test_other_programs_are_refused(tmp_path):
    with pytest.raises(sniff.Refused, match="Linux program"):
        sniff.sniff(_file(tmp_path, b"\x7fELF\x02\x01\x01" + b"\x00" * 50))


def test_a_plain_zip_is_refused_and_a_broken_one_too(tmp_path):
    with pytest.raises(sniff.Refused, match="Zip archives"):
        sniff.sniff(_file(tmp_path, _zip({"notes.txt": b"hello"})))
    with pytest.raises(sniff.Refused, match="damaged"):
        sniff.sniff(_file(tmp_path, b"PK\x03\x04" + b"\x00" * 40))


def test_unknown_binary_is_refused_with_the_allow_list(tmp_path):
    with pytest.raises(sniff.Refused, match="Allowed are: PDF"):
        sniff.sniff(_file(tmp_path, b"\x00\x01\x02\x03binary\x00\xff"))


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(sniff.Refused, match="empty"):
        sniff.sniff(_file(tmp_path, b""))


def test_text_that_starts_with_mz_is_still_text(tmp_path):
    assert sniff.sniff(_file(tmp_path, b"MZ Kreuzberg minutes\n")).ext == "txt"


def test_csv_stays_csv_and_windows_text_is_text(tmp_path):
    assert sniff.sniff(_file(tmp_path, b"name;kids\nAnna;2\n"), "csv").content_type == "text/csv; charset=utf-8"
    legacy = sniff.sniff(_file(tmp_path, "Grüße aus der Küche\n".encode("cp1252")), "txt")
    assert legacy.content_type == "text/plain"


def test_utf8_cut_in_the_middle_of_a_character_is_still_utf8(tmp_path):
    data = ("ü" * (sniff.HEAD_SIZE // 2 + 10)).encode()
    assert sniff.sniff(_file(tmp_path, data)).content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    (".htaccess", "htaccess"),
    ("Season\x00 schedule\x1b.pdf", "Season schedule.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ('what?*:<>|".pdf', "what_______.pdf"),
    ("   ", "file"),
    ("", "file"),
    (None, "file"),
    ("...", "file"),
])
def test_display_names_are_sanitised(raw, clean):
    assert clean_display_name(raw) == clean


def test_long_names_are_capped_but_keep_their_extension():
    name = clean_display_name("x" * 500 + ".pdf")
    assert len(name) == 120 and name.endswith(".pdf")


def test_the_extension_is_made_to_agree_with_the_content():
    assert name_for_kind("schedule.pdf", sniff.PDF) == "schedule.pdf"
    assert name_for_kind("photo.pdf", sniff.PNG) == "photo.png"
    assert name_for_kind("IMG_2345.JPEG", sniff.JPEG) == "IMG_2345.JPEG"
    assert name_for_kind("passwd", sniff.TEXT) == "passwd.txt"
    assert name_for_kind("Season 2026.27", sniff.PDF) == "Season 2026.27.pdf"
