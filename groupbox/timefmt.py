"""Dates and times as people read them, in a group's timezone (storage is always UTC), in the
current language through Babel's CLDR data: "Sat 28 Nov" / "Sa., 28. Nov.", 24-hour times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from groupbox import i18n
from groupbox.errors import Invalid
from groupbox.i18n import _, _n
from groupbox.util import as_utc, now

# CLDR patterns per language. English keeps the day-month order and 24-hour clock groupbox has
# always shown; German is what a German calendar prints.
PATTERNS = {
    "en": {"day": "EEE d MMM", "day_year": "EEE d MMM y", "long_day": "EEEE d MMMM", "long_day_year": "EEEE d MMMM y",
           "weekday": "ccc", "weekday_long": "cccc", "month_year": "LLLL y", "soon": "EEE"},
    "de": {"day": "EEE, d. MMM", "day_year": "EEE, d. MMM y", "long_day": "EEEE, d. MMMM",
           "long_day_year": "EEEE, d. MMMM y", "weekday": "ccc", "weekday_long": "cccc", "month_year": "LLLL y",
           "soon": "EEE"},
}


@cache
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:  # an unknown zone name never breaks a page
        return ZoneInfo("UTC")


def local(value: datetime | None, tz: str | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(value).astimezone(zone(tz))


def _language(lang: str | None) -> str:
    return i18n.supported(lang) or i18n.current()


@lru_cache(maxsize=2048)
def _date_text(value: date, kind: str, language: str) -> str:
    # Pages show the same few days many times: Babel once per day, kind and language. (Babel loads
    # with the first date shown, not when a worker starts.)
    from babel.dates import format_date

    return format_date(value, PATTERNS[language][kind], locale=language)


def date_text(value: datetime | date | None, kind: str, tz: str | None = None, lang: str | None = None) -> str:
    """A day in one of the PATTERNS (a datetime is read in `tz`)."""
    if value is None:
        return ""
    moment = local(value, tz) if isinstance(value, datetime) else value
    return _date_text(moment.date() if isinstance(moment, datetime) else moment, kind, _language(lang))


def hm(value: datetime | None, tz: str | None) -> str:
    """'17:30': both languages read the 24-hour clock."""
    dt = local(value, tz)
    return f"{dt.hour:02d}:{dt.minute:02d}" if dt else ""


def day(value: datetime | date | None, tz: str | None = None, lang: str | None = None) -> str:
    """'Sat 28 Nov' (en) / 'Sa., 28. Nov.' (de)."""
    return date_text(value, "day", tz, lang)


def long_day(value: datetime | date | None, tz: str | None = None, lang: str | None = None) -> str:
    """'Saturday 28 November' / 'Samstag, 28. November'."""
    return date_text(value, "long_day", tz, lang)


def weekday(value: datetime | date | None, width: str = "short", tz: str | None = None) -> str:
    """'Sat' / 'Sa' (short, no dot), or 'Saturday' / 'Samstag' (long)."""
    return date_text(value, "weekday_long" if width == "long" else "weekday", tz)


def month_year(value: datetime | date | None, tz: str | None = None) -> str:
    """'November 2026'."""
    return date_text(value, "month_year", tz)


def when(value: datetime | None, tz: str | None, lang: str | None = None, reference: datetime | None = None) -> str:
    """'Today 17:30', 'Tomorrow 10:00', 'Sat 10:00' within a week, else 'Sat 5 Dec 10:00'
    (German: 'Heute 17:30', 'Sa. 10:00', 'Sa., 5. Dez. 10:00')."""
    if value is None:
        return ""
    place = zone(tz)
    return _when(value, place, _language(lang), as_utc(reference or now()).astimezone(place).date())


@lru_cache(maxsize=4096)
def _when(value: datetime, place: ZoneInfo, language: str, today: date) -> str:
    # A page shows the same few moments many times (a sheet's slots, an event on every card), and
    # a render asks for dozens: the words once per moment, zone, language and day.
    dt = as_utc(value).astimezone(place)
    delta = (dt.date() - today).days
    time = f"{dt.hour:02d}:{dt.minute:02d}"
    if delta == 0:
        return i18n.gettext("Today {time}", language, time=time)
    if delta == 1:
        return i18n.gettext("Tomorrow {time}", language, time=time)
    if delta == -1:
        return i18n.gettext("Yesterday {time}", language, time=time)
    if 0 < delta < 7:
        return f"{date_text(dt, 'soon', None, language)} {time}"
    return f"{date_text(dt, 'day', None, language)} {time}"


def ago(value: datetime | None, reference: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago' in the current language."""
    if value is None:
        return ""
    seconds = int(((reference or now()) - as_utc(value)).total_seconds())
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _n("{n} min ago", "{n} min ago", seconds // 60)
    if seconds < 86400:
        return _n("{n} h ago", "{n} h ago", seconds // 3600)
    days = seconds // 86400
    return _("yesterday") if days == 1 else _n("{n} day ago", "{n} days ago", days)


# Every date-time a person types lands between these (after conversion to UTC). Wider than any
# real plan, narrow enough that moving a value by days or to another zone never overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2201, 1, 1, tzinfo=UTC)  # exclusive: all of 2200 is allowed


class OutOfRange(ValueError):
    """A date-time that parses but lies outside EARLIEST..LATEST."""


def parse_local(value: str | datetime | None, tz: str) -> datetime | None:
    """ISO 8601 with offset, or naive = the group's timezone (SPEC §15.1); a datetime object is
    read the same way. Returns aware UTC. Raises ValueError for text that is not a date-time,
    OutOfRange (also a ValueError) for one outside the years 1900..2200."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        text = str(value).strip()
        if not text:
            return None
        raw = text.replace(" ", "T", 1) if "T" not in text else text
        if raw.endswith("Z"):
            raw = raw[:-1] + "+00:00"
        value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz))
    try:
        value = as_utc(value)
    except OverflowError:  # year 1 or 9999 pushed past datetime's range by the offset
        raise OutOfRange(value.isoformat()) from None
    if not EARLIEST <= value < LATEST:
        raise OutOfRange(value.isoformat())
    return value


def clean_moment(raw: str | datetime | None, tz: str, field: str, *, example: str = "2026-05-28 18:00") -> datetime | None:
    """`parse_local` for one input field: a clear Invalid naming the field instead of ValueError."""
    try:
        return parse_local(raw, tz)
    except OutOfRange:
        raise Invalid(_("Enter a date between {first} and {last}.", first=EARLIEST.year, last=LATEST.year - 1),
                      field=field) from None
    except ValueError:
        raise Invalid(_("Enter a date and time, e.g. {example}.", example=example), field=field) from None


def start_of_local_day(value: datetime, tz: str) -> datetime:
    dt = local(value, tz)
    return as_utc(dt.replace(hour=0, minute=0, second=0, microsecond=0))


def days_between(a: datetime, b: datetime) -> float:
    return (as_utc(b) - as_utc(a)) / timedelta(days=1)
