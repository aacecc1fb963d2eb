"""Input types of the objects area: one per kind, shared by the web form, the JSON API and the CLI
(issue 12 item 9). They carry what a person typed; the service validates it (one validator per
input) and answers with field errors a form shows beside the field."""

from __future__ import annotations

import msgspec

from groupbox.domain.inputs import UNSET, Input, Unset


class EventInput(Input, kw_only=True):
    """An event to create or an edit of one. Times are ISO 8601 with an offset, or naive in the
    group's zone (a form's datetime-local). On an edit only the fields present change; `null`
    (or "") clears `ends_at` and `rsvp_deadline`; `{"cancelled": true, "reason": "..."}` cancels,
    `{"cancelled": false}` brings it back; `base_revision` is the `revision` the edit was made
    from: a later edit by someone else answers 409 instead of being overwritten (without it, the
    revision read when the request arrives is checked)."""

    title: str | Unset = UNSET
    starts_at: str | Unset = UNSET
    ends_at: str | None | Unset = UNSET
    location: str | Unset = UNSET
    description: str | Unset = UNSET
    rsvp_required: bool | Unset = UNSET
    rsvp_deadline: str | None | Unset = UNSET
    file_ids: list[str] | Unset = UNSET
    stays_here: bool | Unset = UNSET
    cancelled: bool | Unset = UNSET
    reason: str | Unset = UNSET
    base_revision: int | Unset = UNSET


class EventCreate(EventInput, kw_only=True):
    """A new event: a title and a start are required (the rest as in `EventInput`)."""

    title: str
    starts_at: str


class TaskInput(Input, kw_only=True):
    """A task to create or an edit of one. `status` alone is what assignees may change (moving
    their task); editors may change the rest. `due_at`: ISO 8601 with an offset, naive in the
    group's zone, or a bare date (the end of that day); on an edit `null` clears it."""

    title: str | None | Unset = UNSET
    description: str | None | Unset = UNSET
    assignee_ids: list[str] | None | Unset = UNSET
    due_at: str | None | Unset = UNSET
    status: str | None | Unset = UNSET


class TaskCreate(TaskInput, kw_only=True):
    """A new task: a title is required (the rest as in `TaskInput`; a new task is open)."""

    title: str


class PollCreate(msgspec.Struct, kw_only=True):
    """A new poll (polls are not edited): a question and 2–20 options; single choice unless
    `multiple`; `results_visibility` "always", "after_vote" or "after_close"; `closes_at` as for
    events' times."""

    question: str
    options: list[str]
    multiple: bool = False
    anonymous: bool = False
    results_visibility: str = "always"
    closes_at: str | None = None
    description: str = ""


class SlotInput(msgspec.Struct, kw_only=True):
    """One slot of a sign-up sheet: what it is, how many people it takes (1–1000; a form's text
    is checked by the service, which answers in words), and optionally when it starts."""

    label: str
    capacity: int = 1
    starts_at: str | None = None


class SignupCreate(msgspec.Struct, kw_only=True):
    """A new sign-up sheet: a title and 1–50 slots; optionally an event of the same group it
    belongs to, and a deadline (`closes_at`, as for events' times)."""

    title: str
    slots: list[SlotInput]
    description: str = ""
    event_id: str | None = None
    closes_at: str | None = None


class AnnouncementInput(Input, kw_only=True):
    """An announcement to post or an edit of one: on an edit only the fields present change
    (`null` leaves a field as it is); `file_ids` replaces the attached files."""

    title: str | None | Unset = UNSET
    body: str | None | Unset = UNSET
    official: bool | None | Unset = UNSET
    urgent: bool | None | Unset = UNSET
    ack_required: bool | None | Unset = UNSET
    file_ids: list[str] | None | Unset = UNSET
    stays_here: bool | None | Unset = UNSET


class AnnouncementCreate(AnnouncementInput, kw_only=True):
    """A new announcement: a title is required (the rest as in `AnnouncementInput`)."""

    title: str
