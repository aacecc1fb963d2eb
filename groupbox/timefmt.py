"""Dates and times as people read them, in a group's timezone (storage is always UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from groupbox.errors import Invalid
from groupbox.i18n import _
from groupbox.util import as_utc, now

WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
}
WEEKDAYS_LONG = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."),
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


def hm(value: datetime | None, tz: str | None) -> str:
    dt = local(value, tz)
    return dt.strftime("%H:%M") if dt else ""


def day(value: datetime | date | None, tz: str | None = None, lang: str = "en") -> str:
    """'Sat 28 Nov' (en) / 'Sa 28. Nov.' (de)."""
    if value is None:
        return ""
    dt = local(value, tz) if isinstance(value, datetime) else value
    if lang == "de":
        return f"{WEEKDAYS['de'][dt.weekday()]} {dt.day}. {MONTHS['de'][dt.month - 1]}"
    return f"{WEEKDAYS['en'][dt.weekday()]} {dt.day} {MONTHS['en'][dt.month - 1]}"


def when(value: datetime | None, tz: str | None, lang: str = "en", reference: datetime | None = None) -> str:
    """'Today 17:30', 'Tomorrow 10:00', 'Sat 10:00' within a week, else 'Sat 5 Dec 10:00'."""
    dt = local(value, tz)
    if dt is None:
        return ""
    today = local(reference or now(), tz).date()
    delta = (dt.date() - today).days
    time = dt.strftime("%H:%M")
    words = {"en": ("Today", "Tomorrow", "Yesterday"), "de": ("Heute", "Morgen", "Gestern")}[lang]
    if delta == 0:
        return f"{words[0]} {time}"
    if delta == 1:
        return f"{words[1]} {time}"
    if delta == -1:
        return f"{words[2]} {time}"
    if 0 < delta < 7:
        return f"{WEEKDAYS[lang][dt.weekday()]} {time}"
    return f"{day(dt, None, lang)} {time}"


def ago(value: datetime | None, reference: datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = int(((reference or now()) - as_utc(value)).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return "yesterday" if days == 1 else f"{days} days ago"


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
