"""Talking to another groupbox server (docs/protocol.md): its manifest and `GET {api_base}/sync`.

Everything the other server says is untrusted. Every request has a connect timeout (5 s) and a
total deadline (`remote_timeout_seconds`), every answer a size cap (read as a stream, stopped at
`MAX_BYTES`), every page is checked field by field before anything is stored. A failure is a
`RemoteFault` carrying the connection state it puts the connection in (see `STATES`) and a
sentence for the servers page. httpx loads on the first request, not at start.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from groupbox.errors import Invalid
from groupbox.i18n import N_, _, _n
from groupbox.util import is_local_host

PROTOCOL_VERSION = "0.1"
MAX_BYTES = 8 * 1024 * 1024
CONNECT_TIMEOUT = 5.0
PAGE_LIMIT = 500
MAX_URL = 500
HOST_RE = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")
CURSOR_RE = re.compile(r"^[A-Za-z0-9_-]{0,16000}$")  # ~30 chars a group: room for 500 groups
ID_RE = re.compile(r"^[A-Za-z0-9_:.-]{1,64}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_.~+/=-]{16,512}$")
USER_AGENT = "groupbox-home/0.1"

# list name in a sync page -> object type in the cache
KINDS = {"actions": "action", "events": "event", "announcements": "announcement", "files": "file",
         "threads": "thread", "polls": "poll", "tasks": "task"}
TOMBSTONE_TYPES = set(KINDS.values()) | {"group"}
# The moment a kind is ranked by (docs/protocol.md: event start, action due, created…).
SORT_FIELD = {"event": "starts_at", "action": "due_at", "announcement": "created_at", "file": "created_at",
              "thread": "last_message_at", "poll": "closes_at", "task": "due_at"}
URL_FIELDS = ("url", "download_url")

# state -> what a person reads on the servers page (marked here, translated where shown)
STATES = {
    "ok": N_("Up to date"),
    "syncing": N_("Syncing"),
    "unreachable": N_("Server unreachable"),
    "timeout": N_("Server too slow"),
    "garbage": N_("Unreadable answer"),
    "bad_version": N_("Protocol version not supported"),
    "revoked": N_("Token revoked or expired"),
    "too_large": N_("Answer too large"),
    "cursor_backwards": N_("Server sent an inconsistent position"),
    "error": N_("Server error"),
}


class RemoteFault(Exception):
    """The other server failed us; `state` is the connection's new state, `detail` says why."""

    def __init__(self, state: str, detail: str, status: int | None = None):
        super().__init__(detail)
        self.state = state
        self.detail = detail
        self.status = status  # the HTTP status that said so, if one did


@dataclass
class Manifest:
    server_name: str
    api_base: str
    protocol_version: str
    capabilities: dict[str, bool]


@dataclass
class Page:
    cursor: str
    has_more: bool
    server_name: str
    scopes: list[str]
    token_expires_at: datetime | None
    groups: list[dict]
    objects: list[dict] = field(default_factory=list)  # {"type", "id", "group_id", "group_name", "stub", ...}
    tombstones: list[dict] = field(default_factory=list)


# -- addresses ------------------------------------------------------------------------------------
def clean_url(raw: str | None) -> str:
    """The server's address as typed: http(s), a host, no credentials; 'host:port' gets https://
    (http:// for a loopback or LAN address). Trailing slashes go."""
    text = (raw or "").strip()
    if not text:
        raise Invalid(_("Enter the server's address, e.g. https://groups.example.org."), field="url")
    if "://" not in text:
        host = text.split("/")[0].split(":")[0]
        text = ("http://" if is_local_host(host) else "https://") + text
    if len(text) > MAX_URL:
        raise Invalid(_("That address is too long."), field="url")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise Invalid(_("That is not a web address."), field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(_("The address must start with https:// (or http:// on your own network)."), field="url")
    if parts.username or parts.password:
        raise Invalid(_("Leave the user name and password out of the address."), field="url")
    if not _host_ok(parts.hostname) or any(c.isspace() or ord(c) < 32 or c == "\\" for c in text):
        raise Invalid(_("That is not a web address."), field="url")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _host_ok(host: str) -> bool:
    """A DNS name (letters, digits, hyphens; international names through IDNA) or an IP literal."""
    if ":" in host:  # IPv6, from [..]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(HOST_RE.fullmatch(ascii_host))


def clean_token(raw: str | None) -> str:
    token = (raw or "").strip()
    if not token:
        raise Invalid(_("Paste the connection token you made on that server (Me → Home servers)."), field="token")
    if not TOKEN_RE.match(token):
        raise Invalid(_("That does not look like a connection token; copy it again in one piece."), field="token")
    return token


def is_local(url: str) -> bool:
    """A loopback, private-network or link-local address (or a .local / .lan name)."""
    return is_local_host(urlsplit(url).hostname or "")


def is_insecure(url: str) -> bool:
    """Plain http, or a loopback / LAN address: allowed (people test with two local servers and
    run LAN-only installs), but shown with a warning."""
    parts = urlsplit(url)
    return parts.scheme != "https" or is_local_host(parts.hostname or "")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# -- requests -------------------------------------------------------------------------------------
async def _get(url: str, *, total: float, token: str | None = None, params: dict | None = None,
               where: list[str] | None = None) -> Any:
    """GET `url` and parse its JSON, within `total` seconds and MAX_BYTES; RemoteFault otherwise.
    Redirects are followed only without a token; `where` receives the address that answered."""
    import httpx

    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    host = urlsplit(url).netloc
    timeout = httpx.Timeout(total, connect=min(CONNECT_TIMEOUT, total))
    try:
        async with asyncio.timeout(total), httpx.AsyncClient(
                timeout=timeout, follow_redirects=token is None, max_redirects=3, trust_env=False) as client, \
                client.stream("GET", url, headers=headers, params=params) as response:
            status = response.status_code
            if where is not None:
                where.append(str(response.url))
            if status == 401:
                raise RemoteFault("revoked", _("{host} refused the token: it was revoked or has expired. "
                                               "Make a new token on that server and connect again.", host=host))
            if status >= 500:
                raise RemoteFault("error", _("{host} answered with an error ({status}); it will be tried "
                                             "again later.", host=host, status=status))
            if status != 200:
                raise RemoteFault("garbage", _("{host} answered {status} where a groupbox server answers "
                                               "200.", host=host, status=status), status)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise _too_large(host)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_BYTES:
                    raise _too_large(host)
    except RemoteFault:
        raise
    except (TimeoutError, httpx.TimeoutException):
        raise RemoteFault("timeout", _n("{host} did not answer within {n} second.",
                                        "{host} did not answer within {n} seconds.", int(total), host=host)) from None
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
        raise RemoteFault("unreachable", _("Could not reach {host} ({reason}).", host=host,
                                           reason=type(exc).__name__)) from None
    try:
        return json.loads(bytes(body))
    except ValueError:
        raise RemoteFault("garbage", _("{host} answered something that is not JSON.", host=host)) from None


def _too_large(host: str) -> RemoteFault:
    return RemoteFault("too_large", _("{host} sent more than {n} MB at once; the answer was not read.", host=host,
                                      n=MAX_BYTES // (1024 * 1024)))


def _garbage(host: str, what: str) -> RemoteFault:
    return RemoteFault("garbage", _("{host} sent an answer of the wrong shape ({what}).", host=host, what=what))


async def fetch_manifest(url: str, *, total: float = 15.0) -> Manifest:
    """`GET {url}/.well-known/group-platform.json`, checked (docs/protocol.md "Manifest").
    `api_base` keeps its path but is pinned to the origin the person typed (or the one that same
    host redirected to, http → https): the token only ever goes to the server they named, and a
    server whose configured public URL is wrong still works."""
    host = urlsplit(url).netloc
    answered: list[str] = []
    doc = await _get(f"{_origin(url)}/.well-known/group-platform.json", total=total, where=answered)
    if answered and urlsplit(answered[0]).hostname == urlsplit(url).hostname:
        url = answered[0]  # e.g. http:// redirected to https:// on the same host: the token goes there
    if not isinstance(doc, dict):
        raise _garbage(host, "manifest")
    version = doc.get("protocol_version")
    if not isinstance(version, str) or not version:
        raise _garbage(host, "protocol_version")
    if version.split(".")[0] != PROTOCOL_VERSION.split(".")[0]:
        raise RemoteFault("bad_version", _("{host} speaks protocol {theirs}; this server speaks {ours}. Update "
                                           "the older one.", host=host, theirs=version[:20], ours=PROTOCOL_VERSION))
    api_base = doc.get("api_base")
    if not isinstance(api_base, str) or urlsplit(api_base).scheme not in ("http", "https") \
            or not urlsplit(api_base).hostname:
        raise _garbage(host, "api_base")
    capabilities = doc.get("capabilities")
    if not isinstance(capabilities, dict) or not all(isinstance(k, str) for k in capabilities):
        raise _garbage(host, "capabilities")
    name = doc.get("server_name")
    base_path = urlsplit(api_base).path.rstrip("/")
    return Manifest(
        server_name=(name if isinstance(name, str) else "")[:200].strip() or host,
        api_base=(_origin(url) + base_path)[:MAX_URL],
        protocol_version=version[:16],
        capabilities={k[:40]: bool(v) for k, v in list(capabilities.items())[:40]},
    )


async def fetch_page(api_base: str, token: str, cursor: str | None, *, total: float = 15.0,
                     limit: int = PAGE_LIMIT) -> Page:
    """One page of `GET {api_base}/sync`, checked (docs/protocol.md "Sync")."""
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["since"] = cursor
    doc = await _get(f"{api_base}/sync", total=total, token=token, params=params)
    return parse_page(doc, urlsplit(api_base).netloc)


def parse_page(doc: Any, host: str) -> Page:
    if not isinstance(doc, dict):
        raise _garbage(host, "sync")
    cursor = doc.get("cursor")
    if not isinstance(cursor, str) or not CURSOR_RE.match(cursor):
        raise _garbage(host, "cursor")
    has_more = doc.get("has_more")
    if not isinstance(has_more, bool):
        raise _garbage(host, "has_more")
    server = doc.get("server") if isinstance(doc.get("server"), dict) else {}
    token = doc.get("token") if isinstance(doc.get("token"), dict) else {}
    scopes = token.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) and len(s) <= 40 for s in scopes):
        raise _garbage(host, "token.scopes")
    groups = []
    for group in _list(doc, "groups", host):
        if not isinstance(group, dict) or not _is_id(group.get("id")) or not isinstance(group.get("name"), str):
            raise _garbage(host, "groups")
        tz = group.get("timezone")
        groups.append({"id": group["id"], "name": group["name"][:200],
                       "timezone": tz[:64] if isinstance(tz, str) else ""})
    page = Page(cursor=cursor, has_more=has_more,
                server_name=(server.get("name") if isinstance(server.get("name"), str) else "")[:200].strip(),
                scopes=scopes[:20], token_expires_at=_moment(token.get("expires_at")), groups=groups)
    for key, kind in KINDS.items():
        for item in _list(doc, key, host):
            page.objects.append(_object(item, kind, host, key))
    for item in _list(doc, "tombstones", host):
        if not isinstance(item, dict) or item.get("type") not in TOMBSTONE_TYPES or not _is_id(item.get("id")):
            raise _garbage(host, "tombstones")
        page.tombstones.append({"type": item["type"], "id": item["id"],
                                "reason": str(item.get("reason", ""))[:40]})
    return page


def _list(doc: dict, key: str, host: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise _garbage(host, key)
    return value


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and bool(ID_RE.match(value))


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _object(item: Any, kind: str, host: str, key: str) -> dict:
    """One object, checked: an id, its group, an http(s) link back, a moment it changed."""
    if not isinstance(item, dict) or not _is_id(item.get("id")):
        raise _garbage(host, f"{key}.id")
    group = item.get("group")
    if not isinstance(group, dict) or not _is_id(group.get("id")) or not isinstance(group.get("name"), str):
        raise _garbage(host, f"{key}.group")
    for name in URL_FIELDS:
        if name in item and item[name] is not None and (
                not isinstance(item[name], str) or urlsplit(item[name]).scheme not in ("http", "https")):
            raise _garbage(host, f"{key}.{name}")
    updated = _moment(item.get("updated_at"))
    if updated is None:
        raise _garbage(host, f"{key}.updated_at")
    stub = item.get("stub") is True
    return {"type": kind, "id": item["id"], "group_id": group["id"], "group_name": group["name"][:200],
            "stub": stub, "sort_at": _moment(item.get(SORT_FIELD[kind])),  # a stub action keeps its due_at
            "updated_at": updated, "data": item}
