"""Peers to measure groupbox beside: Matrix Synapse on SQLite, in its own cached venv.

    .venv/bin/python benchmarks/peers.py            # install (once) and print the version, or why not

`ensure_synapse()` creates benchmarks/.peers/synapse (git-ignored) with `python -m venv` and
`pip install matrix-synapse` the first time, and reuses it afterwards (about 20 s once). When the
install fails (no network to the package index, no wheel for this platform) it raises
`PeerMissing` with a one-line reason, and `make bench` prints "synapse: not installed (reason)".

`SynapseServer(folder)` is a `common._Process`: a homeserver named `bench.local` on a loopback
port with a SQLite database in `folder` (kept between starts, like groupbox's data folder), its
rate limits lifted (a benchmark posts hundreds of messages a second; the defaults allow 0.2/s),
no federation key servers (nothing leaves the machine), no two-minute cache of /sync answers
(a benchmark repeating one request would time the cache), otherwise Synapse's defaults. Its
`.start_s` is spawn → first 200 from `/health`. `register(server, name)` makes a user through the
admin shared-secret API and returns an access token, as `register_new_matrix_user` would.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

import httpx
from common import HOST, BenchError, _Process

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
SYNAPSE_VENV = PEERS / "synapse"
SYNAPSE_PYTHON = SYNAPSE_VENV / "bin" / "python"
SERVER_NAME = "bench.local"
SHARED_SECRET = "bench-shared-secret-not-for-production"  # noqa: S105 - loopback benchmark only
LIFTED = "{per_second: 100000, burst_count: 100000}"


class PeerMissing(RuntimeError):
    """A peer could not be installed or started; str() is the reason for the table."""


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("WARNING")]
    return (lines[-1] if lines else "no output")[:160]


def synapse_version() -> str | None:
    """The installed Synapse's version, or None when the venv is missing or broken."""
    if not SYNAPSE_PYTHON.exists():
        return None
    proc = subprocess.run([str(SYNAPSE_PYTHON), "-c", "import synapse; print(synapse.__version__)"],
                          capture_output=True, text=True, timeout=60)
    return proc.stdout.split()[0] if proc.returncode == 0 and proc.stdout.strip() else None


def ensure_synapse(log=print) -> str:
    """Synapse's version, installing it into benchmarks/.peers/synapse first when needed."""
    found = synapse_version()
    if found:
        return found
    log(f"installing matrix-synapse into {SYNAPSE_VENV.relative_to(HERE.parent)} (once) …")
    PEERS.mkdir(exist_ok=True)
    steps = [[sys.executable, "-m", "venv", "--clear", str(SYNAPSE_VENV)],
             [str(SYNAPSE_PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check", "matrix-synapse"]]
    for step in steps:
        try:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PeerMissing(f"{Path(step[0]).name} {step[2]}: {exc}") from exc
        if proc.returncode != 0:
            raise PeerMissing(f"{' '.join(step[2:4])} failed: {_last_line(proc.stderr or proc.stdout)}")
    found = synapse_version()
    if not found:
        raise PeerMissing("matrix-synapse installed but does not import")
    return found


HOMESERVER_YAML = """\
server_name: "{server_name}"
pid_file: "{folder}/homeserver.pid"
report_stats: false
listeners:
  - port: {port}
    bind_addresses: ["{host}"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{folder}/homeserver.db"
log_config: "{folder}/log.config"
media_store_path: "{folder}/media_store"
signing_key_path: "{folder}/signing.key"
registration_shared_secret: "{secret}"
macaroon_secret_key: "bench-macaroon-{secret}"
form_secret: "bench-form-{secret}"
trusted_key_servers: []
suppress_key_server_warning: true
enable_metrics: false
caches:
  sync_response_cache_duration: 0
rc_message: {lifted}
rc_registration: {lifted}
rc_joins:
  local: {lifted}
  remote: {lifted}
rc_login:
  address: {lifted}
  account: {lifted}
  failed_attempts: {lifted}
"""

LOG_CONFIG = """\
version: 1
formatters:
  plain: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}
handlers:
  console: {class: logging.StreamHandler, formatter: plain}
root: {level: WARNING, handlers: [console]}
disable_existing_loggers: false
"""


class SynapseServer(_Process):
    """Synapse's homeserver on a loopback port, one process, SQLite in `folder`."""

    health_path = "/health"

    def __init__(self, folder: str | os.PathLike[str], port: int | None = None, start_timeout: float = 90.0) -> None:
        super().__init__(port, start_timeout)
        self.folder = Path(folder)

    def config_path(self) -> Path:
        """Writes the configuration (and a signing key, once) for this port; returns its path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "homeserver.yaml"
        path.write_text(HOMESERVER_YAML.format(server_name=SERVER_NAME, folder=self.folder, port=self.port,
                                               host=HOST, secret=SHARED_SECRET, lifted=LIFTED))
        (self.folder / "log.config").write_text(LOG_CONFIG)
        if not (self.folder / "signing.key").exists():
            proc = subprocess.run([str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "-c", str(path),
                                   "--generate-keys"], capture_output=True, text=True, timeout=120)
            if proc.returncode != 0:
                raise PeerMissing(f"synapse --generate-keys failed: {_last_line(proc.stderr or proc.stdout)}")
        return path

    def command(self) -> list[str]:
        return [str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "-c", str(self.config_path())]

    def __enter__(self) -> SynapseServer:
        super().__enter__()
        return self


def register(server: SynapseServer, name: str, password: str = "bench-password") -> str:  # noqa: S107
    """A new user through the shared-secret admin API; returns its access token."""
    url = server.url("/_synapse/admin/v1/register")
    with httpx.Client(timeout=30) as client:
        nonce = client.get(url).json()["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        for part in (nonce, name, password, "notadmin"):
            mac.update(part.encode() + (b"\x00" if part != "notadmin" else b""))
        answer = client.post(url, json={"nonce": nonce, "username": name, "password": password,
                                        "admin": False, "mac": mac.hexdigest()})
    if answer.status_code != 200:
        raise BenchError(f"registering {name} on Synapse: {answer.status_code} {answer.text[:200]}")
    return answer.json()["access_token"]


def main() -> int:
    try:
        print(f"synapse {ensure_synapse()} in {SYNAPSE_VENV}")
    except PeerMissing as exc:
        print(f"synapse: not installed ({exc})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
