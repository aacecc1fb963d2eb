"""Each assignment carries whether its task is still open (`task_assignee.open`: not done and not
deleted), kept current on write (`store.tasks`: the assignment, a change of status, a delete), with
an index of the open ones per member.

So "my open tasks" reads my open assignments and visits those tasks only: before, every task ever
assigned to me was visited to see whether it was done (issue 17: 259 visits for the benchmark
person's 67 open tasks)."""

STATEMENTS = [
    "ALTER TABLE task_assignee ADD COLUMN open BOOLEAN NOT NULL DEFAULT TRUE",
    "UPDATE task_assignee SET open = (SELECT t.status != 'done' AND t.deleted_at IS NULL FROM task t"
    " WHERE t.id = task_assignee.task_id)",
    "CREATE INDEX task_assignee_open ON task_assignee (member_id, task_id) WHERE open = TRUE",
]
