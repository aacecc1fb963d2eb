"""Health, identity and the OpenAPI-visible basics."""

from __future__ import annotations

import msgspec
from litestar import Request, Response, get
from litestar.openapi import ResponseSpec

from groupbox import __version__
from groupbox.access import Actor
from groupbox.db.engine import DB
from groupbox.db.full import problem as storage_problem
from groupbox.web.support import PUBLIC, SIGNED_IN, config_of


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    version: str
    database: str
    detail: str | None = None
    status_code: int | None = None


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


@get("/api/health", opt=PUBLIC, tags=["system"],
     responses={503: ResponseSpec(Health, description="Not healthy: `detail` says why (e.g. the disk is full).")})
async def health(request: Request) -> Response[Health]:
    """Liveness, database reachability and room to write (no session needed): 200, or 503 with
    the reason."""
    answers = await DB.alive()
    trouble = storage_problem(config_of(request).data_dir)
    if not answers:
        trouble = "the database does not answer"
    if trouble:
        return Response(Health(status="error", version=__version__, database="ok" if answers else "unavailable",
                               detail=trouble, status_code=503), status_code=503)
    return Response(Health(status="ok", version=__version__, database="ok"))


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
