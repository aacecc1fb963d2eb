"""Acting on a remote item from the home server (SPEC §15.1 "Remote items on a home server",
docs/protocol.md "Acting").

Rules:
- Only the connection's owner, on a whole-profile device; someone else's connection, or an item
  not in its cache, is 404. An item that stays on its server (a stub) is 403: open it there.
- The connection must carry the scope (`act:rsvp`, `act:vote`, `act:acknowledge`); without it 403
  naming the server, before anything is sent.
- The body is checked here with the same validators as a local call (422 on the field), then
  sent with the stored token to `{api_base}/{events|polls|announcements|files}/{id}/{rsvp|vote|ack}`.
- What the group server answers: 2xx is success; 401/403 come back as 403 with its reason; 404
  as 404; 400/409/410/422 as themselves with its detail (and field errors); anything else, a
  timeout or no answer at all is 502 `RemoteUnavailable` with a sentence naming the server.
- On success the cached object takes the answer at once (my RSVP, my vote, acknowledged) and its
  action item leaves the cache, so it leaves "Needs me" before the next sync confirms it.
- The token is opened only for the call; it is never logged and never part of an answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from groupbox.access import Actor
from groupbox.config import Config
from groupbox.db.engine import DB
from groupbox.domain.remote import connections, secrets
from groupbox.domain.remote.client import CONNECT_TIMEOUT, ID_RE, USER_AGENT
from groupbox.domain.remote.store import servers as store
from groupbox.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound
from groupbox.i18n import _
from groupbox.util import now

log = logging.getLogger("groupbox.remote")

MAX_ANSWER = 256 * 1024
# path segment -> (cached object type, verb, scope, the action kind it answers)
VERBS = {
    ("events", "rsvp"): ("event", "act:rsvp", "rsvp"),
    ("polls", "vote"): ("poll", "act:vote", "vote"),
    ("announcements", "ack"): ("announcement", "act:acknowledge", "acknowledge"),
    ("files", "ack"): ("file", "act:acknowledge", "acknowledge"),
}
PASSED_ON = {400: Invalid, 409: Conflict, 410: Gone, 422: Invalid}


class RemoteUnavailable(DomainError):
    """The group server could not be asked (down, too slow, an error or an unreadable answer)."""

    status_code = 502


def _host(row: dict) -> str:
    return row["server_name"] or row["url"].split("://", 1)[-1]


def clean_body(verb: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """The local body of the call, checked by the local validators."""
    from groupbox.domain.objects import rsvps

    body = body or {}
    if verb == "rsvp":
        clean: dict[str, Any] = {"status": rsvps.clean_status(body.get("status"))}
        if body.get("note"):
            clean["note"] = rsvps.clean_note(body.get("note"))
        if body.get("guests") not in (None, ""):
            clean["guests"] = rsvps.clean_guests(body.get("guests"))
        return clean
    if verb == "vote":
        raw = body.get("option_ids")
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            raise Invalid(_("Pick at least one option of the poll."), field="option_ids")
        ids = list(dict.fromkeys(raw))
        if len(ids) > 50 or not all(isinstance(i, str) and ID_RE.match(i) for i in ids):
            raise Invalid(_("Pick options of this poll."), field="option_ids")
        return {"option_ids": ids}
    return {}


async def act(actor: Actor, config: Config, connection_id: str, path: str, object_id: str, verb: str,
              body: dict[str, Any] | None = None) -> dict[str, Any]:
    """RSVP, vote or acknowledge on a connected server's item; answers with the group server's
    answer and `remote` ({"connection_id", "server_name", "url"})."""
    if (path, verb) not in VERBS:
        raise NotFound(_("Not found"))
    obj_type, scope, kind = VERBS[(path, verb)]
    row = await connections.owned(actor, connection_id)
    host = _host(row)
    cached = await store.object_get(connection_id, obj_type, object_id) if ID_RE.match(object_id or "") else None
    if cached is None:
        raise NotFound(_("This item is not in what {server} last sent. Sync the server, or open it there.",
                         server=host))
    data = json.loads(cached["data"] or "{}")
    url = data.get("url") if isinstance(data.get("url"), str) else row["url"]
    if cached["stub"]:
        raise Forbidden(_("This item stays on {server}: open it there.", server=host))
    if scope not in (row["scopes"] or "").split():
        raise Forbidden(_("Your connection to {server} may only read; open the item on {server} to answer it "
                          "(or connect with a token that allows {scope}).", server=host, scope=scope))
    payload = clean_body(verb, body)
    try:
        token = secrets.open_sealed(config, connection_id, row["token_cipher"])
    except secrets.SecretError as exc:
        log.warning("remote %s: %s", connection_id, exc)
        raise RemoteUnavailable(_("The stored token for {server} cannot be read on this server any more; "
                                  "connect the server again.", server=host)) from None
    target = f"{row['api_base']}/{path}/{object_id}/{verb}"
    status, answer = await _post(target, token, payload, host, float(config.remote_timeout_seconds))
    reason = answer.get("detail") if isinstance(answer, dict) and isinstance(answer.get("detail"), str) else ""
    if status == 401:
        raise Forbidden(_("{server} refused the token: it was revoked or has expired. Make a new token there "
                          "and connect again.", server=host))
    if status == 403:
        raise Forbidden(_("{server} refused this: {reason}", server=host,
                          reason=reason[:300] or _("the token may not do that.")))
    if status == 404:
        raise NotFound(_("{server} no longer has this item.", server=host))
    if status in PASSED_ON:
        errors = answer.get("errors") if isinstance(answer, dict) and isinstance(answer.get("errors"), dict) else {}
        errors = {str(k)[:40]: str(v)[:300] for k, v in list(errors.items())[:10]}
        raise PASSED_ON[status](_("{server} said: {reason}", server=host, reason=reason[:300] or str(status)),
                                errors=errors)
    if not 200 <= status < 300:
        raise RemoteUnavailable(_("{server} answered with an error ({status}); nothing changed. Try again later.",
                                  server=host, status=status))
    await _remember(connection_id, obj_type, object_id, kind, verb, payload, answer, data)
    result = dict(answer) if isinstance(answer, dict) else {}
    result["remote"] = {"connection_id": connection_id, "server_name": host, "url": url}
    return result


async def _post(url: str, token: str, payload: dict, host: str, total: float) -> tuple[int, Any]:
    import httpx

    headers = {"Accept": "application/json", "User-Agent": USER_AGENT, "Authorization": f"Bearer {token}"}
    timeout = httpx.Timeout(total, connect=min(CONNECT_TIMEOUT, total))
    try:
        async with asyncio.timeout(total), httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                                             trust_env=False) as client, \
                client.stream("POST", url, headers=headers, json=payload) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_ANSWER:
                    raise RemoteUnavailable(_("{server} sent an answer far too large; nothing was read.",
                                              server=host))
            status = response.status_code
    except RemoteUnavailable:
        raise
    except (TimeoutError, httpx.TimeoutException):
        raise RemoteUnavailable(_("{server} did not answer in time; your answer may not have arrived. Try again "
                                  "later.", server=host)) from None
    except httpx.HTTPError as exc:
        raise RemoteUnavailable(_("Could not reach {server} ({reason}); nothing changed. Try again later.",
                                  server=host, reason=type(exc).__name__)) from None
    try:
        answer = json.loads(bytes(body)) if body else {}
    except ValueError:
        answer = None
    if answer is None and 200 <= status < 300:
        raise RemoteUnavailable(_("{server} answered something that is not JSON.", server=host))
    return status, answer


async def _remember(connection_id: str, obj_type: str, object_id: str, kind: str, verb: str, payload: dict,
                    answer: Any, data: dict) -> None:
    """The answer into the cache at once; the next sync brings the group server's own copy."""
    if verb == "rsvp":
        data["my_rsvp"] = payload["status"]
        counts = answer.get("counts") if isinstance(answer, dict) else None
        if isinstance(counts, dict):
            data["counts"] = counts
    elif verb == "vote":
        data["my_vote"] = payload["option_ids"]
    else:
        data["acknowledged"] = True
    async with DB.write():
        await store.object_set_data(connection_id, obj_type, object_id, json.dumps(data, ensure_ascii=False))
        await store.object_delete(connection_id, "action", f"{kind}:{object_id}")
        # What cached dashboards key on (web/pagecache): they are rebuilt with the answer now.
        await store.server_touch(connection_id, now())
