"""Archive search finds the same messages on either engine (issue 12): SQLite's FTS5 index and
PostgreSQL's full-text index answer the same queries — accents, case, two words, a phrase,
punctuation, a prefix, nothing — with the same hits, listed here once for both
(`make test-postgres` runs this file on PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.api.test_archive_import import make_zip, upload
from tests.factories import create_group, owner_person

CORPUS = [  # one message a line, in the export's order; the numbers below are these lines
    "Lucía: ¿Quién trae las partituras?",                                 # 0
    "Diego: quien llegue primero",                                        # 1
    "Lucía: QUIÉNES somos, y Que\u0301 cantamos",                         # 2
    "Diego: nadie más",                                                   # 3
    "Anna: Training moved to Thursday, bring jerseys",                    # 4
    'Ben: <b>amp</b> & "amps" <script>alert(1)</script>',                 # 5
    "Anna: mail anna@example.com or see https://example.com/kit-list",    # 6
    "Ben: the e-mail said 3.14 euros, version 1.2.3",                     # 7
    "Anna: Grüße an alle, Ärger vorbei",                                  # 8
    "Ben: good morning everyone",                                         # 9
    "Anna: morning training is good",                                     # 10
    "Ben: Привет всем",                                                   # 11
    "Anna: IMG-20220630-WA0001.jpg (file attached)",                      # 12
]

EXPECTED = {
    "quien": [0, 1, 2],            # without accents, a prefix of QUIÉNES too
    "QUIÉN": [0, 1, 2],            # case and accents typed make no difference
    "Quién": [0, 1, 2],
    "que": [2],                    # a letter with a combining accent
    "training jerseys": [4],       # two words: both must appear
    '"good morning"': [9, 10],     # a phrase typed in quotes: its words, in any order
    "morning good": [9, 10],
    "script": [5],                 # words inside markup are words
    "amp": [5],
    "example": [6],                # an address's parts are words
    "com": [6],
    "kit list": [6],
    "mail": [6, 7],                # "e-mail" is "e" and "mail"
    "14": [7],                     # "3.14" is two numbers
    "GRU": [8],
    "arger": [8],
    "привет": [11],                # case folds beyond Latin letters
    "wa0001": [12],                # a media file's name
    "jerseys training zebra": [],  # one word missing: nothing
    "zebra": [],
}


@pytest.fixture
def archive(client, csrf, call, tmp_path) -> tuple[str, dict[int, int]]:
    """The group's id and, for each archive entry's id, its line in CORPUS."""
    owner = call(owner_person)
    client.cookies.set("gb_session", owner.session_token)
    group = call(create_group, owner, "Coro")
    text = "".join(f"30/06/22, 14:{n:02d} - {line}\n" for n, line in enumerate(CORPUS))
    path = make_zip(tmp_path / "coro.zip", {"WhatsApp Chat with Coro.txt": text})
    assert upload(client, csrf, group["id"], path).status_code == 201
    items = client.get(f"/api/groups/{group['id']}/archive", params={"limit": 200}).json()["items"]
    assert len(items) == len(CORPUS)
    return group["id"], {item["id"]: int(item["at"][14:16]) for item in items}  # at 14:0n is line n


def test_a_search_finds_the_same_messages_on_either_engine(client, archive):
    gid, lines = archive
    found = {}
    for q in EXPECTED:
        items = client.get(f"/api/groups/{gid}/archive", params={"q": q}).json()["items"]
        found[q] = sorted(lines[item["id"]] for item in items)
    assert found == EXPECTED
