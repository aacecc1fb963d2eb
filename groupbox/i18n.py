"""The one translation function. English is the source language; German catalogues cover
reminder copy and mail for now (SPEC: "reminder copy also in German")."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("en", "de")

# Message catalogues: msgid -> translation. Extended by the areas that need German.
CATALOGUES: dict[str, dict[str, str]] = {"en": {}, "de": {}}


def register(language: str, entries: dict[str, str]) -> None:
    CATALOGUES.setdefault(language, {}).update(entries)


def gettext(msgid: str, language: str = "en", /, **kwargs: object) -> str:
    text = CATALOGUES.get(language, {}).get(msgid, msgid)
    if kwargs:
        try:
            return text.format(**kwargs)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def ngettext(singular: str, plural: str, n: int, language: str = "en", /, **kwargs: object) -> str:
    """`_n("{n} member", "{n} members", n)`: English plural rule; catalogues key on the plural."""
    return gettext(singular if n == 1 else plural, language, n=n, **kwargs)


def translator(language: str = "en") -> Callable[..., str]:
    def _(msgid: str, /, **kwargs: object) -> str:
        return gettext(msgid, language, **kwargs)

    return _


_ = translator("en")


def _n(singular: str, plural: str, n: int, /, **kwargs: object) -> str:
    return ngettext(singular, plural, n, "en", **kwargs)
