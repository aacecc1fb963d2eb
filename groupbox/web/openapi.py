"""The OpenAPI document at /api/schema (SPEC §15): what the routes take and answer.

Most of it comes from the msgspec Structs of the handlers. Added here:
- the answers every route may give because of the seams it passes, whatever it does itself
  (`document`): 400 a malformed request or two credentials, 401 not signed in, 403 not allowed
  or no CSRF token, 404 an unknown or invisible id in the path, 422 invalid input, 507 a full
  disk on a write. What only some routes answer (409, 410, 413, 429, a 200 beside the 201) is
  declared on their decorators with `responses=errors(...)`;
- the security schemes: the session cookie and a Bearer connection token (only on the routes
  that declare `opt={"bearer": True}`);
- request bodies for routes that read the body themselves or take none: `operation_class=NO_BODY`
  (`{}` or nothing) or `operation_class=upload(...)` (multipart with a binary `file`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
    SecurityScheme,
)

from groupbox.web.auth import SESSION_COOKIE


class ErrorBody(msgspec.Struct):
    """Every JSON error: `errors` names fields (422) or lists what the request's shape got
    wrong (400)."""

    detail: str
    status_code: int
    errors: dict[str, str] | list[dict[str, Any]] | None = None


DESCRIPTIONS = {
    400: "Malformed request (not JSON, a field of the wrong type), or a session cookie and a Bearer token together",
    401: "Not signed in, or the session or token is not valid",
    403: "Not allowed for your role, or the CSRF token is missing or from another session",
    404: "Unknown, or not visible to you",
    409: "Conflicts with the current state",
    410: "Used up, expired or revoked",
    413: "Too large",
    422: "Invalid input; `errors` names the fields",
    429: "Too many attempts; try again after `Retry-After` seconds",
    507: "The server's disk is full; nothing was saved",
}


def errors(*codes: int, **described: str) -> dict[int, ResponseSpec]:
    """`responses=` for a decorator: these error answers, with the standard or a given
    description (`errors(409, _409="Slot full")`)."""
    return {code: ResponseSpec(ErrorBody, generate_examples=False,
                               description=described.get(f"_{code}", DESCRIPTIONS[code])) for code in codes}


# -- request bodies the handler reads itself ----------------------------------------------------
def _with_body(body: RequestBody) -> type[Operation]:
    @dataclass
    class WithBody(Operation):
        def __post_init__(self) -> None:
            if self.request_body is None:
                self.request_body = body

    return WithBody


NO_BODY = _with_body(RequestBody(
    content={"application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT))},
    required=False, description="Nothing is needed: send `{}` or no body (anything else is ignored).",
))


def upload(description: str, **fields: Schema) -> type[Operation]:
    """multipart/form-data with a binary `file` (required) and these plain fields."""
    schema = Schema(type=OpenAPIType.OBJECT, required=["file"], properties={
        "file": Schema(type=OpenAPIType.STRING, format="binary", description="The file itself."), **fields})  # type: ignore[arg-type]
    return _with_body(RequestBody(content={"multipart/form-data": OpenAPIMediaType(schema=schema)}, required=True,
                                  description=description))


@functools.cache  # one subclass per operation class, not one per route: a dataclass costs ~1.5 ms at start
def _http_dates(base: type[Operation]) -> type[Operation]:
    """Litestar documents a file's Last-Modified as an RFC 3339 date-time, but HTTP sends an
    RFC 7231 date ("Fri, 04 Dec 2026 16:40:15 GMT"): say what is really sent."""

    @dataclass
    class HttpDates(base):  # type: ignore[valid-type, misc]
        def __post_init__(self) -> None:
            if hasattr(base, "__post_init__"):
                base.__post_init__(self)  # type: ignore[attr-defined]
            for response in (self.responses or {}).values():
                header = (getattr(response, "headers", None) or {}).get("last-modified")
                if header is not None:
                    header.schema = Schema(type=OpenAPIType.STRING, description="An HTTP date (RFC 7231)")

    return HttpDates


# -- what every route may answer ----------------------------------------------------------------
SECURITY = Components(security_schemes={
    "session": SecurityScheme(type="apiKey", name=SESSION_COOKIE, security_scheme_in="cookie",
                              description="The browser session. Unsafe methods also need the `x-csrftoken` header"
                                          " (the `csrftoken` cookie's value, bound to this session)."),
    "bearer": SecurityScheme(type="http", scheme="bearer",
                             description="A connection token (`POST /api/connection-tokens`), only where a route"
                                         " says so; never together with the session cookie."),
})
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _shared_statuses(handler: Any, route: Any) -> set[int]:
    guarded = bool(handler.guards)
    unsafe = bool(set(handler.http_methods) & UNSAFE)
    codes = {400}
    if unsafe and not guarded:
        codes.add(429)  # public writes (claim, pairing, recovery, passkeys) are limited per address
    if guarded:
        codes |= {401, 403}
    if unsafe:
        codes |= {403, 422, 507}
    path_names = {getattr(p, "name", p) for p in route.path_parameters}
    if path_names:
        codes.add(404)
    if set(handler.parsed_fn_signature.parameters) - path_names - {"request", "actor", "data", "state", "scope"}:
        codes.add(422)  # query parameters are cleaned by the services
    return codes


def _security(handler: Any) -> list[dict[str, list[str]]] | None:
    names = {getattr(guard, "__name__", "") for guard in handler.guards or []}
    schemes = []
    if "signed_in" in names:
        schemes.append({"session": []})
    if handler.opt.get("bearer") or "bearer_token" in names:
        schemes.append({"bearer": []})
    return schemes or None


def document(app: Litestar) -> None:
    """Add the shared answers and the security requirement to every /api/ route of this app
    (the app's own copies of the handlers; a decorator's own `responses=` win)."""
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            shared = errors(*sorted(_shared_statuses(handler, route)))
            handler.responses = {**shared, **(handler.responses or {})}
            handler.security = _security(handler) or handler.security
            handler.operation_class = _http_dates(handler.operation_class)
