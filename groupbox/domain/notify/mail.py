"""Sending mail: SMTP when configured, otherwise (development) the console and DATA/outbox/.

Rules:
- Only verified addresses get mail (callers pass verified addresses; `deliver_pending` checks).
- Immediate notifications are mailed one by one shortly after they happen; digest ones are
  collected into one mail per person per day; muted ones were never written.
- Each notification is claimed (`mailed_at` set) before sending, so two workers never mail it
  twice; a failed send is released for a later retry (at most 5 attempts).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.i18n import _
from groupbox.util import create_private, new_id, now

log = logging.getLogger("groupbox.mail")
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def build_message(config: Config, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain="groupbox.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    return message


def _send_smtp(config: Config, message: EmailMessage) -> None:
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
        handle.write(bytes(message))
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
def _footer(config: Config) -> str:
    return "\n\n-- \n" + _("You get this because of your notification settings on {url}/me/notifications",
                            url=config.base_url)


async def _claim(ids: list[str]) -> list[str]:
    claimed = []
    stamp = now()
    async with DB.write() as tx:
        for notification_id in ids:
            cursor = await tx.connection.execute(
                "UPDATE notification SET mailed_at = ?, mail_attempts = mail_attempts + 1"
                " WHERE id = ? AND mailed_at IS NULL",
                (stamp, notification_id),
            )
            if cursor.rowcount == 1:
                claimed.append(notification_id)
            await cursor.close()
    return claimed


async def _release(ids: list[str]) -> None:
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    await DB.execute(
        f"UPDATE notification SET mailed_at = NULL WHERE id IN ({marks}) AND mail_attempts < ?", *ids, MAX_ATTEMPTS
    )


async def deliver_immediate(config: Config, limit: int = 200) -> int:
    """Mail pending immediate notifications to verified addresses; returns how many were sent."""
    rows = await DB.fetch(
        "SELECT n.id, n.title, n.body, n.url, p.email, g.name AS group_name FROM notification n"
        " JOIN profile p ON p.id = n.profile_id LEFT JOIN grp g ON g.id = n.group_id"
        " WHERE n.mode = 'immediate' AND n.mailed_at IS NULL AND n.mail_attempts < ?"
        " AND p.email IS NOT NULL AND p.email_verified_at IS NOT NULL"
        " ORDER BY n.created_at LIMIT ?",
        MAX_ATTEMPTS, limit,
    )
    sent = 0
    for row in rows:
        if not await _claim([row["id"]]):
            continue
        link = f"{config.base_url}{row['url']}" if row["url"].startswith("/") else row["url"]
        subject = f"[{row['group_name']}] {row['title']}" if row["group_name"] else row["title"]
        text = "\n\n".join(part for part in (row["title"], row["body"], link) if part) + _footer(config)
        try:
            await send(config, Mail(row["email"], subject, text))
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("could not mail notification %s: %s", row["id"], exc)
            await _release([row["id"]])
    return sent


async def deliver_digest(config: Config, reference: datetime | None = None) -> int:
    """One mail per person with everything in digest mode not yet mailed; returns mails sent.
    People without a verified address get nothing (their in-app list still has it all)."""
    rows = await DB.fetch(
        "SELECT n.id, n.profile_id, n.title, n.url, n.created_at, p.email, g.name AS group_name"
        " FROM notification n JOIN profile p ON p.id = n.profile_id LEFT JOIN grp g ON g.id = n.group_id"
        " WHERE n.mode = 'digest' AND n.mailed_at IS NULL AND p.email IS NOT NULL"
        " AND p.email_verified_at IS NOT NULL ORDER BY n.profile_id, g.name, n.created_at",
    )
    by_person: dict[str, list[dict]] = {}
    for row in rows:
        by_person.setdefault(row["profile_id"], []).append(row)
    sent = 0
    for items in by_person.values():
        claimed = set(await _claim([item["id"] for item in items]))
        items = [item for item in items if item["id"] in claimed]
        if not items:
            continue
        lines = [_("What happened in your groups:"), ""]
        current_group = None
        for item in items:
            if item["group_name"] != current_group:
                current_group = item["group_name"]
                lines += ["", f"## {current_group or _('groupbox')}"]
            lines.append(f"- {item['title']}  {config.base_url}{item['url']}")
        subject = _("Your groupbox digest: {n} updates", n=len(items))
        try:
            await send(config, Mail(items[0]["email"], subject, "\n".join(lines) + _footer(config)))
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("could not mail digest: %s", exc)
            await _release([item["id"] for item in items])
    return sent


async def digest_due(config: Config, reference: datetime | None = None) -> bool:
    """True once a day at `digest_hour` (server timezone); claims the day so one worker sends."""
    from groupbox.db.claims import claim_day

    return await claim_day("last_digest_date", config.digest_hour, config.timezone, reference) is not None
