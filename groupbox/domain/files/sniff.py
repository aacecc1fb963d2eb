"""What a file really is, from its bytes (SPEC §11: type allow-list, never trust the name).

`sniff(path)` reads the start of a stored file (and, for zip containers, their directory) and
answers a `Kind` from the allow-list, or raises `Refused` with a sentence a person understands.
The extension a person gave is not consulted here: the upload service makes the name agree
with what the bytes say.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from groupbox.i18n import N_, _

HEAD_SIZE = 64 * 1024


@dataclass(frozen=True)
class Kind:
    content_type: str
    ext: str  # the canonical extension, without the dot
    label: str  # the short badge shown beside the name: PDF, JPG, DOC…
    family: str  # pdf | img | doc | sheet | slides | text | audio | video (badge colour)
    extensions: tuple[str, ...] = ()  # other extensions people use for the same type

    def accepts(self, ext: str) -> bool:
        return ext.lower() in (self.ext, *self.extensions)


class Refused(ValueError):
    """Not on the allow-list; the message says why in plain words."""


PDF = Kind("application/pdf", "pdf", "PDF", "pdf")
PNG = Kind("image/png", "png", "PNG", "img")
JPEG = Kind("image/jpeg", "jpg", "JPG", "img", ("jpeg", "jpe"))
GIF = Kind("image/gif", "gif", "GIF", "img")
WEBP = Kind("image/webp", "webp", "WEBP", "img")
HEIC = Kind("image/heic", "heic", "HEIC", "img", ("heif",))
TEXT = Kind("text/plain; charset=utf-8", "txt", "TXT", "text", ("text", "md", "log"))
TEXT_LEGACY = Kind("text/plain", "txt", "TXT", "text", ("text", "md", "log"))
CSV = Kind("text/csv; charset=utf-8", "csv", "CSV", "sheet", ("tsv",))
CSV_LEGACY = Kind("text/csv", "csv", "CSV", "sheet", ("tsv",))
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOC", "doc")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLS", "sheet")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PPT", "slides")
ODT = Kind("application/vnd.oasis.opendocument.text", "odt", "ODT", "doc")
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", "ods", "ODS", "sheet")
ODP = Kind("application/vnd.oasis.opendocument.presentation", "odp", "ODP", "slides")
MP3 = Kind("audio/mpeg", "mp3", "MP3", "audio")
M4A = Kind("audio/mp4", "m4a", "M4A", "audio")
OGG = Kind("audio/ogg", "ogg", "OGG", "audio", ("oga", "opus"))
WAV = Kind("audio/wav", "wav", "WAV", "audio")
MP4 = Kind("video/mp4", "mp4", "MP4", "video", ("m4v",))
MOV = Kind("video/quicktime", "mov", "MOV", "video")
WEBM = Kind("video/webm", "webm", "WEBM", "video")

ODF_TYPES = {k.content_type: k for k in (ODT, ODS, ODP)}
ALLOWED_SUMMARY = N_("PDF, pictures (PNG, JPEG, GIF, WebP, HEIC), text and CSV, Word, Excel and PowerPoint,"
                     " OpenDocument, audio and video")
# Text may use these control characters; anything else below 0x20 means binary.
_TEXT_CONTROLS = {0x09, 0x0A, 0x0C, 0x0D, 0x1A}


def _program_name(head: bytes) -> str | None:
    if head[:2] == b"MZ" and not _looks_like_text(head)[0]:
        return N_("a Windows program")
    if head[:4] == b"\x7fELF":
        return N_("a Linux program")
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
                    b"\xca\xfe\xba\xbe"):
        return N_("a Mac program")
    return None


def _from_ftyp(head: bytes) -> Kind | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return M4A
    if brand == b"qt  ":
        return MOV
    if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc"):
        return HEIC
    return MP4


def _from_zip(path: Path) -> Kind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype in ODF_TYPES:
                    return ODF_TYPES[mimetype]
            if "[Content_Types].xml" in names:
                prefixes = {name.split("/", 1)[0] for name in names}
                if "word" in prefixes:
                    return DOCX
                if "xl" in prefixes:
                    return XLSX
                if "ppt" in prefixes:
                    return PPTX
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError, EOFError):
        raise Refused(_("This file looks like a damaged archive, so it can't be shared here.")) from None
    raise Refused(_("Zip archives can't be shared here (only Word, Excel, PowerPoint and OpenDocument files)."))


def _looks_like_text(head: bytes) -> tuple[bool, bool]:
    """(is text, is UTF-8) for the start of a file."""
    if not head or b"\x00" in head:
        return False, False
    sample = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        sample.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is still UTF-8.
        utf8 = exc.start >= len(sample) - 3 and exc.reason.startswith("unexpected end")
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS or byte == 0x7F)
    return controls == 0, utf8


def sniff_bytes(head: bytes) -> Kind | None:
    """The kind from the first bytes alone (None for zip containers and text, which need more)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return MP3
    return _from_ftyp(head)


def sniff(path: Path, name_ext: str = "") -> Kind:
    """The allow-listed kind of the file at `path`, or `Refused`. `name_ext` (the extension the
    person gave, lower case, no dot) only chooses between plain text and CSV."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    if not head:
        raise Refused(_("That file is empty. Choose another one."))
    program = _program_name(head)
    if program:
        raise Refused(_("This file is {program}, not a document. Programs can't be shared here.", program=_(program)))
    kind = sniff_bytes(head)
    if kind is not None:
        return kind
    if head.startswith(b"PK\x03\x04"):
        return _from_zip(path)
    is_text, utf8 = _looks_like_text(head)
    if is_text:
        if name_ext in ("csv", "tsv"):
            return CSV if utf8 else CSV_LEGACY
        return TEXT if utf8 else TEXT_LEGACY
    raise Refused(_("This type of file can't be shared here. Allowed are: {allowed}.", allowed=_(ALLOWED_SUMMARY)))


def badge(content_type: str, name: str = "") -> tuple[str, str]:
    """(label, family) for a stored content type: the small type badge in lists."""
    base = (content_type or "").split(";")[0].strip()
    for kind in (PDF, PNG, JPEG, GIF, WEBP, HEIC, DOCX, XLSX, PPTX, ODT, ODS, ODP, MP3, M4A, OGG, WAV, MP4, MOV,
                 WEBM):
        if kind.content_type == base:
            return kind.label, kind.family
    if base == "text/csv":
        return "CSV", "sheet"
    if base.startswith("text/"):
        return "TXT", "text"
    if base.startswith("image/"):
        return "IMG", "img"
    ext = name.rsplit(".", 1)[-1].upper()[:4] if "." in name else "FILE"
    return ext, "other"


def is_image(content_type: str) -> bool:
    return (content_type or "").split(";")[0] in {PNG.content_type, JPEG.content_type, GIF.content_type,
                                                   WEBP.content_type}
