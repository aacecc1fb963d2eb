"""Health, identity and the OpenAPI-visible basics."""

from __future__ import annotations

import msgspec
from litestar import Request, get

from groupbox import __version__
from groupbox.access import Actor
from groupbox.db.engine import DB
from groupbox.web.support import PUBLIC, SIGNED_IN, config_of


class Health(msgspec.Struct):
    status: str
    version: str
    database: str


class MembershipOut(msgspec.Struct):
    member_id: str
    group_id: str
    role: str
    display_name: str


class MeOut(msgspec.Struct):
    profile_id: str
    display_name: str
    device_id: str | None
    is_owner: bool
    memberships: list[MembershipOut]


@get("/api/health", opt=PUBLIC, tags=["system"])
async def health() -> Health:
    """Liveness and database reachability (no session needed)."""
    row = await DB.fetchone("SELECT 1 AS ok")
    return Health(status="ok", version=__version__, database="ok" if row else "unavailable")


@get("/api/me", guards=SIGNED_IN, tags=["identity"])
async def me_get(request: Request, actor: Actor) -> MeOut:
    config_of(request)
    return MeOut(
        profile_id=actor.profile_id,
        display_name=actor.display_name,
        device_id=actor.device_id,
        is_owner=actor.is_owner,
        memberships=[MembershipOut(m.member_id, m.group_id, m.role, m.display_name)
                     for m in actor.memberships.values()],
    )


HANDLERS = [health, me_get]
