"""Domain errors. Services raise these; the web maps them to a status, the CLI to one line."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = dict(errors or ({field: message} if field else {}))


class Invalid(DomainError):
    """Input that breaks a rule; `field` names the form field to show it beside."""

    status_code = 422


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    """Visible to the actor, but not allowed for their role."""

    status_code = 403


class NotFound(DomainError):
    """Unknown, or not visible to the actor (never a 403 for those)."""

    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Gone(DomainError):
    """An invite or link that is used up, expired or revoked."""

    status_code = 410


class TooLarge(DomainError):
    status_code = 413


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after
