"""Structured objects: announcements, events, tasks, polls, sign-ups, threads."""
