"""Mail that mail clients love (issue 16, items 7–8): every `.eml` in the outbox is parsed the way
a client does (`email.parser` with `policy.default`): headers round-trip exactly, a text and an
HTML part, CRLF line endings, a Message-ID on our own domain, and notification mails carry a
one-click unsubscribe (RFC 8058) that works without a session or a CSRF token."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit

import pytest

from groupbox.db.engine import DB
from groupbox.domain.notify import mail
from groupbox.domain.notify import service as notify

TRICKY_SUBJECTS = [
    "Spielabsage wegen Frost – Grüße an alle Eltern",
    "[FC Kreuzberg U12 Eltern] Spielabsage wegen Frost – Grüße an alle Eltern und Großeltern, bitte bis "
    "Freitag weiterleiten, danke!",
    "Sommerfest 🎉 – wer bringt Kuchen? 🍰🍓",
    'Elternabend: "Handy-Regeln" & \'Klassenfahrt\' – Rückmeldung bis Montag',
    "Ärger über Öffnungszeiten: Übung fällt aus",
    "Plain ASCII subject that is long enough to be folded by any mailer on the way to the parents",
    "Literal =?utf-8?q?not_an_encoded_word?= in a subject",
    "Тренировка отменена — привет всем родителям",
]


def _parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def _outbox(config) -> list[tuple[bytes, object]]:
    paths = sorted(config.outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if config.outbox_dir.exists() else []
    return [(p.read_bytes(), _parse(p.read_bytes())) for p in paths]


def assert_well_formed(raw: bytes):
    """What every mail must be, whatever it says: CRLF lines, a text and an HTML part, headers
    that parse."""
    message = _parse(raw)
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] and message["Message-ID"] and message["To"] and message["From"]
    return message


@pytest.fixture(autouse=True)
def every_mail_is_well_formed(make_config):
    yield
    config = make_config()
    for path in config.outbox_dir.glob("*.eml") if config.outbox_dir.exists() else []:
        assert_well_formed(path.read_bytes())


def _assert_wire_format(raw: bytes, message, config) -> None:
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content().strip()
    assert "<html" in message.get_body(("html",)).get_content()
    assert message["Message-ID"].endswith(f"@{urlsplit(config.base_url).hostname}>")
    assert message["Date"] and message["From"] and message["To"]


@pytest.mark.parametrize("subject", TRICKY_SUBJECTS)
def test_subjects_round_trip_through_a_mail_client(client, call, make_config, subject):
    config = make_config(url="https://verein.example.org")
    call(mail.send, config, mail.Mail("eltern@example.org", subject, f"Hallo,\n\n{subject}\n"))
    [(raw, message)] = _outbox(config)
    assert message["Subject"] == subject
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    _assert_wire_format(raw, message, config)
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == f"Hallo,\n\n{subject}\n"


def test_sender_name_with_umlauts_round_trips(client, call, make_config):
    sender = "Schulverein Grün-Weiß – Elternbeirat Kreuzberg-Friedrichshain <verein@example.org>"
    config = make_config(mail_from=sender)
    call(mail.send, config, mail.Mail("anna@example.org", "Hallo", "Hallo"))
    [(_raw, message)] = _outbox(config)
    assert message["From"].addresses[0].display_name == sender.split(" <")[0]
    assert message["From"].addresses[0].addr_spec == "verein@example.org"


def test_links_stay_whole_and_html_is_escaped(client, call, config):
    link = f"{config.base_url}/email/verify/" + "A" * 43
    text = f'Hello <script>alert("x")</script> & co,\n\nplease confirm:\n\n{link}\n\n-- \nThe team'
    call(mail.send, config, mail.Mail("anna@example.org", "Confirm <b>now</b>", text))
    [(raw, message)] = _outbox(config)
    # An ASCII text part is not wrapped: the raw file still holds the whole link on one line.
    assert link.encode() in raw
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == text
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert f'<a href="{link}"' in html
    assert "<title>Confirm &lt;b&gt;now&lt;/b&gt;</title>" in html
    assert "<img" not in html and "<style" not in html
    assert "List-Unsubscribe" not in message  # a mail the person asked for has none


async def _verified(profile_id: str, address: str) -> None:
    from groupbox.util import now

    await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", address, now(), profile_id)


def _notification_mail(client, call, world, config, category="mention", title="Lisa mentioned you"):
    samir = world.people["member"]
    call(_verified, samir.profile_id, "samir@example.org")
    call(notify.notify, [world.member_id("member")], category, group_id=world.group["id"], title=title,
         body="Can you drive on Saturday?", url="/threads/abc")
    assert call(mail.deliver_immediate, config) == 1
    return _outbox(config)[-1]


def _unsubscribe_path(message) -> str:
    value = message["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://[^<>\s]+>", value), value
    return urlsplit(value[1:-1]).path


def test_notification_mail_has_both_parts_and_a_one_click_unsubscribe(client, call, world, config):
    raw, message = _notification_mail(client, call, world, config, title='Lisa: "Grüße" <an> alle & 🎉')
    _assert_wire_format(raw, message, config)
    assert message["Subject"] == '[FC Kreuzberg U12 Parents] Lisa: "Grüße" <an> alle & 🎉'
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith(f"<{config.base_url}/email/unsubscribe/")
    html = message.get_body(("html",)).get_content()
    assert "Lisa: &#34;Grüße&#34; &lt;an&gt; alle &amp; 🎉" in html and "<an>" not in html
    assert f'href="{config.base_url}/threads/abc"' in html
    assert message["List-Unsubscribe"][1:-1] in html  # also a link a person can click
    text = message.get_body(("plain",)).get_content()
    assert "Can you drive on Saturday?" in text and f"{config.base_url}/threads/abc" in text


def _mode(call, world, category: str, group_id: str = "") -> str | None:
    row = call(DB.fetchone, "SELECT mode FROM notification_pref WHERE profile_id = ? AND group_id = ? AND category = ?",
               world.people["member"].profile_id, group_id, category)
    return row["mode"] if row else None


def test_one_click_post_mutes_the_category_without_session_or_csrf(client, call, world, config):
    _raw, message = _notification_mail(client, call, world, config)
    path = _unsubscribe_path(message)
    client.cookies.clear()
    # A link scanner's GET changes nothing.
    page = client.get(path)
    assert page.status_code == 200 and "Someone mentions me" in page.text and "<form" in page.text
    assert _mode(call, world, "mention") is None
    # A per-group choice would win over the default: the link quiets that one too.
    call(DB.execute, "INSERT INTO notification_pref (profile_id, group_id, category, mode) VALUES (?,?,?,?)",
         world.people["member"].profile_id, world.group["id"], "mention", "immediate")
    # The mail client's POST (RFC 8058): no cookies, no CSRF token.
    answer = client.post(path, content=b"List-Unsubscribe=One-Click",
                         headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert _mode(call, world, "mention") == "mute" and _mode(call, world, "mention", world.group["id"]) == "mute"
    assert call(notify.notify, [world.member_id("member")], "mention", group_id=world.group["id"], title="x") == 0
    assert "any more" in client.get(path).text
    # Again: harmless.
    assert client.post(path, content=b"List-Unsubscribe=One-Click",
                       headers={"content-type": "application/x-www-form-urlencoded"},
                       follow_redirects=False).status_code == 303


def test_a_forged_or_altered_unsubscribe_link_does_nothing(client, call, world, config):
    _raw, message = _notification_mail(client, call, world, config)
    path = _unsubscribe_path(message)
    token = path.rsplit("/", 1)[1]
    profile_id, _category, mac = token.split(".")
    for bad in (f"{profile_id}.task_assigned.{mac}", f"{world.owner.profile_id}.mention.{mac}", "nope",
                f"{profile_id}.mention.{mac[:-2]}xx", f"{profile_id}.nonsense.{mac}"):
        assert client.get(f"/email/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/email/unsubscribe/{bad}", content=b"List-Unsubscribe=One-Click",
                           headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 404
    assert call(DB.fetch, "SELECT * FROM notification_pref") == []


def test_digest_unsubscribe_quiets_what_comes_as_digest(client, call, world, config):
    samir = world.people["member"]
    call(_verified, samir.profile_id, "samir@example.org")
    call(notify.notify, [world.member_id("member")], "discussion", group_id=world.group["id"], title="New thread")
    assert call(mail.deliver_digest, config) == 1
    _raw, digest = _outbox(config)[-1]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = _unsubscribe_path(digest)
    page = client.get(path)
    assert "Stop the daily digest?" in page.text and "New discussions and replies" in page.text
    assert client.post(path, content=b"List-Unsubscribe=One-Click",
                       headers={"content-type": "application/x-www-form-urlencoded"},
                       follow_redirects=False).status_code == 303
    for category, default in notify.CATEGORIES.items():
        assert _mode(call, world, category) == ("mute" if default == "digest" else None), category
    assert "no daily digest" in client.get(path).text
