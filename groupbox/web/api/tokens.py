"""`POST /api/connection-tokens`: a scoped token for my home server (SPEC §14, §15.1)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import delete, get, post

from groupbox.access import Actor
from groupbox.domain.remote import tokens
from groupbox.web.openapi import errors
from groupbox.web.support import SIGNED_IN


class TokenIn(msgspec.Struct):
    scopes: list[str] | None = None
    expires_in_days: int | None = None
    group_ids: list[str] | None = None
    label: str = ""


class TokenOut(msgspec.Struct):
    id: str
    token: str
    expires_at: datetime
    scopes: list[str]


class TokenInfo(msgspec.Struct):
    id: str
    label: str
    scopes: list[str]
    groups: str
    created_at: datetime
    expires_at: datetime
    active: bool


@post("/api/connection-tokens", guards=SIGNED_IN, tags=["remote"], responses=errors(404))
async def connection_token_create(actor: Actor, data: TokenIn) -> TokenOut:
    row, token = await tokens.token_create(actor, data.scopes, data.expires_in_days, group_ids=data.group_ids,
                                           label=data.label)
    return TokenOut(row["id"], token, row["expires_at"], row["scopes"].split())


@get("/api/connection-tokens", guards=SIGNED_IN, tags=["remote"])
async def connection_tokens_list(actor: Actor) -> dict[str, list[TokenInfo]]:
    rows = await tokens.tokens_list(actor)
    return {"items": [TokenInfo(r["id"], r["label"], r["scopes"].split(), r["group_names"] or "", r["created_at"],
                                r["expires_at"], r["active"]) for r in rows]}


@delete("/api/connection-tokens/{token_id:str}", guards=SIGNED_IN, tags=["remote"])
async def connection_token_revoke(actor: Actor, token_id: str) -> None:
    await tokens.token_revoke(actor, token_id)


HANDLERS = [connection_token_create, connection_tokens_list, connection_token_revoke]
