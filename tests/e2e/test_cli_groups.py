"""`groupbox group create`, `invite`, `groups` and `members` as scripts and people use them."""

import json
import re
import shutil
import sqlite3

import pytest
from PIL import Image

from tests.conftest import run_cli

U12 = "FC Kreuzberg U12 Parents"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "data"
    run_cli("init", "--demo", "--data", str(path))
    return path


@pytest.fixture
def demo_data(demo_template, tmp_path):
    """A fresh copy of `groupbox init --demo`: the owner is in none of the demo's groups."""
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


def _terminal_qr_to_image(text: str, scale: int = 6) -> Image.Image:
    """Rebuild the module grid from the half-block rendering (black on white)."""
    rows = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in text.splitlines() if "\x1b[30;107m" in line]
    width = len(rows[0])
    image = Image.new("L", (width * scale, len(rows) * 2 * scale), 255)
    for y, row in enumerate(rows):
        for x, char in enumerate(row):
            top = char in "█▀"
            bottom = char in "█▄"
            for dy, dark in ((0, top), (1, bottom)):
                if dark:
                    for py in range((2 * y + dy) * scale, (2 * y + dy + 1) * scale):
                        for px in range(x * scale, (x + 1) * scale):
                            image.putpixel((px, py), 0)
    return image


def test_group_create_and_invite_print_json_for_scripts(data_dir):
    created = json.loads(run_cli("group", "create", "U12 Parents", "--purpose", "Football", "--json",
                                 "--data", str(data_dir)).stdout)
    assert created["name"] == "U12 Parents" and created["id"]
    invite = json.loads(run_cli("invite", "U12 Parents", "--uses", "24", "--expires", "14d", "--json",
                                "--data", str(data_dir)).stdout)
    assert invite["url"].startswith("http://127.0.0.1:8000/join/")
    assert invite["max_uses"] == 24 and invite["expires_at"]
    by_id = json.loads(run_cli("invite", created["id"], "--json", "--data", str(data_dir)).stdout)
    assert by_id["max_uses"] is None


def test_invite_prints_a_terminal_qr_that_decodes_to_the_link(data_dir):
    import zxingcpp

    run_cli("group", "create", "Class 4B", "--data", str(data_dir))
    result = run_cli("invite", "Class 4B", "--data", str(data_dir))
    url = re.search(r"http://\S+/join/\S+", result.stdout).group(0)
    decoded = zxingcpp.read_barcodes(_terminal_qr_to_image(result.stdout))
    assert decoded and decoded[0].text == url


def test_ambiguous_and_unknown_group_names_are_clear_errors(data_dir):
    run_cli("group", "create", "Twins", "--data", str(data_dir))
    run_cli("group", "create", "Twins", "--data", str(data_dir))
    ambiguous = run_cli("invite", "Twins", "--data", str(data_dir), check=False)
    assert ambiguous.returncode == 1 and "Several groups" in ambiguous.stderr
    unknown = run_cli("invite", "Nobody", "--data", str(data_dir), check=False)
    assert unknown.returncode == 1 and "No group" in unknown.stderr
    bad = run_cli("invite", "Twins", "--expires", "soon", "--data", str(data_dir), check=False)
    assert bad.returncode == 1 and "duration" in bad.stderr
    empty = run_cli("group", "create", "   ", "--data", str(data_dir), check=False)
    assert empty.returncode == 1 and "name" in empty.stderr
    for result in (ambiguous, unknown, bad, empty):
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_owner_invites_into_a_demo_group_they_are_not_a_member_of(demo_data):
    invite = json.loads(run_cli("invite", U12, "--uses", "5", "--json", "--data", str(demo_data)).stdout)
    assert invite["url"].startswith("http://127.0.0.1:8000/join/") and invite["max_uses"] == 5
    with sqlite3.connect(demo_data / "groupbox.sqlite3") as db:
        actor, detail = db.execute("SELECT actor_name, detail FROM audit_entry WHERE action = 'invite.create'"
                                   " AND target_id = ?", (invite["id"],)).fetchone()
    assert actor.endswith("(server owner)") and detail.endswith("from shell")


def test_groups_lists_every_group_on_the_server_for_people_and_scripts(demo_data):
    listed = json.loads(run_cli("groups", "--json", "--data", str(demo_data)).stdout)["items"]
    by_name = {g["name"]: g for g in listed}
    assert {U12, "Tenant Association", "Class 4B Parents", "Food Bank Volunteers"} <= by_name.keys()
    assert by_name[U12]["members"] > 5 and by_name[U12]["timezone"] == "Europe/Berlin"
    human = run_cli("groups", "--data", str(demo_data)).stdout
    assert by_name[U12]["id"] in human and U12 in human


def test_groups_on_a_fresh_instance_says_how_to_make_one(data_dir):
    assert json.loads(run_cli("groups", "--json", "--data", str(data_dir)).stdout) == {"items": []}
    assert "groupbox group create" in run_cli("groups", "--data", str(data_dir)).stdout


def test_members_gives_the_ids_signin_link_takes(demo_data):
    members = json.loads(run_cli("members", U12, "--json", "--data", str(demo_data)).stdout)["items"]
    anna = next(m for m in members if m["display_name"] == "Anna Müller")
    assert anna["role"] == "member" and anna["joined_at"] and anna["trust"]
    link = run_cli("signin-link", "--member", anna["id"], "--json", "--data", str(demo_data))
    assert json.loads(link.stdout)["signin_url"].startswith("http://127.0.0.1:8000/signin/")
    human = run_cli("members", U12, "--data", str(demo_data)).stdout
    assert anna["id"] in human and "Anna Müller" in human


def test_members_of_an_ambiguous_or_unknown_group_is_a_clear_error(data_dir):
    twins = [json.loads(run_cli("group", "create", "Twins", "--json", "--data", str(data_dir)).stdout)["id"]
             for _ in range(2)]
    ambiguous = run_cli("members", "Twins", "--data", str(data_dir), check=False)
    assert ambiguous.returncode == 1 and all(gid in ambiguous.stderr for gid in twins)
    unknown = run_cli("members", "Nobody", "--json", "--data", str(data_dir), check=False)
    assert unknown.returncode == 1 and "No group" in unknown.stderr and unknown.stdout == ""
    for result in (ambiguous, unknown):
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert len(json.loads(run_cli("members", twins[0], "--json", "--data", str(data_dir)).stdout)["items"]) == 1


def test_signin_link_help_says_a_member_link_opens_their_whole_profile():
    help_text = " ".join(run_cli("signin-link", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "whole profile" in help_text and "shell on the server" in help_text
