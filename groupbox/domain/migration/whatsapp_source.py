"""Reading a WhatsApp export from disk: a `.txt` file or a `.zip` checked up front (SPEC §13).

The parser in `whatsapp.py` reads through this; the importer also streams the chat's raw bytes
(for the duplicate check) and the zip's media. See `whatsapp.py` for the rules on encodings and
zips; they are enforced here. Nothing is ever extracted to disk by this module.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from groupbox.domain.migration.whatsapp_phrases import LANGUAGES

MAX_TOTAL_BYTES = 500 * 2**20
MAX_MEDIA_BYTES = 100 * 2**20
MAX_MEMBERS = 100_000
BOMB_RATIO = 100  # unpacked:packed, checked for members above BOMB_MIN_BYTES
BOMB_MIN_BYTES = 2**20
MAX_LINE = 2**20  # characters; WhatsApp itself caps a message at 65 536
CHUNK = 2**20  # bytes per read when streaming raw chat text or media
_SNIFF_BYTES = 64 * 1024


class WhatsAppImportError(ValueError):
    """The export is refused whole; `message` is short and fit to show in the UI."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _chat_file_patterns() -> list[re.Pattern[str]]:
    """"WhatsApp Chat with {name}" and its translations (whatsapp_phrases), longest first."""
    shapes = {shape for table in LANGUAGES.values() for shape in table.get("chat_file", ())}
    return [
        re.compile(r"\s*".join(re.escape(part) for part in before.split()) + r"\s*(.+?)\s*"
                   + r"\s*".join(re.escape(part) for part in after.split()), re.I)
        for before, _, after in (shape.partition("{name}") for shape in sorted(shapes, key=len, reverse=True))
    ]


_CHAT_FILE_PATTERNS = _chat_file_patterns()


class ExportSource:
    """A chat export opened for reading: a `.txt` file, or a `.zip` checked up front."""

    def __init__(
        self,
        path: Path,
        encoding: str,
        chat_name_hint: str | None,
        zip_file: zipfile.ZipFile | None = None,
        chat: zipfile.ZipInfo | None = None,
        media: dict[str, zipfile.ZipInfo] | None = None,
        max_media_bytes: int = MAX_MEDIA_BYTES,
    ):
        self.path = path
        self.encoding = encoding
        self.chat_name_hint = chat_name_hint
        self._zip = zip_file
        self._chat = chat
        self._media = media or {}
        self._max_media_bytes = max_media_bytes

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_media_bytes: int = MAX_MEDIA_BYTES,
    ) -> ExportSource:
        path = Path(path)
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                head = f.read(_SNIFF_BYTES)
        except OSError as exc:
            raise WhatsAppImportError("The file could not be read.") from exc
        if size == 0 or not head:
            raise WhatsAppImportError("The file is empty.")
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")) or path.suffix.lower() == ".zip":
            return cls._open_zip(path, size, max_total_bytes, max_media_bytes)
        return cls(path, _sniff_encoding(head), _chat_name_hint(path.name))

    @classmethod
    def _open_zip(
        cls, path: Path, size: int, max_total_bytes: int, max_media_bytes: int
    ) -> ExportSource:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise WhatsAppImportError("The zip file is damaged or incomplete.") from exc
        try:
            chat, media = _check_zip(zf, size, max_total_bytes)
            with zf.open(chat) as raw:
                head = raw.read(_SNIFF_BYTES)
            if not head:
                raise WhatsAppImportError("The chat file in the zip is empty.")
            hint = _chat_name_hint(_basename(chat.filename)) or _chat_name_hint(path.name)
            return cls(path, _sniff_encoding(head), hint, zf, chat, media, max_media_bytes)
        except WhatsAppImportError:
            zf.close()
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            zf.close()
            raise WhatsAppImportError("The zip file is damaged or incomplete.") from exc

    def lines(self) -> Iterator[str]:
        """Each call streams the chat text afresh, one line at a time."""
        with self._open_text() as text:
            readline = text.readline
            while True:
                try:
                    line = readline(MAX_LINE)
                except UnicodeDecodeError as exc:
                    raise WhatsAppImportError(_NOT_UTF8) from exc
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                    raise WhatsAppImportError("The zip file is damaged or incomplete.") from exc
                if not line:
                    return
                if line[-1] == "\n":
                    line = line[:-1]
                elif len(line) >= MAX_LINE:
                    raise WhatsAppImportError(
                        "The file has a line longer than WhatsApp allows; "
                        "this does not look like an export."
                    )
                yield line

    def chat_bytes(self) -> Iterator[bytes]:
        """The chat text's raw bytes in chunks (the importer hashes them to spot a repeat)."""
        try:
            with self._open_raw() as raw:
                while chunk := raw.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise WhatsAppImportError("The zip file is damaged or incomplete.") from exc

    def _open_raw(self) -> BinaryIO:
        if self._zip is None:
            return open(self.path, "rb")  # noqa: SIM115
        return self._zip.open(self._chat)  # type: ignore[return-value]

    def _open_text(self) -> io.TextIOBase:
        if self._zip is None:
            return open(self.path, encoding=self.encoding, newline=None)  # noqa: SIM115
        return io.TextIOWrapper(self._zip.open(self._chat), encoding=self.encoding, newline=None)

    def media_names(self) -> list[str]:
        return sorted(self._media)

    def open_media(self, name: str) -> BinaryIO:
        info = self._media.get(name)
        if info is None or self._zip is None:
            raise WhatsAppImportError(f"The export has no file named {name!r}.")
        if info.file_size > self._max_media_bytes:
            raise WhatsAppImportError(f"The file {name!r} is too large to import.")
        # zipfile stops at the declared size and checks the CRC at the end.
        return self._zip.open(info)  # type: ignore[return-value]

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_NOT_UTF8 = "The chat file is not UTF-8 text. Export the chat again from WhatsApp, unedited."
_DRIVE_RE = re.compile(r"[A-Za-z]:")


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise WhatsAppImportError(_NOT_UTF8)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise WhatsAppImportError(_NOT_UTF8)  # UTF-16 without a BOM, or binary
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        raise WhatsAppImportError(_NOT_UTF8) from None
    return "utf-8-sig"


def _basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _chat_name_hint(filename: str) -> str | None:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    for pattern in _CHAT_FILE_PATTERNS:
        m = pattern.fullmatch(stem.strip())
        if m and m[1].strip():
            return m[1].strip()
    return None


def _unsafe(name: str) -> bool:
    n = name.replace("\\", "/")
    return "\x00" in n or n.startswith("/") or bool(_DRIVE_RE.match(n)) or ".." in n.split("/")


def _check_zip(
    zf: zipfile.ZipFile, size: int, max_total_bytes: int
) -> tuple[zipfile.ZipInfo, dict[str, zipfile.ZipInfo]]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise WhatsAppImportError("The zip has too many files to be a chat export.")
    total = 0
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        if _unsafe(info.filename) or stat.S_ISLNK(info.external_attr >> 16):
            raise WhatsAppImportError("The zip contains an unsafe file path and was refused.")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise WhatsAppImportError("The zip is password-protected.")
        if info.header_offset + info.compress_size > size:
            raise WhatsAppImportError("The zip file is damaged or incomplete.")
        if info.file_size > BOMB_MIN_BYTES and info.file_size > BOMB_RATIO * max(
            info.compress_size, 1
        ):
            raise WhatsAppImportError("The zip is packed suspiciously tightly and was refused.")
        total += info.file_size
        if total > max_total_bytes:
            raise WhatsAppImportError("The zip is too large when unpacked.")
        base = _basename(info.filename)
        if not info.filename.startswith("__MACOSX/") and not base.startswith("._"):
            files.append(info)
    chat = _chat_member(files)
    media: dict[str, zipfile.ZipInfo] = {}
    for info in files:
        if info is not chat:
            media.setdefault(_basename(info.filename), info)
    return chat, media


def _chat_member(files: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    texts = [i for i in files if i.filename.lower().endswith(".txt")]
    for info in texts:
        if _basename(info.filename) == "_chat.txt":
            return info
    for info in texts:
        if _chat_name_hint(_basename(info.filename)) is not None:
            return info
    if len(texts) == 1:
        return texts[0]
    raise WhatsAppImportError("The zip has no WhatsApp chat text file.")
