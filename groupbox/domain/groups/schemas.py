"""Input types of the groups area: one per input, shared by the web form, the JSON API and the CLI
(issue 12 item 9). They carry what a person typed; the service validates it (one validator per
input) and answers with field errors a form shows beside the field. Numbers may arrive as a
form's text: the service reads "24" as 24 and words as an error on that field."""

from __future__ import annotations

import msgspec

from groupbox.domain.inputs import UNSET, Input, Unset


class GroupCreate(msgspec.Struct, kw_only=True):
    """A new group: its name, what it is for, and its timezone (none: the server's)."""

    name: str
    purpose: str = ""
    timezone: str | None = None


class GroupSettings(Input, kw_only=True):
    """An admin's edit of a group. Only the fields present change (`null` leaves one as it is);
    `expected_size` (how many people should join, for the migration funnel) is cleared by 0 or ""."""

    name: str | None | Unset = UNSET
    purpose: str | None | Unset = UNSET
    timezone: str | None | Unset = UNSET
    members_post_official: bool | None | Unset = UNSET
    members_upload: bool | None | Unset = UNSET
    expected_size: int | str | None | Unset = UNSET


class InviteOptions(msgspec.Struct, kw_only=True):
    """A new invite link: how many people may use it (none: unlimited), for how many hours (none:
    a week), the role people join with, whether an admin approves each, and a label for admins."""

    max_uses: int | str | None = None
    expires_in_hours: int | str | None = None
    role: str | None = "member"
    needs_approval: bool = False
    label: str = ""
