"""Notifications: in-app always, mail by preference, over real SMTP (aiosmtpd) or the outbox."""

import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser

from groupbox.db.engine import DB
from groupbox.domain.notify import mail
from groupbox.domain.notify import service as notify
from groupbox.domain.objects.schemas import EventInput
from tests.api.test_mail_format import every_mail_is_well_formed  # noqa: F401 - autouse: every .eml parses


async def _verify(profile_id, address):
    from groupbox.util import now

    await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?", address, now(), profile_id)


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_defaults_mute_and_group_overrides(client, call, world, as_person, csrf):
    samir = world.people["member"]
    gid = world.group["id"]
    mid = world.member_id("member")
    assert call(notify.notify, [mid], "mention", group_id=gid, title="Lisa mentioned you", url="/x") == 1
    assert call(notify.notify, [mid], "reaction", group_id=gid, title="👍 on your message") == 0
    as_person(samir)
    rows = client.get("/api/me/notifications").json()
    assert rows["unread"] == 1 and rows["items"][0]["title"] == "Lisa mentioned you"
    response = client.patch("/api/me/notification-preferences",
                            json={"modes": {"mention": "mute"}, "group_id": gid}, headers=csrf(client))
    assert response.status_code == 200 and response.json()["overrides"][gid]["mention"] == "mute"
    assert call(notify.notify, [mid], "mention", group_id=gid, title="again") == 0
    assert call(notify.notify, [mid], "mention", group_id=world.other_group["id"], title="elsewhere") == 0  # not a member
    bad = client.patch("/api/me/notification-preferences", json={"modes": {"mention": "loud"}}, headers=csrf(client))
    assert bad.status_code == 422
    other = client.patch("/api/me/notification-preferences",
                         json={"modes": {"mention": "mute"}, "group_id": world.other_group["id"]}, headers=csrf(client))
    assert other.status_code == 404


def test_list_mark_read_and_unread_count_in_the_nav(client, call, world, as_person, csrf):
    samir = world.people["member"]
    call(notify.notify, [world.member_id("member")], "task_assigned", group_id=world.group["id"],
         title="Pick up crates", url=f"/groups/{world.group['id']}")
    as_person(samir)
    page = client.get("/")
    assert "1 unread" in page.text
    item = client.get("/api/me/notifications").json()["items"][0]
    assert client.patch(f"/api/me/notifications/{item['id']}/read", headers=csrf(client)).json()["unread"] == 0
    assert client.patch("/api/me/notifications/nope/read", headers=csrf(client)).status_code == 404
    listing = client.get("/me/notifications")
    assert "Pick up crates" in listing.text and "Right away" in listing.text


def test_immediate_and_digest_mail_arrive_over_real_smtp_muted_never(make_config, smtp_server):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app
    from tests.factories import build_world

    controller, handler = smtp_server
    config = make_config(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_starttls="0")
    with TestClient(app=create_app(config)) as client:
        call = client.blocking_portal.call
        world = call(build_world)
        samir = world.people["member"]
        call(lambda: _verify(samir.profile_id, "samir@example.org"))
        mid = world.member_id("member")
        gid = world.group["id"]
        call(lambda: notify.notify([mid], "mention", group_id=gid, title="Lisa mentioned you in Carpool",
                                   url="/threads/1"))
        call(lambda: notify.notify([mid], "discussion", group_id=gid, title="New thread: Snacks"))
        call(lambda: notify.notify([mid], "new_file", group_id=gid, title="New file: schedule.pdf"))
        call(lambda: notify.notify([mid], "reaction", group_id=gid, title="👍"))
        assert call(lambda: mail.deliver_immediate(config)) == 1
        assert _wait_for(lambda: len(handler.messages) == 1)
        first = handler.messages[0]
        assert first["To"] == "samir@example.org" and "Lisa mentioned you" in first["Subject"]
        assert call(lambda: mail.deliver_digest(config)) == 1
        assert _wait_for(lambda: len(handler.messages) == 2)
        digest = handler.messages[1]
        text = digest.get_body(("plain",)).get_content()
        assert "New thread: Snacks" in text and "schedule.pdf" in text and "👍" not in text
        assert digest["Subject"] == "Your groupbox digest: 2 updates"
        assert "New thread: Snacks" in digest.get_body(("html",)).get_content()
        # Nothing is mailed twice.
        assert call(lambda: mail.deliver_immediate(config)) == 0
        assert call(lambda: mail.deliver_digest(config)) == 0


def test_without_smtp_mail_lands_in_the_outbox(client, call, world, config):
    samir = world.people["member"]
    call(_verify, samir.profile_id, "samir@example.org")
    call(notify.notify, [world.member_id("member")], "event_change", group_id=world.group["id"],
         title="Training moved to 17:30")
    assert call(mail.deliver_immediate, config) == 1
    files = list(config.outbox_dir.glob("*.eml"))
    assert len(files) == 1
    message = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert message["Subject"] == "[FC Kreuzberg U12 Parents] Training moved to 17:30"


def test_unverified_addresses_get_no_mail(client, call, world, config):
    call(DB.execute, "UPDATE profile SET email = 'x@example.org' WHERE id = ?", world.people["member"].profile_id)
    call(notify.notify, [world.member_id("member")], "mention", group_id=world.group["id"], title="hi")
    assert call(mail.deliver_immediate, config) == 0
    assert not list(config.outbox_dir.glob("*.eml"))


def test_person_adds_and_verifies_an_email_through_the_link(client, call, world, as_person, csrf, config):
    as_person(world.people["member"])
    bad = client.post("/me/email", data={"email": "not an address"}, headers=csrf(client), follow_redirects=True)
    assert "look like an email" in bad.text
    response = client.post("/me/email", data={"email": "Samir@Example.ORG"}, headers=csrf(client),
                           follow_redirects=True)
    assert "We sent a confirmation link" in response.text
    mail_text = next(config.outbox_dir.glob("*.eml")).read_text()
    link = next(word for word in mail_text.split() if "/email/verify/" in word)
    path = link.split("8000", 1)[1]
    assert "Confirm Samir@example.org" in client.get(path).text
    assert client.post(path, headers=csrf(client), follow_redirects=False).status_code == 303
    assert "confirmed" in client.get("/me").text
    assert client.post(path, headers=csrf(client)).status_code == 410


def test_digest_command_sends_now(data_dir):
    from tests.conftest import run_cli

    result = run_cli("digest", "--json", "--data", str(data_dir))
    assert '"digests": 0' in result.stdout


def _outbox(config) -> list:
    paths = sorted(config.outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if config.outbox_dir.exists() else []
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in paths]


def test_one_update_is_singular_and_deleted_things_are_not_linked(client, call, world, config):
    from groupbox.domain.objects import events
    from groupbox.util import now

    samir = world.people["member"]
    call(_verify, samir.profile_id, "samir@example.org")
    owner = call(world.owner.actor)
    gid = world.group["id"]
    kept = call(events.event_create, owner, gid, EventInput(title="Summer party", starts_at=now() + timedelta(days=9)))
    assert call(mail.deliver_digest, config) == 1
    [first] = _outbox(config)
    assert first["Subject"] == "Your groupbox digest: 1 update"
    assert f"/events/{kept['id']}" in first.get_body(("plain",)).get_content()

    # An event announced, then cancelled and removed: the digest neither lists nor links it.
    gone = call(events.event_create, owner, gid, EventInput(
        title="Friendly match", starts_at=now() + timedelta(days=5)))
    call(events.event_cancel, owner, gone["id"], "Pitch frozen")
    call(events.event_delete, owner, gone["id"])
    call(events.event_create, owner, gid, EventInput(title="Kit day", starts_at=now() + timedelta(days=6)))
    assert call(mail.deliver_digest, config) == 1
    second = _outbox(config)[-1]
    text = second.get_body(("plain",)).get_content()
    html = second.get_body(("html",)).get_content()
    assert "Kit day" in text and "Kit day" in html
    assert f"/events/{gone['id']}" not in text and f"/events/{gone['id']}" not in html
    assert "New event: Friendly match" not in text
    # Nothing left over for the next one.
    assert call(mail.deliver_digest, config) == 0


async def _age(profile_id: str, hours: float) -> None:
    from groupbox.util import now

    await DB.execute("UPDATE notification SET created_at = ? WHERE profile_id = ?", now() - timedelta(hours=hours),
                     profile_id)


def test_confirming_an_address_sends_only_the_last_day_at_once(client, call, world, as_person, csrf, config):
    """Notifications piled up while the address was unconfirmed: confirming it mails only those
    younger than a day right away; the older ones wait for the digest."""
    samir = world.people["member"]
    mid, gid = world.member_id("member"), world.group["id"]
    for n in range(5):
        call(notify.notify, [mid], "mention", group_id=gid, title=f"Old mention {n}", url="/x")
    call(_age, samir.profile_id, 30)
    call(notify.notify, [mid], "mention", group_id=gid, title="Fresh mention", url="/x")

    as_person(samir)
    assert client.post("/me/email", data={"email": "samir@example.org"}, headers=csrf(client)).status_code < 400
    [confirm] = _outbox(config)
    link = confirm.get_body(("plain",)).get_content().split("/email/verify/", 1)[1].split()[0]
    assert client.post(f"/email/verify/{link}", headers=csrf(client), follow_redirects=False).status_code == 303

    assert call(mail.deliver_immediate, config) == 1
    mailed = _outbox(config)[1:]
    assert [m["Subject"] for m in mailed] == ["[FC Kreuzberg U12 Parents] Fresh mention"]
    assert call(mail.deliver_immediate, config) == 0
    assert call(mail.deliver_digest, config) == 1
    digest = _outbox(config)[-1]
    assert digest["Subject"] == "Your groupbox digest: 5 updates"
    assert "Old mention 4" in digest.get_body(("plain",)).get_content()
