"""The app shell: health, errors, headers, CSRF, static files, owner sign-in."""

import re

from groupbox.domain.identity import service as identity


def test_health_answers_without_a_session(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def _assert_security_headers(headers) -> None:
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/api/health"):
        _assert_security_headers(client.get(path).headers)
    assert "strict-transport-security" not in client.get("/").headers  # plain http: no HSTS


def test_security_headers_on_unknown_routes_and_wrong_methods(client):
    """The router's own 404 and 405 answers carry them too (issue 11 item 10)."""
    for response in (client.get("/nowhere"), client.get("/api/does-not-exist"), client.delete("/api/health"),
                     client.put("/groups"), client.get("/static/../../etc/passwd")):
        assert response.status_code in (404, 405), response.request.url
        _assert_security_headers(response.headers)


def test_options_is_a_method_like_any_other_a_path_does_not_have(client):
    """Pages and API are same-origin: no CORS preflight, so no OPTIONS handler per path (issue 17:
    a fifth of a worker's start). It answers 405 in the usual shape, and the path still works."""
    response = client.options("/api/health")
    assert response.status_code == 405
    assert response.json() == {"detail": response.json()["detail"], "status_code": 405}
    page = client.options("/")
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    _assert_security_headers(page.headers)
    assert client.get("/api/health").status_code == 200


def test_hsts_only_for_https_on_a_public_domain(make_config):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    cases = {"https://groups.example.org": True, "https://192.168.1.20": False, "https://groupbox.local": False,
             "https://localhost:8443": False, "http://groups.example.org": False}
    for url, expected in cases.items():
        with TestClient(app=create_app(make_config(url=url))) as client:
            for response in (client.get("/api/health"), client.get("/nowhere")):
                assert ("strict-transport-security" in response.headers) is expected, url


def test_api_errors_are_json_with_detail_and_status(client):
    response = client.get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found", "status_code": 404}
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["status_code"] == 401


def test_page_errors_are_html_pages(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    assert "<h1" in response.text


def test_openapi_document_is_served(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_static_urls_are_hashed_and_cached_for_a_year(client):
    html = client.get("/").text
    match = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', html)
    assert match, html
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["cache-control"]
    assert "immutable" in response.headers["cache-control"]


def test_landing_page_for_strangers_dashboard_for_the_signed_in(client, call, csrf):
    assert "Your group" in client.get("/").text
    owner = call(identity.owner_profile)
    token = call(identity.issue_signin_link, profile_id=owner["id"])
    page = client.get(f"/signin/{token}")
    assert page.status_code == 200 and "Sign in" in page.text
    response = client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "gb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # http URL: no Secure flag
    home = client.get("/")
    assert "Hi Olivia" in home.text
    assert client.get("/api/me").json()["is_owner"] is True


def test_signin_link_get_does_not_spend_it_and_post_spends_it_once(client, call, csrf):
    owner = call(identity.owner_profile)
    token = call(identity.issue_signin_link, profile_id=owner["id"])
    for _ in range(3):
        assert client.get(f"/signin/{token}").status_code == 200
    assert client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False).status_code == 303
    again = client.post(f"/signin/{token}", headers=csrf(client), follow_redirects=False)
    assert again.status_code == 410
    assert "already used" in again.text
    assert client.get("/signin/not-a-real-token").status_code == 404


def test_expired_signin_link_is_gone(client, call, csrf):
    from datetime import timedelta

    owner = call(identity.owner_profile)
    token = call(identity.issue_signin_link, profile_id=owner["id"], ttl=timedelta(seconds=-1))
    response = client.get(f"/signin/{token}")
    assert response.status_code == 410
    assert "expired" in response.text


def test_post_without_csrf_token_is_refused(client, call):
    owner = call(identity.owner_profile)
    token = call(identity.issue_signin_link, profile_id=owner["id"])
    response = client.post(f"/signin/{token}", follow_redirects=False)
    assert response.status_code == 403
    # The refused attempt spent nothing.
    assert client.get(f"/signin/{token}").status_code == 200


def test_secure_cookies_when_the_public_url_is_https(make_config, call):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    config = make_config(url="https://groups.example.org")
    with TestClient(app=create_app(config), base_url="https://groups.example.org") as client:
        owner = client.blocking_portal.call(identity.owner_profile)
        token = client.blocking_portal.call(lambda: identity.issue_signin_link(profile_id=owner["id"]))
        client.get("/")
        response = client.post(f"/signin/{token}", headers={"x-csrftoken": client.cookies.get("csrftoken")},
                               follow_redirects=False)
        assert "Secure" in response.headers["set-cookie"]


def test_development_banner_only_in_development(make_config):
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    with TestClient(app=create_app(make_config(env="development"))) as client:
        assert "Development mode" in client.get("/").text
    with TestClient(app=create_app(make_config())) as client:
        assert "Development mode" not in client.get("/").text
