"""Discussions (SPEC §7): threads, replies, @mentions, reactions, deleting, the legacy channel,
unread counts and the home dashboard's catch-up."""

from datetime import timedelta
from html import unescape

from groupbox.db.engine import DB
from groupbox.util import now
from tests.factories import needs


def start(client, csrf, group_id, title="Carpool planning", body="Who drives on Saturday?"):
    response = client.post(f"/api/groups/{group_id}/threads", json={"title": title, "body": body},
                           headers=csrf(client))
    assert response.status_code == 201, response.text
    return response.json()


def reply(client, csrf, thread_id, body):
    return client.post(f"/api/threads/{thread_id}/messages", json={"body": body}, headers=csrf(client))


def notifications(call, category):
    return call(DB.fetch, "SELECT member_id, title, url FROM notification WHERE category = ?", category)


def test_lisa_starts_a_thread_and_samir_replies(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["moderator"])
    started = start(client, csrf, group)
    thread = started["thread"]
    assert thread["title"] == "Carpool planning" and thread["message_count"] == 1
    assert [m["body"] for m in started["messages"]] == ["Who drives on Saturday?"]

    as_person(world.people["member"])
    response = reply(client, csrf, thread["id"], "I can take **two** kids.")
    assert response.status_code == 201
    message = response.json()
    assert message["author"] == "Samir Khan"
    assert message["body_html"] == "<p>I can take <strong>two</strong> kids.</p>\n"

    detail = client.get(f"/api/threads/{thread['id']}").json()
    assert [m["author"] for m in detail["messages"]] == ["Lisa Becker", "Samir Khan"]  # oldest first
    assert detail["thread"]["message_count"] == 2


def test_threads_list_newest_activity_first_with_unread_counts(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["moderator"])
    older = start(client, csrf, group, "Snack rota", "Oranges?")["thread"]
    newer = start(client, csrf, group, "Lost & found", "Blue bottle?")["thread"]
    as_person(world.people["admin"])
    reply(client, csrf, older["id"], "I'll bring oranges")
    reply(client, csrf, older["id"], "and apples")

    as_person(world.people["member"])
    items = client.get(f"/api/groups/{group}/threads").json()["items"]
    assert [t["title"] for t in items] == ["Snack rota", "Lost & found"]
    assert [t["unread"] for t in items] == [3, 1]
    assert items[0]["last_message"]["author"] == "Coach Mark"
    assert items[0]["last_message"]["excerpt"] == "and apples"

    # Viewing the thread page marks it read.
    assert client.get(f"/threads/{older['id']}").status_code == 200
    items = client.get(f"/api/groups/{group}/threads").json()["items"]
    assert {t["title"]: t["unread"] for t in items} == {"Snack rota": 0, "Lost & found": 1}
    # Replying counts as having read the thread; my own messages are never unread for me.
    reply(client, csrf, newer["id"], "Found it!")
    items = client.get(f"/api/groups/{group}/threads").json()["items"]
    assert {t["title"]: t["unread"] for t in items} == {"Lost & found": 0, "Snack rota": 0}


def test_a_mention_notifies_the_mentioned_and_others_in_the_thread_hear_of_the_reply(client, world, as_person,
                                                                                       csrf, call):
    group = world.group["id"]
    as_person(world.people["moderator"])
    thread = start(client, csrf, group, "Carpool planning", "Who drives?")["thread"]
    as_person(world.people["admin"])
    reply(client, csrf, thread["id"], "I can, with 3 seats")
    call(DB.execute, "DELETE FROM notification")

    as_person(world.people["moderator"])
    response = reply(client, csrf, thread["id"], '@Samir can you take two kids? @"olivia owner" too?')
    assert response.status_code == 201
    mentioned = {n["member_id"] for n in notifications(call, "mention")}
    assert mentioned == {world.member_id("member"), world.member_id("owner")}
    discussion = {n["member_id"] for n in notifications(call, "discussion")}
    assert discussion == {world.member_id("admin")}  # took part; Lisa herself is never told
    [row] = [n for n in notifications(call, "mention") if n["member_id"] == world.member_id("member")]
    assert row["title"] == "Lisa Becker mentioned you in “Carpool planning”"
    assert row["url"] == f"/threads/{thread['id']}#m-{response.json()['id']}"


def test_mentions_reach_only_members_of_the_same_group(client, call, world, as_person, csrf):
    as_person(world.people["admin"])
    thread = start(client, csrf, world.group["id"], "Hello", "@Tenant Admin are you here?")["thread"]
    assert call(DB.fetch, "SELECT * FROM mention") == []
    assert client.get(f"/api/threads/{thread['id']}").json()["messages"][0]["mentions_me"] is False


def test_a_new_thread_tells_the_group(client, world, as_person, csrf, call):
    as_person(world.people["member"])
    start(client, csrf, world.group["id"], "Lost & found", "Blue bottle?")
    told = {n["member_id"] for n in notifications(call, "discussion")}
    assert world.member_id("admin") in told and world.member_id("member") not in told


def carpool_question(client, csrf, world, as_person):
    """Lisa (moderator) asks Samir (member) in a new thread and adds a reply: the group, a
    moment before, and the thread."""
    group = world.group["id"]
    since = now() - timedelta(minutes=5)
    as_person(world.people["moderator"])
    thread = start(client, csrf, group, "Carpool planning", "@Samir can you take two kids?")["thread"]
    reply(client, csrf, thread["id"], "Or anyone else?")
    return group, since, thread


def test_unseen_mentions_and_catch_up_for_the_home_dashboard(client, world, as_person, csrf, call):
    from groupbox.domain.objects import threads

    group, since, thread = carpool_question(client, csrf, world, as_person)
    other = start(client, csrf, group, "Snack rota", "Oranges this week")["thread"]

    samir = call(world.people["member"].actor)
    [mention] = call(needs, samir, [group], "mention")
    assert mention.title == "Lisa Becker in “Carpool planning”"
    assert mention.detail["excerpt"] == "@Samir can you take two kids?" and mention.url.startswith(f"/threads/{thread['id']}#m-")

    summary = call(threads.catch_up, samir, [group], since)[group]
    assert summary["messages"] == 3 and summary["mentions"] == 1
    assert summary["threads"][0] == {"id": thread["id"], "title": "Carpool planning", "count": 2,
                                      "url": f"/threads/{thread['id']}"}
    assert [t["id"] for t in summary["threads"]] == [thread["id"], other["id"]]
    # Lisa's own messages are not news to her; groups she isn't in are left out.
    lisa = call(world.people["moderator"].actor)
    assert call(threads.catch_up, lisa, [group, world.other_group["id"]], since) == {
        group: {"messages": 0, "threads": [], "thread_count": 0, "mentions": 0, "url": f"/groups/{group}/discussions"}}

    as_person(world.people["member"])
    client.get(f"/threads/{thread['id']}")
    assert call(needs, samir, [group], "mention") == []


def test_the_home_pages_catch_up_counts_what_the_api_names_thread_by_thread(client, world, as_person, csrf, call):
    """The page reads counts per group only (issue 17); they agree with the API's per-thread
    catch-up, and neither counts a deleted thread's messages."""
    from groupbox.domain.actions import home
    from groupbox.domain.objects import common

    group, since, _kept = carpool_question(client, csrf, world, as_person)
    gone = start(client, csrf, group, "Wrong chat", "Sorry, meant the family chat")["thread"]
    reply(client, csrf, gone["id"], "Ignore me")
    call(common.soft_delete, "thread", {"id": gone["id"], "group_id": group})

    samir = call(world.people["member"].actor)
    full = call(home.catch_up, samir, since)
    light = call(home.catch_up, samir, since, threads=False)
    assert [(c["group_id"], c["messages"], c["mentions"]) for c in full] == [(group, 2, 1)]
    assert [(c["group_id"], c["messages"], c["mentions"], c["url"]) for c in light] == [
        (group, 2, 1, f"/groups/{group}/discussions")]


def test_a_script_in_a_message_is_shown_as_text(client, world, as_person, csrf):
    as_person(world.people["member"])
    thread = start(client, csrf, world.group["id"], "Hi", "<script>alert('x')</script> [link](javascript:alert(1))")
    message = thread["messages"][0]
    assert "<script>" not in message["body_html"] and "&lt;script&gt;" in message["body_html"]
    assert "href" not in message["body_html"]  # the javascript: link stays plain text
    page = client.get(f"/threads/{thread['thread']['id']}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_an_empty_message_and_an_empty_title_are_refused_beside_the_field(client, world, as_person, csrf, call):
    as_person(world.people["member"])
    response = client.post(f"/api/groups/{world.group['id']}/threads", json={"title": " ", "body": "x"},
                           headers=csrf(client))
    assert response.status_code == 422 and response.json()["errors"] == {"title": "Give the thread a title."}
    thread = start(client, csrf, world.group["id"])["thread"]
    response = reply(client, csrf, thread["id"], "   \n ")
    assert response.status_code == 422 and response.json()["errors"] == {"body": "Write a message first."}
    assert reply(client, csrf, thread["id"], "x" * 10_001).status_code == 422
    assert call(DB.fetchone, "SELECT COUNT(*) AS n FROM message")["n"] == 1
    assert call(DB.fetchone, "SELECT COUNT(*) AS n FROM thread")["n"] == 1


def test_reactions_toggle_and_tell_the_author(client, world, as_person, csrf, call):
    as_person(world.people["moderator"])
    thread = start(client, csrf, world.group["id"])
    message_id = thread["messages"][0]["id"]
    call(DB.execute, "DELETE FROM notification_pref")
    call(DB.execute, "INSERT INTO notification_pref (profile_id, group_id, category, mode) VALUES (?, '', 'reaction',"
                     " 'immediate')", world.people["moderator"].profile_id)

    as_person(world.people["member"])
    added = client.post(f"/api/messages/{message_id}/reactions", json={"emoji": "👍"}, headers=csrf(client))
    assert added.status_code == 200
    assert added.json()["added"] and added.json()["reactions"] == [{"emoji": "👍", "count": 1, "mine": True}]
    assert [n["member_id"] for n in notifications(call, "reaction")] == [world.member_id("moderator")]
    removed = client.post(f"/api/messages/{message_id}/reactions", json={"emoji": "👍"}, headers=csrf(client))
    assert not removed.json()["added"] and removed.json()["reactions"] == []
    # A heart without its variation selector is the same heart.
    heart = client.post(f"/api/messages/{message_id}/reactions", json={"emoji": "\u2764"}, headers=csrf(client))
    assert heart.json()["emoji"] == "❤️"
    bad = client.post(f"/api/messages/{message_id}/reactions", json={"emoji": "🍆"}, headers=csrf(client))
    assert bad.status_code == 422 and "emoji" in bad.json()["errors"]


def test_authors_delete_their_own_message_and_moderators_anyones(client, world, as_person, csrf, call):
    as_person(world.people["member"])
    thread = start(client, csrf, world.group["id"], "Hi", "Typo here")
    own = thread["messages"][0]["id"]
    second = reply(client, csrf, thread["thread"]["id"], "Second").json()["id"]

    as_person(world.people["admin"])
    other = reply(client, csrf, thread["thread"]["id"], "From the coach").json()["id"]
    as_person(world.people["member"])
    assert client.delete(f"/api/messages/{other}", headers=csrf(client)).status_code == 403
    assert client.delete(f"/api/messages/{own}", headers=csrf(client)).status_code == 204
    detail = client.get(f"/api/threads/{thread['thread']['id']}").json()
    first = detail["messages"][0]
    assert first["deleted"] and first["body"] == "" and detail["thread"]["message_count"] == 2
    assert "message deleted" in client.get(f"/threads/{thread['thread']['id']}").text

    as_person(world.people["moderator"])
    assert client.delete(f"/api/messages/{second}", headers=csrf(client)).status_code == 204
    tombs = call(DB.fetch, "SELECT object_id FROM tombstone WHERE object_type = 'message'")
    assert {t["object_id"] for t in tombs} == {own, second}


def test_a_former_members_messages_stay_and_show_them_as_former(client, world, as_person, csrf):
    as_person(world.people["member"])
    thread = start(client, csrf, world.group["id"], "Hi", "I was here")["thread"]
    assert client.post(f"/api/groups/{world.group['id']}/leave", headers=csrf(client)).status_code == 200
    as_person(world.people["admin"])
    detail = client.get(f"/api/threads/{thread['id']}").json()
    assert detail["messages"][0]["author"] == "former member" and detail["messages"][0]["former_member"]
    assert detail["messages"][0]["body"] == "I was here"
    assert "former member" in client.get(f"/threads/{thread['id']}").text


def test_the_old_chat_is_read_only_after_the_agreed_date(client, world, as_person, csrf, call):
    from groupbox.domain.objects import threads

    group = world.group["id"]
    as_person(world.people["admin"])
    thread = start(client, csrf, group, "Old WhatsApp group", "Everything from before")["thread"]
    as_person(world.people["member"])
    assert client.patch(f"/api/threads/{thread['id']}", json={"legacy_channel": True},
                        headers=csrf(client)).status_code == 403

    as_person(world.people["admin"])
    soon = (now() + timedelta(days=7)).isoformat()
    marked = client.patch(f"/api/threads/{thread['id']}", json={"legacy_channel": True, "readonly_from": soon},
                          headers=csrf(client))
    assert marked.status_code == 200
    assert marked.json()["legacy_channel"] and marked.json()["legacy_note"].startswith("The old chat is read-only from")
    assert reply(client, csrf, thread["id"], "Still open this week").status_code == 201
    page = client.get(f"/groups/{group}").text
    assert "The old chat is read-only from" in page

    admin = call(world.people["admin"].actor)
    past = now() - timedelta(minutes=1)
    call(threads.thread_set_legacy, admin, thread["id"], True, past)
    as_person(world.people["member"])
    response = reply(client, csrf, thread["id"], "Can I still write here?")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("The old chat is read-only since")
    message_id = client.get(f"/api/threads/{thread['id']}").json()["messages"][0]["id"]
    assert client.post(f"/api/messages/{message_id}/reactions", json={"emoji": "👍"},
                       headers=csrf(client)).status_code == 409
    assert call(DB.fetchone, "SELECT COUNT(*) AS n FROM message WHERE thread_id = ?", thread["id"])["n"] == 2
    page = client.get(f"/threads/{thread['id']}").text
    assert "The old chat is read-only since" in page and 'action="/threads/' + thread["id"] + '/messages"' not in page


def test_one_legacy_channel_per_group_and_imported_messages(client, world, as_person, csrf, call):
    from groupbox.domain.objects import messages, threads

    group = world.group["id"]
    as_person(world.people["admin"])
    first = start(client, csrf, group, "Old chat A", "a")["thread"]
    second = start(client, csrf, group, "Old chat B", "b")["thread"]
    admin = call(world.people["admin"].actor)
    call(threads.thread_set_legacy, admin, first["id"], True, None)
    call(threads.thread_set_legacy, admin, second["id"], True, None)
    assert call(threads.legacy_thread, group)["id"] == second["id"]
    added = call(messages.messages_import, admin, second["id"], [
        {"author_name": "Mark (old number)", "body": "Training at 17:00", "created_at": now() - timedelta(days=300)},
        {"author_name": "Samir", "body": "ok", "created_at": now() - timedelta(days=299),
         "member_id": world.member_id("member")},
        {"author_name": "x", "body": "   "},
    ])
    assert added == 2
    detail = client.get(f"/api/threads/{second['id']}").json()
    assert [m["author"] for m in detail["messages"]] == ["Mark (old number)", "Samir Khan", "Coach Mark"]
    member = call(world.people["member"].actor)
    try:
        call(messages.messages_import, member, second["id"], [{"author_name": "x", "body": "y"}])
        raise AssertionError("a member imported messages")
    except Exception as exc:  # noqa: BLE001
        assert type(exc).__name__ == "Forbidden"


def test_a_readonly_date_that_is_not_a_date_is_refused(client, world, as_person, csrf):
    as_person(world.people["admin"])
    thread = start(client, csrf, world.group["id"])["thread"]
    response = client.patch(f"/api/threads/{thread['id']}", json={"legacy_channel": True, "readonly_from": "soon"},
                            headers=csrf(client))
    assert response.status_code == 422 and "readonly_from" in response.json()["errors"]


# -- pages ----------------------------------------------------------------------------------------
def test_starting_a_thread_and_replying_through_the_pages(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["member"])
    assert "Start a thread" in client.get(f"/groups/{group}/discussions").text
    response = client.post(f"/groups/{group}/discussions", data={"title": "Carpool", "body": "Who drives?"},
                           headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/threads/")
    thread_url = response.headers["location"]
    page = client.get(thread_url).text
    assert "Thread started" in page and "Who drives?" in page
    response = client.post(f"{thread_url}/messages", data={"body": "Me!"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and "#m-" in response.headers["location"]
    assert "Sent." in client.get(response.headers["location"]).text


def test_a_bad_thread_form_keeps_what_was_typed(client, world, as_person, csrf):
    as_person(world.people["member"])
    response = client.post(f"/groups/{world.group['id']}/discussions", data={"title": "", "body": "My long text"},
                           headers=csrf(client))
    assert response.status_code == 422
    assert "Give the thread a title." in response.text and "My long text" in response.text


def test_an_empty_reply_form_shows_the_error_beside_the_field(client, world, as_person, csrf):
    as_person(world.people["member"])
    thread = start(client, csrf, world.group["id"])["thread"]
    response = client.post(f"/threads/{thread['id']}/messages", data={"body": " "}, headers=csrf(client))
    assert response.status_code == 422 and 'id="f-body-error"' in response.text


def test_reacting_and_deleting_through_the_pages(client, world, as_person, csrf):
    as_person(world.people["member"])
    thread = start(client, csrf, world.group["id"])
    message_id = thread["messages"][0]["id"]
    response = client.post(f"/messages/{message_id}/reactions", data={"emoji": "🎉"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith(f"#m-{message_id}")
    assert "You reacted 🎉." in unescape(client.get(response.headers["location"]).text)
    confirm = client.get(f"/messages/{message_id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    response = client.post(f"/messages/{message_id}/delete", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303
    assert "message deleted" in client.get(response.headers["location"]).text
    again = client.get(f"/messages/{message_id}/delete", follow_redirects=False)
    assert again.status_code == 303  # already gone: back to the thread


def test_nobody_is_offered_to_delete_someone_elses_message_unless_moderating(client, world, as_person, csrf):
    as_person(world.people["moderator"])
    thread = start(client, csrf, world.group["id"])
    message_id = thread["messages"][0]["id"]
    as_person(world.people["member"])
    assert f"/messages/{message_id}/delete" not in client.get(f"/threads/{thread['thread']['id']}").text
    assert client.get(f"/messages/{message_id}/delete").status_code == 403
    as_person(world.people["admin"])
    assert f"/messages/{message_id}/delete" in client.get(f"/threads/{thread['thread']['id']}").text
    as_person(world.outsider)
    assert client.get(f"/messages/{message_id}/delete").status_code == 404


def test_the_admin_sets_the_read_only_date_on_the_thread_page(client, world, as_person, csrf):
    as_person(world.people["admin"])
    thread = start(client, csrf, world.group["id"], "Old chat", "history")["thread"]
    response = client.post(f"/threads/{thread['id']}/legacy",
                           data={"legacy_channel": "1", "readonly_from": "2099-12-31T18:00"}, headers=csrf(client),
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "The old chat is read-only from Thu 31 Dec" in page
    bad = client.post(f"/threads/{thread['id']}/legacy", data={"legacy_channel": "1", "readonly_from": "tomorrow"},
                      headers=csrf(client))
    assert bad.status_code == 422 and "Enter a date and time" in bad.text


def test_guests_read_but_do_not_write(client, world, as_person, csrf):
    as_person(world.people["member"])
    thread = start(client, csrf, world.group["id"])["thread"]
    as_person(world.people["guest"])
    page = client.get(f"/threads/{thread['id']}").text
    assert "Guests can read discussions" in page
    assert client.post(f"/threads/{thread['id']}/messages", data={"body": "hi"}, headers=csrf(client)).status_code == 403


def test_the_group_dashboard_shows_discussions_as_one_list_with_unread_counts(client, world, as_person, csrf):
    group = world.group["id"]
    as_person(world.people["moderator"])
    thread = start(client, csrf, group, "Carpool planning", "@Samir can you take two kids?")["thread"]
    reply(client, csrf, thread["id"], "Or anyone?")
    as_person(world.people["member"])
    page = unescape(client.get(f"/groups/{group}").text)
    assert 'id="discussions-title"' in page and "Carpool planning" in page
    assert "Lisa Becker: “Or anyone?”" in page
    assert '<span class="count">2<span class="visually-hidden"> unread</span></span>' in page
    assert '<a href="/groups/' + group + '/discussions"' in page  # the tab


def test_a_long_thread_shows_the_latest_messages_and_offers_the_earlier_ones(client, world, as_person, csrf, call):
    from groupbox.domain.objects import messages

    as_person(world.people["admin"])
    thread = start(client, csrf, world.group["id"], "Old chat", "latest")["thread"]
    admin = call(world.people["admin"].actor)
    base = now() - timedelta(days=30)
    call(messages.messages_import, admin, thread["id"],
         [{"author_name": "Mark", "body": f"old {i}", "created_at": base + timedelta(minutes=i)} for i in range(205)])
    detail = client.get(f"/api/threads/{thread['id']}").json()
    assert detail["has_earlier"] and len(detail["messages"]) == 200
    assert detail["messages"][0]["body"] == "old 6" and detail["messages"][-1]["body"] == "latest"
    earlier = client.get(f"/api/threads/{thread['id']}", params={"before": detail["messages"][0]["created_at"]}).json()
    assert [m["body"] for m in earlier["messages"]] == [f"old {i}" for i in range(6)] and not earlier["has_earlier"]
    page = client.get(f"/threads/{thread['id']}").text
    assert "Show earlier messages" in page
    link = unescape(page.split('href="/threads/' + thread["id"] + '?before=')[1].split('"')[0])
    earlier_page = client.get(f"/threads/{thread['id']}?before={link}").text
    assert "old 0" in earlier_page and "old 6" not in earlier_page
