"""Importing a WhatsApp export into a group's archive (SPEC §13): all or nothing, refusals with
a clear message, no duplicates, media stored and served, search by words, sender and days.

"Nothing left behind" is checked every time on both sides: rows (imports, messages, file rows,
the full-text index) and files (DATA/files and the upload's temp folder)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from groupbox.db.engine import Database
from groupbox.domain.migration import archive_import
from tests.conftest import run_async
from tests.factories import create_group, owner_person

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"


def tiny_png(width: int = 24, height: int = 16, rgb: tuple[int, int, int] = (10, 95, 180)) -> bytes:
    """A real PNG (browsers render it), made without image libraries."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def export_text(lines: int = 0) -> str:
    """The Android fixture, plus `lines` generated messages (a team photo in the middle)."""
    text = (FIXTURES / "android_en_24h.txt").read_text(encoding="utf-8")
    extra = []
    for n in range(lines):
        minute = n % 60
        hour = 10 + (n // 60) % 12
        day = 15 + (n // 720) % 14
        extra.append(f"{day}/01/24, {hour:02d}:{minute:02d} - {'Anna Schmidt' if n % 2 else 'Ben Okafor'}:"
                     f" message {n} about the jerseys\n")
    return text + "".join(extra)


def make_zip(path: Path, members: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def good_zip(tmp_path: Path, name: str = "WhatsApp Chat with FC Kreuzberg U12.zip", extra_lines: int = 0) -> Path:
    return make_zip(tmp_path / name, {
        "WhatsApp Chat with FC Kreuzberg U12.txt": export_text(extra_lines),
        "IMG-20240113-WA0001.jpg": tiny_png(),
        "unused.pdf": b"%PDF-1.4 not named by any message",
    })


@pytest.fixture
def coach(client, call):
    owner = call(owner_person)
    group = call(create_group, owner, "FC Kreuzberg U12 Parents")
    client.cookies.set("gb_session", owner.session_token)
    return owner, group


def upload(client, csrf, group_id: str, path: Path, **fields):
    with path.open("rb") as f:
        return client.post(f"/api/groups/{group_id}/migration/import-whatsapp-export",
                           files={"file": (path.name, f, "application/octet-stream")}, data=fields,
                           headers=csrf(client))


def outside(config, *queries: str) -> list[list[dict]]:
    """The rows of each query, read as another process reads the database: through a
    `Database` of its own (its own connections), in a thread and event loop of its own."""
    async def read() -> list[list[dict]]:
        other = Database()
        await other.connect(config.database)
        try:
            return [await other.fetch(sql) for sql in queries]
        finally:
            await other.close()

    return run_async(read)


def leftovers(config) -> dict[str, int]:
    """Everything an import could leave behind, read from outside the app."""
    queries = {
        "imports": "SELECT COUNT(*) AS n FROM archive_import",
        "messages": "SELECT COUNT(*) AS n FROM archive_message",
        # SQLite's full-text index is a table of its own; PostgreSQL's is an index on the messages.
        "index": "SELECT COUNT(*) AS n FROM archive_fts" if not str(config.database).startswith("postgres")
                 else "SELECT COUNT(*) AS n FROM archive_message",
        "senders": "SELECT COUNT(*) AS n FROM archive_sender",
        "file_rows": "SELECT COUNT(*) AS n FROM file WHERE source = 'import'",
    }
    counts = {name: rows[0]["n"] for name, rows in zip(queries, outside(config, *queries.values()), strict=True)}
    counts["files"] = len(list(config.files_dir.glob("*"))) if config.files_dir.exists() else 0
    tmp = config.data_dir / "tmp"
    counts["tmp"] = len(list(tmp.rglob("*"))) if tmp.exists() else 0
    return counts


NOTHING = {"imports": 0, "messages": 0, "index": 0, "senders": 0, "file_rows": 0, "files": 0, "tmp": 0}


def test_admin_imports_a_zip_with_media_and_a_repeat_changes_nothing(client, csrf, config, coach, tmp_path):
    _owner, group = coach
    gid = group["id"]
    response = upload(client, csrf, gid, good_zip(tmp_path))
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ("messages", "system_messages", "media", "participants")} == {
        "messages": 6, "system_messages": 9, "media": 2, "participants": 3}
    assert body["media_files"] == 1 and body["chat_name"] == "FC Kreuzberg U12" and not body["already_imported"]
    stored = leftovers(config)
    assert stored == {"imports": 1, "messages": 15, "index": 15, "senders": 3, "file_rows": 1, "files": 1, "tmp": 0}

    again = upload(client, csrf, gid, good_zip(tmp_path, name="copy.zip"))
    assert again.status_code == 200 and again.json()["already_imported"] is True
    assert again.json()["import_id"] == body["import_id"]
    assert leftovers(config) == stored

    items = client.get(f"/api/groups/{gid}/archive").json()["items"]
    assert len(items) == 15 and items[0]["at"] > items[-1]["at"]  # newest first
    photo = next(i for i in items if i["media_url"])
    assert photo["sender"] == "Ben Okafor" and photo["media_name"] == "IMG-20240113-WA0001.jpg"
    assert photo["at"].startswith("2024-01-13T17:08:00")  # 18:08 in Berlin, stored as UTC
    media = client.get(photo["media_url"])
    assert media.status_code == 200 and media.content == tiny_png()
    assert media.headers["content-type"] == "image/jpeg" and media.headers["content-disposition"].startswith("inline")
    system = [i for i in items if i["kind"] == "system"]
    assert len(system) == 9 and all(i["sender"] is None for i in system)
    # The archive's media never show in the group's file list, and stay on this server.
    assert outside(config, "SELECT stays_here, seq, source FROM file")[0] == [
        {"stays_here": True, "seq": 0, "source": "import"}]


def test_archive_search_by_words_sender_and_days(client, csrf, coach, tmp_path):
    _owner, group = coach
    gid = group["id"]
    assert upload(client, csrf, gid, good_zip(tmp_path, extra_lines=130)).status_code == 201

    def search(**params):
        response = client.get(f"/api/groups/{gid}/archive", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    words = search(q="jersey")["items"]  # a word's start finds "jerseys"
    assert len(words) == 50 and all("jerseys" in i["text"] for i in words)
    assert search(q="Welcome SATURDAY")["items"][0]["text"].startswith("Welcome everyone!")
    assert search(q='boots" *')["items"][0]["text"] == "Time: 10:00 - bring: boots"  # no FTS syntax leaks
    assert search(q="NEAR(OR AND) -")["items"] == []
    assert search(q="photo")["items"][0]["media_name"] == "IMG-20240113-WA0001.jpg"  # the caption
    anna = search(sender="Anna Schmidt", limit=200)["items"]
    assert anna and {i["sender"] for i in anna} == {"Anna Schmidt"}
    day = search(**{"from": "2024-01-14", "to": "2024-01-14"})["items"]
    assert len(day) == 8 and all(i["at"].startswith("2024-01-14") for i in day)
    both = search(q="jerseys", sender="Ben Okafor", **{"from": "2024-01-15", "to": "2024-01-15"})["items"]
    assert both and all(i["sender"] == "Ben Okafor" for i in both)
    # Paging: older from the last item, and back.
    first = search(q="jerseys")
    second = search(q="jerseys", before=first["older"])
    assert second["items"][0]["id"] != first["items"][-1]["id"]
    assert second["items"][0]["at"] <= first["items"][-1]["at"]
    back = search(q="jerseys", after=second["newer"])
    assert [i["id"] for i in back["items"]][-5:] == [i["id"] for i in first["items"]][-5:]
    bad = client.get(f"/api/groups/{gid}/archive", params={"from": "14.01.2024"})
    assert bad.status_code == 422 and "from" in bad.json()["errors"]
    backwards = client.get(f"/api/groups/{gid}/archive", params={"from": "2024-01-14", "to": "2024-01-13"})
    assert backwards.status_code == 422


def _corrupt_member(path: Path, name: str) -> None:
    """Flip a byte inside a stored member's data: its CRC fails only when it is read."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5] ^= 0xFF
    path.write_bytes(bytes(data))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def bomb(tmp_path: Path) -> Path:
    return make_zip(tmp_path / "bomb.zip", {"_chat.txt": "31.12.24, 21:05 - Anna: hi\n", "x.bin": b"\0" * 30 * 2**20})


@pytest.mark.parametrize(("name", "build", "message"), [
    ("not an export", lambda tmp: FIXTURES / "not_an_export.txt", "not a WhatsApp chat export"),
    ("0-byte file", lambda tmp: write(tmp / "empty.txt", b""), "The file is empty"),
    ("Latin-1 text", lambda tmp: FIXTURES / "latin1.txt", "not UTF-8"),
    ("zip with ../x", lambda tmp: make_zip(tmp / "evil.zip", {
        "_chat.txt": "31.12.24, 21:05 - Anna: hi\n", "../x": b"owned"}), "unsafe file path"),
    ("zip bomb", bomb, "packed suspiciously tightly"),
    ("truncated zip", lambda tmp: write(tmp / "cut.zip", good_zip(tmp).read_bytes()[:700]), "damaged or incomplete"),
    ("zip without chat", lambda tmp: make_zip(tmp / "photos.zip", {"a.jpg": b"1", "b.jpg": b"2"}),
     "no WhatsApp chat text"),
    ("bad byte after 64 KiB", lambda tmp: write(tmp / "late.txt", export_text(1500).encode()
                                                  + "13/01/24, 22:00 - Jürgen: Grüße\n".encode("latin-1")), "not UTF-8"),
    ("a format the importer does not know", lambda tmp: FIXTURES / "unknown_format.txt",
     'line 1: "30/06/2022 14h05 - Anna: Bonjour" — groupbox cannot read this date and time format'),
    ("a line in another shape, late in the file", lambda tmp: write(tmp / "edited.txt", (
        export_text(30) + "15/01/24 10:00 - Anna Schmidt: typed by hand\n").encode()),
     'line 51: "15/01/24 10:00 - Anna Schmidt: typed by hand" — this line starts like a message'),
])  # fmt: skip
def test_bad_export_is_refused_whole_with_a_clear_message(client, csrf, config, coach, tmp_path, name, build, message):
    _owner, group = coach
    response = upload(client, csrf, group["id"], build(tmp_path))
    assert response.status_code == 422, (name, response.text)
    assert message in response.json()["detail"], name
    assert "file" in response.json()["errors"]
    assert leftovers(config) == NOTHING, name


def test_zip_bigger_than_the_limit_when_unpacked_is_refused(csrf, make_config, tmp_path):
    """Many members just under the ratio check's size still add up: refused by the total."""
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    config = make_config(import_max_mb=2)
    with TestClient(app=create_app(config), base_url="http://127.0.0.1:8000") as small:
        def run(fn, *args):
            async def go():
                return await fn(*args)
            return small.blocking_portal.call(go)

        owner = run(owner_person)
        small.cookies.set("gb_session", owner.session_token)
        group = run(create_group, owner, "U12")
        members = {"_chat.txt": "31.12.24, 21:05 - Anna: hi\n"}
        members.update({f"part{n}.bin": b"\0" * (2**20 - 10) for n in range(3)})
        response = upload(small, csrf, group["id"], make_zip(tmp_path / "sum.zip", members))
        assert response.status_code == 422 and "too large when unpacked" in response.json()["detail"]
        # A body over the import limit: our own message while it fits the route, 413 either way.
        big = tmp_path / "big.txt"
        big.write_bytes(export_text(0).encode() + b"x" * int(2.3 * 2**20))
        response = upload(small, csrf, group["id"], big)
        assert response.status_code == 413 and "import limit of 2 MB" in response.json()["detail"]
        bigger = tmp_path / "bigger.txt"
        bigger.write_bytes(b"x" * (4 * 2**20))
        assert upload(small, csrf, group["id"], bigger).status_code == 413
        assert leftovers(config) == NOTHING


def test_failure_midway_leaves_nothing_behind(client, csrf, config, coach, tmp_path):
    """An impossible date after the first batches, and a damaged photo after media were stored."""
    _owner, group = coach
    text = export_text(4500) + "30/02/24, 10:00 - Anna Schmidt: a day that never was\n"
    response = upload(client, csrf, group["id"], make_zip(tmp_path / "late-date.zip", {"_chat.txt": text}))
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        'line 4521: "30/02/24, 10:00 - Anna Schmidt: a day that never was" — this date or time is impossible')
    assert leftovers(config) == NOTHING

    text = export_text(2500) + "28/01/24, 23:00 - Anna Schmidt: IMG-20240128-WA0002.jpg (file attached)\n"
    path = make_zip(tmp_path / "bad-photo.zip", {
        "WhatsApp Chat with U12.txt": text, "IMG-20240113-WA0001.jpg": tiny_png(),
        "IMG-20240128-WA0002.jpg": tiny_png(64, 64)}, compression=zipfile.ZIP_STORED)
    _corrupt_member(path, "IMG-20240128-WA0002.jpg")
    response = upload(client, csrf, group["id"], path)
    assert response.status_code == 422 and "damaged or incomplete" in response.json()["detail"]
    assert leftovers(config) == NOTHING


def test_staged_rows_stay_invisible_and_a_failure_in_between_removes_them(call, config, coach, tmp_path):
    owner, group = coach
    actor = call(owner.actor)
    path = good_zip(tmp_path, extra_lines=4500)
    seen = []

    def progress(done, total):
        if done == 0:
            return
        staged, visible = outside(config, "SELECT COUNT(*) AS n FROM archive_message",
                                  "SELECT COUNT(*) AS n FROM archive_message m JOIN archive_import i"
                                  " ON i.id = m.import_id WHERE i.status = 'done'")
        seen.append((staged[0]["n"], visible[0]["n"]))
        if len(seen) == 2:
            raise RuntimeError("the power went out")

    with pytest.raises(RuntimeError):
        call(archive_import.import_export, actor, group["id"], path, files_dir=config.files_dir,
             max_bytes=config.import_max_bytes, progress=progress)
    assert seen == [(2000, 0), (4000, 0)]
    assert leftovers(config) == NOTHING


def test_an_import_left_behind_by_a_dead_process_is_cleaned_up(call, config, coach, tmp_path, monkeypatch):
    owner, group = coach
    actor = call(owner.actor)

    async def killed(*args, **kwargs):  # the process died: nobody cleaned up
        return None

    monkeypatch.setattr(archive_import, "_discard", killed)

    def die(done, total):
        if done:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        call(archive_import.import_export, actor, group["id"], good_zip(tmp_path, extra_lines=2500),
             files_dir=config.files_dir, max_bytes=config.import_max_bytes, progress=die)
    assert leftovers(config)["messages"] == 2000 and leftovers(config)["files"] == 1
    monkeypatch.undo()  # the next import, at once: nobody holds the dead import's lock any more
    result = call(archive_import.import_export, actor, group["id"], good_zip(tmp_path, name="again.zip"),
                  files_dir=config.files_dir, max_bytes=config.import_max_bytes)
    assert not result.already_imported
    assert leftovers(config) == {"imports": 1, "messages": 15, "index": 15, "senders": 3, "file_rows": 1, "files": 1, "tmp": 0}


def test_admin_uploads_through_the_page_form_with_its_csrf_field(client, csrf, config, coach, tmp_path):
    """The no-JS form: the CSRF token travels as a form field in a ~30 MB multipart body."""
    _owner, group = coach
    gid = group["id"]
    token = csrf(client)["x-csrftoken"]
    video = bytes(range(256)) * (30 * 2**20 // 256)
    text = export_text(0) + "15/01/24, 10:00 - Ben Okafor: VID-20240115-WA0003.mp4 (file attached)\nGoal!\n"
    path = make_zip(tmp_path / "WhatsApp Chat with FC Kreuzberg U12.zip", {
        "WhatsApp Chat with FC Kreuzberg U12.txt": text, "VID-20240115-WA0003.mp4": video,
        "IMG-20240113-WA0001.jpg": tiny_png()}, compression=zipfile.ZIP_STORED)
    assert path.stat().st_size > 30 * 2**20
    with path.open("rb") as f:
        response = client.post(f"/groups/{gid}/archive/import", data={"_csrf_token": token, "date_order": ""},
                               files={"file": (path.name, f, "application/zip")}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    page = client.get(response.headers["location"])
    assert "Imported 7 messages from 3 people, 3 with media." in page.text
    assert "Goal!" in page.text and "<video" in page.text and "<img" in page.text
    assert leftovers(config)["files"] == 2 and leftovers(config)["tmp"] == 0

    bad = client.post(f"/groups/{gid}/archive/import", data={"_csrf_token": token},
                      files={"file": ("notes.txt", io.BytesIO(b"just some notes\n" * 30), "text/plain")})
    assert bad.status_code == 422
    assert "not a WhatsApp chat export" in bad.text and 'aria-invalid="true"' in bad.text
    none = client.post(f"/groups/{gid}/archive/import", data={"_csrf_token": token})
    assert none.status_code == 422 and "Choose a WhatsApp export" in none.text
    forged = client.post(f"/groups/{gid}/archive/import", data={"_csrf_token": "forged"},
                         files={"file": ("x.txt", io.BytesIO(b"x"), "text/plain")})
    assert forged.status_code == 403


def test_members_read_the_archive_and_only_admins_import_or_delete(client, call, csrf, config, world, as_person,
                                                                  tmp_path):
    gid = world.group["id"]
    as_person(world.owner)
    imported = upload(client, csrf, gid, good_zip(tmp_path)).json()
    photo = next(i for i in client.get(f"/api/groups/{gid}/archive").json()["items"] if i["media_url"])
    for role in ("admin", "moderator", "member", "guest"):
        as_person(world.people[role])
        assert client.get(f"/groups/{gid}/archive").status_code == 200, role
        assert client.get(photo["media_url"]).status_code == 200, role
        expected = 200 if role == "admin" else 403
        assert upload(client, csrf, gid, good_zip(tmp_path, name=f"{role}.zip")).status_code == expected, role
    page = client.get(f"/groups/{gid}/archive")
    assert "Import a WhatsApp export" not in page.text and "Team photo" in page.text
    assert "Moving over" in client.get(f"/groups/{gid}").text  # members see that there is an archive
    as_person(world.outsider)
    assert client.get(f"/groups/{gid}/archive").status_code == 404
    assert client.get(photo["media_url"]).status_code == 404
    assert client.get(f"/api/groups/{gid}/archive").status_code == 404
    as_person(None)
    assert client.get(photo["media_url"]).status_code == 401

    as_person(world.people["member"])
    denied = client.post(f"/groups/{gid}/archive/imports/{imported['import_id']}/delete", data={"confirm": "1"},
                         headers=csrf(client))
    assert denied.status_code == 403
    as_person(world.owner)
    unconfirmed = client.post(f"/groups/{gid}/archive/imports/{imported['import_id']}/delete",
                              headers=csrf(client), follow_redirects=True)
    assert "Tick the box" in unconfirmed.text and leftovers(config)["messages"] == 15
    deleted = client.post(f"/groups/{gid}/archive/imports/{imported['import_id']}/delete", data={"confirm": "1"},
                          headers=csrf(client), follow_redirects=True)
    assert "Deleted 6 archived messages" in deleted.text
    assert leftovers(config) == NOTHING
    assert client.get(photo["media_url"]).status_code == 404


def test_date_order_can_be_forced_for_an_ambiguous_export(client, csrf, coach):
    _owner, group = coach
    path = FIXTURES / "android_us_ambiguous.txt"  # 1/2/24 with a US 12 h clock: January 2nd …
    assert upload(client, csrf, group["id"], path, date_order="dmy").status_code == 201  # … unless told
    items = client.get(f"/api/groups/{group['id']}/archive").json()["items"]
    assert [i["at"] for i in items] == ["2024-03-02T21:15:00Z", "2024-02-01T08:06:00Z", "2024-02-01T08:05:00Z"]
    wrong = upload(client, csrf, group["id"], FIXTURES / "android_en_24h.txt", date_order="ydm")
    assert wrong.status_code == 422 and "date_order" in wrong.json()["errors"]


def test_year_first_export_with_two_digit_years_is_read_when_told(client, csrf, coach, tmp_path):
    _owner, group = coach
    path = write(tmp_path / "chat.txt", b"24/01/02, 09:05 - Minji: happy new year\n")
    assert upload(client, csrf, group["id"], path, date_order="ymd").status_code == 201
    [item] = client.get(f"/api/groups/{group['id']}/archive").json()["items"]
    assert item["at"] == "2024-01-02T08:05:00Z"


def test_a_line_impossible_in_the_date_order_asked_for_is_refused_naming_it(client, csrf, config, coach):
    _owner, group = coach
    response = upload(client, csrf, group["id"], FIXTURES / "android_ymd_slash.txt", date_order="dmy")
    assert response.status_code == 422
    assert response.json()["errors"]["file"].startswith('line 1: "2022/06/30, 14:05 - Messages and calls')
    assert leftovers(config) == NOTHING


def test_the_archives_dates_run_from_its_earliest_to_its_latest_message(client, csrf, config, coach):
    """Exports are not always in order: the range is not the first and the last line."""
    _owner, group = coach
    assert upload(client, csrf, group["id"], FIXTURES / "out_of_order.txt").status_code == 201
    row = outside(config, "SELECT first_at, last_at FROM archive_import")[0][0]
    assert (row["first_at"], row["last_at"]) == (  # Berlin's wall clock in UTC
        datetime(2024, 1, 13, 17, 0, tzinfo=UTC), datetime(2024, 1, 20, 9, 0, tzinfo=UTC))
    items = client.get(f"/api/groups/{group['id']}/archive").json()["items"]
    assert [i["text"] for i in items] == [
        "last day", "a day in between", "second day", "first day, written late", items[-1]["text"]]
    page = client.get(f"/groups/{group['id']}/archive").text
    assert "13 Jan" in page and "20 Jan" in page


def test_the_import_form_offers_the_year_first_order_and_shows_a_refused_line(client, csrf, coach):
    _owner, group = coach
    gid = group["id"]
    page = client.get(f"/groups/{gid}/archive").text
    assert 'value="ymd"' in page
    token = csrf(client)["x-csrftoken"]
    with (FIXTURES / "unknown_format.txt").open("rb") as f:
        bad = client.post(f"/groups/{gid}/archive/import", data={"_csrf_token": token, "date_order": ""},
                          files={"file": ("chat.txt", f, "text/plain")})
    assert bad.status_code == 422
    assert "line 1: &#34;30/06/2022 14h05 - Anna: Bonjour&#34; — groupbox cannot read" in bad.text
