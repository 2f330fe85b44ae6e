"""Domain errors: each says in plain words what happened and what to do about it."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action, with a message a person can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the actor)."""


class PermissionDenied(DomainError):
    """The actor may not do this to this object.

    It carries what was attempted so the unit of work can audit the refusal after it has
    rolled the transaction back (a refusal is recorded even though nothing else is).
    """

    def __init__(
        self,
        message: str,
        *,
        actor_id: int | None = None,
        actor_role: str | None = None,
        action: str = "",
        entity: str = "",
        entity_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.actor_id = actor_id
        self.actor_role = actor_role
        self.action = action
        self.entity = entity
        self.entity_id = entity_id


class InvalidTransition(DomainError):
    """The object is not in a state that allows this move."""


class CapacityExceeded(DomainError):
    """No seat is left on the project."""


class OverBudget(DomainError):
    """A mentor's weekly hours budget would be exceeded."""


class OverCommitted(DomainError):
    """A student's weekly available hours would be exceeded."""


class ValidationFailed(DomainError):
    """Input is malformed; `fields` maps each bad field to what is wrong with it."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> ValidationFailed:
        """Build one error naming every bad field."""
        summary = "; ".join(
            f"{name.replace('_', ' ')}: {problem}" for name, problem in fields.items()
        )
        return cls(f"Please correct: {summary}", fields)


class LoginThrottled(DomainError):
    """Too many failed attempts for this account in the time window."""


class InvalidCredentials(DomainError):
    """The username or password is wrong (never says which)."""


class SessionEnded(DomainError):
    """The login session was revoked, expired or never existed."""
