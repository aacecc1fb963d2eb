"""What each area of the domain lends the others, listed once (nothing registers itself at
import). Services that need another area's part ask here; the imports happen when asked, so the
areas can depend on `groups` without a cycle.

- member-left: when someone leaves or is removed, each area drops what they gave (RSVPs, votes,
  places on sign-up sheets, task assignments), in the leaving transaction.
- join previews: what a stranger may see on an invite's page (upcoming event titles, no names).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache


@cache
def member_left_hooks() -> tuple[Callable[[str], Awaitable[None]], ...]:
    from groupbox.domain.objects import polls, rsvps, signups, tasks

    return (rsvps.forget_member_rsvps, polls.member_left, signups.member_left, tasks.member_left)


@cache
def join_previews() -> tuple[Callable[[dict], Awaitable[list[dict]]], ...]:
    from groupbox.domain.objects import events

    return (events.preview_upcoming,)
