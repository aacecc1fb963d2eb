"""The test harness every issue builds on.

- `data_dir`: a real, initialised data folder in tmp (copied from one made once per session).
- `config`: its Config; override settings with `make_config(**values)`.
- `db`: the real SQLite database connected in pytest's event loop (for service tests).
- `client`: Litestar's test client on `create_app(config)`; `call(coro_fn, *args)` runs a
  service coroutine inside the app's own loop (for sync API tests).
- `live_server`: a real `groupbox serve` process on a free loopback port.
- `browser` / `page`: Debian's Chromium through Playwright, one browser per session, a fresh
  390×844 phone context per test.
- `--db=postgres` (or GROUPBOX_TEST_DB=postgres, what `make test-postgres` sets): the same tests on
  a real PostgreSQL the harness starts (tests/pg.py), a fresh database per test. A test about the
  SQLite file itself (backups, the database filling the data folder's disk) is marked
  `@pytest.mark.sqlite_only("why")` and skipped there.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from groupbox.config import load_config
from groupbox.db.engine import DB
from tests import pg

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Tests never read the developer's environment: a GROUPBOX_* variable would change behaviour.
TEST_DB = os.environ.get(pg.ENV, "sqlite")  # except the ones that pick the engine
KEPT_ENV = {"GROUPBOX_BOUNDARY_ONLY"}  # read by tests/unit/test_storage_boundary.py, never by the app
for _name in list(os.environ):
    if _name.startswith("GROUPBOX_") and _name not in KEPT_ENV:
        del os.environ[_name]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): about the SQLite database file itself; skipped on PostgreSQL")


def on_postgres(config) -> bool:
    return pg.enabled(config.getoption("--db") or TEST_DB)


def pytest_addoption(parser):
    parser.addoption("--db", default=None, choices=("sqlite", "postgres"),
                     help="database engine the tests run on (default: GROUPBOX_TEST_DB, else sqlite)")


@pytest.fixture(scope="session")
def postgres(request) -> Iterator[pg.PostgresServer | None]:
    """The session's PostgreSQL server when the tests run on PostgreSQL, else None."""
    if not on_postgres(request.config):
        yield None
        return
    server = pg.PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def template_data(tmp_path_factory, postgres) -> Path:
    """One initialised data folder per session; tests get copies (fast, isolated)."""
    from groupbox.instance import init_instance

    path = tmp_path_factory.mktemp("template") / "data"
    if postgres is not None:
        url = postgres.url(postgres.create_database("groupbox_template"))
        os.environ["GROUPBOX_DATABASE_URL"] = url  # init_instance reads the environment
        try:
            run_async(init_instance, path, admin="Olivia Owner", name="Test Server")
        finally:
            del os.environ["GROUPBOX_DATABASE_URL"]
        pg.point_data_dir(path, url)
        return path
    # In a thread of its own: the first test to ask may be a browser test, inside Playwright's loop.
    run_async(init_instance, path, admin="Olivia Owner", name="Test Server")
    return path


@pytest.fixture
def data_dir(template_data, tmp_path, postgres) -> Iterator[Path]:
    with pg.data_copy(template_data, tmp_path / "data", postgres) as target:
        yield target


@pytest.fixture
def make_config(data_dir):
    def make(**values):
        values.setdefault("background_jobs", "0")  # tests drive mail and digests explicitly
        env = {f"GROUPBOX_{k.upper()}": str(v) for k, v in values.items()}
        return load_config(data_dir, env=env)

    return make


@pytest.fixture
def config(make_config):
    return make_config()


@pytest.fixture
async def db(config):
    await DB.connect(config.database)
    try:
        yield DB
    finally:
        await DB.close()


@pytest.fixture
def app(config):
    from groupbox.web.app import create_app

    return create_app(config)


@pytest.fixture
def client(app) -> Iterator:
    from litestar.testing import TestClient

    with TestClient(app=app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture
def call(client):
    """Run `await fn(*args, **kwargs)` inside the app's event loop; returns its result."""

    def run(fn, *args, **kwargs):
        async def go():
            return await fn(*args, **kwargs)

        return client.blocking_portal.call(go)

    return run


def csrf_headers(client) -> dict[str, str]:
    """The CSRF header for a cookie-authenticated mutating request. Tokens are bound to the
    session: fetch a fresh one when the client's session changed since the last one."""
    token = client.cookies.get("csrftoken")
    session = client.cookies.get("gb_session")
    known = client.__dict__.setdefault("_csrf_by_session", {})
    if not token or known.get(session) != token:
        client.get("/api/me")  # answers with a cookie bound to this session when the jar's is not
        token = known[session] = client.cookies.get("csrftoken")
    return {"x-csrftoken": token}


@pytest.fixture
def csrf():
    return csrf_headers


def sign_in_owner(client, call) -> None:
    from groupbox.domain.identity import service as identity

    owner = call(identity.owner_profile)
    token = call(identity.issue_signin_link, profile_id=owner["id"])
    response = client.post(f"/signin/{token}", headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture
def owner_client(client, call):
    sign_in_owner(client, call)
    return client


# -- real processes -----------------------------------------------------------------------------
class LiveServer:
    def __init__(self, data_dir: Path, port: int, process: subprocess.Popen, log: Path):
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log = log

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run_cli(*args, "--data", str(self.data_dir), env={"GROUPBOX_URL": self.url}, check=check)


def run_cli(*args: str, env: dict[str, str] | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")}
    full_env.update(env or {})
    result = subprocess.run([sys.executable, "-m", "groupbox.cli.main", *args], capture_output=True, text=True,
                            env=full_env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"groupbox {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def start_server(data_dir: Path, env: dict[str, str] | None = None, port: int | None = None) -> LiveServer:
    port = port or free_port()
    log = data_dir.parent / f"server-{port}.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")}
    full_env.update({"GROUPBOX_URL": f"http://127.0.0.1:{port}", **(env or {})})
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "groupbox.cli.main", "serve", "--data", str(data_dir), "--port", str(port)],
        stdout=handle, stderr=subprocess.STDOUT, env=full_env,
    )
    server = LiveServer(data_dir, port, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise AssertionError(f"server did not start:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


# Needed by main's `python -m groupbox.cli.main`
@pytest.fixture
def live_server(data_dir) -> Iterator[LiveServer]:
    server = start_server(data_dir, env={"GROUPBOX_ENV": "development"})
    try:
        yield server
    finally:
        stop_server(server)


# -- mail ---------------------------------------------------------------------------------------
@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port: (controller, handler). The mail it
    received is `handler.messages` (EmailMessage, default policy), filled by the server's thread."""
    from email import policy
    from email.parser import BytesParser

    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
            self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
            return "250 OK"

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


# -- browser ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def new_context(browser):
    contexts = []

    def make(viewport=PHONE, locale="en-GB", **kwargs):  # locale: also the browser's Accept-Language
        context = browser.new_context(viewport=viewport, device_scale_factor=1, locale=locale, **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_collection_modifyitems(config, items):
    """Browser tests run last. Playwright's sync API keeps an event loop running in the main
    thread for the whole session (one browser per session), which pytest-asyncio's own loops
    cannot run beside; so every async test runs before the browser starts."""
    def uses_browser(item) -> bool:
        return "browser" in getattr(item, "fixturenames", ()) or "page" in getattr(item, "fixturenames", ()) \
            or "new_context" in getattr(item, "fixturenames", ())

    postgres = on_postgres(config)
    for item in items:
        if uses_browser(item):
            item.add_marker(pytest.mark.browser)
        marker = item.get_closest_marker("sqlite_only")
        if postgres and marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "about the SQLite file")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))
    items.sort(key=uses_browser)


def run_async(fn, *args, **kwargs):
    """Run a coroutine function from a sync test while Playwright's loop occupies this thread:
    in a fresh thread with its own loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fn(*args, **kwargs)).result()


@pytest.fixture
def world(client, call):
    """Owner, a group with one person per role, another group and its outsider admin."""
    from tests.factories import build_world

    return call(build_world)


@pytest.fixture
def as_person(client):
    """Switch the test client to a person's session (None = signed out)."""

    def switch(person):
        client.cookies.delete("gb_session")
        if person is not None:
            client.cookies.set("gb_session", person.session_token)
        return client

    return switch


def seed(server, builder, *args, **kwargs):
    """Build data for a live server through the services, from a sync (browser) test."""

    async def go():
        async with DB.session(load_config(server.data_dir, env={}).database):
            return await builder(*args, **kwargs)

    return run_async(go)


def sign_in_context(context, server, person) -> None:
    """Give a browser context the person's session cookie."""
    context.add_cookies([{"name": "gb_session", "value": person.session_token, "url": server.url}])
