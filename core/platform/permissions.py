"""Permission guards shared by the services: each refuses with an audited PermissionDenied."""

from __future__ import annotations

from core.models import Role, User
from core.platform.errors import PermissionDenied


def deny(
    actor: User | None, message: str, *, action: str, entity: str, entity_id: int | None
) -> PermissionDenied:
    """Build the refusal for `actor` attempting `action` on an entity (raise the result)."""
    return PermissionDenied(
        message,
        actor_id=actor.id if actor else None,
        actor_role=actor.role.value if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
    )


def ensure_active(actor: User, *, action: str, entity: str, entity_id: int | None = None) -> None:
    """Refuse any action by a deactivated account."""
    if not actor.is_active:
        raise deny(
            actor, "This account is deactivated.", action=action, entity=entity, entity_id=entity_id
        )


def ensure_role(
    actor: User, roles: tuple[Role, ...], *, action: str, entity: str, entity_id: int | None = None
) -> None:
    """Refuse unless the actor is active and holds one of `roles`."""
    ensure_active(actor, action=action, entity=entity, entity_id=entity_id)
    if actor.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise deny(
            actor,
            f"Only {allowed} accounts may do this.",
            action=action,
            entity=entity,
            entity_id=entity_id,
        )


def is_admin(actor: User) -> bool:
    return actor.role is Role.ADMIN


def ensure_self_or_admin(actor: User, user_id: int, *, action: str, what: str) -> None:
    """Refuse unless the actor is active and is the person `user_id`, or an admin."""
    ensure_active(actor, action=action, entity="user", entity_id=user_id)
    if actor.id != user_id and not is_admin(actor):
        raise deny(
            actor,
            f"You may only change your own {what}.",
            action=action,
            entity="user",
            entity_id=user_id,
        )
