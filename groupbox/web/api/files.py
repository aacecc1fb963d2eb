"""JSON API for files (SPEC §11, §15): upload, lists, download, acknowledge, delete.

Uploads are read here as they arrive (`MultipartUpload`), not through Litestar's form parser:
that one spools the whole body before the handler runs and answers an oversized body with a
generic 413. Streaming lets the service refuse early (permission, size) with a readable
message, and nothing of a refused upload stays on disk.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import msgspec
from litestar import Request, delete, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.response import File
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from groupbox.access import Actor
from groupbox.config import Config
from groupbox.domain.files import service as files
from groupbox.domain.files import storage
from groupbox.domain.remote import sync as remote_sync
from groupbox.errors import DomainError, Invalid
from groupbox.i18n import _
from groupbox.web.auth import credentials, csrf_matches, session_token_of
from groupbox.web.openapi import NO_BODY, errors, upload
from groupbox.web.support import SIGNED_IN, config_of, secret_of

FIELD_MAX = 10_000  # bytes of one plain form field
PARTS_MAX = 20
# Upload routes check CSRF themselves (below), so the middleware must not read the body first.
UPLOAD_OPT = {"exclude_from_csrf": True}


# -- reading an upload --------------------------------------------------------------------------
class MultipartUpload:
    """One multipart/form-data request, read as it arrives: small fields into `fields`, the part
    named `file` out as a stream of chunks (never held in memory).

    CSRF (SPEC §15.1) is checked before any file byte is handed on: the `x-csrftoken` header, or
    a `_csrf_token` field that comes before the file (our forms put it first). Requests with
    `Authorization: Bearer` carry no cookie authority and are exempt, as everywhere."""

    def __init__(self, request: Request, config: Config) -> None:
        self.request = request
        self.config = config
        self.max_body = config.upload_max_bytes + 1024 * 1024  # the file plus the form around it
        self.fields: dict[str, str] = {}
        self.received = 0
        self.ended = False
        self._events = self._parse()

    # raw body ----------------------------------------------------------------------------------
    async def _receive(self) -> bytes | None:
        if self.ended:
            return None
        message = await self.request.receive()
        if message["type"] == "http.disconnect":
            self.ended = True
            raise Invalid(_("The upload was interrupted. Please try again."), field="file")
        if not message.get("more_body", False):
            self.ended = True
        body = message.get("body", b"") or b""
        self.received += len(body)
        if self.received > self.max_body:
            raise storage.too_large(self.config)
        return body

    async def drain(self) -> None:
        """Read what the client still sends (bounded), so that a browser gets our answer instead
        of a reset connection when we refuse an upload half-way."""
        limit = self.max_body * 3
        try:
            while not self.ended and self.received < limit:
                message = await self.request.receive()
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    self.ended = True
                self.received += len(message.get("body", b"") or b"")
        except Exception:  # noqa: BLE001 - a client gone away needs no answer
            self.ended = True

    # multipart events --------------------------------------------------------------------------
    async def _parse(self):
        content_type, options = self.request.content_type
        boundary = options.get("boundary")
        if content_type != "multipart/form-data" or not boundary:
            raise Invalid(_("Send the file as multipart/form-data in a field named “file”."), field="file")
        announced = self.request.headers.get("content-length")
        if announced and announced.isdigit() and int(announced) > self.max_body:
            raise storage.too_large(self.config)
        try:
            parser = PushMultipartParser(boundary, max_segment_count=PARTS_MAX)
            segment: MultipartSegment | None = None
            streaming = False
            value = bytearray()
            while not parser.closed:
                chunk = await self._receive()
                if chunk is None:
                    parser.close()  # raises when the stream stopped half-way
                    break
                if not chunk:
                    continue
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment, value = event, bytearray()
                        streaming = segment.filename is not None
                        if streaming:
                            yield ("file", segment.name, segment.filename)
                    elif event is None:
                        if streaming:
                            yield ("end", segment.name if segment else "", None)
                        elif segment is not None:
                            self.fields[segment.name] = value.decode(segment.charset or "utf-8", "replace")
                        segment, streaming = None, False
                    elif streaming:
                        yield ("data", segment.name if segment else "", bytes(event))
                    else:
                        value.extend(event)
                        if len(value) > FIELD_MAX:
                            raise Invalid(_("One of the form fields is too long."))
        except (ParserError, ParserLimitReached):
            raise Invalid(_("The upload arrived incomplete or garbled. Please try again."), field="file") from None

    async def upload(self) -> files.Upload:
        """Read up to the file part; fields before it are in `fields` already, the rest arrive
        while the service consumes the stream."""
        self._check_header_csrf()
        async for kind, name, payload in self._events:
            if kind == "file" and name == "file" and payload:
                self._check_csrf()
                return files.Upload(payload, self._file_chunks(), self.fields)
            # Other parts with a file, and an empty file input ("no file chosen"): skipped.
        self._check_csrf()
        return files.Upload(None, None, self.fields)

    async def _file_chunks(self):
        async for kind, _name, payload in self._events:
            if kind == "data":
                yield payload
            elif kind == "end":
                break
        async for _event in self._events:  # trailing fields (e.g. a checkbox after the file input)
            pass

    # CSRF --------------------------------------------------------------------------------------
    def _bearer(self) -> bool:
        auth = credentials(self.request.scope)
        return auth is not None and auth[0] == "bearer"

    def _check_header_csrf(self) -> None:
        if self._bearer():
            return
        header = self.request.headers.get("x-csrftoken")
        if header:
            self._verify(header)

    def _check_csrf(self) -> None:
        if self._bearer() or self.request.headers.get("x-csrftoken"):
            return
        self._verify(self.fields.pop("_csrf_token", ""))

    def _verify(self, submitted: str) -> None:
        cookie = self.request.cookies.get("csrftoken")
        if not csrf_matches(secret_of(self.request), submitted, cookie, session_token_of(self.request.scope)):
            raise PermissionDeniedException("CSRF token verification failed")


async def receive_upload(request: Request, actor: Actor, group_id: str) -> dict:
    """Parse the request and hand it to the service; drain the rest of the body on refusal."""
    config = config_of(request)
    reader = MultipartUpload(request, config)
    try:
        upload = await reader.upload()
        return await files.file_upload(actor, group_id, upload, config=config)
    except (DomainError, PermissionDeniedException):
        await reader.drain()
        raise


def content_disposition(name: str, inline: bool = False) -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''utf8` (RFC 6266): old clients get a
    plain fallback, everyone else the real name."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in name) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(row: dict, path, inline: bool = False) -> File:
    inline = inline and row["is_image"]  # only pictures open in the page; everything else downloads
    return File(
        path=path,
        media_type=row["content_type"],
        headers={
            "content-type": row["content_type"],  # as stored (Litestar would add a second charset)
            "content-disposition": content_disposition(row["display_name"], inline),
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-cache",
            # A downloaded document must not run anything in our origin, even if a browser renders it.
            "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        },
    )


# -- shapes -------------------------------------------------------------------------------------
class GroupRef(msgspec.Struct):
    id: str
    name: str


class FileOut(msgspec.Struct):
    id: str
    group: GroupRef
    display_name: str
    content_type: str
    size: int
    sha256: str
    type_label: str
    created_at: datetime
    uploader_id: str | None
    uploader: str
    ack_required: bool
    stays_here: bool
    acked_by_me: bool
    needs_my_ack: bool
    can_delete: bool
    url: str
    download_url: str
    ack_count: int | None = None
    ack_total: int | None = None


class FileList(msgspec.Struct):
    items: list[FileOut]


class AckEntry(msgspec.Struct):
    member_id: str
    display_name: str
    acked_at: datetime | None = None


class AckList(msgspec.Struct):
    acknowledged: list[AckEntry]
    waiting: list[AckEntry]


def file_out(row: dict) -> FileOut:
    return FileOut(
        id=row["id"], group=GroupRef(row["group"]["id"], row["group"]["name"]), display_name=row["display_name"],
        content_type=row["content_type"], size=row["size"], sha256=row["sha256"], type_label=row["type_label"],
        created_at=row["created_at"], uploader_id=row["uploader_id"], uploader=row["uploader"],
        ack_required=row["ack_required"], stays_here=bool(row["stays_here"]), acked_by_me=row["acked_by_me"],
        needs_my_ack=row["needs_my_ack"],
        can_delete=row["can_delete"], url=row["url"], download_url=f"/api/files/{row['id']}/download",
        ack_count=row["ack_count"] if row["can_see_acks"] else None,
        ack_total=row["ack_total"] if row["can_see_acks"] else None,
    )


# -- handlers -----------------------------------------------------------------------------------
@get("/api/groups/{group_id:str}/files", guards=SIGNED_IN, tags=["files"])
async def files_list(actor: Actor, group_id: str) -> FileList:
    return FileList(items=[file_out(r) for r in await files.files_list(actor, group_id)])


@post("/api/groups/{group_id:str}/files", guards=SIGNED_IN, tags=["files"], opt=UPLOAD_OPT, responses=errors(413),
      operation_class=upload("The file, and whether people must confirm they saw it.",
                             ack_required=Schema(type=OpenAPIType.STRING, description="`1` to ask for confirmation"),
                             stays_here=Schema(type=OpenAPIType.STRING,
                                               description="`1`: stays on this server (home servers get a stub)")),
      description="multipart/form-data: field `file`, optional `ack_required` and `stays_here`. 413 over the size limit, "
                  "422 for an empty file or a type off the allow-list (checked by content).")
async def files_upload(request: Request, actor: Actor, group_id: str) -> FileOut:
    return file_out(await receive_upload(request, actor, group_id))


@get("/api/files", guards=SIGNED_IN, tags=["files"])
async def files_mine(actor: Actor) -> FileList:
    return FileList(items=[file_out(r) for r in await files.files_for_person(actor)])


@get("/api/files/{file_id:str}", guards=SIGNED_IN, tags=["files"])
async def files_get(actor: Actor, file_id: str) -> FileOut:
    return file_out(await files.file_get(actor, file_id))


@get("/api/files/{file_id:str}/download", guards=SIGNED_IN, tags=["files"],
     media_type="*/*")  # the file's own type (documented as any)
async def files_download(request: Request, actor: Actor, file_id: str) -> File:
    row, path = await files.file_download(actor, file_id, config_of(request))
    return download_response(row, path)


@post("/api/files/{file_id:str}/ack", guards=SIGNED_IN, tags=["files"], status_code=200, operation_class=NO_BODY,
      responses=errors(409), opt={"bearer": True})  # a home server with a token (act:acknowledge)
async def files_ack(request: Request, actor: Actor, file_id: str) -> FileOut:
    await remote_sync.refuse_kept_here(actor, "file", file_id, config_of(request).name)
    return file_out(await files.file_ack(actor, file_id))


@get("/api/files/{file_id:str}/acks", guards=SIGNED_IN, tags=["files"])
async def files_acks(actor: Actor, file_id: str) -> AckList:
    result = await files.file_acks(actor, file_id)
    return AckList(acknowledged=[AckEntry(**e) for e in result["acknowledged"]],
                   waiting=[AckEntry(**e) for e in result["waiting"]])


@delete("/api/files/{file_id:str}", guards=SIGNED_IN, tags=["files"])
async def files_delete(request: Request, actor: Actor, file_id: str) -> None:
    await files.file_delete(actor, file_id, config_of(request))


HANDLERS = [files_list, files_upload, files_mine, files_get, files_download, files_ack, files_acks, files_delete]
