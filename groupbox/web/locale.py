"""Which language a request speaks: the person's choice on /me, else the browser's
Accept-Language, else the instance's `language` setting. Chosen once per request (after the
actor is known) and kept in `groupbox.i18n`'s context variable for services, templates and the
error page. Nothing is ever stored from a header: only /me stores a choice."""

from __future__ import annotations

from litestar.datastructures import Headers
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from groupbox import i18n


def decide(scope: Scope, chosen: str | None) -> str:
    """The language for this request given the person's choice ('' or None: none)."""
    return i18n.choose(chosen, Headers.from_scope(scope).get("accept-language"), scope["app"].state.config.language)


def language_for(scope: Scope) -> str:
    """Decide and activate the language of this request; remembered in its scope state."""
    state = scope.setdefault("state", {})
    actor = state.get("actor")
    language = decide(scope, getattr(actor, "language", None) if actor is not None else None)
    state["language"] = language
    i18n.activate(language, scope["app"].state.config.language)
    return language


class LocaleMiddleware(ASGIMiddleware):
    """Runs after the actor middleware. Answers say their language, and that it may follow the
    browser's header (`Vary`), so a shared cache never hands German to an English browser."""

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:
        return scope["path"].startswith("/static/")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        language = language_for(scope)
        extra = [(b"content-language", language.encode()), (b"vary", b"Accept-Language")]

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in extra if h[0] != b"content-language" or h[0] not in present)]
            await send(message)

        await next_app(scope, receive, send_with_language)
