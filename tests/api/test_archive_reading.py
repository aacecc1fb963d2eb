"""Reading a big archive: a page, a search, a range of days cost about what they cost in a small
archive, a search that runs past its window goes on where it stopped, and one group's search never
wades through another group's archive."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest

from groupbox.db.engine import DB
from groupbox.domain.migration import archive
from tests.api.test_archive_import import make_zip, outside, upload
from tests.factories import create_group, owner_person


@pytest.fixture
def owner(client, call):
    person = call(owner_person)
    client.cookies.set("gb_session", person.session_token)
    return person


def chat(lines: int, word: str = "jerseys") -> str:
    """An Android export of `lines` messages over two weeks of January 2024, Anna and Ben taking turns."""
    out = ["13/01/24, 09:00 - Messages and calls are end-to-end encrypted.\n"]
    for n in range(lines):
        day, minute = 14 + n * 14 // lines, n % 600
        sender = "Anna Schmidt" if n % 2 else "Ben Okafor"
        out.append(f"{day}/01/24, {8 + minute // 60:02d}:{minute % 60:02d} - {sender}: message {n} about the {word}\n")
    return "".join(out)


def imported(client, csrf, call, owner, tmp_path, name: str, lines: int) -> str:
    group = call(create_group, owner, name)
    path = make_zip(tmp_path / f"{name}.zip", {f"WhatsApp Chat with {name}.txt": chat(lines)})
    assert upload(client, csrf, group["id"], path).status_code == 201
    return group["id"]


def steps(client, url: str) -> int:
    """SQLite's virtual-machine steps (in hundreds) the readers take to answer `url`."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    for reader in DB._readers:
        reader._conn.set_progress_handler(tick, 100)
    try:
        response = client.get(url)
    finally:
        for reader in DB._readers:
            reader._conn.set_progress_handler(None, 100)
    assert response.status_code == 200, response.text[:300]
    return counted[0]


def test_reading_a_big_archive_costs_about_what_reading_a_small_one_does(client, csrf, call, owner, tmp_path,
                                                                       monkeypatch, postgres):
    if postgres is not None:
        pytest.skip("counts SQLite's virtual-machine steps: a measure of the SQLite engine itself")
    small = imported(client, csrf, call, owner, tmp_path, "Small chat", 600)
    big = imported(client, csrf, call, owner, tmp_path, "Big chat", 12_000)
    # A search looks at a window of hits; here both archives have more hits than the window holds.
    monkeypatch.setattr(archive, "SEARCH_WINDOW", 250)

    def cursor(gid: str, **params) -> str:
        return str(client.get(f"/api/groups/{gid}/archive", params=params).json()["older"])

    views = {
        "newest page": lambda gid: "",
        "an older page": lambda gid: f"?before={cursor(gid)}",
        "one sender": lambda gid: "?sender=Anna+Schmidt",
        "some days": lambda gid: "?from=2024-01-20&to=2024-01-21",
        "a search": lambda gid: "?q=jerseys",
        "a search, further back": lambda gid: f"?q=jerseys&before={cursor(gid, q='jerseys')}",
        "a search on some days": lambda gid: "?q=about&from=2024-01-20&to=2024-01-21",
    }
    costs = {name: (steps(client, f"/groups/{small}/archive{view(small)}"),
                    steps(client, f"/groups/{big}/archive{view(big)}")) for name, view in views.items()}
    # Twenty times the messages; a page that scanned them would cost many times more.
    grew = {name: cost for name, cost in costs.items() if cost[1] > 2 * cost[0] + 50}
    assert not grew, f"(small, big) in hundreds of steps: {costs}"


def test_a_search_past_its_window_goes_on_where_it_stopped_and_finds_everything_once(
        client, csrf, call, owner, tmp_path, config, monkeypatch):
    gid = imported(client, csrf, call, owner, tmp_path, "Team chat", 400)
    imported(client, csrf, call, owner, tmp_path, "Other team", 400)  # imported later: higher ids, same words
    monkeypatch.setattr(archive, "SEARCH_WINDOW", 30)  # each page looks at 30 hits at most
    found, url, pages = [], f"/api/groups/{gid}/archive", 0
    params = {"q": "jerseys", "sender": "Anna Schmidt"}  # half the hits are Ben's: windows end pages early
    while True:
        body = client.get(url, params=params).json()
        found += [item["id"] for item in body["items"]]
        pages += 1
        assert all(item["sender"] == "Anna Schmidt" for item in body["items"])
        if body["older"] is None:
            break
        params["before"] = body["older"]
    expected = [row["id"] for row in outside(config, "SELECT id FROM archive_message WHERE group_id ="
                                             f" '{gid}' AND sender = 'Anna Schmidt' ORDER BY id DESC")[0]]
    assert found == expected and len(found) == 200
    assert pages >= 200 // 15  # about 15 of each window's 30 hits are Anna's

    # The page: the window's end is an "Older" link that keeps the search.
    page = client.get(f"/groups/{gid}/archive", params={"q": "jerseys", "sender": "Ben Okafor"}).text
    link = re.search(r'href="\?([^"]*)#messages">Older', page)
    assert link, page
    older = parse_qs(link.group(1).replace("&amp;", "&"))
    assert older["q"] == ["jerseys"] and older["sender"] == ["Ben Okafor"] and int(older["before"][0]) > 0


@pytest.mark.parametrize("junk", ["18446744073709551615", "-1", "abc"])
def test_a_member_following_a_broken_older_link_is_told_so(client, csrf, call, owner, tmp_path, junk):
    gid = imported(client, csrf, call, owner, tmp_path, "Team chat", 60)
    page = client.get(f"/groups/{gid}/archive", params={"before": junk})
    assert page.status_code == 422
    assert "That is not a place in the archive to page from." in page.text
    api = client.get(f"/api/groups/{gid}/archive", params={"after": junk})
    assert api.status_code in (400, 422)  # the API's typed int: a non-number is Litestar's 400
    if junk != "abc":
        assert api.json()["errors"] == {"after": "That is not a place in the archive to page from."}


def spanish_choir(client, csrf, call, owner, tmp_path, text: str) -> str:
    group = call(create_group, owner, "Coro")
    path = make_zip(tmp_path / "coro.zip", {"WhatsApp Chat with Coro.txt": text})
    assert upload(client, csrf, group["id"], path).status_code == 201
    return group["id"]


def test_a_search_finds_and_marks_the_same_rows_whatever_the_accents_typed(client, csrf, call, owner, tmp_path):
    gid = spanish_choir(client, csrf, call, owner, tmp_path,
                        "30/06/22, 14:05 - Lucía: ¿Quién trae las partituras?\n"
                        "30/06/22, 14:06 - Diego: quien llegue primero\n"
                        "30/06/22, 14:07 - Lucía: QUIÉNES somos, y Que\u0301 cantamos\n"
                        "30/06/22, 14:08 - Diego: nadie más\n")
    found = {}
    for q in ("Quién", "quien", "QUIEN", "quién"):
        items = client.get(f"/api/groups/{gid}/archive", params={"q": q}).json()["items"]
        page = client.get(f"/groups/{gid}/archive", params={"q": q}).text
        found[q] = ([i["id"] for i in items], re.findall(r"<mark>(.*?)</mark>", page))
    assert len(found["quien"][0]) == 3
    assert all(result == found["quien"] for result in found.values()), found
    assert found["quien"][1] == ["QUIÉNES", "quien", "Quién"]  # newest first, each as written
    # A letter written with a combining accent is marked whole.
    page = client.get(f"/groups/{gid}/archive", params={"q": "que"}).text
    assert "<mark>Que\u0301</mark>" in page


def test_marks_never_land_inside_the_escaped_text(client, csrf, call, owner, tmp_path):
    gid = spanish_choir(client, csrf, call, owner, tmp_path,
                        '30/06/22, 14:05 - Lucía: <b>amp</b> & "amps" <script>alert(1)</script>\n')
    page = client.get(f"/groups/{gid}/archive", params={"q": "amp"}).text
    assert "&lt;b&gt;<mark>amp</mark>&lt;/b&gt; &amp; &#34;<mark>amps</mark>&#34;" in page
    assert "&<mark>" not in page and "<script>alert" not in page
    page = client.get(f"/groups/{gid}/archive", params={"q": "script"}).text
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in page
