"""The twin of `access.can` for lists of people (issue 12 item 8): the same answers, one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from groupbox.access import ROLES, Actor, Membership, can, role_filter, role_may, roles_that

SETTINGS = [{"id": "g", "members_post_official": posting, "members_upload": upload}
            for posting in (False, True) for upload in (False, True)]


@pytest.mark.parametrize("action", ["group.view", "group.admin", "object.create", "act", "file.upload",
                                    "token.create", "owner.transfer"])
@pytest.mark.parametrize("group", SETTINGS)
def test_the_list_twin_answers_as_can_does(action, group):
    for role in ROLES:
        actor = Actor("p", "P", memberships={"g": Membership("m", "g", role, "P")})
        assert role_may(role, action, group) == can(actor, action, group), (role, action, group)
    assert set(roles_that(action, group)) == {r for r in ROLES if role_may(r, action, group)}


def test_guests_are_the_ones_who_cannot_act():
    sql, roles = role_filter("act", "m.role")
    assert sql == "m.role IN (?,?,?,?)" and "guest" not in roles


def test_no_service_restates_a_role_rule_by_hand():
    """Role names compared in SQL or Python outside access.py would be the next forgotten copy."""
    root = Path(__file__).resolve().parents[2] / "groupbox"
    pattern = re.compile(r"""role\s*(?:!=|==)\s*['"](?:guest|member|moderator|admin)['"]""")
    offenders = [f"{path.relative_to(root)}:{n}" for path in root.rglob("*.py") if path.name != "access.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders
