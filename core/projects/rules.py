"""The project lifecycle's state table and how a refused move is worded."""

from __future__ import annotations

from collections.abc import Mapping

from core.models import LIVE_PROJECT_STATUSES, Project, ProjectStatus
from core.platform.errors import InvalidTransition

PROJECT_TRANSITIONS: Mapping[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.DRAFT: frozenset({ProjectStatus.OPEN, ProjectStatus.CANCELLED}),
    ProjectStatus.OPEN: frozenset(
        {ProjectStatus.CLOSED, ProjectStatus.IN_PROGRESS, ProjectStatus.CANCELLED}
    ),
    ProjectStatus.CLOSED: frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.CANCELLED}),
    ProjectStatus.IN_PROGRESS: frozenset({ProjectStatus.COMPLETED, ProjectStatus.CANCELLED}),
    ProjectStatus.COMPLETED: frozenset(),
    ProjectStatus.CANCELLED: frozenset(),
}
# Projects whose fields may still be edited.
EDITABLE_STATUSES = (ProjectStatus.DRAFT, *LIVE_PROJECT_STATUSES)

# For each move: the wording of the states it starts from, and the verb in the past participle.
_MOVE_WORDING: Mapping[ProjectStatus, tuple[str, str]] = {
    ProjectStatus.OPEN: ("a draft", "published"),
    ProjectStatus.CLOSED: ("an open project", "closed"),
    ProjectStatus.IN_PROGRESS: ("an open or closed project", "started"),
    ProjectStatus.COMPLETED: ("a project in progress", "completed"),
    ProjectStatus.CANCELLED: ("a project that is not yet completed", "cancelled"),
}


def can_move_project(from_status: ProjectStatus, to_status: ProjectStatus) -> bool:
    """Return whether a project may move from one status to another."""
    return to_status in PROJECT_TRANSITIONS.get(from_status, frozenset())


def status_label(status: ProjectStatus) -> str:
    """Return a status as people read it, e.g. `in progress`."""
    return status.value.replace("_", " ")


def transition_refusal(from_status: ProjectStatus, to_status: ProjectStatus) -> str:
    """Explain why a project cannot move, e.g. `Only a draft can be published; …`."""
    allowed_from, verb = _MOVE_WORDING.get(to_status, ("", "moved"))
    if to_status is ProjectStatus.CANCELLED:
        return f"A {status_label(from_status)} project can no longer be cancelled."
    sentence = f"Only {allowed_from} can be {verb}" if allowed_from else "This move is not allowed"
    return f"{sentence}; this project is {status_label(from_status)}."


def _ensure_move(project: Project, to_status: ProjectStatus) -> None:
    if not can_move_project(project.status, to_status):
        raise InvalidTransition(transition_refusal(project.status, to_status))
