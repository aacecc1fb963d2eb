"""Sending mail: SMTP when configured, otherwise (development) the console and DATA/outbox/.

Rules:
- Only verified addresses get mail (callers pass verified addresses; `deliver_pending` checks).
- Immediate notifications younger than a day are mailed one by one shortly after they happen;
  older ones that were never mailed (say, from before the address was confirmed) wait for the
  digest instead of arriving as a burst. Digest ones are collected into one mail per person per
  day; muted ones were never written. Nothing links to an object that was deleted since.
- Each notification is claimed (`mailed_at` set) before sending, so two workers never mail it
  twice; a failed send is released for a later retry (at most 5 attempts).
- Every mail is `multipart/alternative`: the text as written and a simple HTML part (inline
  styles, no images, everything escaped) with the same content. Notification mails carry
  `List-Unsubscribe` with a one-click URL (RFC 8058) that mutes their category for that person;
  sign-in and confirmation mails carry none (the person asked for them).
- Headers round-trip through any RFC 2047 decoder, and `.eml` files have CRLF line endings as
  on the wire.

The HTML part is rendered from `templates/mail/` with a Jinja environment of its own: mail is
delivery, like SMTP, so it lives here rather than in a controller.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from groupbox import i18n
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.notify import service as notify
from groupbox.domain.notify import store
from groupbox.i18n import _, _n
from groupbox.util import create_private, new_id, now

if TYPE_CHECKING:
    from email.message import EmailMessage

log = logging.getLogger("groupbox.mail")
MAX_ATTEMPTS = 5
# Immediate notifications older than this are not mailed one by one any more: the digest takes them.
IMMEDIATE_WINDOW = timedelta(days=1)
DIGEST_MAX_ITEMS = 50


@cache
def _policy():
    # CRLF as on the wire. Headers we fold ourselves (`set_raw`) are written as they are: the
    # standard folder drops the space between two encoded words ("Frost – Grüße" → "Frost –Grüße")
    # and would cut a List-Unsubscribe URL into encoded words. (The email package and smtplib load
    # with the first mail, not when a worker starts.)
    from email import policy

    return policy.SMTP.clone(refold_source="none")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None  # the HTML part; made from `text` when None
    unsubscribe_url: str | None = None  # notification mails: one click mutes what they are about


# -- building a message -------------------------------------------------------------------------
def mail_domain(config: Config) -> str:
    """The configured host, for Message-IDs (an IPv6 address as a domain literal)."""
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"[{host}]" if ":" in host else host


def _one_line(value: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()


def set_text_header(message: EmailMessage, name: str, value: str) -> None:
    """A free-text header that round-trips: plain ASCII as it is, anything else encoded whole
    into RFC 2047 words whose spaces are inside the words (so no decoder can lose one)."""
    value = _one_line(value)
    if value.isascii() and "=?" not in value:
        message[name] = value
    else:
        from email.header import Header

        message.set_raw(name, Header(value, "utf-8", header_name=name).encode(linesep="\n"))


def _body_cte(text: str) -> str:
    """7bit keeps ASCII text (and its links) readable in the raw file; anything else is
    quoted-printable, which every server carries."""
    plain = text.isascii() and all(len(line) <= 998 for line in text.splitlines())
    return "7bit" if plain else "quoted-printable"


def build_message(config: Config, mail: Mail) -> EmailMessage:
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage(policy=_policy())
    message["From"] = config.mail_from
    message["To"] = mail.to
    set_text_header(message, "Subject", mail.subject)
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=mail_domain(config))
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url:
        # One line, never encoded: clients read the URL between the angle brackets.
        message.set_raw("List-Unsubscribe", f"<{mail.unsubscribe_url}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text, cte=_body_cte(mail.text))
    html = mail.html if mail.html is not None else text_to_html(mail.subject, mail.text)
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    for part in message.iter_parts():
        del part["MIME-Version"]  # set_content adds one to every part; it belongs to the top only
    return message


# -- the HTML part ------------------------------------------------------------------------------
_URL = re.compile(r"https?://[^\s<>\"']+")


@cache
def _environment():
    from jinja2 import Environment, FileSystemLoader

    from groupbox.paths import templates_dir

    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(_=_, _n=_n, current_language=i18n.current)
    return env


def render_html(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)


def _segments(line: str) -> list[tuple[bool, str]]:
    """A line as (is_link, text) pieces; a sentence's full stop or bracket stays outside the link."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(".,;:!?)")
        if match.start() > position:
            pieces.append((False, line[position:match.start()]))
        pieces.append((True, url))
        position = match.start() + len(url)
    if position < len(line):
        pieces.append((False, line[position:]))
    return pieces


def paragraphs(text: str) -> list[list[list[tuple[bool, str]]]]:
    """Plain text as paragraphs of lines of pieces, for the HTML part."""
    blocks = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return [[_segments(line) for line in block.splitlines()] for block in blocks]


def text_to_html(subject: str, text: str) -> str:
    """The HTML twin of a plain mail; what follows the signature line ("-- ") is the footer."""
    body, _sep, footer = text.partition("\n-- \n")
    return render_html("mail/text.html", subject=subject, paragraphs=paragraphs(body),
                       footer=paragraphs(footer) if footer else [])


# -- sending ------------------------------------------------------------------------------------
def _send_smtp(config: Config, message: EmailMessage) -> None:
    import smtplib

    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=20) as smtp:
        smtp.ehlo()
        if config.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password)
        smtp.send_message(message)


def _write_outbox(config: Config, message: EmailMessage) -> Path:
    """DATA/outbox/<time>.eml, readable by the server's user only: the mail holds live sign-in
    and verification links."""
    config.outbox_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = config.outbox_dir / f"{now().strftime('%Y%m%dT%H%M%S')}-{new_id()}.eml"
    with create_private(path) as handle:
        handle.write(message.as_bytes(policy=message.policy))
    return path


async def send(config: Config, mail: Mail) -> str:
    """Send one mail; returns "smtp" or the outbox path. Raises OSError/SMTPException on failure."""
    message = build_message(config, mail)
    if config.smtp_host:
        await asyncio.to_thread(_send_smtp, config, message)
        return "smtp"
    path = await asyncio.to_thread(_write_outbox, config, message)
    log.warning("mail (no SMTP configured) to %s: %s -> %s", mail.to, mail.subject, path)
    return str(path)


# -- notifications to mail ----------------------------------------------------------------------
def _link(config: Config, url: str) -> str:
    return f"{config.base_url}{url}" if url.startswith("/") else url


def _unsubscribe(config: Config, profile_id: str, category: str) -> tuple[str, str]:
    """(one-click URL, what it stops) for a person's mail about `category`."""
    from groupbox.instance import read_secret

    token = notify.unsubscribe_token(read_secret(config), profile_id, category)
    label = _("the daily digest") if category == notify.DIGEST else f"“{_(notify.CATEGORY_LABELS[category])}”"
    return f"{config.base_url}/email/unsubscribe/{token}", label


def _footer_text(config: Config, unsubscribe_url: str, label: str) -> str:
    return "\n\n-- \n" + "\n".join((
        _("You get this because of your notification settings on {url}/me/notifications", url=config.base_url),
        _("Stop {what}: {url}", what=label, url=unsubscribe_url),
    ))


def _footer_context(config: Config, unsubscribe_url: str, label: str) -> dict:
    return {"settings_url": f"{config.base_url}/me/notifications", "unsubscribe_url": unsubscribe_url,
            "unsubscribe_label": label, "server_name": config.name}


async def _claim(ids: list[str]) -> list[str]:
    claimed = []
    stamp = now()
    async with DB.write():
        for notification_id in ids:
            if await store.mail_claim(notification_id, stamp):
                claimed.append(notification_id)
    return claimed


async def _release(ids: list[str]) -> None:
    await store.mail_release(ids, MAX_ATTEMPTS)


async def _removed(rows: list[dict]) -> set[tuple[str, str]]:
    """(object_type, object_id) of the rows' objects that were deleted since (or are gone)."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if row.get("object_type") in store.OBJECT_TABLES and row.get("object_id"):
            wanted.setdefault(row["object_type"], set()).add(row["object_id"])
    removed: set[tuple[str, str]] = set()
    for kind, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            live = await store.objects_live(kind, chunk)
            removed |= {(kind, object_id) for object_id in chunk if object_id not in live}
    return removed


def _gone(row: dict, removed: set[tuple[str, str]]) -> bool:
    return (row.get("object_type"), row.get("object_id")) in removed


async def deliver_immediate(config: Config, limit: int = 200) -> int:
    """Mail pending immediate notifications (of the last day) to verified addresses; returns
    how many were sent. One about an object deleted since goes out without its link."""
    rows = await store.mail_immediate_pending(MAX_ATTEMPTS, now() - IMMEDIATE_WINDOW, limit)
    removed = await _removed(rows)
    sent = 0
    for row in rows:
        if not await _claim([row["id"]]):
            continue
        try:
            with i18n.using(row["language"], config.language):  # the recipient's, else the instance's
                mail = _immediate_mail(config, row, gone=_gone(row, removed))
            await send(config, mail)
            sent += 1
        except OSError as exc:  # smtplib.SMTPException is one
            log.warning("could not mail notification %s: %s", row["id"], exc)
            await _release([row["id"]])
    return sent


def _immediate_mail(config: Config, row: dict, *, gone: bool) -> Mail:
    link = _link(config, row["url"]) if row["url"] and not gone else ""
    subject = f"[{row['group_name']}] {row['title']}" if row["group_name"] else row["title"]
    unsubscribe_url, label = _unsubscribe(config, row["profile_id"], row["category"])
    text = "\n\n".join(part for part in (row["title"], row["body"], link) if part)
    html = render_html("mail/notification.html", subject=subject, group_name=row["group_name"], title=row["title"],
                       paragraphs=paragraphs(row["body"] or ""), link=link,
                       **_footer_context(config, unsubscribe_url, label))
    return Mail(row["email"], subject, text + _footer_text(config, unsubscribe_url, label), html, unsubscribe_url)


async def deliver_digest(config: Config, reference: datetime | None = None) -> int:
    """One mail per person with everything in digest mode not yet mailed nor read, and the
    immediate ones older than a day that never went out; returns mails sent. Objects deleted
    since are left out (a cancellation notice stays, without a link). People without a verified
    address get nothing (their in-app list still has it all)."""
    rows = await store.mail_digest_pending(MAX_ATTEMPTS, (reference or now()) - IMMEDIATE_WINDOW)
    removed = await _removed(rows)
    by_person: dict[str, list[dict]] = {}
    for row in rows:
        by_person.setdefault(row["profile_id"], []).append(row)
    sent = 0
    for profile_id, items in by_person.items():
        claimed = set(await _claim([item["id"] for item in items]))
        items = [item for item in items if item["id"] in claimed]
        shown = [item for item in items if not _gone(item, removed) or item["category"] == "event_change"]
        if not shown:
            continue  # all of it deleted since: claimed, so it is not looked at again
        try:
            with i18n.using(shown[0]["language"], config.language):
                mail = _digest_mail(config, profile_id, shown, removed)
            await send(config, mail)
            sent += 1
        except OSError as exc:  # smtplib.SMTPException is one
            log.warning("could not mail digest: %s", exc)
            await _release([item["id"] for item in items])
    return sent


def _digest_mail(config: Config, profile_id: str, items: list[dict], removed: set[tuple[str, str]]) -> Mail:
    groups: list[dict] = []
    for item in items[:DIGEST_MAX_ITEMS]:
        name = item["group_name"] or config.name
        if not groups or groups[-1]["name"] != name:
            groups.append({"name": name, "items": []})
        link = _link(config, item["url"]) if item["url"] and not _gone(item, removed) else ""
        groups[-1]["items"].append({"title": item["title"], "link": link})
    more = len(items) - DIGEST_MAX_ITEMS
    more_text = _n("… and {n} more on {url}", "… and {n} more on {url}", more,
                   url=f"{config.base_url}/me/notifications") if more > 0 else ""
    lines = [_("What happened in your groups:")]
    for group in groups:
        lines += ["", f"## {group['name']}"]
        lines += [f"- {i['title']}  {i['link']}".rstrip() for i in group["items"]]
    if more_text:
        lines += ["", more_text]
    subject = _n("Your groupbox digest: {n} update", "Your groupbox digest: {n} updates", len(items))
    unsubscribe_url, label = _unsubscribe(config, profile_id, notify.DIGEST)
    html = render_html("mail/digest.html", subject=subject, groups=groups, more=more_text,
                       **_footer_context(config, unsubscribe_url, label))
    text = "\n".join(lines) + _footer_text(config, unsubscribe_url, label)
    return Mail(items[0]["email"], subject, text, html, unsubscribe_url)


async def digest_due(config: Config, reference: datetime | None = None) -> bool:
    """True once a day at `digest_hour` (server timezone); claims the day so one worker sends."""
    from groupbox.db.claims import claim_day

    return await claim_day("last_digest_date", config.digest_hour, config.timezone, reference) is not None
