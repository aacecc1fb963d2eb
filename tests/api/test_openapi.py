"""The API description at /api/schema (SPEC §15, issue 16 item 11): a script or another server
can rely on it. Every POST/PATCH/PUT says what it takes (`{}` included, uploads as multipart with
a binary `file`), the answers routes really give are listed, and the two ways to authenticate
are declared. `make fuzz` checks the live server against this document."""

from __future__ import annotations

import pytest

WRITES = {"post", "patch", "put"}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete", "head"}:
                yield method, path, operation


def test_every_write_declares_its_request_body(schema):
    missing = [f"{method.upper()} {path}" for method, path, op in _operations(schema)
               if method in WRITES and not op.get("requestBody", {}).get("content")]
    assert not missing, f"POST/PATCH/PUT without a requestBody (declare one, `{{}}` too): {missing}"


@pytest.mark.parametrize("path", ["/api/groups/{group_id}/files",
                                  "/api/groups/{group_id}/migration/import-whatsapp-export"])
def test_uploads_are_multipart_with_a_binary_file(schema, path):
    body = schema["paths"][path]["post"]["requestBody"]
    form = body["content"]["multipart/form-data"]["schema"]
    assert body["required"] is True and "file" in form["required"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary", "description": "The file itself."}
    assert "413" in schema["paths"][path]["post"]["responses"]


def test_session_cookie_and_bearer_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["session"]["type"] == "apiKey" and schemes["session"]["in"] == "cookie"
    assert schemes["session"]["name"] == "gb_session"
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    me = schema["paths"]["/api/me"]["get"]
    assert {"session": []} in me["security"]
    assert "security" not in schema["paths"]["/api/health"]["get"]  # public


def test_routes_list_the_errors_they_really_answer(schema):
    paths = schema["paths"]

    def codes(method, path):
        return set(paths[path][method]["responses"])

    # What every signed-in write may answer because of the seams it passes.
    assert {"400", "401", "403", "404", "422", "507"} <= codes("post", "/api/groups/{group_id}/events")
    assert {"401", "403"} <= codes("get", "/api/me") and "507" not in codes("get", "/api/me")
    # What only some routes answer.
    assert {"200", "201", "409", "413"} <= codes("post", "/api/groups/{group_id}/migration/import-whatsapp-export")
    assert "409" in codes("post", "/api/events/{event_id}/rsvp")
    assert "409" in codes("patch", "/api/events/{event_id}")
    assert "409" in codes("post", "/api/signups/slots/{slot_id}/commitment")
    assert {"410", "429"} <= codes("post", "/api/auth/invite/{token}/claim")
    assert {"409", "410"} <= codes("post", "/api/auth/device-link/complete")
    assert "429" in codes("post", "/api/auth/passkeys/login/verify")
    # Errors have the one shape every client reads.
    error = paths["/api/events/{event_id}/rsvp"]["post"]["responses"]["409"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert set(schema["components"]["schemas"]["ErrorBody"]["required"]) == {"detail", "status_code"}


def test_an_empty_body_is_documented_and_accepted(client, call, world, as_person, csrf, schema):
    from groupbox.domain.objects import polls
    from groupbox.domain.objects.schemas import PollCreate

    body = schema["paths"]["/api/polls/{poll_id}/close"]["post"]["requestBody"]
    assert body["required"] is False and body["content"]["application/json"]["schema"]["type"] == "object"
    owner = call(world.owner.actor)
    poll = call(polls.poll_create, owner, world.group["id"], PollCreate(question="Pizza or pasta?", options=["Pizza", "Pasta"]))
    as_person(world.owner)
    answer = client.post(f"/api/polls/{poll['id']}/close", json={}, headers=csrf(client))
    assert answer.status_code == 200, answer.text
