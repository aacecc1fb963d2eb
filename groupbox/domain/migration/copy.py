"""Reminder copy for the old group chat, and the words of the printed invite sheet, in English
and German (SPEC §13). Pure functions over facts; the copy lives here as data, not in the
shared catalogue, because it is written *for* the old chat in the language the admin picks.

Rules:
- Tailored to what is missing: "5 of 10 have joined" (or how many joined, without an expected
  size; nobody yet: just that the group moved), the next RSVP that exists only in groupbox with its deadline (or its start), and the
  day the old chat becomes read-only when an admin set one.
- Three tones: friendly, firm, last call. Every text ends with the invite link.
- Never a person's name: only counts, the group's name and event titles.
- Days and times in the group's timezone, weekday and month names in the chosen language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from groupbox import i18n
from groupbox.timefmt import hm, long_day

LANGUAGES = ("en", "de")
TONES = ("friendly", "firm", "last_call")
LANGUAGE_NAMES = i18n.LANGUAGE_NAMES

COPY: dict[str, dict[str, str]] = {
    "en": {
        "open.friendly": "Hi everyone! 👋",
        "open.firm": "Reminder for everyone in this chat:",
        "open.last_call": "⏰ Last call!",
        "progress.some": "{joined} of {expected} have already joined {group} on groupbox.",
        "progress.all": "All {expected} have joined {group} on groupbox — thank you!",
        "progress.count": "{joined} of us have already joined {group} on groupbox.",
        "progress.none": "{group} has moved to groupbox.",
        "event.deadline": "The RSVP for “{title}” ({when}) is only in groupbox — please answer by {deadline}.",
        "event.start": "The RSVP for “{title}” ({when}) is only in groupbox — please answer there.",
        "legacy.future": "From {day}, this chat is read-only: dates, RSVPs and news will only be in groupbox.",
        "legacy.past": "This chat is read-only now: dates, RSVPs and news are only in groupbox.",
        "why.friendly": "No app and no account needed — open the link and type your name:",
        "why.firm": "Please join now so you don't miss anything. It takes 30 seconds, no app, no account:",
        "why.last_call": "Join today — it takes 30 seconds, no app, no account:",
        "close.friendly": "See you there! 🙂",
        "close.firm": "",
        "close.last_call": "After that, updates are only in groupbox.",
        "at": "{day}, {time}",
        "sheet.title": "Join {group} on groupbox",
        "sheet.scan": "Scan the code with your phone's camera, or type the address below.",
        "sheet.or": "Or open:",
        "sheet.what": "What you get",
        "sheet.line1": "Every date and RSVP in one place — no scrolling through hundreds of messages.",
        "sheet.line2": "Official news stays on top; you see at a glance what needs you.",
        "sheet.line3": "No app and no account: open the link, type your name, done.",
        "sheet.valid": "This link works until {day}.",
    },
    "de": {
        "open.friendly": "Hallo zusammen! 👋",
        "open.firm": "Erinnerung an alle hier im Chat:",
        "open.last_call": "⏰ Letzte Erinnerung!",
        "progress.some": "{joined} von {expected} sind schon bei {group} auf groupbox dabei.",
        "progress.all": "Alle {expected} sind bei {group} auf groupbox dabei — danke!",
        "progress.count": "{joined} von uns sind schon bei {group} auf groupbox dabei.",
        "progress.none": "{group} ist jetzt auf groupbox.",
        "event.deadline": "Zu- und Absagen für „{title}“ ({when}) gibt es nur in groupbox — bitte bis {deadline} antworten.",
        "event.start": "Zu- und Absagen für „{title}“ ({when}) gibt es nur in groupbox — bitte dort antworten.",
        "legacy.future": "Ab {day} ist dieser Chat nur noch zum Lesen da: Termine, Zusagen und Neuigkeiten gibt es dann nur noch in groupbox.",
        "legacy.past": "Dieser Chat ist jetzt nur noch zum Lesen da: Termine, Zusagen und Neuigkeiten gibt es nur in groupbox.",
        "why.friendly": "Keine App, kein Konto — Link öffnen, Namen eintippen, fertig:",
        "why.firm": "Bitte tretet jetzt bei, damit ihr nichts verpasst. Dauert 30 Sekunden, ohne App und ohne Konto:",
        "why.last_call": "Heute noch beitreten — 30 Sekunden, ohne App und ohne Konto:",
        "close.friendly": "Bis gleich! 🙂",
        "close.firm": "",
        "close.last_call": "Danach gibt es Neuigkeiten nur noch in groupbox.",
        "at": "{day}, {time} Uhr",
        "sheet.title": "{group} ist jetzt auf groupbox",
        "sheet.scan": "Code mit der Handykamera scannen oder die Adresse unten eintippen.",
        "sheet.or": "Oder öffnen:",
        "sheet.what": "Was ihr davon habt",
        "sheet.line1": "Alle Termine und Zusagen an einem Ort — kein Scrollen durch Hunderte Nachrichten.",
        "sheet.line2": "Offizielles steht oben; ihr seht sofort, was euch betrifft.",
        "sheet.line3": "Keine App und kein Konto: Link öffnen, Namen eintippen, fertig.",
        "sheet.valid": "Dieser Link gilt bis {day}.",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """What the reminder may say. No personal data: counts, the group's name, one event."""

    group_name: str
    tz: str
    link: str
    joined: int
    expected: int | None = None
    event_title: str | None = None
    event_starts_at: datetime | None = None
    event_deadline: datetime | None = None
    readonly_from: datetime | None = None


def day_name(value: datetime | date, language: str, tz: str | None = None) -> str:
    """'Saturday 14 March' / 'Samstag, 14. März' (a datetime is read in `tz`)."""
    return long_day(value, tz, language)


def day_time(value: datetime, language: str, tz: str) -> str:
    """'Saturday 14 March, 10:00' / 'Samstag, 14. März, 10:00 Uhr'."""
    return COPY[language]["at"].format(day=day_name(value, language, tz), time=hm(value, tz))


def text(key: str, language: str, **values: object) -> str:
    return COPY[language][key].format(**values)


def reminder_text(language: str, tone: str, facts: Facts, reference: datetime) -> str:
    """The ready-to-paste reminder: opener, progress, the RSVP only here, the read-only day,
    why and how to join, the link, a closing line."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    if tone not in TONES:
        raise ValueError(f"tone must be one of {TONES}")
    group = facts.group_name
    lines = [text(f"open.{tone}", language)]
    if not facts.joined:
        lines.append(text("progress.none", language, group=group))  # "0 of 24" would only discourage
    elif facts.expected:
        key = "progress.all" if facts.joined >= facts.expected else "progress.some"
        lines.append(text(key, language, joined=facts.joined, expected=facts.expected, group=group))
    else:
        lines.append(text("progress.count", language, joined=facts.joined, group=group))
    if facts.event_title and facts.event_starts_at:
        when = day_time(facts.event_starts_at, language, facts.tz)
        if facts.event_deadline:
            deadline = day_time(facts.event_deadline, language, facts.tz)
            lines.append(text("event.deadline", language, title=facts.event_title, when=when, deadline=deadline))
        else:
            lines.append(text("event.start", language, title=facts.event_title, when=when))
    if facts.readonly_from:
        if facts.readonly_from > reference:
            lines.append(text("legacy.future", language, day=day_name(facts.readonly_from, language, facts.tz)))
        else:
            lines.append(text("legacy.past", language))
    lines.append(f"{text(f'why.{tone}', language)}\n{facts.link}")
    closing = text(f"close.{tone}", language)
    if closing:
        lines.append(closing)
    return "\n\n".join(lines)


def sheet_text(language: str, group_name: str, expires_at: datetime | None, tz: str) -> dict[str, object]:
    """The words of the printed invite sheet."""
    words = COPY[language if language in LANGUAGES else "en"]
    lang = language if language in LANGUAGES else "en"
    return {
        "title": words["sheet.title"].format(group=group_name),
        "scan": words["sheet.scan"],
        "or": words["sheet.or"],
        "what": words["sheet.what"],
        "lines": [words["sheet.line1"], words["sheet.line2"], words["sheet.line3"]],
        "valid": words["sheet.valid"].format(day=day_name(expires_at, lang, tz)) if expires_at else "",
        "lang": lang,
    }
