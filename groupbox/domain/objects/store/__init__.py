"""SQL for the objects area (events, sign-ups, polls, tasks, threads, announcements, common), one module per kind."""
