"""`groupbox serve` stops within seconds while live streams (issue 17 item 5) are open: granian
waits for open requests before it runs the app's shutdown, so the streams end on the signal."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

import pytest

from tests.conftest import seed
from tests.factories import build_world


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_quickly_with_live_streams_open(live_server, sig):
    world = seed(live_server, build_world)
    cookie = f"gb_session={world.people['member'].session_token}"
    curl = subprocess.Popen(["curl", "-sN", "-b", cookie, live_server.url + "/live/me"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert curl.stdout.readline().strip() == b": live"
        time.sleep(1.5)  # the stream settles in its wait
        started = time.monotonic()
        live_server.process.send_signal(sig)
        assert live_server.process.wait(timeout=15) == 0
        assert time.monotonic() - started < 5
        assert curl.wait(timeout=5) == 0  # the stream ended cleanly
    finally:
        if curl.poll() is None:
            curl.kill()
        curl.wait()
