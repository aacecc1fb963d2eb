"""How a request is authenticated: the one seam (SPEC §15.1, §16).

A request is authenticated by exactly one of:
- the session cookie: then every unsafe method is CSRF-checked, whatever other headers it carries;
- `Authorization: Bearer <connection token>`: then no cookie is read and no CSRF applies; the
  token's scopes and memberships bound what it may do.
A request carrying both is refused with 400, on every method.

CSRF tokens are bound to the session: a token is a nonce signed together with a hash of the
session cookie it was issued for, so a token (or a token/cookie pair) taken from another session
is refused. The `csrftoken` cookie is re-issued on every response that creates or ends a
session, so a client that has just joined can post at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any, Literal

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.cookie import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import build_exclude_path_pattern, should_bypass_middleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from groupbox.i18n import _

SESSION_COOKIE = "gb_session"
AuthKind = Literal["cookie", "bearer"]
_NONCE_HEX = 32


def _cookies(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _sep, val = part.strip().partition("=")
                found.setdefault(key, val)
    return found


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
    return None


def credentials(scope: Scope) -> tuple[AuthKind, str] | None:
    """What this request authenticates with, as decided by `Authentication` (None: nothing)."""
    return scope.get("state", {}).get("auth")


class Authentication:
    """Reads the credentials once and refuses requests that carry both kinds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = _cookies(scope).get(SESSION_COOKIE)
        bearer = _bearer(scope)
        if session and bearer is not None:
            await _refuse(scope, send, 400, _("Send either the session cookie or a Bearer token, not both."))
            return
        auth: tuple[AuthKind, str] | None = None
        if bearer is not None:
            auth = ("bearer", bearer)
        elif session:
            auth = ("cookie", session)
        scope.setdefault("state", {})["auth"] = auth
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    """An answer before routing: JSON under /api/, a short page elsewhere."""
    if scope["path"].startswith("/api/") or scope["path"].startswith("/.well-known/"):
        body = json.dumps({"detail": detail, "status_code": status}).encode()
        content_type = b"application/json"
    else:
        from html import escape

        body = (f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{escape(detail)}</p>").encode()
        content_type = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# -- CSRF bound to the session ------------------------------------------------------------------
def _binding(session_token: str | None) -> str:
    return hashlib.sha256((session_token or "").encode()).hexdigest()


def _mac(secret: str, nonce: str, session_token: str | None) -> str:
    return hmac.new(secret.encode(), f"{nonce}:{_binding(session_token)}".encode(), hashlib.sha256).hexdigest()


def new_csrf_token(secret: str, session_token: str | None) -> str:
    nonce = secrets.token_hex(_NONCE_HEX // 2)
    return nonce + _mac(secret, nonce, session_token)


def csrf_token_valid(secret: str, token: str | None, session_token: str | None) -> bool:
    """Was `token` issued by this server for this session (or for no session)?"""
    if not token or len(token) != _NONCE_HEX + 64:
        return False
    nonce, mac = token[:_NONCE_HEX], token[_NONCE_HEX:]
    return hmac.compare_digest(mac, _mac(secret, nonce, session_token))


def csrf_matches(secret: str, submitted: str | None, cookie: str | None, session_token: str | None) -> bool:
    """The double-submit check: the form/header token is the cookie's, and both belong to this
    session."""
    return (csrf_token_valid(secret, submitted, session_token) and cookie is not None
            and hmac.compare_digest(submitted or "", cookie))


def session_token_of(scope: Scope) -> str | None:
    auth = credentials(scope)
    return auth[1] if auth and auth[0] == "cookie" else None


def _session_cookie_set(message: Message) -> tuple[bool, str | None]:
    """Does this response set the session cookie, and to what ('' or None when it ends it)?"""
    for name, value in message.get("headers", []):
        if name.lower() != b"set-cookie":
            continue
        text = value.decode("latin-1")
        if text.startswith(f"{SESSION_COOKIE}="):
            token = text.split(";", 1)[0].partition("=")[2].strip('"')
            ended = "max-age=0" in text.lower() or not token
            return True, None if ended else token
    return False, None


class SessionCSRF:
    """Litestar's CSRF configuration and exclusions, with tokens bound to the session."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.config = config
        self.exclude = build_exclude_path_pattern(exclude=config.exclude, middleware_cls=type(self))

    def _cookie(self, token: str) -> str:
        return Cookie(key=self.config.cookie_name, value=token, path=self.config.cookie_path,
                      secure=self.config.cookie_secure, httponly=self.config.cookie_httponly,
                      samesite=self.config.cookie_samesite, domain=self.config.cookie_domain).to_header(header="")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        auth = credentials(scope)
        if auth is not None and auth[0] == "bearer":
            await self.app(scope, receive, send)  # no cookie authority to forge
            return
        if self.exclude is not None and self.exclude.search(scope["path"]):
            await self.app(scope, receive, send)  # static files, the health check: no forms, no cookie
            return
        # Routes that check the token themselves (streamed uploads) still get it for their forms.
        excluded = should_bypass_middleware(scope=scope, scopes={"http"},  # type: ignore[arg-type]
                                            exclude_opt_key=self.config.exclude_from_csrf_key,
                                            exclude_path_pattern=None)
        session = session_token_of(scope)
        secret = self.config.secret
        cookie = _cookies(scope).get(self.config.cookie_name)
        state = ScopeState.from_scope(scope)
        valid_cookie = cookie if csrf_token_valid(secret, cookie, session) else None
        if not excluded and scope["method"] not in self.config.safe_methods:
            submitted = await self._submitted(scope, receive)
            if not csrf_matches(secret, submitted, valid_cookie, session):
                raise PermissionDeniedException("CSRF token verification failed")
        token = valid_cookie or new_csrf_token(secret, session)
        state.csrf_token = token
        await self.app(scope, receive, self._wrap(send, secret, token if token != cookie else None))

    async def _submitted(self, scope: Scope, receive: Receive) -> str | None:
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        header = request.headers.get(self.config.header_name)
        if header:
            return header
        content_type, _params = request.content_type
        if content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            form = await request.form()
            value = form.get("_csrf_token")
            return value if isinstance(value, str) else None
        return None

    def _wrap(self, send: Send, secret: str, fresh: str | None) -> Send:
        """Sets the cookie when the request had no valid one, and re-issues it bound to the new
        session whenever the response starts or ends one."""

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                changed, new_session = _session_cookie_set(message)
                token = new_csrf_token(secret, new_session) if changed else fresh
                if token is not None:
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("set-cookie", self._cookie(token))
            await send(message)

        return send_wrapper
