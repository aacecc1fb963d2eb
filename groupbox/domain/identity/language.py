"""The language a person chose on /me (issue 15, item 9).

Rules:
- A choice is English, Deutsch, or none ("as my browser"): none lets each browser's
  Accept-Language decide, else the instance's `language` setting.
- Only the person stores it, on /me or through the API, from a device that holds their whole
  profile. Nothing is ever stored from a browser header, and demo people have none.
"""

from __future__ import annotations

from groupbox import i18n
from groupbox.access import Actor, require_whole_profile
from groupbox.db.engine import DB
from groupbox.domain.identity.store import profiles
from groupbox.errors import Invalid
from groupbox.i18n import _

BROWSER = ""  # no choice: the browser's language, else the instance's


def clean_language(raw: str | None) -> str:
    """'de', 'en', or '' for the browser's; anything else is Invalid naming the field."""
    value = (raw or "").strip().lower()
    if value in (BROWSER, "browser"):
        return BROWSER
    if value not in i18n.LANGUAGES:
        raise Invalid(_("Choose {choices}, or your browser's language.",
                        choices=", ".join(i18n.LANGUAGE_NAMES[code] for code in i18n.LANGUAGES)), field="language")
    return value


async def language_set(actor: Actor, raw: str | None) -> str:
    """Store the person's choice; returns it ('' = as the browser)."""
    require_whole_profile(actor)
    language = clean_language(raw)
    async with DB.write():
        await profiles.profile_set_language(actor.profile_id, language)
    return language


async def language_of(profile_id: str) -> str:
    """The person's stored choice ('' = none)."""
    return await profiles.profile_language(profile_id) or BROWSER
