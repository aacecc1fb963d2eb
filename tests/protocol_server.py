"""A small real HTTP server on a loopback port that speaks docs/protocol.md as a group server
would, and can be told to misbehave (`mode`). Not a stand-in for groupbox (the two-process test
uses two real ones): it is the other server's bad days, made on purpose."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "gbt_" + "Zq8xR2mVtLk4Np7Ws3Yd9Hc6Jf1Ab5Ue"


def event(n: int, group: str = "g1", **extra) -> dict:
    return {"id": f"ev{n}", "group": {"id": group, "name": "Tenants" if group == "g1" else "Choir"},
            "url": f"http://b.example/events/ev{n}", "updated_at": "2026-12-01T10:00:00+00:00",
            "title": f"Meeting {n}", "starts_at": f"2026-12-{10 + n:02d}T18:00:00+00:00", "ends_at": None,
            "location": "Hall", "description": "", "cancelled": False, "changed": False, "rsvp_required": True,
            "rsvp_deadline": None, "my_rsvp": None, "counts": {"yes": 1, "no": 0, "maybe": 0}, **extra}


class GroupServer:
    """What a group server says, change by change: `changes` is a list of (kind, object) or
    ("tombstones", tombstone); the cursor is the number of changes delivered."""

    def __init__(self):
        self.mode = "ok"
        self.requests: list[str] = []
        self.auth_seen: list[str] = []
        self.changes: list[tuple[str, dict]] = [
            ("events", event(1)), ("events", event(2)), ("events", event(3, group="g2")),
            ("actions", {"id": "rsvp:ev1", "group": {"id": "g1", "name": "Tenants"}, "kind": "rsvp",
                         "title": "Meeting 1", "due_at": "2026-12-11T18:00:00+00:00",
                         "url": "http://b.example/events/ev1", "object": {"type": "event", "id": "ev1"},
                         "updated_at": "2026-12-01T10:00:00+00:00"}),
            ("announcements", {"id": "an1", "group": {"id": "g1", "name": "Tenants"},
                               "url": "http://b.example/announcements/an1", "updated_at": "2026-12-01T10:00:00Z",
                               "stub": True}),
        ]
        self.page_size = 500
        server = self
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Handler,), {"group": server}))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def manifest(self) -> dict:
        return {"server_name": "Tenants' server", "api_base": f"{self.url}/api",
                "protocol_version": "1.0" if self.mode in ("bad_version", "upgraded") else "0.1",
                "capabilities": {"events": True, "tasks": True, "files": True, "chat": True, "polls": True,
                                 "federation": False}}

    def page(self, since: str | None) -> dict:
        start = int(since[1:]) if since else 0
        chunk = self.changes[start:start + self.page_size]
        end = start + len(chunk)
        doc = {"cursor": f"c{end}", "has_more": end < len(self.changes),
               "server": {"name": "Tenants' server", "url": self.url},
               "token": {"scopes": ["read:events", "act:rsvp"], "expires_at": "2027-03-01T00:00:00+00:00"},
               "groups": [{"id": "g1", "name": "Tenants", "timezone": "Europe/Berlin"},
                          {"id": "g2", "name": "Choir", "timezone": "Europe/Berlin"}],
               "actions": [], "events": [], "announcements": [], "files": [], "threads": [], "polls": [],
               "tasks": [], "tombstones": []}
        for kind, item in chunk:
            doc[kind].append(item)
        if self.mode == "cursor_backwards" and since:
            doc["cursor"], doc["has_more"] = "c0", True
        if self.mode == "endless":
            doc["cursor"], doc["has_more"] = f"c{start + 1}", True
        return doc


class _Handler(BaseHTTPRequestHandler):
    group: GroupServer

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's API
        group = self.group
        parts = urlsplit(self.path)
        group.requests.append(self.path)
        group.auth_seen.append(self.headers.get("Authorization", ""))
        if group.mode == "slow":
            time.sleep(2.5)
        if parts.path == "/.well-known/group-platform.json":
            return self._send(200, json.dumps(group.manifest()).encode())
        if parts.path != "/api/sync":
            return self._send(404, b'{"detail": "Not found", "status_code": 404}')
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" or group.mode == "revoked":
            return self._send(401, b'{"detail": "Not signed in", "status_code": 401}')
        if group.mode == "error":
            return self._send(503, b"<html>busy</html>", "text/html")
        if group.mode in ("garbage", "upgraded"):
            return self._send(200, b"<html>this is not json")
        if group.mode == "wrong_shape":
            return self._send(200, json.dumps({"cursor": 5, "events": "none"}).encode())
        if group.mode == "too_large":
            return self._send(200, b"[" + b"0," * (5 * 1024 * 1024) + b"0]")
        since = parse_qs(parts.query).get("since", [None])[0]
        if group.mode == "forget" and since:
            return self._send(400, b'{"detail": "This sync position is not valid here", "status_code": 400}')
        self._send(200, json.dumps(group.page(since)).encode())
