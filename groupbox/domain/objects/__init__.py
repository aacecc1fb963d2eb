"""Structured objects: announcements, events, tasks, polls, sign-ups, threads."""

AREAS = ("announcements", "events", "tasks", "polls", "signups", "threads")


def load() -> None:
    """Import every area so the hooks they register (member-left cleanups, join previews) are
    in place even for callers that did not import them, e.g. a CLI command."""
    import importlib

    for name in AREAS:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:  # pragma: no cover - an area not installed yet
            continue
