"""Announcements through the API and the HTML forms: posting, reading, acknowledging."""

import html

from groupbox.db.engine import DB
from groupbox.domain.groups.schemas import GroupSettings
from tests.factories import needs


def post(client, csrf, group_id, **body):
    payload = {"title": "Saturday: bring ID cards", "body": "For the league check.", **body}
    response = client.post(f"/api/groups/{group_id}/announcements", json=payload, headers=csrf(client))
    assert response.status_code == 201, response.text
    return response.json()


def count(call, table, where="TRUE", *params):
    async def go():
        return (await DB.fetchone(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params))["n"]

    return call(go)


def told(call, object_id, category):
    async def go():
        return await DB.fetch("SELECT member_id FROM notification WHERE object_id = ? AND category = ?",
                              object_id, category)

    return {r["member_id"] for r in call(go)}


def test_coach_posts_an_urgent_official_announcement_and_everyone_else_is_told_now(client, call, world, as_person,
                                                                                   csrf):
    as_person(world.people["admin"])
    a = post(client, csrf, world.group["id"], official=True, urgent=True, ack_required=True)
    assert a["url"] == f"/announcements/{a['id']}" and a["group_id"] == world.group["id"]
    assert a["official"] and a["urgent"] and a["ack_required"] and a["author_name"] == "Coach Mark"
    members = {world.member_id(role) for role in ("owner", "moderator", "member", "guest")}
    assert told(call, a["id"], "urgent_announcement") == members
    assert told(call, a["id"], "announcement") == set()


def test_a_plain_announcement_goes_to_the_digest(client, call, world, as_person, csrf):
    as_person(world.people["moderator"])
    a = post(client, csrf, world.group["id"], urgent=True)  # urgent but not official
    assert told(call, a["id"], "announcement") and not told(call, a["id"], "urgent_announcement")
    assert world.member_id("moderator") not in told(call, a["id"], "announcement")


def test_parents_read_the_list_newest_first_and_opening_one_marks_it_read(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    first = post(client, csrf, group, title="First")
    second = post(client, csrf, group, title="Second", official=True)
    as_person(world.people["guest"])
    items = client.get(f"/api/groups/{group}/announcements").json()["items"]
    assert [a["title"] for a in items] == ["Second", "First"]
    assert items[0]["read"] is False
    official = client.get(f"/api/groups/{group}/announcements?official=1").json()["items"]
    assert [a["id"] for a in official] == [second["id"]]
    page = client.get(f"/announcements/{first['id']}")
    assert page.status_code == 200 and "First" in page.text
    assert client.get(f"/api/announcements/{first['id']}").json()["read"] is True
    tab = client.get(f"/groups/{group}/announcements").text
    assert "card--official" in tab and "Official" in tab


def test_parent_acknowledges_and_the_admin_sees_who_has_and_hasnt(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    a = post(client, csrf, world.group["id"], official=True, ack_required=True)
    as_person(world.people["member"])
    mine = client.get(f"/api/announcements/{a['id']}").json()
    assert mine["acked"] is False and "not_acked_members" not in mine
    response = client.post(f"/api/announcements/{a['id']}/ack", headers=csrf(client))
    assert response.status_code == 200 and response.json()["acked"] is True and response.json()["read"] is True
    again = client.post(f"/api/announcements/{a['id']}/ack", headers=csrf(client))
    assert again.json()["acked_at"] == response.json()["acked_at"], "the first confirmation counts"
    assert count(call, "announcement_ack", "announcement_id = ?", a["id"]) == 1

    as_person(world.people["admin"])
    seen = client.get(f"/api/announcements/{a['id']}").json()
    assert [m["display_name"] for m in seen["acked_members"]] == ["Samir Khan"]
    waiting = {m["display_name"] for m in seen["not_acked_members"]}
    assert waiting == {"Olivia Owner", "Lisa Becker"}, "not the author, not guests"
    assert seen["ack_count"] == 1 and seen["ack_expected"] == 3
    page = html.unescape(client.get(f"/announcements/{a['id']}").text)
    assert "Not yet confirmed" in page and "Lisa Becker" in page


def test_parent_taps_got_it_on_the_group_page_and_lands_back_there(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    a = post(client, csrf, group, official=True, ack_required=True)
    as_person(world.people["member"])
    dashboard = client.get(f"/groups/{group}").text
    assert f'action="/announcements/{a["id"]}/ack"' in dashboard
    response = client.post(f"/announcements/{a['id']}/ack", data={"next": f"/groups/{group}"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/groups/{group}"
    assert "read" in html.unescape(client.get(f"/groups/{group}").text)
    assert client.get(f"/api/announcements/{a['id']}").json()["acked"] is True


def test_my_unacknowledged_announcements_for_the_home_dashboard(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    a = post(client, csrf, world.group["id"], official=True, urgent=True, ack_required=True)
    post(client, csrf, world.group["id"], title="No ack needed")
    samir = call(world.people["member"].actor)
    rows = call(needs, samir, [world.group["id"]], "acknowledge")
    assert [r.id for r in rows] == [a["id"]] and rows[0].url == a["url"] and rows[0].detail["urgent"]
    coach = call(world.people["admin"].actor)
    assert call(needs, coach, None, "acknowledge") == [], "not my own"
    guest = call(world.people["guest"].actor)
    assert call(needs, guest) == [], "guests only read"
    as_person(world.people["member"])
    client.post(f"/api/announcements/{a['id']}/ack", headers=csrf(client))
    assert call(needs, samir, None, "acknowledge") == []


def test_author_edits_and_a_moderator_deletes_leaving_a_tombstone(client, call, world, as_person, csrf):
    call(_allow_members_to_post, world)
    as_person(world.people["member"])
    a = post(client, csrf, world.group["id"])
    response = client.patch(f"/api/announcements/{a['id']}", json={"title": "Bring ID cards and boots"},
                            headers=csrf(client))
    assert response.status_code == 200 and response.json()["title"] == "Bring ID cards and boots"
    assert response.json()["seq"] > a["seq"]
    as_person(world.people["moderator"])
    assert client.delete(f"/api/announcements/{a['id']}", headers=csrf(client)).status_code == 204
    assert client.get(f"/api/announcements/{a['id']}").status_code == 404
    assert count(call, "tombstone", "object_id = ?", a["id"]) == 1


async def _allow_members_to_post(world):
    from groupbox.domain.groups import service as groups

    await groups.group_update(await world.owner.actor(), world.group["id"], GroupSettings(members_post_official=True))


def test_an_empty_title_or_unknown_file_is_refused_and_nothing_is_written(client, call, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    before = (count(call, "announcement"), count(call, "notification"), count(call, "attachment"))
    response = client.post(f"/api/groups/{group}/announcements", json={"title": "  ", "body": "x"},
                           headers=csrf(client))
    assert response.status_code == 422 and "title" in response.json()["errors"]
    response = client.post(f"/api/groups/{group}/announcements", json={"title": "Hi", "file_ids": ["missing"]},
                           headers=csrf(client))
    assert response.status_code == 422 and "file_ids" in response.json()["errors"]
    page = client.post(f"/groups/{group}/announcements/new", data={"title": "", "body": "Kept text"},
                       headers=csrf(client))
    assert page.status_code == 422 and "Give the announcement a title." in page.text and "Kept text" in page.text
    assert (count(call, "announcement"), count(call, "notification"), count(call, "attachment")) == before


def test_script_in_a_body_is_shown_as_text(client, world, as_person, csrf):
    as_person(world.people["admin"])
    a = post(client, csrf, world.group["id"], body='<script>alert("x")</script> [home](javascript:alert(1))')
    page = client.get(f"/announcements/{a['id']}").text
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page
    assert "href=\"javascript:" not in page


def test_coach_posts_with_the_form_and_sees_it(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    form = client.get(f"/groups/{group}/announcements/new")
    assert form.status_code == 200 and 'name="official" value="1" checked' in form.text
    response = client.post(f"/groups/{group}/announcements/new", headers=csrf(client), follow_redirects=False,
                           data={"title": "Parent evening moved to 3 Dec", "body": "*Room 12*", "official": "1"})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Posted." in page and "<em>Room 12</em>" in page and "badge--official" in page
    edit = client.get(response.headers["location"] + "/edit")
    assert edit.status_code == 200 and "Parent evening moved to 3 Dec" in edit.text


def test_a_guest_reads_but_cannot_post_or_confirm(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["admin"])
    a = post(client, csrf, group, ack_required=True)
    as_person(world.people["guest"])
    assert client.get(f"/groups/{group}/announcements/new").status_code == 403
    page = client.get(f"/announcements/{a['id']}").text
    assert f'action="/announcements/{a["id"]}/ack"' not in page
    assert client.post(f"/api/announcements/{a['id']}/ack", headers=csrf(client)).status_code == 403


def test_the_group_dashboard_shows_an_announcement_once(client, world, as_person, csrf):
    """Waiting for my acknowledgement it sits under "Important now", not again under "Official
    announcements"; once read it moves down to the official list."""
    import re

    gid = world.group["id"]
    as_person(world.people["admin"])
    urgent = post(client, csrf, gid, official=True, urgent=True, ack_required=True)
    plain = post(client, csrf, gid, title="Kit colours for the season", official=True)

    def sections():
        page = client.get(f"/groups/{gid}").text
        found = {}
        for key in ("important", "official"):
            match = re.search(rf'<section[^>]*id="{key}".*?</section>', page, re.S)
            found[key] = match.group(0) if match else ""
        return found

    as_person(world.people["member"])
    shown = sections()
    assert f"/announcements/{urgent['id']}" in shown["important"]
    assert f"/announcements/{urgent['id']}" not in shown["official"]
    assert f"/announcements/{plain['id']}" in shown["official"]

    client.post(f"/announcements/{urgent['id']}/ack", headers=csrf(client))
    shown = sections()
    assert f"/announcements/{urgent['id']}" not in shown["important"]
    assert f"/announcements/{urgent['id']}" in shown["official"]
