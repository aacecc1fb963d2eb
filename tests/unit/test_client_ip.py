"""Rate limits count per client: X-Forwarded-For is believed only from configured proxies
(issue 11 item 7: rotating the header from loopback used to give every request a new address)."""

import pytest
from litestar import Request

from groupbox.config import ConfigError
from groupbox.domain.groups.schemas import InviteOptions
from groupbox.web.app import create_app
from groupbox.web.support import client_ip


def _request(config, peer: str, *forwarded: str) -> Request:
    app = create_app(config)
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "headers": headers,
             "client": (peer, 50000), "server": ("127.0.0.1", 8000), "scheme": "http", "app": app,
             "litestar_app": app, "state": {}, "path_params": {}}
    return Request(scope)


def test_forwarded_header_from_loopback_is_ignored_by_default(make_config):
    config = make_config()
    assert client_ip(_request(config, "127.0.0.1", "203.0.113.7")) == "127.0.0.1"
    assert client_ip(_request(config, "::1", "198.51.100.1")) == "::1"


def test_a_trusted_proxy_names_the_client_and_nobody_else_can(make_config):
    config = make_config(trusted_proxies="127.0.0.1, 10.0.0.0/8")
    assert client_ip(_request(config, "127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # A client that sends its own header through the proxy: the proxy appends the real address.
    assert client_ip(_request(config, "127.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request(config, "127.0.0.1", "1.2.3.4", "203.0.113.7, 10.1.1.1")) == "203.0.113.7"
    # Not through a trusted proxy: the header means nothing.
    assert client_ip(_request(config, "192.0.2.55", "203.0.113.7")) == "192.0.2.55"
    assert client_ip(_request(config, "127.0.0.1")) == "127.0.0.1"


def test_rotating_the_header_does_not_reset_the_claim_limit(make_config):
    from litestar.testing import TestClient

    from groupbox.domain.groups import invites
    from tests.conftest import csrf_headers
    from tests.factories import build_world

    with TestClient(app=create_app(make_config(claim_rate_limit="3/minute"))) as client:
        world = client.blocking_portal.call(build_world)
        owner = client.blocking_portal.call(world.owner.actor)
        _row, token = client.blocking_portal.call(lambda: invites.invite_create(owner, world.group["id"], InviteOptions(
            )))
        statuses = []
        for i in range(6):
            client.cookies.delete("gb_session")
            statuses.append(client.post(f"/api/auth/invite/{token}/claim", json={"display_name": f"P{i}"},
                                        headers={**csrf_headers(client), "x-forwarded-for": f"198.51.100.{i}"}
                                        ).status_code)
    assert statuses == [201, 201, 201, 429, 429, 429]


def test_a_proxy_list_that_is_not_addresses_is_a_config_error(make_config):
    with pytest.raises(ConfigError, match="trusted_proxies"):
        make_config(trusted_proxies="caddy")
