"""JSON twin of the language card on /me."""

from __future__ import annotations

import msgspec
from litestar import Request, get, put

from groupbox import i18n
from groupbox.access import Actor
from groupbox.domain.identity import language as languages
from groupbox.web import locale
from groupbox.web.support import SIGNED_IN


class LanguageIn(msgspec.Struct):
    language: str  # "en", "de", or "" for the browser's


class LanguageOut(msgspec.Struct):
    language: str  # the stored choice; "" = as the browser says
    effective: str  # what this request speaks
    available: list[str]


def _out(chosen: str, request: Request) -> LanguageOut:
    return LanguageOut(chosen, locale.decide(request.scope, chosen), list(i18n.LANGUAGES))


@get("/api/me/language", guards=SIGNED_IN, tags=["identity"])
async def language_get(request: Request, actor: Actor) -> LanguageOut:
    return _out(await languages.language_of(actor.profile_id), request)


@put("/api/me/language", guards=SIGNED_IN, tags=["identity"])
async def language_put(request: Request, actor: Actor, data: LanguageIn) -> LanguageOut:
    chosen = await languages.language_set(actor, data.language)
    return _out(chosen, request)


HANDLERS = [language_get, language_put]
