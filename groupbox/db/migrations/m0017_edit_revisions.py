"""No lost updates (issue 12): an edit counter on events, checked in the write that saves an edit.

`event.revision` counts edits of the event itself (not answers to it, which change `seq`): an
edit made from revision N saves only while the event is still at N, so of two people editing at
once one wins and the other is told (409) instead of silently overwriting.
"""

STATEMENTS = [
    "ALTER TABLE event ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
]
