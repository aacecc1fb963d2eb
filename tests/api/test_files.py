"""Files (SPEC §11): sharing, downloading, confirming, deleting — and every refusal leaves
nothing behind (no row, no stray file in DATA/files).

Refused types answer 422 (like any refused input, so the form shows it beside the field);
oversized uploads 413."""

import re
from html import unescape
from urllib.parse import quote

from groupbox.db.engine import DB
from tests.factories import needs

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 400


def upload(client, csrf, group_id, name, data, content_type="application/octet-stream", **fields):
    return client.post(f"/api/groups/{group_id}/files", files={"file": (name, data, content_type)},
                       data={k: str(v) for k, v in fields.items()}, headers=csrf(client))


def stored_files(config):
    """Every file under DATA/files (temporary ones included)."""
    return sorted(p for p in config.files_dir.rglob("*") if p.is_file())


def file_rows(call, group_id):
    return call(DB.fetch, "SELECT id, deleted_at FROM file WHERE group_id = ?", group_id)


def test_member_shares_a_pdf_and_another_member_downloads_it(client, world, as_person, csrf, config):
    group = world.group["id"]
    as_person(world.people["member"])
    response = upload(client, csrf, group, "Season schedule 2026-27.pdf", PDF, "application/pdf")
    assert response.status_code == 201, response.text
    shared = response.json()
    assert shared["display_name"] == "Season schedule 2026-27.pdf"
    assert shared["content_type"] == "application/pdf" and shared["size"] == len(PDF)
    assert shared["uploader"] == "Samir Khan" and shared["type_label"] == "PDF"

    # Stored under a random name in DATA/files, nothing left in the incoming folder.
    [stored] = stored_files(config)
    assert stored.parent == config.files_dir and re.fullmatch(r"[0-9a-f]{32}", stored.name)
    assert stored.read_bytes() == PDF

    as_person(world.people["moderator"])
    listed = client.get(f"/api/groups/{group}/files").json()["items"]
    assert [f["id"] for f in listed] == [shared["id"]]
    download = client.get(f"/api/files/{shared['id']}/download")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Season schedule 2026-27.pdf\"; "
        f"filename*=UTF-8''{quote('Season schedule 2026-27.pdf', safe='')}")
    page_download = client.get(f"/files/{shared['id']}/download")
    assert page_download.status_code == 200 and page_download.content == PDF


def test_a_non_ascii_name_downloads_with_its_real_name(client, world, as_person, csrf):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "Übersicht März.pdf", PDF).json()
    disposition = client.get(f"/api/files/{shared['id']}/download").headers["content-disposition"]
    assert "filename*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz.pdf" in disposition
    assert 'filename="_bersicht M_rz.pdf"' in disposition


def test_people_outside_the_group_never_see_a_file(client, world, as_person, csrf):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "contacts.pdf", PDF).json()
    as_person(world.outsider)
    for path in (f"/api/files/{shared['id']}", f"/api/files/{shared['id']}/download", f"/files/{shared['id']}",
                 f"/files/{shared['id']}/download", f"/api/groups/{world.group['id']}/files"):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/files").json()["items"] == []
    as_person(None)
    assert client.get(f"/api/files/{shared['id']}/download").status_code == 401


def test_an_upload_of_21_mb_is_refused_readably_and_leaves_nothing(client, world, as_person, csrf, config, call):
    as_person(world.people["admin"])
    big = PDF + b"0" * (21 * 1024 * 1024)
    response = upload(client, csrf, world.group["id"], "video.pdf", big, "application/pdf")
    assert response.status_code == 413
    body = response.json()
    assert body["detail"] == "That file is too large. Files can be at most 20 MB."
    assert body["errors"] == {"file": body["detail"]}
    assert file_rows(call, world.group["id"]) == []
    assert stored_files(config) == []


def test_a_file_just_over_the_limit_is_refused_while_streaming(make_config, world, client, as_person, csrf):
    """Under the request limit but over the file limit: the service stops at the limit."""
    config = make_config(upload_max_mb=1)
    from litestar.testing import TestClient

    from groupbox.web.app import create_app

    with TestClient(app=create_app(config), base_url="http://127.0.0.1:8000") as small:
        small.cookies.set("gb_session", world.people["admin"].session_token)
        response = upload(small, csrf, world.group["id"], "scan.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")
        assert response.status_code == 413
        assert response.json()["detail"] == "That file is too large. Files can be at most 1 MB."
        assert upload(small, csrf, world.group["id"], "ok.pdf", PDF).status_code == 201
    assert len(stored_files(config)) == 1


def test_an_exe_renamed_pdf_is_refused_with_a_clear_message(client, world, as_person, csrf, config, call):
    as_person(world.people["admin"])
    response = upload(client, csrf, world.group["id"], "invoice.pdf", EXE, "application/pdf")
    assert response.status_code == 422
    assert "Windows program" in response.json()["errors"]["file"]
    assert file_rows(call, world.group["id"]) == []
    assert stored_files(config) == []


def test_a_zip_and_unknown_binaries_are_off_the_allow_list(client, world, as_person, csrf, config):
    as_person(world.people["admin"])
    for name, data in (("photos.zip", b"PK\x03\x04" + b"\x00" * 60), ("data.bin", b"\x00\x01\x02\xff" * 40)):
        response = upload(client, csrf, world.group["id"], name, data)
        assert response.status_code == 422, name
    assert stored_files(config) == []


def test_a_path_in_the_name_is_stored_safely_and_shown_sanitised(client, world, as_person, csrf, config, data_dir):
    as_person(world.people["admin"])
    response = upload(client, csrf, world.group["id"], "../../etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    assert response.status_code == 201
    assert response.json()["display_name"] == "passwd.txt"
    [stored] = stored_files(config)
    assert stored.parent == config.files_dir and re.fullmatch(r"[0-9a-f]{32}", stored.name)
    assert not (data_dir / "etc").exists() and not (data_dir.parent / "etc").exists()
    assert not (config.files_dir.parent.parent / "etc" / "passwd").exists()


def test_an_image_with_the_wrong_extension_gets_the_right_one(client, world, as_person, csrf):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "team photo.pdf", PNG).json()
    assert shared["display_name"] == "team photo.png" and shared["content_type"] == "image/png"
    inline = client.get(f"/files/{shared['id']}/download?inline=1")
    assert inline.headers["content-disposition"].startswith("inline;")


def test_an_empty_file_and_no_file_at_all_are_refused(client, world, as_person, csrf, config, call):
    as_person(world.people["admin"])
    empty = upload(client, csrf, world.group["id"], "empty.pdf", b"")
    assert empty.status_code == 422 and "empty" in empty.json()["errors"]["file"]
    none = client.post(f"/api/groups/{world.group['id']}/files", data={"ack_required": "1"},
                       files={"other": ("x.txt", b"hello", "text/plain")}, headers=csrf(client))
    assert none.status_code == 422 and none.json()["errors"]["file"] == "Choose a file to upload."
    json_body = client.post(f"/api/groups/{world.group['id']}/files", json={"file": "x"}, headers=csrf(client))
    assert json_body.status_code == 422
    assert file_rows(call, world.group["id"]) == []
    assert stored_files(config) == []


def test_an_upload_without_the_csrf_token_is_refused_before_anything_is_stored(client, world, as_person, config):
    as_person(world.people["admin"])
    client.get("/api/health")
    response = client.post(f"/api/groups/{world.group['id']}/files", files={"file": ("a.pdf", PDF, "application/pdf")})
    assert response.status_code == 403
    response = client.post(f"/api/groups/{world.group['id']}/files", files={"file": ("a.pdf", PDF, "application/pdf")},
                           headers={"x-csrftoken": "forged" * 20})
    assert response.status_code == 403
    assert stored_files(config) == []


def test_admin_asks_everyone_to_confirm_and_sees_who_has(client, world, as_person, csrf, call):

    group = world.group["id"]
    as_person(world.people["admin"])
    shared = upload(client, csrf, group, "Emergency contacts.pdf", PDF, ack_required="1").json()
    assert shared["ack_required"] and shared["ack_count"] == 0
    # Owner, moderator and member are asked (the uploader and the guest are not).
    assert shared["ack_total"] == 3

    samir = world.people["member"]
    actor = call(samir.actor)
    [item] = call(needs, actor, [group], "acknowledge")
    assert item.url == f"/files/{shared['id']}" and item.group_id == group and item.detail["object"] == "file"

    as_person(samir)
    mine = client.get(f"/api/files/{shared['id']}").json()
    assert mine["needs_my_ack"] and mine["ack_count"] is None  # members don't see the counts
    acked = client.post(f"/api/files/{shared['id']}/ack", headers=csrf(client))
    assert acked.status_code == 200 and acked.json()["acked_by_me"] and not acked.json()["needs_my_ack"]
    assert client.post(f"/api/files/{shared['id']}/ack", headers=csrf(client)).status_code == 200  # once is enough
    assert call(needs, actor, [group], "acknowledge") == []
    assert client.get(f"/api/files/{shared['id']}/acks").status_code == 403

    as_person(world.people["admin"])
    assert client.get(f"/api/files/{shared['id']}").json()["ack_count"] == 1
    acks = client.get(f"/api/files/{shared['id']}/acks").json()
    assert [a["display_name"] for a in acks["acknowledged"]] == ["Samir Khan"]
    assert sorted(a["display_name"] for a in acks["waiting"]) == ["Lisa Becker", "Olivia Owner"]
    page = client.get(f"/groups/{group}/files").text
    assert "1 of 3 acknowledged" in page
    as_person(samir)
    assert "you acknowledged" in client.get(f"/groups/{group}/files").text


def test_a_member_cannot_ask_everyone_to_confirm(client, world, as_person, csrf, config):
    as_person(world.people["member"])
    response = upload(client, csrf, world.group["id"], "flyer.pdf", PDF, ack_required="1")
    assert response.status_code == 422 and "ack_required" in response.json()["errors"]
    assert stored_files(config) == []


def test_confirming_a_file_that_asks_nothing_is_a_conflict(client, world, as_person, csrf):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "minutes.pdf", PDF).json()
    as_person(world.people["member"])
    assert client.post(f"/api/files/{shared['id']}/ack", headers=csrf(client)).status_code == 409


def test_the_uploader_deletes_a_file_leaving_a_tombstone_and_no_bytes(client, world, as_person, csrf, config, call):
    group = world.group["id"]
    as_person(world.people["member"])
    shared = upload(client, csrf, group, "flyer.pdf", PDF).json()
    as_person(world.people["guest"])
    assert client.delete(f"/api/files/{shared['id']}", headers=csrf(client)).status_code == 403
    as_person(world.people["member"])
    assert client.delete(f"/api/files/{shared['id']}", headers=csrf(client)).status_code == 204
    assert stored_files(config) == []
    assert client.get(f"/api/files/{shared['id']}").status_code == 404
    assert client.get(f"/api/files/{shared['id']}/download").status_code == 404
    [tomb] = call(DB.fetch, "SELECT object_type FROM tombstone WHERE object_id = ?", shared["id"])
    assert tomb["object_type"] == "file"


def test_a_moderator_deletes_someone_elses_file_but_a_member_cannot(client, world, as_person, csrf, config):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "old.pdf", PDF).json()
    as_person(world.people["member"])
    assert client.delete(f"/api/files/{shared['id']}", headers=csrf(client)).status_code == 403
    as_person(world.people["moderator"])
    assert client.delete(f"/api/files/{shared['id']}", headers=csrf(client)).status_code == 204
    assert stored_files(config) == []


def test_sharing_a_file_tells_the_group(client, world, as_person, csrf, call):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "schedule.pdf", PDF).json()
    rows = call(DB.fetch, "SELECT member_id, title, url FROM notification WHERE category = 'new_file'")
    notified = {r["member_id"] for r in rows}
    assert world.member_id("member") in notified and world.member_id("admin") not in notified
    assert rows[0]["url"] == f"/files/{shared['id']}" and "schedule.pdf" in rows[0]["title"]


def test_my_files_span_all_my_groups_newest_first(client, call, world, as_person, csrf):
    from groupbox.domain.files import service as files
    from tests.factories import join

    samir = world.people["member"]
    call(join, samir, world.other_group["id"], "Samir", admin=world.owner)
    as_person(world.owner)
    first = upload(client, csrf, world.group["id"], "first.pdf", PDF).json()
    second = upload(client, csrf, world.other_group["id"], "second.pdf", PDF).json()
    as_person(samir)
    assert [f["id"] for f in client.get("/api/files").json()["items"]] == [second["id"], first["id"]]
    assert [f["id"] for f in call(files.files_for_person, call(samir.actor), 1)] == [second["id"]]
    page = client.get("/files").text
    assert page.index("second.pdf") < page.index("first.pdf") and "Tenant Association" in page


# -- the HTML form -------------------------------------------------------------------------------
def _form_upload(client, group_id, name, data, **fields):
    """What a browser does: open the page (which sets the CSRF cookie), post its form."""
    assert client.get(f"/groups/{group_id}/files").status_code == 200
    token = client.cookies.get("csrftoken")
    return client.post(f"/groups/{group_id}/files", data={"_csrf_token": token, **fields},
                       files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)


def test_the_page_form_shares_a_file_and_confirms(client, world, as_person):
    as_person(world.people["admin"])
    response = _form_upload(client, world.group["id"], "Season schedule.pdf", PDF, ack_required="1")
    assert response.status_code == 303 and response.headers["location"] == f"/groups/{world.group['id']}/files"
    page = client.get(response.headers["location"])
    assert "“Season schedule.pdf” is shared; everyone is asked to confirm" in unescape(page.text)
    assert "0 of 3 acknowledged" in page.text


def test_the_page_form_shows_a_too_large_file_beside_the_field(client, world, as_person, config):
    as_person(world.people["admin"])
    response = _form_upload(client, world.group["id"], "huge.pdf", PDF + b"0" * (21 * 1024 * 1024))
    assert response.status_code == 413
    assert "That file is too large. Files can be at most 20 MB." in response.text
    assert 'id="f-file-error"' in response.text
    assert stored_files(config) == []


def test_the_page_form_refuses_a_program_beside_the_field(client, world, as_person, config):
    as_person(world.people["admin"])
    response = _form_upload(client, world.group["id"], "invoice.pdf", EXE)
    assert response.status_code == 422 and "Windows program" in response.text
    assert stored_files(config) == []


def test_the_page_form_without_its_token_is_refused(client, world, as_person, config):
    as_person(world.people["admin"])
    response = client.post(f"/groups/{world.group['id']}/files", files={"file": ("a.pdf", PDF, "application/pdf")})
    assert response.status_code == 403
    assert stored_files(config) == []


def test_acknowledging_and_deleting_through_the_pages(client, world, as_person, csrf, config):
    as_person(world.people["admin"])
    shared = upload(client, csrf, world.group["id"], "slip.pdf", PDF, ack_required="1").json()
    as_person(world.people["member"])
    detail = unescape(client.get(f"/files/{shared['id']}").text)
    assert "I've read it" in detail
    response = client.post(f"/files/{shared['id']}/ack", data={"next": "/files"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/files"
    assert "you confirmed" in client.get("/files").text
    response = client.post(f"/files/{shared['id']}/ack", data={"next": "//evil.example"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.headers["location"] == f"/files/{shared['id']}"
    as_person(world.people["admin"])
    response = client.post(f"/files/{shared['id']}/delete", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    assert "was deleted" in client.get(response.headers["location"]).text
    assert stored_files(config) == []


def test_the_group_dashboard_shows_files_with_their_state(client, world, as_person, csrf):
    as_person(world.people["admin"])
    upload(client, csrf, world.group["id"], "Emergency contacts.pdf", PDF, ack_required="1")
    as_person(world.people["member"])
    page = unescape(client.get(f"/groups/{world.group['id']}").text)
    assert 'id="files-title"' in page and "Emergency contacts.pdf" in page
    assert "I've read it" in page


def test_after_a_refused_upload_the_form_works_again(client, world, as_person, config):
    """The re-rendered form carries a valid token, so the person can simply try another file."""
    as_person(world.people["admin"])
    refused = _form_upload(client, world.group["id"], "invoice.pdf", EXE)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', refused.text).group(1)
    response = client.post(f"/groups/{world.group['id']}/files", data={"_csrf_token": token},
                           files={"file": ("schedule.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert response.status_code == 303
    assert len(stored_files(config)) == 1


def test_leftovers_of_a_crashed_upload_are_swept_on_the_next_one(client, world, as_person, csrf, config):
    import os
    import time

    incoming = config.files_dir / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    stale = incoming / ("0" * 32)
    fresh = incoming / ("f" * 32)
    for path in (stale, fresh):
        path.write_bytes(b"half an upload")
    old = time.time() - 7 * 3600
    os.utime(stale, (old, old))
    as_person(world.people["admin"])
    assert upload(client, csrf, world.group["id"], "a.pdf", PDF).status_code == 201
    assert not stale.exists() and fresh.exists()  # a fresh one may still be arriving


def test_pages_are_gzipped_but_downloads_pass_as_stored(client, csrf, world, as_person):
    as_person(world.people["admin"])
    # A text file large enough that compressing it would be tempting.
    body = ("Emergency contacts: call the coach first.\n" * 200).encode()
    shared = upload(client, csrf, world.group["id"], "contacts.txt", body, "text/plain").json()
    page = client.get(f"/groups/{world.group['id']}", headers={"accept-encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip" and "accept-encoding" in page.headers.get("vary", "").lower()
    for path in (f"/files/{shared['id']}/download", f"/api/files/{shared['id']}/download"):
        download = client.get(path, headers={"accept-encoding": "gzip"})
        assert download.status_code == 200 and "content-encoding" not in download.headers
        assert download.content == body
