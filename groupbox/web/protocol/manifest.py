"""`GET /.well-known/group-platform.json`: who this server is to home servers (SPEC §14)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader

from groupbox.domain.remote import sync
from groupbox.web.support import PUBLIC, config_of


@get("/.well-known/group-platform.json", opt=PUBLIC, tags=["protocol"],
     cache_control=CacheControlHeader(max_age=300, public=True))
async def platform_manifest(request: Request) -> Response[dict[str, Any]]:
    """The server's name, its API base, the protocol version and capabilities. No sign-in."""
    config = config_of(request)
    return Response(sync.manifest(config.name, config.base_url), media_type="application/json")


HANDLERS = [platform_manifest]
