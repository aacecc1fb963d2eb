"""SPEC §6.7 for files and discussions, as a table: every role × every action, through the API.

Same reading and harness as tests/api/test_permissions.py: 2xx allowed, 403 visible but not
allowed, 404 for someone of another group, 401 without a session."""

import pytest

from groupbox.domain.files import service as files
from groupbox.domain.objects import threads
from groupbox.domain.objects.messages import messages_import
from tests.api.test_permissions import (  # noqa: F401 - `shared_instance` is the module's fixture
    ADMINS,
    EVERYONE,
    MODERATORS,
    NOT_GUESTS,
    Row,
    Upload,
    check_row,
    shared_instance,
)
from tests.factories import join

PDF = b"%PDF-1.4\n%%EOF\n"
UPLOAD = Upload("new.pdf", PDF, "application/pdf")

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


async def _targets(instance, role, wanted) -> dict:
    """Fresh objects for one call: a member's file and thread, a file to acknowledge, and a
    message of the role's own (imported under their member id, so even a guest has one)."""
    world, config = instance.world, instance.config
    group = world.group["id"]
    names = {"group": group}
    target = await join(None, group, f"Target for {role}", admin=world.owner)
    target_actor = await target.actor()
    owner_actor = await world.owner.actor()
    if "file" in wanted:
        upload = files.Upload.from_bytes("a.pdf", PDF)
        names["file"] = (await files.file_upload(target_actor, group, upload, config=config))["id"]
    if "ack_file" in wanted:
        upload = files.Upload.from_bytes("slip.pdf", PDF, ack_required="1")
        names["ack_file"] = (await files.file_upload(owner_actor, group, upload, config=config))["id"]
    if wanted & {"thread", "message", "own_message"}:
        thread = await threads.thread_create(target_actor, group, "Lost & found", "Blue bottle?")
        messages, _earlier = await threads.thread_messages(target_actor, thread["id"])
        names.update(thread=thread["id"], message=messages[0]["id"], own_message=messages[0]["id"])
        if role in world.people:
            await messages_import(owner_actor, thread["id"],
                                  [{"author_name": role, "body": "mine", "member_id": world.member_id(role)}])
            messages, _earlier = await threads.thread_messages(owner_actor, thread["id"])
            names["own_message"] = messages[-1]["id"]
    return names


@pytest.mark.parametrize("row", ACTIONS, ids=lambda r: r.action)
def test_content_permission_matrix(row, instance):
    check_row(instance, row, _targets)


def _upload(instance, group: str):
    return instance.send(ACTIONS[1], {"group": group})


def test_members_upload_only_while_the_group_allows_it(instance):
    instance = instance.fresh()
    world, files_dir = instance.world, instance.config.files_dir
    group = world.group["id"]
    instance.as_person(world.people["member"])
    assert _upload(instance, group).status_code == 201
    client = instance.as_person(world.people["admin"])
    assert client.patch(f"/api/groups/{group}", json={"members_upload": False},
                        headers=instance.csrf()).status_code == 200
    before = sorted(p for p in files_dir.rglob("*") if p.is_file())
    instance.as_person(world.people["member"])
    assert _upload(instance, group).status_code == 403
    assert sorted(p for p in files_dir.rglob("*") if p.is_file()) == before
    instance.as_person(world.people["moderator"])
    assert _upload(instance, group).status_code == 201
    # The page follows the setting too: no upload form for the member.
    client = instance.as_person(world.people["member"])
    assert "Share a file" not in client.get(f"/groups/{group}/files").text


def test_content_pages_of_another_group_are_not_found(instance):
    targets = instance.call(_targets, instance, "outsider", {"file", "thread"})
    group = targets["group"]
    client = instance.as_person(instance.world.outsider)
    for path in (f"/groups/{group}/files", f"/groups/{group}/discussions", f"/groups/{group}/discussions/new",
                 f"/threads/{targets['thread']}", f"/files/{targets['file']}", f"/files/{targets['file']}/download"):
        assert client.get(path).status_code == 404, path
