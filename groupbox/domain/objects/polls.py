"""Polls (SPEC §7): a question, 2–20 options, single or multiple choice, an optional deadline,
named or anonymous, and when results show.

Rules:
- Creating a poll is `object.create`; voting is `act:vote` (members and up; a connection token
  needs the `act:vote` scope). Everyone in the group reads the poll.
- A vote names one option (single choice) or one or more (multiple choice), all of this poll.
  Voting again replaces the member's earlier vote, in one write transaction, until the poll
  closes (its deadline passes or someone who may edit it closes it early): after that, 409.
- Results (counts, percentages of the people who voted) are visible per `results_visibility`:
  "always"; "after_vote" to people who voted, and to everyone once closed; "after_close" to
  everyone once closed. How many people voted is always visible.
- Named polls show who chose what whenever results are visible; anonymous polls never name
  anyone, to anyone.
- A member who leaves loses their votes.
"""

from __future__ import annotations

from datetime import datetime

from groupbox.access import Actor, can, require
from groupbox.db.engine import DB
from groupbox.domain.groups import service as groups
from groupbox.domain.notify import service as notify
from groupbox.domain.objects import common
from groupbox.domain.objects.schemas import PollCreate
from groupbox.domain.objects.store import polls as store
from groupbox.errors import Conflict, Invalid
from groupbox.i18n import N_, _, lazy
from groupbox.timefmt import clean_moment
from groupbox.util import new_id, now

QUESTION_MAX = 300
DESCRIPTION_MAX = 5_000
OPTION_MAX = 120
MIN_OPTIONS, MAX_OPTIONS = 2, 20
VISIBILITIES = ("always", "after_vote", "after_close")
VISIBILITY_LABELS = {
    "always": N_("Always"),
    "after_vote": N_("After voting"),
    "after_close": N_("After the poll closes"),
}


# -- the rules, as plain functions ----------------------------------------------------------------
is_closed = common.is_closed


def results_visible(visibility: str, *, voted: bool, closed: bool) -> bool:
    if visibility == "always" or closed:
        return True
    if visibility == "after_vote":
        return voted
    return False


def check_vote(poll: dict, option_ids: list[str] | None, poll_option_ids: set[str],
               at: datetime | None = None) -> list[str]:
    """The options of a valid vote, in order and without repeats; Conflict once closed,
    Invalid for an empty vote, foreign options, or several options in a single-choice poll."""
    if is_closed(poll, at):
        raise Conflict(_("This poll is closed; votes can no longer change."))
    chosen = [o for o in dict.fromkeys(option_ids or []) if o]
    if not chosen:
        raise Invalid(_("Choose an option."), field="option_ids")
    if any(o not in poll_option_ids for o in chosen):
        raise Invalid(_("That option is not part of this poll."), field="option_ids")
    if len(chosen) > 1 and not poll.get("multiple"):
        raise Invalid(_("This poll takes one choice."), field="option_ids")
    return chosen


# -- validation (one validator per input, shared by forms, API and CLI) -------------------------
def clean_question(raw: str | None) -> str:
    return common.clean_line(raw, field="question", max_len=QUESTION_MAX, empty=_("Ask a question."))


def clean_description(raw: str | None) -> str:
    return common.clean_text(raw, field="description", max_len=DESCRIPTION_MAX)


def clean_options(raw: list[str] | None) -> list[str]:
    options = [" ".join(str(o or "").split()) for o in (raw or [])]
    if any(not o for o in options):
        raise Invalid(_("Options cannot be empty."), field="options")
    if len(options) < MIN_OPTIONS:
        raise Invalid(_("Give at least {n} options.", n=MIN_OPTIONS), field="options")
    if len(options) > MAX_OPTIONS:
        raise Invalid(_("Please give at most {n} options.", n=MAX_OPTIONS), field="options")
    too_long = next((o for o in options if len(o) > OPTION_MAX), None)
    if too_long:
        raise Invalid(_("Keep each option to {n} characters.", n=OPTION_MAX), field="options")
    seen: set[str] = set()
    for option in options:
        key = option.casefold()
        if key in seen:
            raise Invalid(_("“{option}” is there twice.", option=option), field="options")
        seen.add(key)
    return options


def clean_visibility(raw: str | None) -> str:
    value = (raw or "always").strip().lower()
    if value not in VISIBILITIES:
        raise Invalid(_("Results visibility must be one of: always, after_vote, after_close."),
                      field="results_visibility")
    return value


def clean_closes_at(raw: str | datetime | None, tz: str) -> datetime | None:
    value = clean_moment(raw, tz, "closes_at")
    if value is not None and value <= now():
        raise Invalid(_("Pick a deadline in the future."), field="closes_at")
    return value


# -- reading ------------------------------------------------------------------------------------
def url_of(poll_id: str) -> str:
    return f"/polls/{poll_id}"


async def _row(poll_id: str) -> dict:
    return await common.live_row("poll", poll_id)


async def _decorate(actor: Actor, rows: list[dict], group: dict | None = None) -> list[dict]:
    """Options with results as far as the actor may see them, the actor's own choice, and
    what the actor may do."""
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    options = await store.options_of(ids)
    votes = await store.votes_of(ids)
    names = await common.member_names([r["author_id"] for r in rows if r["author_id"]])
    groups_by_id: dict[str, dict] = {group["id"]: group} if group else {}
    votes_by_poll: dict[str, list[dict]] = {}
    for vote in votes:
        votes_by_poll.setdefault(vote["poll_id"], []).append(vote)
    options_by_poll: dict[str, list[dict]] = {}
    for option in options:
        options_by_poll.setdefault(option["poll_id"], []).append(option)
    for row in rows:
        gid = row["group_id"]
        if gid not in groups_by_id:
            groups_by_id[gid] = await groups.group_row(gid)
        g = groups_by_id[gid]
        me = actor.membership(gid)
        my_member = me.member_id if me else None
        poll_votes = votes_by_poll.get(row["id"], [])
        voters = {v["member_id"] for v in poll_votes}
        mine = [v["option_id"] for v in poll_votes if v["member_id"] == my_member]
        closed = is_closed(row)
        visible = results_visible(row["results_visibility"], voted=bool(mine), closed=closed)
        named = visible and not row["anonymous"]
        row["options"] = []
        for option in options_by_poll.get(row["id"], []):
            chosen_by = [v for v in poll_votes if v["option_id"] == option["id"]]
            count = len(chosen_by)
            row["options"].append({
                "id": option["id"], "label": option["label"], "position": option["position"],
                "mine": option["id"] in mine,
                "votes": count if visible else None,
                "percent": (round(100 * count / len(voters)) if voters else 0) if visible else None,
                "voters": [{"id": v["member_id"], "display_name": v["display_name"]} for v in chosen_by]
                if named else None,
            })
        top = max((o["votes"] or 0 for o in row["options"]), default=0)
        for option in row["options"]:
            option["leading"] = visible and top > 0 and option["votes"] == top
        row["voter_count"] = len(voters)
        row["my_option_ids"] = mine
        row["voted"] = bool(mine)
        row["closed"] = closed
        row["results_visible"] = visible
        row["may_vote"] = not closed and can(actor, "act:vote", row, g)
        row["may_edit"] = can(actor, "object.edit", row, g)
        row["author_name"] = names.get(row["author_id"], {}).get("display_name", "") if row["author_id"] else ""
        row["url"] = url_of(row["id"])
        row["group"] = {"id": g["id"], "name": g["name"], "color_index": g["color_index"], "timezone": g["timezone"]}
    return rows


async def poll_get(actor: Actor, poll_id: str) -> dict:
    row = await _row(poll_id)
    require(actor, "group.view", row)
    return (await _decorate(actor, [row]))[0]


async def polls_list(actor: Actor, group_id: str, *, open_only: bool = False, limit: int | None = None) -> list[dict]:
    """The group's polls, newest first (only the open ones with `open_only`)."""
    group = await groups.group_get(actor, group_id)
    rows = await _decorate(actor, await common.group_rows("poll", group_id, open_only=open_only, limit=limit), group)
    return [r for r in rows if not r["closed"]] if open_only else rows


async def polls_waiting(actor: Actor, group: dict, *, newest: int = 20, shown: int = 4) -> tuple[list[dict], int]:
    """For the group dashboard: of the `newest` open polls, `shown`, the ones the actor has not
    voted in first (newest first within each), with what their cards show (`ui.open_poll_card`:
    how many voted, whether I did, whether I may), not their options and votes; and how many
    polls are open."""
    rows = await common.group_rows("poll", group["id"], open_only=True, limit=newest)
    if not rows:
        return [], 0
    me = actor.membership(group["id"])
    voted = await store.polls_voted_in(me.member_id, [r["id"] for r in rows]) if me else set()
    rows.sort(key=lambda p: p["id"] in voted)  # stable: newest first within each
    shown_rows = [r for r in rows[:shown] if not is_closed(r)]
    voters = await store.voter_counts([r["id"] for r in shown_rows])
    for row in shown_rows:
        row["voter_count"] = voters.get(row["id"], 0)
        row["voted"] = row["id"] in voted
        row["closed"] = False
        row["may_vote"] = can(actor, "act:vote", row, group)
        row["url"] = url_of(row["id"])
    return shown_rows, await common.count_open("poll", group["id"])


# -- writing ------------------------------------------------------------------------------------
async def poll_create(actor: Actor, group_id: str, data: PollCreate) -> dict:
    """Open a poll from `data` (the form's, the API's or the CLI's input); the group hears of it."""
    group = await groups.group_get(actor, group_id)
    me = require(actor, "object.create", group)
    clean_q = clean_question(data.question)
    clean_desc = clean_description(data.description)
    clean_opts = clean_options(data.options)
    visibility = clean_visibility(data.results_visibility)
    deadline = clean_closes_at(data.closes_at, group["timezone"])
    poll_id = new_id()
    stamp = now()
    async with DB.write():
        seq = await common.next_seq(group_id)
        await store.poll_insert(poll_id=poll_id, group_id=group_id, author_id=me.member_id, question=clean_q,
                                description=clean_desc, multiple=bool(data.multiple), anonymous=bool(data.anonymous),
                                results_visibility=visibility, closes_at=deadline, seq=seq, stamp=stamp,
                                options=clean_opts)
        await notify.notify(await common.active_member_ids(group_id), "poll_new", group_id=group_id,
                            title=lazy("New poll: {question}", question=clean_q), url=url_of(poll_id),
                            object_type="poll", object_id=poll_id, exclude_member=me.member_id)
    return await poll_get(actor, poll_id)


async def poll_vote(actor: Actor, poll_id: str, option_ids: list[str] | None) -> dict:
    """Cast or replace the actor's vote (see the rules above)."""
    row = await _row(poll_id)
    group = await groups.group_row(row["group_id"])
    me = require(actor, "act:vote", row, group)
    valid = await store.option_ids(poll_id)
    chosen = check_vote(row, option_ids, valid)
    stamp = now()
    async with DB.write():
        # Re-read inside the write lock: the poll may have closed or gone meanwhile.
        current = await _row(poll_id)
        check_vote(current, chosen, valid, stamp)
        await store.vote_replace(poll_id, me.member_id, chosen, stamp, await common.next_seq(row["group_id"]))
    return await poll_get(actor, poll_id)


async def poll_close(actor: Actor, poll_id: str) -> dict:
    """Close a poll now (its editors): votes freeze and "after close" results show."""
    row = await _row(poll_id)
    require(actor, "object.edit", row, await groups.group_row(row["group_id"]))
    await common.close_now("poll", row)
    return await poll_get(actor, poll_id)


async def poll_delete(actor: Actor, poll_id: str) -> dict:
    row = await _row(poll_id)
    require(actor, "object.edit", row, await groups.group_row(row["group_id"]))
    await common.soft_delete("poll", row)
    return row


# -- a member who leaves ------------------------------------------------------------------------
async def member_left(member_id: str) -> None:
    """Remove the votes of someone who left (inside the leaving transaction)."""
    await common.forget_member(member_id, "poll", store.polls_voted_by, store.votes_delete_of_member)

