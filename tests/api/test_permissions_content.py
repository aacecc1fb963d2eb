"""SPEC §6.7 for files and discussions, as a table: every role × every action, through the API.

Same reading as tests/api/test_permissions.py: 2xx allowed, 403 visible but not allowed, 404
for someone of another group, 401 without a session."""

import pytest

from tests.api.test_permissions import ROLES, Row, _person

EVERYONE = {"owner", "admin", "moderator", "member", "guest"}
NOT_GUESTS = {"owner", "admin", "moderator", "member"}
MODERATORS = {"owner", "admin", "moderator"}
ADMINS = {"owner", "admin"}
UPLOAD = "multipart upload"  # the body of an upload row: a small PDF in the field "file"
PDF = b"%PDF-1.4\n%%EOF\n"

ACTIONS = [
    Row("list a group's files", "GET", "/api/groups/{group}/files", None, EVERYONE),
    Row("upload a file", "POST", "/api/groups/{group}/files", UPLOAD, NOT_GUESTS),
    Row("see a file", "GET", "/api/files/{file}", None, EVERYONE),
    Row("download a file", "GET", "/api/files/{file}/download", None, EVERYONE),
    Row("acknowledge a file", "POST", "/api/files/{ack_file}/ack", None, NOT_GUESTS),
    Row("see who acknowledged", "GET", "/api/files/{ack_file}/acks", None, ADMINS),
    Row("delete someone else's file", "DELETE", "/api/files/{file}", None, MODERATORS),
    Row("list threads", "GET", "/api/groups/{group}/threads", None, EVERYONE),
    Row("read a thread", "GET", "/api/threads/{thread}", None, EVERYONE),
    Row("start a thread", "POST", "/api/groups/{group}/threads", {"title": "Carpool", "body": "Who?"}, NOT_GUESTS),
    Row("reply in a thread", "POST", "/api/threads/{thread}/messages", {"body": "Me"}, NOT_GUESTS),
    Row("react to a message", "POST", "/api/messages/{message}/reactions", {"emoji": "👍"}, NOT_GUESTS),
    Row("delete own message", "DELETE", "/api/messages/{own_message}", None, NOT_GUESTS),
    Row("delete someone else's message", "DELETE", "/api/messages/{message}", None, MODERATORS),
    Row("mark the legacy channel", "PATCH", "/api/threads/{thread}", {"legacy_channel": True}, ADMINS),
]


def _targets(call, world, config, role) -> dict:
    """Fresh objects per role: a member's file and thread, a file to acknowledge, and a message
    of the role's own (imported under their member id, so even a guest has one)."""
    from groupbox.domain.files import service as files
    from groupbox.domain.objects import threads
    from groupbox.domain.objects.messages import messages_import
    from tests.factories import join

    group = world.group["id"]
    target = call(join, None, group, f"Target for {role}", admin=world.owner)
    target_actor = call(target.actor)
    owner_actor = call(world.owner.actor)
    file = call(files.file_upload, target_actor, group, files.Upload.from_bytes("a.pdf", PDF), config=config)
    ack_file = call(files.file_upload, owner_actor, group,
                    files.Upload.from_bytes("slip.pdf", PDF, ack_required="1"), config=config)
    thread = call(threads.thread_create, target_actor, group, "Lost & found", "Blue bottle?")
    messages, _earlier = call(threads.thread_messages, target_actor, thread["id"])
    own = messages[0]["id"]
    if role in world.people:
        call(messages_import, owner_actor, thread["id"],
             [{"author_name": role, "body": "mine", "member_id": world.member_id(role)}])
        messages, _earlier = call(threads.thread_messages, owner_actor, thread["id"])
        own = messages[-1]["id"]
    return {"group": group, "file": file["id"], "ack_file": ack_file["id"], "thread": thread["id"],
            "message": messages[0]["id"], "own_message": own}


def _send(client, csrf, row, path):
    if row.body == UPLOAD:
        return client.post(path, files={"file": ("new.pdf", PDF, "application/pdf")}, headers=csrf(client))
    return client.request(row.method, path, json=row.body, headers=csrf(client))


@pytest.mark.parametrize("row", ACTIONS, ids=lambda r: r.action)
def test_content_permission_matrix(row, client, call, world, as_person, csrf, config):
    for role in ROLES:
        path = row.path.format(**_targets(call, world, config, role))
        as_person(_person(world, role))
        response = _send(client, csrf, row, path)
        if role == "anonymous":
            expected = {401}
        elif role == "outsider":
            expected = {404}
        elif role in row.allowed:
            expected = {200, 201, 204}
        else:
            expected = {403}
        assert response.status_code in expected, f"{row.action} as {role}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert set(response.json()) >= {"detail", "status_code"}


def test_members_upload_only_while_the_group_allows_it(client, world, as_person, csrf, config):
    group = world.group["id"]
    as_person(world.people["member"])
    assert _send(client, csrf, ACTIONS[1], f"/api/groups/{group}/files").status_code == 201
    as_person(world.people["admin"])
    assert client.patch(f"/api/groups/{group}", json={"members_upload": False},
                        headers=csrf(client)).status_code == 200
    before = sorted(p for p in config.files_dir.rglob("*") if p.is_file())
    as_person(world.people["member"])
    refused = _send(client, csrf, ACTIONS[1], f"/api/groups/{group}/files")
    assert refused.status_code == 403
    assert sorted(p for p in config.files_dir.rglob("*") if p.is_file()) == before
    as_person(world.people["moderator"])
    assert _send(client, csrf, ACTIONS[1], f"/api/groups/{group}/files").status_code == 201
    # The page follows the setting too: no upload form for the member.
    as_person(world.people["member"])
    assert "Share a file" not in client.get(f"/groups/{group}/files").text


def test_content_pages_of_another_group_are_not_found(client, call, world, as_person, config):
    targets = _targets(call, world, config, "outsider")
    as_person(world.outsider)
    for path in (f"/groups/{targets['group']}/files", f"/groups/{targets['group']}/discussions",
                 f"/groups/{targets['group']}/discussions/new", f"/threads/{targets['thread']}",
                 f"/files/{targets['file']}", f"/files/{targets['file']}/download"):
        assert client.get(path).status_code == 404, path
