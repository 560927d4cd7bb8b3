"""Domain errors that views turn into clear messages (never a 500)."""

from __future__ import annotations

from assess.i18n import _


class DomainError(Exception):
    """A refused operation; ``problems`` lists every reason, in the user's language (Swedish outside a request)."""

    status_code = 400

    def __init__(self, *problems: str, fields: dict[str, str] | None = None) -> None:
        self.problems = list(problems) or [_("Åtgärden kunde inte utföras.")]
        self.fields = fields or {}
        super().__init__("; ".join(self.problems))


class ValidationFailed(DomainError):
    """Input that breaks a rule; ``fields`` maps field names to messages."""

    status_code = 400


class PermissionDenied(DomainError):
    """The acting user may not do this."""

    status_code = 403


class NotFound(DomainError):
    """The thing does not exist."""

    status_code = 404


class Conflict(DomainError):
    """The state changed under the caller (optimistic locking) or forbids the action."""

    status_code = 409


class Throttled(DomainError):
    """Too many attempts; try again later."""

    status_code = 429
