"""What a worker loads to start and answer its first request (issue 17, item 4: idle memory and
start time). Packages only some requests need load on first use; these must not creep back in."""

import json
import subprocess
import sys

# Not needed by a worker that has just started: the CLI (typer, rich, click), Litestar's pydantic
# and attrs plugins (groupbox has msgspec Structs only), the old ORM, Markdown (first text shown),
# mail (smtplib), dates in words (babel), passkeys, QR codes, backups' cryptography, calendar feeds;
# and what Litestar imports for features groupbox does not use (YAML schemas, `Annotated` limits on
# handler parameters, the debugger): groupbox/web/lazy.py stands in for those until first used.
NOT_AT_START = ["piccolo", "pydantic", "attr", "typer", "rich", "click", "markdown_it", "nh3", "smtplib", "babel",
                "webauthn", "segno", "cryptography", "icalendar", "granian", "yaml", "annotated_types", "pdb"]

WORKER = """
import asyncio, json, sys
from groupbox.config import load_config
from groupbox.web.app import create_app

app = create_app(load_config(sys.argv[1], env={"GROUPBOX_BACKGROUND_JOBS": "0"}))

async def first_request():
    sent = []
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        sent.append(message)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/api/health", "raw_path": b"/api/health", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    async with app.lifespan():
        await app(scope, receive, send)
    return sent[0]["status"]

status = asyncio.run(first_request())
loaded = {name for name, module in sys.modules.items() if type(module).__name__ != "_Deferred"}
print(json.dumps({"status": status, "modules": sorted({m.split(".")[0] for m in loaded})}))
"""


def test_a_worker_starts_and_answers_without_the_packages_only_later_requests_need(data_dir):
    done = subprocess.run([sys.executable, "-c", WORKER, str(data_dir)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == 200
    assert "litestar" in report["modules"] and "aiosqlite" in report["modules"]  # the check itself works
    assert [name for name in NOT_AT_START if name in report["modules"]] == []
