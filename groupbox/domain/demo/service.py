"""Demo data that makes the first five minutes credible (SPEC §17).

Everything is written through the same services as real use — invites are claimed, roles are
handed over, events are moved and cancelled, files are uploaded and sniffed — with the clock set
back for history (`util.clock_at`). Dates are relative to today in Europe/Berlin; whatever should
still be actionable (Anna's missing RSVP, the open poll, the match) lies at least 24 hours ahead.

Idempotent: the first run records itself in `instance_meta` ("demo"); later runs change nothing
but hand out fresh links: Anna's (a parent in all four groups), Coach Mark's (the admin of FC
Kreuzberg U12: its migration page shows who moved over and the old chat's archive), the owner's
(the server's owner, in none of the demo's groups) and the demo's invite link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from groupbox.access import Actor
from groupbox.config import Config
from groupbox.db import claims
from groupbox.domain.demo.pdf import text_pdf
from groupbox.domain.groups.schemas import GroupCreate, GroupSettings, InviteOptions
from groupbox.domain.identity import service as identity
from groupbox.domain.objects.schemas import EventInput
from groupbox.timefmt import day, local, zone
from groupbox.util import clock_at, now

META_KEY = "demo"
TZ = "Europe/Berlin"
SIGNIN_TTL = timedelta(hours=24)
# FC Kreuzberg U12's move, as its migration page shows it: 24 families in the old chat, 18
# opened the link, 15 joined; some added a second device, some chose their notifications.
FC_FAMILIES = 24
OPENED_OLD_CHAT_LINK = 18


@dataclass
class DemoResult:
    created: bool
    anna_profile_id: str
    signin_url: str
    invite_url: str
    mark_signin_url: str | None = None
    owner_signin_url: str | None = None


class Timeline:
    """Moments relative to today, in Berlin."""

    def __init__(self, reference: datetime) -> None:
        self.reference = reference
        self.today = local(reference, TZ).date()
        # The match: the next Saturday at least three days ahead, so its RSVP deadline (Friday
        # 18:00) is always more than 24 hours away, whatever the hour or DST.
        ahead = (5 - self.today.weekday()) % 7
        if ahead < 3:
            ahead += 7
        self.match_day = self.today + timedelta(days=ahead)

    def at(self, when: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(when, time(hour, minute), tzinfo=zone(TZ))

    def days(self, n: int, hour: int = 12, minute: int = 0) -> datetime:
        return self.at(self.today + timedelta(days=n), hour, minute)

    def ago(self, **delta: float) -> datetime:
        return self.reference - timedelta(**delta)


# -- people -------------------------------------------------------------------------------------
ANNA = "Anna Müller"
MARK = "Coach Mark"
LISA = "Lisa Becker"
SAMIR = "Samir Khan"
PRIYA = "Priya N."
SCHULZ = "Ms Schulz"
TENANT_ADMIN = "Jonas Richter"
HELGA = "Helga Brandt"
FC_PARENTS = ["Tom Schneider", "Elif Yılmaz", "Jan Kowalski", "Sophie Wagner", "Mehmet Arslan", "Claire Dubois",
              "Lukas Hoffmann", "Nora Fischer", "Ben Krüger", "Aylin Demir"]
CLASS_PARENTS = ["Tom Schneider", "Julia Wolf", "Kemal Öztürk", "Maria Santos", "Felix Braun", "Hannah Klein"]
TENANTS = ["Gisela Hartmann", "Ali Hassan", "Petra Vogel", "Dimitri Popov", "Greta Lange", "Oskar Berg"]
VOLUNTEERS = ["Emma Schulte", "Yusuf Kaya", "Ingrid Meyer", "Paul Richter"]


def _fernet(config: Config) -> Fernet:
    from groupbox.instance import read_data_key

    return Fernet(read_data_key(config))


async def _meta() -> dict | None:
    value = await claims.meta_get(META_KEY)
    return json.loads(value) if value else None


async def _save_meta(value: dict) -> None:
    await claims.meta_add(META_KEY, json.dumps(value))


async def links(config: Config, meta: dict) -> tuple[str, str]:
    """A fresh sign-in link for Anna (valid 24 h) and the demo's invite link."""
    token = await identity.issue_signin_link(profile_id=meta["anna"], ttl=SIGNIN_TTL)
    try:
        invite_token = _fernet(config).decrypt(meta["invite"].encode()).decode()
    except (InvalidToken, KeyError, ValueError):
        invite_token = ""
    return f"{config.base_url}/signin/{token}", f"{config.base_url}/join/{invite_token}"


async def _mark_profile(meta: dict) -> str | None:
    """Coach Mark's profile (recorded since the demo shows the admin side; found by name before)."""
    if meta.get("mark"):
        return meta["mark"]
    from groupbox.domain.groups import store as groups_store

    for member in await groups_store.members_active((meta.get("groups") or {}).get("fc", "")):
        if member["display_name"] == MARK:
            return (await groups_store.member_get(member["id"]))["profile_id"]
    return None


async def doors(config: Config, meta: dict) -> dict[str, str | None]:
    """Every door into the demo, freshly made: Anna (valid 24 h), Coach Mark (24 h), the owner
    (the usual 15 minutes) and the demo's invite link."""
    signin, invite = await links(config, meta)
    mark_profile = await _mark_profile(meta)
    mark = await identity.issue_signin_link(profile_id=mark_profile, ttl=SIGNIN_TTL) if mark_profile else None
    owner = await identity.owner_profile()
    owner_token = await identity.issue_signin_link(profile_id=owner["id"]) if owner else None
    return {"signin_url": signin, "invite_url": invite,
            "mark_signin_url": f"{config.base_url}/signin/{mark}" if mark else None,
            "owner_signin_url": f"{config.base_url}/signin/{owner_token}" if owner_token else None}


async def landing_links(config: Config) -> dict | None:
    """For the signed-out landing page in development: where the demo's two doors lead."""
    meta = await _meta()
    if not meta:
        return None
    try:
        invite_token = _fernet(config).decrypt(meta["invite"].encode()).decode()
    except (InvalidToken, KeyError, ValueError):
        return None
    return {"anna": "/demo/anna", "join": f"/join/{invite_token}"}


async def anna_signin_token() -> str | None:
    meta = await _meta()
    if not meta:
        return None
    return await identity.issue_signin_link(profile_id=meta["anna"], ttl=SIGNIN_TTL)


# -- the loader ---------------------------------------------------------------------------------
class Loader:
    def __init__(self, config: Config, reference: datetime) -> None:
        self.config = config
        self.t = Timeline(reference)
        self.people: dict[str, str] = {}  # name -> profile id
        self.members: dict[tuple[str, str], str] = {}  # (group key, name) -> member id
        self.groups: dict[str, dict] = {}

    async def actor(self, name: str) -> Actor:
        return await identity.load_actor(self.people[name])

    async def join(self, key: str, name: str, inviter: str, role: str, when: datetime) -> str:
        """`name` claims an invite made by `inviter` (a real claim: member, device, session)."""
        from groupbox.domain.groups import invites

        with clock_at(when):
            inviter_actor = await self.actor(inviter)
            _invite, token = await invites.invite_create(inviter_actor, self.groups[key]["id"], InviteOptions(
                role=role, max_uses=1, label=f"for {name}"))
            actor = await self.actor(name) if name in self.people else None
            result = await invites.invite_claim(token, name, actor=actor, user_agent="Demo browser",
                                                ip="demo", rate="100000/minute")
        if name not in self.people:
            from groupbox.domain.groups import store as groups_store

            self.people[name] = (await groups_store.member_get(result.member_id))["profile_id"]
        self.members[(key, name)] = result.member_id
        return result.member_id

    async def group(self, key: str, name: str, purpose: str, admin: str, owner_actor: Actor, when: datetime) -> None:
        """The instance owner creates the group, brings in its admin, hands over ownership and
        steps out — as an owner setting up a group for someone else would."""
        from groupbox.domain.groups import service as groups

        with clock_at(when):
            group = await groups.group_create(owner_actor, GroupCreate(name=name, purpose=purpose, timezone=TZ))
        self.groups[key] = group
        owner_profile = owner_actor.profile_id
        self.people.setdefault("__owner__", owner_profile)
        await self.join(key, admin, "__owner__", "admin", when + timedelta(minutes=5))
        with clock_at(when + timedelta(minutes=10)):
            owner = await identity.load_actor(owner_profile)
            await groups.member_set_role(owner, group["id"], self.members[(key, admin)], "owner")
            owner = await identity.load_actor(owner_profile)
            await groups.group_leave(owner, group["id"])

    async def upload(self, key: str, who: str, filename: str, data: bytes, when: datetime,
                     ack_required: bool = False) -> dict:
        from groupbox.domain.files import service as files

        with clock_at(when):
            actor = await self.actor(who)
            upload = files.Upload.from_bytes(filename, data, ack_required="1" if ack_required else "")
            return await files.file_upload(actor, self.groups[key]["id"], upload, config=self.config)

    async def thread(self, key: str, title: str, messages: list[tuple[str, str, datetime]]) -> dict:
        from groupbox.domain.objects import threads
        from groupbox.domain.objects.messages import message_post

        (first_who, first_text, first_at), rest = messages[0], messages[1:]
        with clock_at(first_at):
            thread = await threads.thread_create(await self.actor(first_who), self.groups[key]["id"], title,
                                                 first_text)
        for who, text, at in rest:
            with clock_at(at):
                await message_post(await self.actor(who), thread["id"], text)
        return thread


async def load(config: Config, reference: datetime | None = None) -> DemoResult:
    """Load the demo (once); returns fresh links either way."""
    meta = await _meta()
    if meta:
        return DemoResult(False, meta["anna"], **await doors(config, meta))
    owner = await identity.owner_profile()
    if owner is None:
        raise RuntimeError("initialise the instance first (groupbox init)")
    loader = Loader(config, reference or now())
    await _build(loader, await identity.load_actor(owner["id"]))
    invite_token = await _demo_invite(loader)
    meta = {"anna": loader.people[ANNA], "mark": loader.people[MARK],
            "groups": {k: g["id"] for k, g in loader.groups.items()},
            "invite": _fernet(config).encrypt(invite_token.encode()).decode(), "loaded_at": now().isoformat()}
    await _save_meta(meta)
    return DemoResult(True, meta["anna"], **await doors(config, meta))


async def _demo_invite(loader: Loader) -> str:
    """The old chat's link (the one `groupbox demo` prints), which more parents opened than
    joined through it so far: the migration funnel's "opened"."""
    from groupbox.domain.groups import invites

    mark = await loader.actor(MARK)
    with clock_at(loader.t.ago(days=23)):
        row, token = await invites.invite_create(mark, loader.groups["fc"]["id"], InviteOptions(
            expires_in_hours=366 * 24, label="Old WhatsApp group"))
    for index in range(OPENED_OLD_CHAT_LINK):
        with clock_at(loader.t.ago(days=22, hours=-index * 5)):
            await invites.record_view(row["id"], f"demo-browser-{index}")
    return token


async def _build(l: Loader, owner: Actor) -> None:  # noqa: E741 - reads like a script
    t = l.t
    # Weeks of history: the groups moved over about three weeks ago.
    await l.group("fc", "FC Kreuzberg U12 Parents", "Training, matches and carpools for the U12 team.", MARK, owner,
                  t.ago(days=24))
    await l.group("class", "Class 4B Parents", "Parents of class 4B at the Nürtingen-Grundschule.", SCHULZ, owner,
                  t.ago(days=22))
    await l.group("tenants", "Tenant Association", "Tenants of Wrangelstraße 12–16: repairs, meetings, votes.",
                  TENANT_ADMIN, owner, t.ago(days=20))
    await l.group("food", "Food Bank Volunteers", "Sorting, distribution and pick-ups at the Kreuzberg food bank.",
                  HELGA, owner, t.ago(days=19))

    # People come over through invites, Anna first in every group.
    for key, admin, extra in (("fc", MARK, [LISA, SAMIR, PRIYA, *FC_PARENTS]),
                              ("class", SCHULZ, [LISA, *CLASS_PARENTS]),
                              ("tenants", TENANT_ADMIN, [SAMIR, *TENANTS]),
                              ("food", HELGA, [PRIYA, *VOLUNTEERS])):
        start = l.groups[key]["created_at"]
        await l.join(key, ANNA, admin, "member", start + timedelta(hours=2))
        for index, name in enumerate(extra):
            await l.join(key, name, admin, "member", start + timedelta(hours=3 + index * 7))
    from groupbox.domain.groups import service as groups

    with clock_at(t.ago(days=18)):
        await groups.member_set_role(await l.actor(MARK), l.groups["fc"]["id"], l.members[("fc", LISA)], "moderator")

    await _football(l)
    await _moving_over(l)
    await _school(l)
    await _tenants(l)
    await _food_bank(l)
    # People have read what is older than a day; what came since is what the bell shows.
    from groupbox.domain.notify import service as notify

    for name, profile_id in l.people.items():
        if name != "__owner__":
            await notify.mark_read(await identity.load_actor(profile_id), before=t.ago(days=1))


async def _football(l: Loader) -> None:  # noqa: E741
    from groupbox.domain.objects import announcements, events, signups
    from groupbox.domain.objects.schemas import AnnouncementCreate, SignupCreate, SlotInput

    t, gid = l.t, l.groups["fc"]["id"]
    mark = await l.actor(MARK)
    with clock_at(t.ago(days=23)):
        await announcements.announcement_create(mark, gid, AnnouncementCreate(
            title="Welcome to our new group space", official=True,
            body="Dear parents,\n\nfrom now on **training times, matches and carpools** live here. "
                 "The WhatsApp group stays for small talk, but please answer RSVPs here so I can plan the team.\n\n"
                 "Thanks! Mark"))
    schedule = text_pdf("FC Kreuzberg U12 - Season schedule 2026/27", [
        "Training: Tuesdays and Thursdays 17:00-18:30",
        "Winter (from December): Sporthalle Wrangelstraße",
        "",
        *[f"{day(t.match_day + timedelta(days=14 * i), lang='en')}  10:00  League match {i + 1}" for i in range(8)],
        "", "Please bring shin guards and water to every session.",
    ])
    season = await l.upload("fc", MARK, "Season schedule 2026-27.pdf", schedule, t.ago(days=21), ack_required=True)
    contacts = (b"name;role;phone\nMark Weber;Coach;+49 30 1234567\nLisa Becker;Team parent;+49 170 2223334\n"
                b"Club office;;+49 30 7654321\nEmergency (Urban hospital);;+49 30 130220\n")
    emergency = await l.upload("fc", MARK, "Emergency contacts.csv", contacts, t.ago(days=21), ack_required=True)
    from groupbox.domain.files import service as files

    for name in [ANNA, LISA, SAMIR, PRIYA, *FC_PARENTS[:6]]:
        with clock_at(t.ago(days=20, hours=-FC_PARENTS.count(name))):
            await files.file_ack(await l.actor(name), season["id"])
    for name in [LISA, SAMIR, *FC_PARENTS[:7], ANNA]:
        with clock_at(t.ago(days=19)):
            await files.file_ack(await l.actor(name), emergency["id"])

    # Past trainings and this week's training, which Mark moved yesterday.
    for weeks in (3, 2, 1):
        with clock_at(t.ago(days=7 * weeks + 3)):
            past = await events.event_create(mark, gid, EventInput(
                title="Training", starts_at=t.days(-7 * weeks + 1, 17), ends_at=t.days(-7 * weeks + 1, 18, 30),
                location="Görlitzer Park"))
            await events.rsvp(await l.actor(ANNA), past["id"], "yes")
    with clock_at(t.ago(days=5)):
        training = await events.event_create(mark, gid, EventInput(
            title="Training", starts_at=t.days(1, 17), ends_at=t.days(1, 18, 30), location="Görlitzer Park",
            description="Bring warm clothes, it gets dark early."))
    with clock_at(t.ago(days=4)):
        await events.rsvp(await l.actor(ANNA), training["id"], "yes")
        await events.event_view(await l.actor(ANNA), training["id"])
    with clock_at(t.ago(hours=20)):
        await events.event_update(mark, training["id"], EventInput(
            starts_at=t.days(1, 17, 30), location="Sporthalle Wrangelstraße"))

    with clock_at(t.ago(days=6)):
        match = await events.event_create(mark, gid, EventInput(
            title="Match vs. SV Tasmania", starts_at=t.at(t.match_day, 10), ends_at=t.at(t.match_day, 12),
            location="Sportplatz Lobeckstraße", rsvp_required=True,
            rsvp_deadline=t.at(t.match_day - timedelta(days=1), 18),
            description="Meet at 9:15 at the pitch. Kit: red shirts, black shorts."))
    answers = {LISA: ("yes", 1), SAMIR: ("yes", 0), PRIYA: ("maybe", 0), "Tom Schneider": ("no", 0),
               "Elif Yılmaz": ("yes", 0), "Jan Kowalski": ("yes", 2), "Sophie Wagner": ("yes", 0),
               "Mehmet Arslan": ("maybe", 0), "Claire Dubois": ("yes", 0), "Lukas Hoffmann": ("yes", 1)}
    for index, (name, (status, guests)) in enumerate(answers.items()):
        with clock_at(t.ago(days=5, hours=-index * 3)):
            await events.rsvp(await l.actor(name), match["id"], status, guests=guests)

    with clock_at(t.ago(days=9)):
        friendly = await events.event_create(mark, gid, EventInput(
            title="Friendly vs. Hertha 03 Zehlendorf", starts_at=t.days(9, 16),
            location="Sportplatz Lobeckstraße"))
    with clock_at(t.ago(days=2)):
        await events.event_cancel(mark, friendly["id"], "The pitch is closed for repairs; we'll find a new date.")

    with clock_at(t.ago(days=5, hours=-1)):
        sheet = await signups.signup_create(mark, gid, SignupCreate(
            title="Saturday match: who helps?", slots=[
                SlotInput(label="Drive to Lobeckstraße (seats for 3 kids)", capacity=3),
                SlotInput(label="Half-time snacks", capacity=1),
                SlotInput(label="Wash the kit", capacity=1),
            ], description="Thanks for helping out!", event_id=match["id"]))
    slots = {s["label"]: s["id"] for s in sheet["slots"]}
    for who, label in ((SAMIR, "Drive to Lobeckstraße (seats for 3 kids)"), (LISA, "Drive to Lobeckstraße (seats for 3 kids)"),
                       (PRIYA, "Half-time snacks")):
        with clock_at(t.ago(days=4)):
            await signups.commit(await l.actor(who), slots[label])

    with clock_at(t.ago(hours=1)):
        await announcements.announcement_create(mark, gid, AnnouncementCreate(
            title="Saturday: bring ID cards for the league check", official=True, urgent=True,
            ack_required=True,
            body="The league checks player passes before the match. **Every child needs their ID card** "
                 "(or a copy of the passport). No card, no game — sorry!"))

    await l.thread("fc", "Carpool planning", [
        (SAMIR, "Who drives on Saturday? I can take 3 kids from Kottbusser Tor at 8:45.", t.ago(days=3)),
        ("Elif Yılmaz", "Thank you Samir! Mia would love a seat.", t.ago(days=3, hours=-2)),
        (PRIYA, "We come by bike, no seat needed.", t.ago(days=2)),
        (LISA, "@Anna can you take two kids on Saturday? We're one car short.", t.ago(minutes=10)),
    ])
    await l.thread("fc", "Snack rota", [
        (LISA, "Snack rota for the season: please add yourself in the sign-up sheet.", t.ago(days=12)),
        ("Jan Kowalski", "I'll do bananas for the first home match.", t.ago(days=11)),
        (PRIYA, "I'll do oranges this week.", t.ago(hours=2)),
    ])
    await l.thread("fc", "Lost & found", [
        (SAMIR, "Someone forgot a blue water bottle after training — whose is it?", t.ago(days=1)),
    ])


async def _moving_over(l: Loader) -> None:  # noqa: E741
    """What Coach Mark sees on FC Kreuzberg U12's migration page: the expected size, parents who
    linked a second device (verified) or chose their notifications, and the old chat's archive,
    imported from a WhatsApp export the way an admin does it."""
    from groupbox import scratch
    from groupbox.domain.groups import service as groups
    from groupbox.domain.migration import archive_import
    from groupbox.domain.notify import service as notify

    t, gid = l.t, l.groups["fc"]["id"]
    with clock_at(t.ago(days=23, hours=1)):
        await groups.group_update(await l.actor(MARK), gid, GroupSettings(expected_size=FC_FAMILIES))
    for index, name in enumerate([LISA, SAMIR, PRIYA, *FC_PARENTS[:3]]):
        with clock_at(t.ago(days=18, hours=index)):
            await identity.start_browser(l.people[name], "Demo tablet")
    for index, name in enumerate([LISA, SAMIR, *FC_PARENTS[:7]]):
        with clock_at(t.ago(days=17, hours=index)):
            await notify.set_preferences(await l.actor(name), {"event_change": "immediate"}, gid)
    with scratch.folder(l.config.data_dir, "import-") as folder, clock_at(t.ago(days=22)):
        export = folder / "WhatsApp Chat with FC Kreuzberg U12.txt"
        export.write_text(_old_chat(t), encoding="utf-8")
        await archive_import.import_export(await l.actor(MARK), gid, export, files_dir=l.config.files_dir,
                                           max_bytes=l.config.import_max_bytes, source_name=export.name)


def _old_chat(t: Timeline) -> str:
    """The old WhatsApp group's last months, as Android exports it (English, 24 h): the archive's
    text. Dates are days before the move, so the archive ends where the group space begins."""
    lines = [(120, "09:12", MARK, "Welcome to the U12 parents group! Training Tuesdays and Thursdays 17:00."),
             (118, "18:40", LISA, "Thanks Mark! Is there a kit list somewhere?"),
             (118, "19:02", MARK, "Red shirts, black shorts, shin guards. I'll post the full list."),
             (110, "07:55", SAMIR, "Anyone driving to the away match on Saturday? I have 2 free seats."),
             (110, "08:20", "Elif Yılmaz", "Yes please, Mia needs a seat!"),
             (103, "20:14", PRIYA, "Who has the snack list for the tournament?"),
             (103, "20:31", "Jan Kowalski", "I'll bring bananas and water."),
             (96, "17:45", MARK, "Training moved to the Sporthalle today, the pitch is flooded."),
             (96, "17:47", "Tom Schneider", "Thanks for the heads-up 👍"),
             (89, "21:03", LISA, "Reminder: team photo next Thursday, please bring the red shirts."),
             (82, "12:30", "Sophie Wagner", "Found a blue water bottle in my car — whose is it?"),
             (82, "12:52", "Mehmet Arslan", "Ours! Thank you Sophie."),
             (75, "19:10", MARK, "Great match today everyone. 3:1! 🎉"),
             (75, "19:14", ANNA, "What a game! The kids were amazing."),
             (68, "08:05", "Claire Dubois", "Can someone share the league schedule again?"),
             (68, "08:40", MARK, "It's in the pinned message. I'll also upload it to our new space soon."),
             (54, "18:22", "Lukas Hoffmann", "Is training on during the holidays?"),
             (54, "18:35", MARK, "No training in the holidays. Back on the 7th."),
             (40, "20:00", LISA, "Carpool for Saturday: I can take 3 kids from Kottbusser Tor."),
             (33, "16:15", "Nora Fischer", "Sorry we missed the RSVP, count Ben in for Saturday."),
             (28, "10:00", MARK, "Big news: from next week we'll plan everything in our new group space. "
                                 "I'll share the link here. Small talk can stay in this chat."),
             (27, "10:05", MARK, "Here it is — just tap and type your name, no account needed."),
             (27, "10:11", ANNA, "Joined, thanks! Much easier than scrolling up here."),
             (26, "21:40", SAMIR, "Done too. The RSVP buttons are great.")]
    out = []
    for days, clock, who, text in lines:
        day_ = local(t.ago(days=days), TZ).date()
        out.append(f"{day_:%d/%m/%y}, {clock} - {who}: {text}")
    return "\n".join(out) + "\n"


async def _school(l: Loader) -> None:  # noqa: E741
    from groupbox.domain.objects import announcements, events
    from groupbox.domain.objects.schemas import AnnouncementCreate

    t, gid = l.t, l.groups["class"]["id"]
    schulz = await l.actor(SCHULZ)
    with clock_at(t.ago(days=10)):
        evening = await events.event_create(schulz, gid, EventInput(
            title="Parent evening", starts_at=t.days(5, 19), ends_at=t.days(5, 20, 30),
            location="Classroom 4B, first floor"))
    with clock_at(t.ago(days=9)):
        await events.event_view(await l.actor(ANNA), evening["id"])
        await events.rsvp(await l.actor(ANNA), evening["id"], "yes")
    with clock_at(t.ago(hours=2)):
        moved = await events.event_update(schulz, evening["id"], EventInput(
            starts_at=t.days(7, 19, 30), ends_at=t.days(7, 21)))
        await announcements.announcement_create(schulz, gid, AnnouncementCreate(
            title=f"Parent evening moved to {day(moved['starts_at'], TZ)}", official=True,
            body=f"Because of the school's staff day the parent evening moves to **{day(moved['starts_at'], TZ)} at "
                 f"19:30**. Same room. Topics: museum trip, winter sports day, reading club."))
    slip = text_pdf("Permission slip - museum trip", [
        "Class 4B visits the Museum für Naturkunde.",
        f"Date: {day(t.days(12), lang='en')}, 8:30-13:00, by public transport.",
        "", "My child ____________________ may take part in the trip.",
        "", "Signature of a parent: ____________________",
        "", "Please bring 3 EUR for the entrance fee.",
    ])
    await l.upload("class", SCHULZ, "Permission slip - museum trip.pdf", slip, t.ago(days=1), ack_required=True)
    messages = [
        (LISA, "Does anyone know if the kids need packed lunch for the museum?", t.ago(days=2)),
        (SCHULZ, "Yes please, a small snack and a drink.", t.ago(days=2, hours=-1)),
    ]
    chatter = ["Thanks!", "Noted 👍", "Can someone share the reading list?", "It's on the school website.",
               "Who else is bringing cake for Friday?", "Me — lemon cake.", "Great, I'll bring muffins."]
    for index, text in enumerate(chatter * 2):
        who = CLASS_PARENTS[index % len(CLASS_PARENTS)]
        messages.append((who, text, t.ago(days=1, hours=-(index * 0.7))))
    await l.thread("class", "Museum trip", messages[:9])
    await l.thread("class", "Cake sale on Friday", messages[9:])
    await l.thread("class", "Winter clothes swap", [
        ("Julia Wolf", "Anyone have snow boots size 32 to swap?", t.ago(hours=20)),
        ("Maria Santos", "Yes! Bring them to the parent evening?", t.ago(hours=18)),
    ])


async def _tenants(l: Loader) -> None:  # noqa: E741
    from groupbox.domain.objects import events, polls
    from groupbox.domain.objects.schemas import PollCreate

    t, gid = l.t, l.groups["tenants"]["id"]
    admin = await l.actor(TENANT_ADMIN)
    minutes = text_pdf("Tenant Association - minutes of the October meeting", [
        "Present: 17 households. Chair: Jonas Richter.",
        "1. Heating failed twice in October; the landlord must replace the boiler.",
        "2. Three offers for a new heating contractor; vote by the assembly.",
        "3. Entrance door lock is broken again (reported 12 Oct).",
        "4. Summer courtyard party: volunteers wanted.",
    ])
    await l.upload("tenants", TENANT_ADMIN, "Meeting minutes October.pdf", minutes, t.ago(days=12))
    with clock_at(t.ago(days=6)):
        poll = await polls.poll_create(admin, gid, PollCreate(
            question="Which heating contractor?",
            options=["Wärme Müller GmbH", "Schmidt & Söhne", "Stadtwerke contract"],
            closes_at=t.days(5, 20).isoformat(), description="Three offers; details in the minutes."))
    for index, name in enumerate(TENANTS[:4] + [SAMIR]):
        with clock_at(t.ago(days=5, hours=-index)):
            await polls.poll_vote(await l.actor(name), poll["id"], [poll["options"][index % 3]["id"]])
    with clock_at(t.ago(days=6)):
        await events.event_create(admin, gid, EventInput(
            title="Tenant assembly: heating vote deadline", starts_at=t.days(5, 19), ends_at=t.days(5, 20, 30),
            location="Courtyard room, Wrangelstraße 14"))
    await l.thread("tenants", "Maintenance: entrance door won't lock", [
        ("Gisela Hartmann", "The front door at no. 14 doesn't lock again since Monday.", t.ago(days=4)),
        (TENANT_ADMIN, "Reported to the property manager, ticket 4471. I'll chase them on Friday.", t.ago(days=3)),
        ("Ali Hassan", "Still broken today.", t.ago(hours=30)),
    ])


async def _food_bank(l: Loader) -> None:  # noqa: E741
    from groupbox.domain.objects import events, signups, tasks
    from groupbox.domain.objects.schemas import SignupCreate, SlotInput, TaskCreate

    t, gid = l.t, l.groups["food"]["id"]
    helga = await l.actor(HELGA)
    friday = t.match_day - timedelta(days=1)
    with clock_at(t.ago(days=8)):
        shift = await events.event_create(helga, gid, EventInput(
            title="Volunteer shift: Friday distribution", starts_at=t.at(friday, 14), ends_at=t.at(friday, 17),
            location="Food bank, Wrangelstraße 88"))
        sheet = await signups.signup_create(helga, gid, SignupCreate(title="Friday distribution shifts", slots=[
            SlotInput(label="Sorting 14:00–15:30", capacity=3, starts_at=t.at(friday, 14).isoformat()),
            SlotInput(label="Distribution 15:30–17:00", capacity=4, starts_at=t.at(friday, 15, 30).isoformat()),
        ], event_id=shift["id"]))
    with clock_at(t.ago(days=7)):
        await signups.commit(await l.actor(ANNA), sheet["slots"][1]["id"])
        await signups.commit(await l.actor(PRIYA), sheet["slots"][0]["id"])
    with clock_at(t.ago(days=2)):
        await tasks.task_create(helga, gid, TaskCreate(
            title="Pick up crates from the market",
            description="The market on Maybachufer saves us 10 crates of vegetables. "
                        "Car needed; ask Yusuf for the key.",
            assignee_ids=[l.members[("food", ANNA)]], due_at=t.at(friday, 11).isoformat()))
        await tasks.task_create(helga, gid, TaskCreate(
            title="Order new gloves (size M and L)", assignee_ids=[l.members[("food", HELGA)]],
            due_at=t.days(10, 12).isoformat()))
    await l.thread("food", "Volunteer supplies", [
        ("Yusuf Kaya", "We're out of gloves in size M.", t.ago(days=2)),
        (HELGA, "Ordered, arriving next week. Use L until then.", t.ago(days=1)),
    ])


def summary(result: DemoResult) -> dict[str, Any]:
    return {"created": result.created, "signin_url": result.signin_url, "invite_url": result.invite_url,
            "mark_signin_url": result.mark_signin_url, "owner_signin_url": result.owner_signin_url}
