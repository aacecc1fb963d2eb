"""The group dashboard reads only what it shows (issue 17): member rows and counts once per page
build, an event's row without its author, files and (for a member) counts, a poll's card
without its options and votes. What each shows is what the full reads give."""

from datetime import timedelta

import pytest

from groupbox.domain.groups import service as groups
from groupbox.domain.groups import store as groups_store
from groupbox.domain.objects import events, polls, rsvps
from groupbox.domain.objects.schemas import EventCreate, PollCreate
from groupbox.util import now


@pytest.fixture
def counted(monkeypatch):
    """How often the member reads reach the database (the real store, counted)."""
    seen = {"members_get": 0, "member_get": 0, "member_count_active": 0}

    def counting(name):
        real = getattr(groups_store, name)

        async def wrapper(*args, **kwargs):
            seen[name] += 1
            return await real(*args, **kwargs)

        monkeypatch.setattr(groups_store, name, wrapper)

    for name in seen:
        counting(name)
    return seen


def test_a_page_build_reads_each_member_and_the_member_count_once(call, world, counted):
    owner, admin = world.member_id("owner"), world.member_id("admin")

    async def build():
        with groups.rows_known(world.group):
            first = await groups.members_rows([owner, admin, "no-such-member"])
            again = await groups.members_rows([admin, owner, "no-such-member"])
            one = await groups.member_row(admin)
            missing = await groups.member_row("no-such-member")
            counts = [await groups.member_count(world.group["id"]) for _ in range(3)]
            first[0]["display_name"] = "changed by a caller"  # a copy: the next caller gets the row as read
            later = await groups.member_row(owner)
        return first, again, one, missing, counts, later

    first, again, one, missing, counts, later = call(build)
    assert [m["id"] for m in first] == [owner, admin] and [m["id"] for m in again] == [admin, owner]
    assert one["id"] == admin and missing is None
    assert later["display_name"] != "changed by a caller"
    assert counts == [5, 5, 5]  # the owner and one person of each role
    assert counted == {"members_get": 1, "member_get": 0, "member_count_active": 1}


def test_outside_a_page_build_every_read_is_fresh(call, world, counted):
    admin = world.member_id("admin")
    before = call(groups.member_row, admin)
    call(groups_store.member_set_name, admin, "Coach M.")
    assert before["display_name"] == "Coach Mark"
    assert call(groups.member_row, admin)["display_name"] == "Coach M."
    assert [m["display_name"] for m in call(groups.members_rows, [admin])] == ["Coach M."]
    assert counted["member_get"] == 2 and counted["members_get"] == 1


def _event(call, world, title, **fields):
    actor = call(world.people["admin"].actor)
    data = EventCreate(title=title, starts_at=(now() + timedelta(days=2)).isoformat(), **fields)
    return call(events.event_create, actor, world.group["id"], data)


@pytest.mark.parametrize("role, sees_counts", [("admin", True), ("member", False)])
def test_an_event_row_carries_what_the_row_shows(call, world, role, sees_counts):
    event = _event(call, world, "Match", location="Pitch 2", rsvp_required=True)
    _event(call, world, "Training")
    call(rsvps.rsvp, call(world.people["member"].actor), event["id"], "yes", None, "2")
    actor = call(world.people[role].actor)
    full = call(events.events_list, actor, world.group["id"])
    rows = call(events.events_list, actor, world.group["id"], as_rows=True)
    assert [r["id"] for r in rows] == [r["id"] for r in full]
    for row, whole in zip(rows, full, strict=True):
        for key in ("url", "title", "starts_at", "location", "cancelled", "my_rsvp", "changed", "change",
                    "rsvp_required", "is_past", "deadline_passed", "can_answer"):
            assert row[key] == whole[key], key
        assert "author_name" not in row and "files" not in row
        assert ("counts" in row) is sees_counts
        if sees_counts:
            assert row["counts"] == whole["counts"]
    if sees_counts:
        assert rows[0]["counts"]["yes"] == 1 and rows[0]["counts"]["guests"] == 2


def test_a_poll_card_carries_what_the_card_shows(call, world):
    admin = call(world.people["admin"].actor)
    made = [call(polls.poll_create, admin, world.group["id"], PollCreate(question=f"Day {i}?", options=["Fri", "Sat"]))
            for i in range(3)]
    for role in ("member", "moderator"):
        call(polls.poll_vote, call(world.people[role].actor), made[0]["id"], [made[0]["options"][0]["id"]])
    call(polls.poll_vote, call(world.people["member"].actor), made[1]["id"], [made[1]["options"][1]["id"]])
    call(polls.poll_close, admin, made[2]["id"])  # closed: not on the dashboard
    for role in ("member", "guest"):
        actor = call(world.people[role].actor)
        shown, count = call(polls.polls_waiting, actor, world.group, newest=20, shown=4)
        assert count == 2  # the open ones
        full = {p["id"]: p for p in call(polls.polls_list, actor, world.group["id"])}
        assert made[2]["id"] not in {p["id"] for p in shown}
        # Not voted in first, then newest first.
        voted = {p["id"] for p in full.values() if p["voted"]}
        assert [p["id"] for p in shown] == sorted([made[1]["id"], made[0]["id"]], key=lambda i: i in voted)
        for poll in shown:
            whole = full[poll["id"]]
            for key in ("question", "url", "voter_count", "voted", "closed", "may_vote", "closes_at"):
                assert poll[key] == whole[key], (role, key)
            assert "options" not in poll
    assert [p["voter_count"] for p in call(polls.polls_waiting, admin, world.group)[0]] == [1, 2]
    assert call(polls.polls_waiting, admin, world.group, shown=1)[1] == 2


def test_what_needs_me_knows_when_i_joined_from_my_memberships(call, world, counted):
    """"Shared before I joined" is decided from the join times read with the actor; an actor made
    without them (a remote token's) reads them, with the same answer."""
    import dataclasses

    from groupbox.domain.actions import service as actions

    _event(call, world, "Match", rsvp_required=True)
    actor = call(world.people["member"].actor)
    assert all(m.joined_at is not None for m in actor.memberships.values())
    counted["members_get"] = 0
    ranked = call(actions.ranked, actor)
    assert counted["members_get"] == 0
    bare = dataclasses.replace(actor, memberships={
        gid: dataclasses.replace(m, joined_at=None) for gid, m in actor.memberships.items()})
    again = call(actions.ranked, bare)
    assert counted["members_get"] == 1
    assert [(i.id, i.kind, i.detail.get("older")) for i in again.items] == [
        (i.id, i.kind, i.detail.get("older")) for i in ranked.items] and ranked.items


def test_the_dashboard_sheets_say_whether_there_are_more(call, world):
    from groupbox.domain.objects import signups
    from groupbox.domain.objects.schemas import SignupCreate, SlotInput

    admin = call(world.people["admin"].actor)
    member = call(world.people["member"].actor)
    assert call(signups.signups_open_first, member, world.group, 3) == ([], False)
    made = [call(signups.signup_create, admin, world.group["id"],
                 SignupCreate(title=f"Cake {i}", slots=[SlotInput(label="Cake", capacity=2)])) for i in range(4)]
    first, more = call(signups.signups_open_first, member, world.group, 3)
    assert [s["id"] for s in first] == [s["id"] for s in reversed(made)][:3] and more
    assert first[0]["slots"][0]["capacity"] == 2
    call(signups.signup_close, admin, made[0]["id"])  # three open: no more
    first, more = call(signups.signups_open_first, member, world.group, 3)
    assert len(first) == 3 and not more


def test_a_session_brings_its_person_along(call, world, monkeypatch):
    """Every request reads the session with its profile's name, owner flag and language: no second
    read of the profile, and a change of language shows on the next request."""
    from groupbox.domain.identity import language
    from groupbox.domain.identity import service as identity
    from groupbox.domain.identity.store import profiles

    reads = []
    real = profiles.profile_get

    async def counted_get(profile_id):
        reads.append(profile_id)
        return await real(profile_id)

    monkeypatch.setattr(profiles, "profile_get", counted_get)
    owner = call(identity.actor_for_session, world.owner.session_token)
    member = call(identity.actor_for_session, world.people["member"].session_token)
    assert (owner.display_name, owner.is_owner, member.display_name, member.is_owner) == (
        world.owner.name, True, "Samir Khan", False)
    assert reads == []
    call(language.language_set, member, "de")
    again = call(identity.actor_for_session, world.people["member"].session_token)
    assert (again.display_name, again.language) == ("Samir Khan", "de")
    assert call(identity.actor_for_session, "no-such-token") is None


@pytest.mark.parametrize("role, sees_confirmations", [("admin", True), ("member", False)])
def test_an_announcement_card_carries_what_the_card_shows(call, world, role, sees_confirmations):
    from groupbox.domain.objects import announcements
    from groupbox.domain.objects.schemas import AnnouncementCreate

    owner = call(world.owner.actor)
    made = call(announcements.announcement_create, owner, world.group["id"],
                AnnouncementCreate(title="Kit day", body="Bring the kit", official=True, ack_required=True))
    call(announcements.announcement_create, owner, world.group["id"], AnnouncementCreate(title="News", body="x"))
    call(announcements.announcement_ack, call(world.people["member"].actor), made["id"])
    actor = call(world.people[role].actor)
    full = call(announcements.announcements_list, actor, world.group["id"])
    cards = call(announcements.announcements_list, actor, world.group["id"], as_cards=True)
    assert [c["id"] for c in cards] == [a["id"] for a in full]
    for card, whole in zip(cards, full, strict=True):
        for key in ("title", "url", "official", "read", "acked", "needs_my_ack", "excerpt", "author_name", "files"):
            assert card[key] == whole[key], key
        assert ("ack_count" in card and "ack_expected" in card) is sees_confirmations
        if sees_confirmations:
            assert (card["ack_count"], card["ack_expected"]) == (whole["ack_count"], whole["ack_expected"])
    if sees_confirmations:
        kit = next(c for c in cards if c["id"] == made["id"])
        assert (kit["ack_count"], kit["ack_expected"]) == (1, 3)  # the member confirmed, of admin, moderator, member
