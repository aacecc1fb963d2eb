"""Dashboards with real volume: a busy group's page and Anna's home across ten busy groups.

    .venv/bin/python benchmarks/bench_dashboards.py [--seconds 6] [--connections 8] [--reseed] [--profile]

Data: ten groups of 300 members, each with about 2,000 objects (600 events from 180 days ago to
180 days ahead, 300 announcements, 200 polls, 300 tasks, 100 sign-up sheets, 50 threads with 500
messages), RSVPs, votes, acknowledgements, commitments and @mentions, all written through the
services with the clock set back (`groupbox.util.clock_at`). Anna Müller is a member of all ten.
Only the organisers and Anna are in a group while its objects are created (the other members join
afterwards, dated before), so the notification table holds ~85k rows instead of ~6 M.
Seeding takes a few minutes once; the data folder is cached under
/tmp/groupbox-bench-cache/<hash of the migrations and of this seed>/ and copied for every run
(`--reseed` rebuilds it; a cache older than a week is rebuilt too, since dates are relative).

Prints wrk figures (one worker, 8 connections) for `GET /groups/{id}` and Anna's `GET /` beside
the baseline's plain Jinja page of the same size, `GET /api/home` beside `/plain`, `GET /calendar`
beside a page of its size, then issue 17's budgets (meant for `--no-page-cache`: home p95 ≤ 60 ms
and ≥ 25% of the plain page's req/s, group p95 ≤ 40 ms and ≥ 30%, calendar ≤ 40 KB and p95 ≤ 50 ms)
as met/missed. Never asserts on time. `--seeded DIR` uses a copy of a seeded folder (data/ and
meta.json) instead of the cache.

`--profile` adds an in-process look at where a request's time goes (Litestar's TestClient against
`create_app`, sequential requests): per-request SQL statements with counts and time, time per
dashboard section / home part, template render time, and cProfile's top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import json
import logging
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from common import (
    PYTHON,
    ROOT,
    BaselineServer,
    BenchError,
    Server,
    fresh_instance,
    page_bytes,
    signed_in_cookie,
    table,
    wrk,
)

CACHE_ROOT = Path("/tmp/groupbox-bench-cache")
CACHE_MAX_AGE = timedelta(days=7)  # dates are relative to the seeding day
# Bump when the data below changes shape, so old caches are not reused.
SEED_VERSION = "dashboards-2"
SERVER_ENV = {"GROUPBOX_CLAIM_RATE_LIMIT": "1000000/minute", "GROUPBOX_BACKGROUND_JOBS": "0"}
# Issue 17 (uncached): home p95 ≤ 60 ms, ≥ 25% of the plain page; group p95 ≤ 40 ms, ≥ 30%; calendar.
BUDGET_HOME_P95_MS, BUDGET_HOME_SHARE = 60.0, 0.25
BUDGET_GROUP_P95_MS, BUDGET_GROUP_SHARE = 40.0, 0.30
BUDGET_CALENDAR_P95_MS, BUDGET_CALENDAR_KB = 50.0, 40.0

GROUPS = 10
MEMBERS = 300  # per group, including the owner, three moderators and Anna
MODERATORS = 3
PER_GROUP = {"events": 600, "announcements": 300, "polls": 200, "tasks": 300, "signups": 100, "threads": 50,
             "messages": 500}
ANNA = "Anna Müller"
TZ = "Europe/Berlin"

GROUP_NAMES = ["FC Kreuzberg U12 Parents", "Class 4B Parents", "Tenant Association Wrangelstraße",
               "Food Bank Volunteers", "Choir Sopranos & Altos", "Community Garden Görlitzer",
               "Running Club Tempelhof", "Kita Sonnenschein Parents", "Repair Café Crew", "Neighbourhood Watch"]
FIRST = ["Tom", "Elif", "Jan", "Sophie", "Mehmet", "Claire", "Lukas", "Nora", "Ben", "Aylin", "Julia", "Kemal",
         "Maria", "Felix", "Hannah", "Gisela", "Ali", "Petra", "Dimitri", "Greta", "Oskar", "Emma", "Yusuf",
         "Ingrid", "Paul", "Lisa", "Samir", "Priya", "Mark", "Helga", "Jonas", "Mia", "Leon", "Lea", "Noah",
         "Lina", "Elias", "Clara", "Finn", "Ida"]
LAST = ["Schneider", "Yılmaz", "Kowalski", "Wagner", "Arslan", "Dubois", "Hoffmann", "Fischer", "Krüger",
        "Demir", "Wolf", "Öztürk", "Santos", "Braun", "Klein", "Hartmann", "Hassan", "Vogel", "Popov", "Lange",
        "Berg", "Schulte", "Kaya", "Meyer", "Richter", "Becker", "Khan", "Weber", "Brandt", "Schulz"]
EVENT_TITLES = ["Training", "Match vs. SV Tasmania", "Parent evening", "Work day", "Monthly meeting",
                "Summer party", "Rehearsal", "Distribution shift", "Sorting shift", "Garden clean-up",
                "Board meeting", "Info evening", "Trip to the museum", "Repair session", "Long run", "Quiz night"]
LOCATIONS = ["Görlitzer Park", "Sporthalle Wrangelstraße", "Community room, ground floor", "Classroom 4B",
             "Kiezladen, Wrangelstraße 14", "Café Rix", "Online (link in the description)", ""]
NOUNS = ["the kit", "the keys", "snacks", "the rota", "the newsletter", "the budget", "drinks", "the tables",
         "the flyers", "the tools", "the cake", "the room", "the minutes", "the photos", "the donations"]
VERBS = ["Bring", "Order", "Collect", "Print", "Clean", "Organise", "Check", "Sort", "Fix", "Book", "Plan"]
SENTENCES = [
    "Thanks to everyone who helped last time, it went really well.",
    "Please let us know by the end of the week if you can make it.",
    "The room is booked from six; the key is with the caretaker.",
    "We still need two more people for the early shift.",
    "Bring warm clothes, it gets cold in the evening.",
    "The minutes of the last meeting are attached in the files tab.",
    "Parking is limited, so please come by bike or public transport if you can.",
    "Kids are welcome, there will be juice and pretzels.",
    "If anything changes we will post it here first.",
    "Questions? Reply in the thread or ask at the next meeting.",
]
REPLIES = ["Thanks!", "Noted 👍", "I can do Saturday.", "Can someone share the list?", "It's in the files tab.",
           "Who else is coming?", "Count me in.", "Sorry, can't make it this time.", "Great idea!",
           "I'll bring my car, three seats free.", "Does anyone have the key?", "See you there!",
           "What time do we meet?", "I've added it to the sheet.", "Same here."]


# ---------------------------------------------------------------------------------------------
# Seeding (through the services, in this process, before any server starts)


def cache_key() -> str:
    """Hash of every migration plus this seed's version: a schema change means new data."""
    digest = hashlib.sha256(SEED_VERSION.encode())
    for path in sorted((ROOT / "groupbox" / "db" / "migrations").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _paragraphs(rng: random.Random, n: int) -> str:
    return "\n\n".join(" ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(n))


def _person_name(index: int) -> str:
    return f"{FIRST[index % len(FIRST)]} {LAST[(index // len(FIRST)) % len(LAST)]}"


class Seeder:
    """Builds one instance's worth of busy groups. Times are relative to `self.t0` (real now)."""

    def __init__(self, rng_seed: int = 2026) -> None:
        from groupbox.util import now

        self.t0 = now().replace(second=0, microsecond=0)
        self.rng_seed = rng_seed
        self.actors: dict[str, Any] = {}  # profile id -> Actor (reloaded after joins)
        self.counts: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)  # service time per kind of call
        self.skipped: dict[str, int] = defaultdict(int)
        self.anna_profile: str | None = None
        self.owner_profile = ""
        self.moderator_profiles: list[str] = []
        self.groups: list[str] = []

    def at(self, days: float) -> datetime:
        return self.t0 + timedelta(days=days)

    async def actor(self, profile_id: str, reload: bool = False):
        from groupbox.domain.identity import service as identity

        if reload or profile_id not in self.actors:
            self.actors[profile_id] = await identity.load_actor(profile_id)
        return self.actors[profile_id]

    async def timed(self, when: datetime, kind: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        """Run one service call as if at `when`; expected refusals (a closed poll...) are counted."""
        from groupbox.errors import DomainError
        from groupbox.util import clock_at

        started = time.perf_counter()
        with clock_at(when):
            try:
                result = await fn()
            except DomainError as exc:
                self.skipped[f"{kind} ({type(exc).__name__})"] += 1
                return None
            finally:
                self.seconds[kind] += time.perf_counter() - started
        self.counts[kind] += 1
        return result

    async def run(self, data_dir: Path, progress: Callable[[str], None]) -> dict:
        from groupbox.db.engine import DB
        from groupbox.domain.identity import service as identity

        async with DB.session(data_dir / "groupbox.sqlite3"):
            owner = await identity.owner_profile()
            if owner is None:
                raise BenchError("fresh instance has no owner")
            self.owner_profile = owner["id"]
            for index in range(GROUPS):
                started = time.monotonic()
                await self.group(index)
                progress(f"  group {index + 1}/{GROUPS} seeded in {time.monotonic() - started:.1f} s")
            # People have read what is older than a day, as in the demo.
            from groupbox.domain.notify import service as notify

            for profile_id in [self.anna_profile, self.owner_profile, *self.moderator_profiles]:
                actor = await self.actor(profile_id, reload=True)
                await self.timed(self.t0, "notifications read", lambda a=actor: notify.mark_read(a, before=self.at(-1)))
            sizes = {}
            for name in ("member", "profile", "event", "rsvp", "announcement", "announcement_ack", "poll",
                         "poll_vote", "task", "task_assignee", "signup", "signup_slot", "signup_commitment",
                         "thread", "message", "mention", "notification", "event_change"):
                row = await DB.fetchone(f"SELECT COUNT(*) AS n FROM {name}")  # noqa: S608 - fixed names
                sizes[name] = row["n"] if row else 0
        return {"anna": self.anna_profile, "groups": self.groups, "rows": sizes,
                "skipped": dict(self.skipped), "seeded_at": self.t0.isoformat(),
                "calls": {k: [self.counts[k], round(v, 1)] for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])}}

    # -- one group ------------------------------------------------------------------------------
    async def group(self, index: int) -> None:
        from groupbox.domain.groups import invites
        from groupbox.domain.groups import service as groups
        from groupbox.domain.groups.schemas import GroupCreate, InviteOptions

        rng = random.Random(self.rng_seed + index)
        owner = await self.actor(self.owner_profile, reload=True)
        group = await self.timed(self.at(-200), "group", lambda: groups.group_create(owner, GroupCreate(
            name=GROUP_NAMES[index], purpose="Everything the group plans, decides and shares.", timezone=TZ)))
        gid = group["id"]
        self.groups.append(gid)
        owner = await self.actor(self.owner_profile, reload=True)

        async def claim(token: str, name: str, when: datetime, actor=None) -> tuple[str, str]:
            result = await self.timed(when, "join", lambda: invites.invite_claim(
                token, name, actor=actor, user_agent="bench", ip=f"bench{index}", rate="1000000/minute"))
            member = await groups.member_row(result.member_id)
            return member["profile_id"], result.member_id

        # Organisers and Anna join first (they are told about every object); everyone else joins
        # (dated 199 days back) after the content exists, so each object notifies ~5 people, not
        # 300: ~6 M notification rows would take longer to seed than everything else together.
        mods: list[tuple[str, str]] = []  # (profile id, member id)
        for m in range(MODERATORS):
            _row, token = await self.timed(self.at(-199.9), "invite", lambda: invites.invite_create(owner, gid, InviteOptions(
                role="moderator", max_uses=1)))
            mods.append(await claim(token, f"{['Coach', 'Ms', 'Mr'][m]} {LAST[(index * 3 + m) % len(LAST)]}",
                                    self.at(-199.8)))
        _row, token = await self.timed(self.at(-199.7), "invite", lambda: invites.invite_create(owner, gid, InviteOptions(
            role="member", max_uses=1)))
        anna_actor = await self.actor(self.anna_profile, reload=True) if self.anna_profile else None
        anna_profile, anna_member = await claim(token, ANNA, self.at(-199.6), actor=anna_actor)
        self.anna_profile = anna_profile
        self.moderator_profiles += [p for p, _m in mods]
        anna = await self.actor(anna_profile, reload=True)
        organisers = [owner] + [await self.actor(p, reload=True) for p, _m in mods]

        content: list[tuple[datetime, str, Callable[[], Awaitable[Any]]]] = []
        refs: dict[str, Any] = {}

        # Events: start from -180 to +180 days; a quarter need RSVPs; some move or are cancelled.
        event_plan = []
        for k in range(PER_GROUP["events"]):
            start = self.at(rng.uniform(-180, 180)).replace(minute=rng.choice([0, 15, 30, 45]))
            if start - timedelta(days=2) > self.t0:
                created = self.t0 - timedelta(days=rng.uniform(0.05, 60))
            else:
                created = start - timedelta(days=rng.uniform(2, 30))
            created = max(created, self.at(-195))
            rsvp_required = rng.random() < 0.25
            deadline = start - timedelta(days=1) if rsvp_required and rng.random() < 0.5 else None
            ends = start + timedelta(hours=rng.choice([1, 1.5, 2, 3])) if rng.random() < 0.7 else None
            plan = {"key": f"e{k}", "start": start, "created": created, "rsvp_required": rsvp_required,
                    "deadline": deadline, "cancelled": False}
            event_plan.append(plan)
            author = rng.choice(organisers)
            content.append((created, "event", lambda a=author, p=plan, e=ends: self._event(
                refs, a, gid, p, e, rng.choice(EVENT_TITLES), rng.choice(LOCATIONS), _paragraphs(rng, 1))))
            if start > self.t0 + timedelta(days=1) and rng.random() < 0.06:
                when = max(created + timedelta(hours=1), self.t0 - timedelta(days=rng.uniform(0.1, 10)))
                if rng.random() < 0.3:
                    plan["cancelled"] = True
                    content.append((when, "event cancelled", lambda a=author, p=plan: self._cancel(refs, a, p)))
                else:
                    shift = timedelta(days=rng.randint(1, 3), hours=rng.choice([0, 1, 2]))
                    content.append((when, "event moved", lambda a=author, p=plan, s=shift: self._move(refs, a, p, s)))

        # Announcements: a fifth official (some urgent), a tenth to acknowledge.
        ack_plan = []
        for k in range(PER_GROUP["announcements"]):
            created = self.at(-rng.uniform(0.02, 180))
            official = rng.random() < 0.2
            plan = {"key": f"a{k}", "created": created, "ack": rng.random() < 0.1}
            if plan["ack"]:
                ack_plan.append(plan)
            author = rng.choice(organisers)
            content.append((created, "announcement", lambda a=author, p=plan, o=official: self._announce(
                refs, a, gid, p, o, o and rng.random() < 0.2, rng)))

        # Polls: most closed after 2–14 days; a few without a deadline.
        poll_plan = []
        for k in range(PER_GROUP["polls"]):
            created = self.at(-rng.uniform(0.05, 180))
            closes = None if rng.random() < 0.03 else created + timedelta(days=rng.uniform(2, 14))
            plan = {"key": f"p{k}", "created": created, "closes": closes}
            poll_plan.append(plan)
            author = rng.choice(organisers)
            options = rng.sample(["Yes", "No", "Saturday", "Sunday", "Pizza", "Pasta", "Morning", "Evening",
                                  "Online", "In person", "Later"], rng.randint(2, 5))
            content.append((created, "poll", lambda a=author, p=plan, o=options: self._poll(refs, a, gid, p, o, rng)))

        # Sign-up sheets: 3–6 slots, about half with a deadline.
        signup_plan = []
        for k in range(PER_GROUP["signups"]):
            created = self.at(-rng.uniform(0.05, 180))
            plan = {"key": f"s{k}", "created": created,
                    "closes": created + timedelta(days=rng.uniform(2, 10)) if rng.random() < 0.5 else None}
            signup_plan.append(plan)
            slots = [{"label": f"{rng.choice(VERBS)} {rng.choice(NOUNS)} #{n + 1}", "capacity": rng.randint(1, 4),
                      "starts_at": (created + timedelta(days=rng.uniform(3, 20))).isoformat()
                      if rng.random() < 0.7 else None} for n in range(rng.randint(3, 6))]
            author = rng.choice(organisers)
            content.append((created, "signup", lambda a=author, p=plan, s=slots: self._signup(refs, a, gid, p, s, rng)))

        # Threads, started by the organisers and Anna (replies come from everyone later).
        thread_plan = []
        for k in range(PER_GROUP["threads"]):
            created = self.at(-rng.uniform(1, 180))
            plan = {"key": f"t{k}", "created": created}
            thread_plan.append(plan)
            author = rng.choice([*organisers, anna])
            content.append((created, "thread", lambda a=author, p=plan: self._thread(refs, a, gid, p, rng)))

        content.sort(key=lambda item: item[0])
        for when, kind, fn in content:
            await self.timed(when, kind, fn)

        # Everyone else joins through one shared link (joined_at long ago; see above).
        _row, shared = await self.timed(self.at(-199), "invite", lambda: invites.invite_create(owner, gid, InviteOptions(
            role="member", expires_in_hours=366 * 24)))
        members: list[tuple[Any, str]] = []  # (Actor, member id)
        taken = {ANNA}
        for n in range(MEMBERS - 2 - MODERATORS):
            name = _person_name(index * 7 + n)
            while name in taken:
                n += len(FIRST)
                name = _person_name(index * 7 + n)
            taken.add(name)
            profile_id, member_id = await claim(shared, name, self.at(-198.9 + n * 0.01))
            members.append((await self.actor(profile_id), member_id))

        activity: list[tuple[datetime, str, Callable[[], Awaitable[Any]]]] = []
        self._plan_activity(rng, activity, refs, anna, anna_member, organisers, members,
                            event_plan, ack_plan, poll_plan, signup_plan, thread_plan)
        activity.sort(key=lambda item: item[0])
        for when, kind, fn in activity:
            await self.timed(when, kind, fn)

    # -- activity after everyone joined -----------------------------------------------------------
    def _plan_activity(self, rng, activity, refs, anna, anna_member, organisers, members,
                       event_plan, ack_plan, poll_plan, signup_plan, thread_plan) -> None:
        from groupbox.domain.objects import announcements, events, messages, tasks, threads

        t0 = self.t0

        def between(a: datetime, b: datetime) -> datetime | None:
            b = min(b, t0 - timedelta(minutes=5))
            if b <= a + timedelta(minutes=10):
                return None
            return a + (b - a) * rng.uniform(0.05, 0.95)

        # RSVPs: dense on events needing them (denser ahead, where people are still answering).
        for plan in event_plan:
            if plan["cancelled"]:
                continue
            if plan["rsvp_required"]:
                n = rng.randint(10, 50) if plan["start"] > t0 else rng.randint(3, 15)
            elif rng.random() < 0.1:
                n = rng.randint(2, 10)
            else:
                continue
            close = min(plan["start"], plan["deadline"] or plan["start"])
            answering = rng.sample(members, n)
            if plan["rsvp_required"] and rng.random() < 0.8:
                answering.append((anna, anna_member))
            for actor, _m in answering:
                when = between(plan["created"], close)
                if when is None:
                    continue
                status = rng.choices(["yes", "no", "maybe"], [6, 2, 1])[0]
                activity.append((when, "rsvp", lambda a=actor, p=plan, s=status: events.rsvp(
                    a, refs[p["key"]], s, guests=rng.choice([0, 0, 0, 1, 2]) if s == "yes" else 0)))

        # Acknowledgements: 10–40 people each; Anna acknowledges nine in ten.
        for plan in ack_plan:
            people = [a for a, _m in rng.sample(members, rng.randint(10, 40))]
            if rng.random() < 0.9:
                people.append(anna)
            for actor in people:
                when = between(plan["created"], plan["created"] + timedelta(days=14))
                if when is not None:
                    activity.append((when, "ack", lambda a=actor, p=plan: announcements.announcement_ack(
                        a, refs[p["key"]])))

        # Votes: two polls in three get 3–15 votes; Anna votes in most.
        for plan in poll_plan:
            if rng.random() < 0.66:
                voters = [a for a, _m in rng.sample(members, rng.randint(3, 15))]
            else:
                voters = []
            if rng.random() < 0.8:
                voters.append(anna)
            end = plan["closes"] or t0
            for actor in voters:
                when = between(plan["created"], end)
                if when is not None:
                    activity.append((when, "vote", lambda a=actor, p=plan: self._vote(refs, a, p, rng)))

        # Sign-up commitments: about 40% of the places fill; Anna takes a few.
        for plan in signup_plan:
            activity.append((plan["created"] + timedelta(minutes=30), "sign-up sheet filled",
                             lambda p=plan: self._commit_many(refs, p, members, anna, rng)))

        # Tasks: a tenth for Anna, most for one or two people, some unassigned; old ones mostly done.
        for k in range(PER_GROUP["tasks"]):
            created = self.at(-rng.uniform(0.05, 180))
            due = created + timedelta(days=rng.uniform(1, 30)) if rng.random() < 0.7 else None
            roll = rng.random()
            if roll < 0.1:
                assignees = [(anna, anna_member)]
            elif roll < 0.8:
                assignees = rng.sample(members, rng.randint(1, 2))
            else:
                assignees = []
            author = rng.choice(organisers)
            key = f"task{k}"
            title = f"{rng.choice(VERBS)} {rng.choice(NOUNS)}"
            activity.append((created, "task", lambda a=author, key=key, t=title, d=due, who=assignees: self._task(
                refs, a, self.groups[-1], key, t, [m for _a, m in who], d, rng)))
            finished = (due or created + timedelta(days=10)) + timedelta(days=rng.uniform(-1, 2))
            if assignees and finished < t0 - timedelta(days=1) and rng.random() < 0.8:
                doer = assignees[0][0]
                activity.append((finished, "task done", lambda a=doer, key=key: tasks.task_set_status(
                    a, refs[key], "done")))

        # Messages: 450 replies over the 50 threads (busier threads more recent); 1 in 20 asks @Anna.
        replies = PER_GROUP["messages"] - len(thread_plan)
        weights = [1 + i for i in range(len(thread_plan))]
        by_start = sorted(thread_plan, key=lambda p: p["created"])
        for _n in range(replies):
            plan = rng.choices(by_start, weights)[0]
            when = between(plan["created"], t0)
            if when is None:
                continue
            actor = rng.choice([a for a, _m in rng.sample(members, 3)] + [anna] * (rng.random() < 0.05))
            text = rng.choice(REPLIES)
            if actor is not anna and rng.random() < 0.05:
                text = f"@Anna {rng.choice(['can you take two kids on Saturday?', 'thanks for organising!', 'do you have the key?'])}"
            activity.append((when, "message", lambda a=actor, p=plan, t=text: messages.message_post(
                a, refs[p["key"]], t)))
        # Anna has read most threads a day ago; what came since is unread.
        for plan in thread_plan:
            if rng.random() < 0.9:
                activity.append((t0 - timedelta(days=1), "thread read", lambda p=plan: threads.thread_mark_read(
                    anna, refs[p["key"]])))

    # -- the service calls ----------------------------------------------------------------------
    async def _event(self, refs, actor, gid, plan, ends, title, location, description):
        from groupbox.domain.objects import events
        from groupbox.domain.objects.schemas import EventInput

        row = await events.event_create(actor, gid, EventInput(
            title=title, starts_at=plan["start"], ends_at=ends, location=location, description=description,
            rsvp_required=plan["rsvp_required"], rsvp_deadline=plan["deadline"]))
        refs[plan["key"]] = row["id"]
        return row

    async def _cancel(self, refs, actor, plan):
        from groupbox.domain.objects import events

        return await events.event_cancel(actor, refs[plan["key"]], "Not enough people, sorry.")

    async def _move(self, refs, actor, plan, shift):
        from groupbox.domain.objects import events
        from groupbox.domain.objects.schemas import EventInput

        row = await events.event_update(actor, refs[plan["key"]], EventInput(starts_at=plan["start"] + shift))
        plan["start"] = plan["start"] + shift
        return row

    async def _announce(self, refs, actor, gid, plan, official, urgent, rng):
        from groupbox.domain.objects import announcements
        from groupbox.domain.objects.schemas import AnnouncementCreate

        body = _paragraphs(rng, rng.randint(1, 3))
        if rng.random() < 0.3:
            body += "\n\n- **Where:** " + (rng.choice(LOCATIONS) or "tba") + "\n- **Bring:** " + rng.choice(NOUNS)
        row = await announcements.announcement_create(actor, gid, AnnouncementCreate(
            title=f"{rng.choice(['Update', 'Reminder', 'News', 'Please read'])}: {rng.choice(NOUNS)}",
            body=body, official=official, urgent=urgent, ack_required=plan["ack"]))
        refs[plan["key"]] = row["id"]
        return row

    async def _poll(self, refs, actor, gid, plan, options, rng):
        from groupbox.domain.objects import polls
        from groupbox.domain.objects.schemas import PollCreate

        row = await polls.poll_create(actor, gid, PollCreate(
            question=f"Which works best for {rng.choice(NOUNS)}?", options=options, multiple=rng.random() < 0.2,
            anonymous=rng.random() < 0.1, results_visibility=rng.choice(["always", "always", "after_vote", "after_close"]),
            closes_at=plan["closes"].isoformat() if plan["closes"] else None,
            description=_paragraphs(rng, 1) if rng.random() < 0.4 else ""))
        refs[plan["key"]] = row["id"]
        refs[plan["key"] + ":options"] = [o["id"] for o in row["options"]]
        refs[plan["key"] + ":multiple"] = bool(row["multiple"])
        return row

    async def _vote(self, refs, actor, plan, rng):
        from groupbox.domain.objects import polls

        options = refs[plan["key"] + ":options"]
        chosen = rng.sample(options, rng.randint(1, 2)) if refs[plan["key"] + ":multiple"] else [rng.choice(options)]
        return await polls.poll_vote(actor, refs[plan["key"]], chosen)

    async def _signup(self, refs, actor, gid, plan, slots, rng):
        from groupbox.domain.objects import signups
        from groupbox.domain.objects.schemas import SignupCreate, SlotInput

        row = await signups.signup_create(actor, gid, SignupCreate(
            title=f"Who helps with {rng.choice(NOUNS)}?", slots=[SlotInput(**s) for s in slots],
            description=_paragraphs(rng, 1), closes_at=plan["closes"].isoformat() if plan["closes"] else None))
        refs[plan["key"]] = row["id"]
        refs[plan["key"] + ":slots"] = [(s["id"], s["capacity"]) for s in row["slots"]]
        return row

    async def _commit_many(self, refs, plan, members, anna, rng):
        from groupbox.domain.objects import signups

        slots = refs.get(plan["key"] + ":slots", [])
        for slot_id, capacity in slots:
            people = [a for a, _m in rng.sample(members, capacity)]
            for actor in people[: round(capacity * rng.uniform(0, 0.9))]:
                await self.timed(plan["created"] + timedelta(hours=rng.uniform(1, 40)), "commitment",
                                 lambda a=actor, s=slot_id: signups.commit(a, s))
        if slots and rng.random() < 0.15:
            await self.timed(plan["created"] + timedelta(hours=2), "commitment",
                             lambda: signups.commit(anna, rng.choice(slots)[0], "I'll be there"))

    async def _task(self, refs, actor, gid, key, title, assignee_ids, due, rng):
        from groupbox.domain.objects import tasks
        from groupbox.domain.objects.schemas import TaskCreate

        description = _paragraphs(rng, 1) if rng.random() < 0.5 else ""
        row = await tasks.task_create(actor, gid, TaskCreate(title=title, description=description,
                                                             assignee_ids=assignee_ids,
                                                             due_at=due.isoformat() if due else None))
        refs[key] = row["id"]
        return row

    async def _thread(self, refs, actor, gid, plan, rng):
        from groupbox.domain.objects import threads

        row = await threads.thread_create(actor, gid, f"{rng.choice(['About', 'Re:', 'Question:'])} {rng.choice(NOUNS)}",
                                          _paragraphs(rng, 1))
        refs[plan["key"]] = row["id"]
        return row


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_seeded(reseed: bool) -> tuple[Path, dict]:
    """The cached, seeded data folder (built now if missing, stale or `reseed`) and its meta."""
    cache = CACHE_ROOT / cache_key()
    meta_path = cache / "meta.json"
    if meta_path.is_file() and not reseed:
        meta = json.loads(meta_path.read_text())
        age = datetime.now(UTC) - datetime.fromisoformat(meta["seeded_at"])
        if age < CACHE_MAX_AGE:
            meta["cache_age_h"] = age.total_seconds() / 3600
            return cache / "data", meta
        log(f"cached data is {age.days} days old (dates are relative to the seeding day): reseeding")
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{cache.name}.building-", dir=CACHE_ROOT))
    try:
        log(f"seeding {GROUPS} groups × ~{sum(PER_GROUP.values()) - PER_GROUP['threads']:,} objects, "
            f"{MEMBERS} members each, through the services (once; cached in {cache}) …")
        data_dir, _owner_link = fresh_instance(building)
        started = time.monotonic()
        meta = asyncio.run(Seeder().run(data_dir, log))
        meta["seed_s"] = time.monotonic() - started
        migrate(data_dir)  # a migration that landed while seeding: store what the key will say
        meta["db_mib"] = sum(p.stat().st_size for p in data_dir.glob("groupbox.sqlite3*")) / 2**20
        (building / "meta.json").write_text(json.dumps(meta, indent=1))
        cache = CACHE_ROOT / cache_key()
        shutil.rmtree(cache, ignore_errors=True)
        building.rename(cache)
        for old in CACHE_ROOT.iterdir():  # seeds of other schema versions: 70+ MB each
            if old != cache and re.fullmatch(r"[0-9a-f]{16}", old.name):
                shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    meta["cache_age_h"] = 0.0
    meta["fresh"] = True
    return cache / "data", meta


def migrate(data_dir: Path) -> None:
    """`groupbox migrate` (a no-op when the folder is up to date), as an upgrade would do."""
    proc = subprocess.run([PYTHON, "-m", "groupbox.cli.main", "migrate", "--data", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise BenchError(f"groupbox migrate failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")


async def _anna_signin_token(data_dir: Path, anna: str) -> str:
    from groupbox.db.engine import DB
    from groupbox.domain.identity import service as identity

    async with DB.session(data_dir / "groupbox.sqlite3"):
        # The planner's statistics, as a running server's daily job takes them on its first round
        # (background jobs are off in the benchmark's servers).
        await DB.analyze()
        return await identity.issue_signin_link(profile_id=anna)


# ---------------------------------------------------------------------------------------------
# Load


def warm(url: str, cookie: str | None = None, requests: int = 20) -> None:
    headers = {"cookie": cookie} if cookie else {}
    with httpx.Client(timeout=30.0) as client:
        for _ in range(requests):
            client.get(url, headers=headers)


def measure(name: str, url: str, args: argparse.Namespace, cookie: str | None = None,
            baseline: str | None = None) -> dict[str, Any]:
    size = page_bytes(url, cookie)  # refuses non-2xx pages: a broken page is not "fast"
    warm(url, cookie)
    result = wrk(url, seconds=args.seconds, connections=args.connections,
                 headers={"Cookie": cookie} if cookie else None)
    return {"name": name, "bytes": size, "baseline": baseline, **result}


def kb_of(size: int) -> str:
    return f"{round(size / 1024, 1):g}"


def verdicts(rows: dict[str, dict[str, Any]]) -> list[str]:
    """Issue 17's budgets, with the page cache off (`--no-page-cache`): home p95 ≤ 60 ms and ≥ 25% of
    the same-size plain page's req/s; group p95 ≤ 40 ms and ≥ 30%; calendar ≤ 40 KB, p95 ≤ 50 ms."""
    lines = []
    for key, base_key, p95_budget, share_budget, label in (
            ("group", "group_base", BUDGET_GROUP_P95_MS, BUDGET_GROUP_SHARE, "group dashboard"),
            ("home", "home_base", BUDGET_HOME_P95_MS, BUDGET_HOME_SHARE, "home dashboard "),
            ("calendar", "calendar_base", BUDGET_CALENDAR_P95_MS, None, "calendar       ")):
        row, base = rows.get(key), rows.get(base_key)
        if row is None:
            continue
        clean = not row.get("non2xx") and not row.get("errors")
        p95 = float(row["p95_ms"])
        text = f"{label}  p95 {p95:.1f} ms (≤ {p95_budget:g} ms): {'MET' if p95 <= p95_budget and clean else 'MISSED'}"
        if share_budget is not None and base is not None:
            share = float(row["rps"]) / float(base["rps"])
            text += (f"; {float(row['rps']):,.0f} req/s = {100 * share:.0f}% of the same-size plain page "
                     f"(≥ {100 * share_budget:.0f}%): {'MET' if share >= share_budget and clean else 'MISSED'}")
        if key == "calendar":
            kb = row["bytes"] / 1024
            text += f"; {kb:.1f} KB (≤ {BUDGET_CALENDAR_KB:g} KB): {'MET' if kb <= BUDGET_CALENDAR_KB else 'MISSED'}"
        lines.append(text)
    return lines


# ---------------------------------------------------------------------------------------------
# In-process profile (--profile)


_SQL_SPACE = re.compile(r"\s+")
_SQL_LIST = re.compile(r"\?(\s*,\s*\?)+")


def _normal_sql(sql: str) -> str:
    return _SQL_LIST.sub("?…", _SQL_SPACE.sub(" ", sql.strip()))


class SqlRecorder:
    """Times every statement: those run inline on the loop's thread and those that go through aiosqlite
    (this process only)."""

    def __init__(self) -> None:
        self.stats: dict[str, list[float]] = defaultdict(list)
        self.active = False
        self._saved: list[tuple[type, str, Any]] = []

    def install(self) -> None:
        import aiosqlite

        recorder = self
        for name in ("execute_fetchall", "execute"):
            original = getattr(aiosqlite.Connection, name)
            self._saved.append((aiosqlite.Connection, name, original))

            def wrapper(conn, sql, parameters=None, *, _original=original):
                async def timed():
                    started = time.perf_counter()
                    try:
                        return await _original(conn, sql, parameters)
                    finally:
                        if recorder.active:
                            recorder.stats[_normal_sql(sql)].append(time.perf_counter() - started)
                return timed()

            setattr(aiosqlite.Connection, name, wrapper)

        from groupbox.db.engine import Database

        original_inline = Database._read_inline
        self._saved.append((Database, "_read_inline", original_inline))

        def inline(db, sql, params):  # quick reads run on the loop's thread, not through aiosqlite
            started = time.perf_counter()
            rows = original_inline(db, sql, params)
            if recorder.active and rows is not None:
                recorder.stats[_normal_sql(sql)].append(time.perf_counter() - started)
            return rows

        Database._read_inline = inline  # type: ignore[method-assign]

    def uninstall(self) -> None:
        for owner, name, original in self._saved:
            setattr(owner, name, original)
        self._saved.clear()


class PartTimer:
    """Wall time per named async function (dashboard sections, home parts), this process only."""

    def __init__(self) -> None:
        self.stats: dict[str, list[float]] = defaultdict(list)
        self.active = False

    def wrap(self, label: str, fn):
        timer = self

        async def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                if timer.active:
                    timer.stats[label].append(time.perf_counter() - started)

        return timed

    def patch(self, module, name: str, label: str | None = None) -> None:
        setattr(module, name, self.wrap(label or f"{module.__name__.rsplit('.', 1)[-1]}.{name}", getattr(module, name)))


def profile_pages(data_dir: Path, meta: dict, requests: int, page_cache: bool) -> None:
    import jinja2
    from litestar.testing import TestClient

    from groupbox.config import load_config
    from groupbox.domain.actions import home as home_service
    from groupbox.domain.actions import service as actions_service
    from groupbox.domain.calendar import service as calendar_service
    from groupbox.domain.identity import service as identity
    from groupbox.web import areas, support
    from groupbox.web.app import create_app

    env = {**{k: v for k, v in os.environ.items() if k.startswith("GROUPBOX_")}, **SERVER_ENV,
           "GROUPBOX_PAGE_CACHE": "1" if page_cache else "0"}
    config = load_config(data_dir, env=env)
    app = create_app(config)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the test client would log every request
    sql, parts = SqlRecorder(), PartTimer()
    sql.install()
    # Dashboard sections and the parts of home/calendar, timed where they are looked up.
    timed_sections = tuple(type(s)(s.order, s.key, parts.wrap(f"section {s.order:>2} {s.key}", s.load), s.template)
                           for s in areas.dashboard_sections())
    areas.dashboard_sections = lambda: timed_sections
    for name in ("visit_window", "changed_since", "official_updates", "catch_up", "upcoming"):
        parts.patch(home_service, name, f"home.{name}")
    parts.patch(actions_service, "derive", "actions.derive (needs me)")
    parts.patch(actions_service, "group_names", "actions.group_names")
    parts.patch(calendar_service, "entries", "calendar.entries")
    parts.patch(support, "viewer_for", "support.viewer_for (layout)")
    render_times: list[float] = []
    original_render = jinja2.Template.render

    def render(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original_render(self, *args, **kwargs)
        finally:
            if parts.active:
                render_times.append(time.perf_counter() - started)

    jinja2.Template.render = render  # type: ignore[method-assign]
    pages = [("group dashboard", f"/groups/{meta['groups'][0]}"), ("home /", "/"), ("/api/home", "/api/home"),
             ("/calendar", "/calendar")]
    try:
        with TestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            _device, token = client.blocking_portal.call(identity.start_browser, meta["anna"], "bench-profile")
            client.cookies.set("gb_session", token)
            for label, path in pages:
                for _ in range(10):
                    response = client.get(path)
                if response.status_code != 200:
                    raise BenchError(f"in-process GET {path}: {response.status_code}")
                sql.stats.clear()
                parts.stats.clear()
                render_times.clear()
                sql.active = parts.active = True
                n = max(20, requests // 4)
                walls = []
                for _ in range(n):
                    started = time.perf_counter()
                    client.get(path)
                    walls.append(time.perf_counter() - started)
                sql.active = parts.active = False
                profiler = cProfile.Profile()
                client.blocking_portal.call(profiler.enable)
                for _ in range(requests):
                    client.get(path)
                client.blocking_portal.call(profiler.disable)
                _report_profile(label, path, n, walls, sql.stats, parts.stats, render_times, profiler, requests)
    finally:
        jinja2.Template.render = original_render  # type: ignore[method-assign]
        sql.uninstall()


def _ms(values: list[float]) -> float:
    return 1000 * sum(values)


def _report_profile(label, path, n, walls, sql_stats, part_stats, render_times, profiler, requests) -> None:
    total_sql = sum(len(v) for v in sql_stats.values()) / n
    sql_ms = sum(_ms(v) for v in sql_stats.values()) / n
    print(f"\n## {label} — GET {path}, in process, one request at a time ({n} timed requests)")
    print(f"wall p50 {1000 * statistics.median(walls):.1f} ms; SQL {total_sql:.0f} statements "
          f"{sql_ms:.1f} ms per request; template render {_ms(render_times) / n:.1f} ms per request")
    if part_stats:
        print("parts (ms per request, calls per request):")
        for name, values in sorted(part_stats.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {_ms(values) / n:7.2f} ms  {len(values) / n:5.1f}×  {name}")
    print("SQL by statement (ms per request, calls per request, ms per call) — top 12:")
    for statement, values in sorted(sql_stats.items(), key=lambda kv: -sum(kv[1]))[:12]:
        print(f"  {_ms(values) / n:7.2f} ms  {len(values) / n:5.1f}×  {_ms(values) / len(values):6.2f}  "
              f"{statement[:220]}")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"groupbox|jinja2|templates|litestar/(?:response|routes)", 22)
    body = out.getvalue()
    lines = [ln for ln in body.splitlines() if re.match(r"\s*\d", ln) or "ncalls" in ln]
    print(f"cProfile, {requests} requests, sorted by cumulative (CPU in the event-loop thread only: SQL runs in "
          f"aiosqlite's thread and shows up above; ncalls of coroutines count each resumption):")
    for line in lines[:26]:
        print("  " + line[:200])
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    lines = [ln for ln in out.getvalue().splitlines() if re.match(r"\s*\d", ln) or "ncalls" in ln]
    print("  … by own time:")
    for line in lines[:13]:
        print("  " + line[:200])
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6, help="wrk duration per URL (default 6)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached seeded data folder")
    parser.add_argument("--profile", action="store_true", help="also profile the pages in process")
    parser.add_argument("--profile-requests", type=int, default=200, help="requests per page for cProfile")
    parser.add_argument("--no-load", action="store_true", help="skip wrk (seed and/or profile only)")
    parser.add_argument("--no-page-cache", action="store_true", help="render every request (GROUPBOX_PAGE_CACHE=0)")
    parser.add_argument("--seeded", type=Path, default=None,
                        help="a seeded folder (data/ and meta.json, e.g. a copy of a cache entry) instead of the cache")
    args = parser.parse_args()
    began = time.monotonic()

    print(f"# dashboards — Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"granian {version('granian')}, litestar {version('litestar')}; "
          f"wrk {args.connections} connections × {args.seconds:g} s, 1 worker")
    if args.seeded is not None:
        cached, meta = args.seeded / "data", json.loads((args.seeded / "meta.json").read_text())
        meta["cache_age_h"] = (datetime.now(UTC) - datetime.fromisoformat(meta["seeded_at"])).total_seconds() / 3600
    else:
        cached, meta = ensure_seeded(args.reseed)
    seeded = (f"seeded now in {meta['seed_s']:.0f} s" if meta.get("fresh")
              else f"cached {meta['cache_age_h']:.1f} h ago (seeding took {meta['seed_s']:.0f} s)")
    rows_info = meta["rows"]
    print(f"data: {GROUPS} groups × {MEMBERS} members; {seeded}; database {meta['db_mib']:.0f} MiB")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows_info.items()))
    calls = meta.get("calls", {})
    print(f"seeding: {sum(n for n, _s in calls.values()):,} service calls; slowest: " + ", ".join(
        f"{kind} {n:,}× {1000 * s / max(n, 1):.1f} ms" for kind, (n, s) in list(calls.items())[:4]))
    if meta.get("skipped"):
        print("refused while seeding (expected: a sign-up slot already full): "
              + ", ".join(f"{k} ×{v}" for k, v in sorted(meta["skipped"].items())))
    print()

    with tempfile.TemporaryDirectory(prefix="gb-bench-dash-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(cached, data_dir)
        migrate(data_dir)
        results: dict[str, dict[str, Any]] = {}
        if not args.no_load:
            token = asyncio.run(_anna_signin_token(data_dir, meta["anna"]))
            env = {**SERVER_ENV, "GROUPBOX_PAGE_CACHE": "0" if args.no_page_cache else "1"}
            with Server(data_dir, workers=1, env=env, start_timeout=60) as server, BaselineServer() as base:
                cookie = signed_in_cookie(server.base_url, server.url(f"/signin/{token}"))
                group_url = server.url(f"/groups/{meta['groups'][0]}")
                sizes = {"group": page_bytes(group_url, cookie), "home": page_bytes(server.url("/"), cookie),
                         "api": page_bytes(server.url("/api/home"), cookie),
                         "calendar": page_bytes(server.url("/calendar"), cookie)}
                gkb, hkb, ckb = kb_of(sizes["group"]), kb_of(sizes["home"]), kb_of(sizes["calendar"])
                results["plain"] = measure("baseline /plain", base.url("/plain"), args)
                results["group_base"] = measure(f"baseline /page?kb={gkb}", base.url(f"/page?kb={gkb}"), args)
                results["group"] = measure("groupbox /groups/{id} (2k objects, 300 members)", group_url, args, cookie,
                                           baseline=results["group_base"]["name"])
                if hkb != gkb:
                    results["home_base"] = measure(f"baseline /page?kb={hkb}", base.url(f"/page?kb={hkb}"), args)
                else:
                    results["home_base"] = results["group_base"]
                results["home"] = measure("groupbox / (Anna, 10 groups)", server.url("/"), args, cookie,
                                          baseline=results["home_base"]["name"])
                results["api"] = measure("groupbox /api/home (Anna)", server.url("/api/home"), args, cookie,
                                         baseline="baseline /plain")
                if ckb not in (gkb, hkb):
                    results["calendar_base"] = measure(f"baseline /page?kb={ckb}", base.url(f"/page?kb={ckb}"), args)
                calendar_base = f"baseline /page?kb={ckb}"
                results["calendar_base"] = next(r for r in results.values() if r["name"] == calendar_base)
                results["calendar"] = measure("groupbox /calendar (Anna)", server.url("/calendar"), args, cookie,
                                              baseline=calendar_base)
                rss = server.worker_rss_mib()
            for row in results.values():
                row["connections"] = args.connections
            table(list({id(r): r for r in results.values()}.values()))
            print(f"\npage bytes: /groups/{{id}} {sizes['group']:,}; / {sizes['home']:,}; "
                  f"/api/home {sizes['api']:,}; /calendar {sizes['calendar']:,}")
            print(f"worker RSS after load: {rss:.1f} MiB")
            print("\nbudgets (issues):")
            for line in verdicts(results):
                print("  " + line)
            print("(noise between runs is ±25%: compare rows of this run with each other, not with other runs)")
        if args.profile:
            profile_pages(data_dir, meta, args.profile_requests, page_cache=not args.no_page_cache)
    print(f"\ntotal runtime {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
