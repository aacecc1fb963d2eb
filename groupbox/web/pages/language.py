"""The language card on /me: English, Deutsch, or as the browser says."""

from __future__ import annotations

from litestar import Request, post
from litestar.response import Redirect

from groupbox import i18n
from groupbox.access import Actor
from groupbox.domain.identity import language as languages
from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.web import locale
from groupbox.web.support import SIGNED_IN, form_data, redirect


async def language_card(request: Request, actor: Actor) -> dict:
    choices = [(code, i18n.LANGUAGE_NAMES[code]) for code in i18n.LANGUAGES]
    return {"language": {"chosen": actor.language, "choices": choices}}


@post("/me/language", guards=SIGNED_IN, include_in_schema=False)
async def language_save(request: Request, actor: Actor) -> Redirect:
    form = await form_data(request)
    try:
        chosen = await languages.language_set(actor, form.get("language"))
    except Invalid as exc:
        return redirect(request, "/me#language", exc.message, kind="error")
    # The confirmation already speaks the new language (the next page will too).
    with i18n.using(locale.decide(request.scope, chosen)):
        return redirect(request, "/me#language", _("Language saved."))


HANDLERS = [language_save]
