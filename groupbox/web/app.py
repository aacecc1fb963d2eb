"""create_app(config) -> Litestar: the only place that wires things together."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware, DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from markupsafe import Markup

from groupbox import __version__
from groupbox.config import Config, load_config
from groupbox.db import bus
from groupbox.db.engine import DB
from groupbox.db.full import is_disk_full, note_full
from groupbox.domain.identity import service as identity
from groupbox.domain.remote import tokens as connection_tokens
from groupbox.errors import DomainError, RateLimited
from groupbox.i18n import _, _n
from groupbox.instance import read_secret
from groupbox.paths import static_dir, templates_dir
from groupbox.web import openapi, routes
from groupbox.web.auth import Authentication, SessionCSRF, credentials
from groupbox.web.background import Background, clean_up_after_crash
from groupbox.web.locale import LocaleMiddleware, language_for
from groupbox.web.support import provide_actor, wants_json

log = logging.getLogger("groupbox")

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
     b" font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';"
     b" frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def _public_domain(config: Config) -> bool:
    """HSTS only for a real domain name: not an IP address, localhost or a LAN-only name (a
    browser would then refuse plain http to it for a year)."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(config.base_url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    return "." in host and not host.endswith((".local", ".lan", ".home", ".internal", ".localhost", ".home.arpa"))


def security_headers(config: Config) -> Callable[[Message, Scope], Any]:
    """A before-send hook: the security headers of SPEC §16 on every HTTP response, including the
    router's own 404 and 405 answers (which no middleware sees)."""
    headers = list(SECURITY_HEADERS)
    if config.https and _public_domain(config):
        headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _value in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *(h for h in headers if h[0] not in present)]

    return add


class HeavyRoutes(ASGIMiddleware):
    """At most `HEAVY_AT_ONCE` requests to routes marked `opt=HEAVY` run at once in a worker,
    rendering and sending included; the rest wait their turn without taking the processor. A
    busy archive then costs an unrelated request a couple of page renders, not six."""

    HEAVY_AT_ONCE = 2

    def __init__(self) -> None:
        self._slots: dict[int, asyncio.Semaphore] = {}

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:
        handler = scope.get("route_handler")
        return handler is None or not handler.opt.get("heavy")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        loop = id(asyncio.get_running_loop())  # one event loop per worker; tests make several
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.HEAVY_AT_ONCE)
        async with slots:
            await next_app(scope, receive, send)


def _accepts_bearer(scope: Scope) -> bool:
    """Connection tokens open only the routes that declare it (`opt={"bearer": True}`: the sync
    protocol and remote actions), where their scopes are enforced; elsewhere they are no one."""
    handler = scope.get("route_handler")
    return bool(handler is not None and handler.opt.get("bearer"))


class ActorMiddleware(ASGIMiddleware):
    """Resolves the request's one credential (see `groupbox.web.auth`) to an `Actor` once per
    request (scope state "actor"): a session cookie, or a connection token within its scopes."""

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:
        return scope["path"].startswith("/static/") or scope["path"] == "/api/health"

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        config: Config = scope["app"].state.config
        auth = credentials(scope)
        actor = None
        if auth is not None and auth[0] == "cookie":
            actor = await identity.actor_for_session(auth[1], config.session_days)
        elif auth is not None and _accepts_bearer(scope):
            actor = await connection_tokens.actor_for_token(auth[1])
        scope.setdefault("state", {})["actor"] = actor
        await next_app(scope, receive, send)


def _status_and_detail(exc: Exception) -> tuple[int, str, dict[str, Any]]:
    if is_disk_full(exc):
        note_full()
        return 507, _("The server's disk is full, so nothing was saved. Please tell the admin."), {}
    if isinstance(exc, DomainError):
        return exc.status_code, exc.message, ({"errors": exc.errors} if exc.errors else {})
    if isinstance(exc, NotAuthorizedException):
        return 401, _("Please sign in first."), {}
    if isinstance(exc, PermissionDeniedException):
        detail = str(exc.detail)
        if "CSRF" in detail:
            return 403, _("This form has expired. Go back, reload the page and try again."), {}
        return 403, detail, {}
    if isinstance(exc, HTTPException):
        extra = {"errors": exc.extra} if exc.extra else {}
        if exc.status_code == 413:
            return 413, _("That is too large."), {}
        if exc.status_code == 404:
            return 404, _("Not found"), {}
        if exc.status_code == 405:
            return 405, _("That is not possible here."), {}
        if exc.status_code >= 500:
            return exc.status_code, _("Something went wrong on our side."), {}
        return exc.status_code, str(exc.detail), extra
    return 500, _("Something went wrong on our side. Nothing was saved; please try again."), {}


def error_handler(request: Request, exc: Exception) -> Response:
    if "language" not in request.scope.get("state", {}):
        language_for(request.scope)  # the router's own 404/405 never passed the locale middleware
    status, detail, extra = _status_and_detail(exc)
    if status == 507:
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
    elif status >= 500 and isinstance(exc, DomainError):
        # A decided answer (another server unreachable: 502), not a crash: one line, no traceback.
        log.warning("%s on %s %s: %s", status, request.method, request.url.path, exc)
    elif status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    headers = {}
    if isinstance(exc, RateLimited):
        headers["retry-after"] = str(exc.retry_after)
    if wants_json(request):
        return Response({"detail": detail, "status_code": status, **extra}, status_code=status, headers=headers)
    actor = request.scope.get("state", {}).get("actor")
    return Template(
        template_name="error.html",
        context={"status": status, "message": detail, "viewer": None, "flash": None, "nav": None,
                 "signed_in": actor is not None},
        status_code=status,
        headers=headers,
    )


def _static_hashes(root: Path) -> dict[str, str]:
    hashes = {}
    for path in root.rglob("*"):
        if path.is_file():
            hashes[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return hashes


class _SafeCSRFTemplate:
    """Litestar hands `csrf_input` to templates as a plain str, which autoescaping would print
    as text; mark it safe once here so every form can write `{{ csrf_input }}`."""

    def __init__(self, template: Any) -> None:
        self.template = template

    def render(self, *args: Any, **kwargs: Any) -> str:
        if isinstance(kwargs.get("csrf_input"), str):
            kwargs["csrf_input"] = Markup(kwargs["csrf_input"])
        return self.template.render(*args, **kwargs)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _RowsEnvironment(Environment):
    """`{{ e.title }}` on a dict (every row the pages show is one) looks the key up first. Jinja
    tries the attribute first, and on a dict that raises and catches an AttributeError each time:
    the most frequent line of a page's render (issue 17: a third of /calendar's template time).
    The same answers as Jinja's: a dict has no attributes but its methods, which still win."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class GroupboxTemplateEngine(JinjaTemplateEngine):
    def get_template(self, template_name: str) -> Any:
        return _SafeCSRFTemplate(super().get_template(template_name))


def _template_engine(config: Config) -> Callable[[], GroupboxTemplateEngine]:
    static_root = static_dir()
    hashes = _static_hashes(static_root)

    def static_url(path: str) -> str:
        digest = hashes.get(path)
        if digest is None and config.dev_mode:
            hashes.update(_static_hashes(static_root))
            digest = hashes.get(path, "0")
        return f"/static/{path}?v={digest or '0'}"

    def build() -> GroupboxTemplateEngine:
        from groupbox.web import filters

        env = _RowsEnvironment(
            loader=FileSystemLoader(str(templates_dir())),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=config.dev_mode,
        )
        env.globals.update(_=_, _n=_n, static_url=static_url, dev_mode=config.dev_mode, server_name=config.name,
                           base_url=config.base_url, version=__version__)
        filters.install(env)
        return GroupboxTemplateEngine.from_environment(env)

    return build


def _drop_automatic_options(route: Any) -> None:
    """Litestar gives every path an OPTIONS handler of its own, for CORS preflights. groupbox's
    pages and API are same-origin (other servers call it server to server, never a browser across
    origins), so OPTIONS answers 405 like any other method a path does not have: ~200 fewer
    handlers to build in every worker (a fifth of its start, ~2 MiB)."""
    kept = [handler for handler in route.route_handlers if handler.handler_name != "options_handler"
            or "OPTIONS" not in handler.http_methods or handler.fn.__module__ != "litestar.routes.http"]
    if len(kept) != len(route.route_handlers):
        route.route_handlers = kept
        route.methods.discard("OPTIONS")


class _Litestar(Litestar):
    """Litestar without the pydantic and attrs plugins it adds whenever those packages can be
    imported (pydantic comes with typer, for the CLI): groupbox's schemas are msgspec Structs, and
    the plugins cost every worker ~80 modules and ~8 MiB for nothing."""

    @staticmethod
    def _get_default_plugins(plugins: list[Any]) -> list[Any]:
        from litestar.plugins.core import MsgspecDIPlugin

        plugins.append(MsgspecDIPlugin())
        return plugins

    # Registration in one pass (issue 17, start time and memory). Litestar's `register` rebuilds the routing
    # trie after every handler and registers a path's handlers again each time the path gains a
    # method: for ~250 handlers that is quadratic, ~0.1 s of every worker's start. While __init__
    # registers, routes are only collected; afterwards each route is finished once, as Litestar's
    # `register` does it, and the trie is built once. `register` after start works as before.
    def __init__(self, **kwargs: Any) -> None:
        self._collecting = True
        try:
            super().__init__(**kwargs)
        finally:
            self._collecting = False
        from litestar._asgi.utils import get_route_handlers
        from litestar.routes import HTTPRoute, WebSocketRoute

        for route in self.routes:
            if isinstance(route, HTTPRoute):
                _drop_automatic_options(route)
            for handler in get_route_handlers(route):
                handler.on_registration(self)
            if isinstance(route, HTTPRoute):
                route.create_handler_map()
            elif isinstance(route, WebSocketRoute):
                route.handler_parameter_model = route.route_handler.create_kwargs_model(
                    path_parameters=route.path_parameters)
            for plugin in self.plugins.receive_route:
                plugin.receive_route(route)
        self.asgi_router.construct_routing_trie()

    def register(self, value: Any) -> None:
        if getattr(self, "_collecting", False):
            from litestar.router import Router

            Router.register(self, value)
            return
        super().register(value)


def create_app(config: Config | None = None) -> Litestar:
    """Build the app for one data folder. No side effects until the app starts."""
    config = config or load_config()
    secret = read_secret(config)

    background = Background(config)

    async def connect_db(app: Litestar) -> None:
        await DB.connect(config.database)
        await clean_up_after_crash(config)
        if config.background_jobs:
            await background.start()

    async def close_db(app: Litestar) -> None:
        await background.stop()
        await DB.close()

    # Static files, the health check and the (cacheable) protocol manifest carry no forms: no CSRF cookie.
    csrf = CSRFConfig(secret=secret, cookie_secure=config.https, cookie_samesite="lax", cookie_httponly=False,
                      exclude=["^/static/", "^/api/health$", r"^/\.well-known/"])

    engine_factory = _template_engine(config)
    template_config = TemplateConfig(instance=engine_factory())

    static_router = create_static_files_router(
        path="/static",
        directories=[static_dir()],
        cache_control=CacheControlHeader(max_age=31536000, public=True, immutable=True),
        opt={"public": True},
        include_in_schema=False,
        name="static",
    )

    from groupbox.web import areas
    from groupbox.web.pagecache import PageCache

    areas.check()  # every area's tab, section and card resolves now, not on a first page view
    state = State({"config": config, "secret": secret, "unread_counter": routes.unread_counter(), "page_cache": PageCache()})
    app = _Litestar(
        route_handlers=[static_router, *routes.handlers()],
        dependencies={"actor": Provide(provide_actor)},
        before_send=[security_headers(config)],
        middleware=[
            Authentication,
            DefineMiddleware(SessionCSRF, config=csrf),
            ActorMiddleware(),
            LocaleMiddleware(),
            HeavyRoutes(),
        ],
        exception_handlers={Exception: error_handler},
        # Pages shrink about 4× (a 15 KB home page is 3.4 KB) for phones on weak networks, also
        # when nothing sits in front (`serve --lan`). Files people upload and pictures are
        # already compressed or not ours to touch: they pass as they are.
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6, minimum_size=1024,
                                             exclude=[r"/download$", r"/archive/media/", r"/qr\.png$", r"^/live/"]),
        template_config=template_config,
        openapi_config=OpenAPIConfig(
            title="groupbox",
            version=__version__,
            path="/api/schema",
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
            components=openapi.SECURITY,  # the session cookie and Bearer tokens
        ),
        on_startup=[connect_db, bus.start_bus],
        on_shutdown=[bus.stop_bus, close_db],
        state=state,
        # Raised per route where larger bodies belong (the WhatsApp import).
        request_max_body_size=config.upload_max_bytes + 1024 * 1024,
        debug=False,
        # Logging is the process's (granian's factory sets it from `log_level`); Litestar's own
        # default would reset the root logger to INFO.
        logging_config=None,
    )
    openapi.document(app)  # what every /api/ route may answer because of the seams it passes
    return app


def app_from_env() -> Litestar:
    """granian's factory: the data folder comes from GROUPBOX_DATA."""
    config = load_config()
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    app.on_startup.append(_freeze_startup_heap)
    return app


def _freeze_startup_heap(app: Litestar) -> None:
    """A served worker's modules, routes and settings live as long as it does: once it has
    started they leave the cyclic collector's reach (`gc.freeze`), so a full collection walks only
    what requests left behind. Under load one ran every few seconds and walked ~100,000 objects
    for 15-38 ms, stalling every request in flight (issue 17: the dashboards' p95 and p99). Only
    in served workers (`app_from_env`): a test process builds an app per test."""
    gc.collect()
    gc.freeze()
