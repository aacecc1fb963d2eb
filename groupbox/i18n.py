"""The one translation function, over gettext catalogs made with Babel (`make messages`).

English is the source language: a msgid is the English text, with `{name}` placeholders filled
by keyword (`_("Hi {name}", name=x)`) and plurals through `_n(singular, plural, n, ...)`, which
also passes `n`. German lives in `groupbox/locale/de/LC_MESSAGES/messages.po` (compiled to the
`.mo` beside it, shipped in the package; a checkout whose `.po` is newer compiles it in memory).

Which language: a request's is chosen once (`groupbox.web.locale`) from the person's choice on
/me, else the browser's Accept-Language, else the instance's `language` setting, and kept in a
context variable, so services, templates and error pages all speak it without passing it around.
Background work (mail, digests) sets it per recipient with `using(...)`. Text stored for several
people (notification titles) is made with `lazy(...)` and rendered in each one's language.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "de")
SOURCE = "en"
# Each language in its own words, for the choice on /me and the reminder copy.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

# How the functions below are called, for Babel's extraction (`make messages`): the msgid is the
# first argument; `_n` and `ngettext` take the singular and the plural.
KEYWORDS = {"_": None, "_n": (1, 2), "N_": None, "lazy": None, "gettext": None, "ngettext": (1, 2)}

_current: ContextVar[str] = ContextVar("groupbox_language", default=SOURCE)
_default: ContextVar[str] = ContextVar("groupbox_default_language", default=SOURCE)


# -- catalogs -----------------------------------------------------------------------------------
@cache
def catalog(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of `language`; the source language (and any unknown one) is the
    identity with English plural rules."""
    if language == SOURCE or language not in LANGUAGES:
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and not (po.exists() and po.stat().st_mtime > mo.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if po.exists():  # a checkout where someone edited the .po and has not run `make messages`
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as handle:
            compiled = io.BytesIO()
            write_mo(compiled, read_po(handle, locale=language))
        compiled.seek(0)
        return _gettext.GNUTranslations(compiled)
    return _gettext.NullTranslations()


def _format(text: str, kwargs: dict[str, object]) -> str:
    if not kwargs:
        return text
    try:
        return text.format(**kwargs)
    except (KeyError, IndexError, ValueError):
        return text


# -- which language -----------------------------------------------------------------------------
def current() -> str:
    """The language this request (or this background step) speaks."""
    return _current.get()


def default() -> str:
    """The instance's language (the `language` setting), for people who chose none."""
    return _default.get()


def supported(language: str | None) -> str | None:
    """`language` if we speak it ('de', 'DE', 'de-AT' -> 'de'), else None."""
    primary = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else None


_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an Accept-Language header (RFC 9110: q-values, q=0 means
    "not this one", ties keep the header's order), or None when it names none of them."""
    choices: list[tuple[float, int, str]] = []
    refused: set[str] = set()
    for index, part in enumerate((accept_language or "")[:500].split(",")):
        match = _RANGE.match(part)
        if not match or match.group(1) == "*":
            continue
        try:
            quality = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        language = supported(match.group(1))
        if language is None:
            continue
        if quality <= 0:
            refused.add(language)
        else:
            choices.append((-min(quality, 1.0), index, language))
    for _quality, _index, language in sorted(choices):
        if language not in refused:
            return language
    return None


def choose(chosen: str | None, accept_language: str | None, fallback: str) -> str:
    """The person's own choice, else their browser's, else the instance's."""
    return supported(chosen) or negotiate(accept_language) or supported(fallback) or SOURCE


def activate(language: str, fallback: str | None = None) -> None:
    """Speak `language` from here on in this context (a request's middleware: each request runs
    in a context of its own, and its error page after the handler must still speak it)."""
    _current.set(supported(language) or SOURCE)
    if fallback is not None:
        _default.set(supported(fallback) or SOURCE)


@contextmanager
def using(language: str | None, fallback: str | None = None) -> Iterator[str]:
    """Speak `language` (None: the instance default) inside the block: one recipient's mail."""
    default_token = _default.set(supported(fallback) or SOURCE) if fallback is not None else None
    chosen = supported(language) or _default.get()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)
        if default_token is not None:
            _default.reset(default_token)


# -- translating --------------------------------------------------------------------------------
@cache
def _lookup(language: str) -> Callable[[str], str]:
    """The catalog's lookup of `language`; the source language's is the msgid itself."""
    if language == SOURCE or language not in LANGUAGES:
        return _itself
    return catalog(language).gettext


def _itself(msgid: str) -> str:
    return msgid


def gettext(msgid: str, language: str | None = None, /, **kwargs: object) -> str:
    """`msgid` in `language` (default: the current one), placeholders filled from `kwargs`."""
    text = _lookup(language or _current.get())(msgid)
    return _format(text, kwargs) if kwargs else text


def ngettext(singular: str, plural: str, n: int, language: str | None = None, /, **kwargs: object) -> str:
    """`_n("{n} member", "{n} members", n)`: the language's plural rule picks the form; `n` is
    one of the placeholders."""
    return _format(catalog(language or _current.get()).ngettext(singular, plural, n), {"n": n, **kwargs})


def translator(language: str | None = None) -> Callable[..., str]:
    """A `_` bound to one language (None: whichever is current when it is called)."""

    def translate(msgid: str, /, **kwargs: object) -> str:
        return gettext(msgid, language, **kwargs)

    return translate


def _(msgid: str, /, **kwargs: object) -> str:
    # gettext() spelled out: the most frequent call of a page's render (300 on a group's dashboard).
    text = _lookup(_current.get())(msgid)
    return _format(text, kwargs) if kwargs else text


def _n(singular: str, plural: str, n: int, /, **kwargs: object) -> str:
    return ngettext(singular, plural, n, None, **kwargs)


def N_(msgid: str) -> str:  # noqa: N802 - gettext's name for "extract this, translate it later"
    """Marks a string for the catalog where it is defined (labels in tables, role names);
    `_()` translates it where it is shown."""
    return msgid


class Lazy:
    """A message rendered when it is shown, in the language current then: for text made once and
    shown to several people (a notification's title and body, for each recipient)."""

    __slots__ = ("msgid", "kwargs")

    def __init__(self, msgid: str, kwargs: dict[str, object]) -> None:
        self.msgid = msgid
        self.kwargs = kwargs

    def render(self, language: str | None = None) -> str:
        values = {k: (v.render(language) if isinstance(v, Lazy) else v) for k, v in self.kwargs.items()}
        return gettext(self.msgid, language, **values)

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    def __repr__(self) -> str:
        return f"lazy({self.msgid!r})"


class Deferred(Lazy):
    """Text a function makes in the language current when it is shown (a date, a time)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], str]) -> None:
        super().__init__("", {})
        self.make = make

    def render(self, language: str | None = None) -> str:
        with using(language or _current.get()):
            return self.make()

    def __repr__(self) -> str:
        return f"deferred({self.make!r})"


def number(value: int | float | None, language: str | None = None) -> str:
    """'12,345' / '12.345': a count as the language writes it."""
    from babel.numbers import format_decimal

    return format_decimal(value or 0, locale=language or _current.get())


def lazy(msgid: str, /, **kwargs: object) -> Lazy:
    return Lazy(msgid, kwargs)


def deferred(make: Callable[[], str]) -> Deferred:
    return Deferred(make)


def render(text: str | Lazy | None, language: str | None = None) -> str | None:
    """A plain string or a lazy message, as text in `language` (default: the current one)."""
    if isinstance(text, Lazy):
        return text.render(language)
    return text
