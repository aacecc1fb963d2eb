"""`GET /.well-known/group-platform.json` (SPEC §14): who this server is, for home servers."""


def test_the_manifest_says_who_this_server_is_without_signing_in(client, config):
    response = client.get("/.well-known/group-platform.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "server_name": config.name, "api_base": f"{config.base_url}/api", "protocol_version": "0.1",
        "capabilities": {"events": True, "tasks": True, "files": True, "chat": True, "polls": True,
                         "federation": False},
    }
    assert "max-age=300" in response.headers["cache-control"] and "public" in response.headers["cache-control"]
    assert "set-cookie" not in response.headers


def test_the_manifest_follows_the_configured_name_and_address(make_config):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    config = make_config(name="Tenants' server", url="https://groups.example.org/")
    with TestClient(app=create_app(config)) as client:
        body = client.get("/.well-known/group-platform.json").json()
    assert body["server_name"] == "Tenants' server"
    assert body["api_base"] == "https://groups.example.org/api"
