"""Creating and editing projects, with the checks that keep matched students' hours fitting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session, col, delete, select

from core.applications.loads import approved_matches
from core.commitment import (
    Commitment,
    describe_mentor_overrun,
    describe_student_overrun,
    first_overrun,
)
from core.models import (
    LIVE_PROJECT_STATUSES,
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    Project,
    ProjectStatus,
    ProjectTag,
    User,
)
from core.platform import audit
from core.platform.errors import InvalidTransition, OverBudget, OverCommitted, ValidationFailed
from core.platform.locks import lock_project, lock_rows, lock_user
from core.platform.notifications import notify
from core.platform.permissions import ensure_role
from core.platform.types import utcnow
from core.projects.guards import ENTITY, MENTOR_ROLES, _ensure_manages
from core.projects.input import MilestoneInput, ProjectInput, parse_project_input
from core.projects.load import check_mentor_budget
from core.projects.reads import milestone_blueprint
from core.projects.rules import EDITABLE_STATUSES, status_label
from core.projects.tags import get_or_create_tags, project_tags

_SNAPSHOT_FIELDS = (
    "title",
    "summary",
    "description",
    "department",
    "mode",
    "seats",
    "student_hours",
    "mentor_hours",
    "duration_weeks",
    "start_date",
    "end_date",
    "deadline",
    "screening_question",
)
_SCHEDULE_FIELDS = ("mentor_hours", "student_hours", "start_date", "end_date", "deadline")


def _snapshot(project: Project, fields: Iterable[str] = _SNAPSHOT_FIELDS) -> dict[str, Any]:
    return {name: getattr(project, name) for name in fields}


def mentor_commitment(project: Project) -> Commitment:
    """Return the mentor's side of a project: its span and mentor hours per week."""
    return Commitment(project.start_date, project.end_date, project.mentor_hours)


def _input_values(data: ProjectInput) -> dict[str, Any]:
    values = data.model_dump(exclude={"tags", "milestones"})
    values["end_date"] = data.end_date
    return values


def _write_tags(session: Session, project_id: int, names: Sequence[str]) -> None:
    tags = get_or_create_tags(session, names)
    session.exec(delete(ProjectTag).where(col(ProjectTag.project_id) == project_id))
    session.add_all(ProjectTag(project_id=project_id, tag_id=tag.id) for tag in tags if tag.id)


def _write_milestones(session: Session, project_id: int, items: Sequence[MilestoneInput]) -> None:
    session.exec(delete(MilestoneBlueprint).where(col(MilestoneBlueprint.project_id) == project_id))
    session.add_all(
        MilestoneBlueprint(
            project_id=project_id, position=position, title=item.title, due_week=item.due_week
        )
        for position, item in enumerate(items, start=1)
    )


def _milestone_pairs(session: Session, project_id: int) -> list[tuple[str, int]]:
    return [(item.title, item.due_week) for item in milestone_blueprint(session, project_id)]


def _tell_owner(session: Session, project: Project, actor: User, kind: str, text: str) -> None:
    """Notify the project's mentor of a change someone else (an administrator) made."""
    if actor.id != project.owner_id:
        notify(session, user_id=project.owner_id, kind=kind, text=text, link=_link(project))


def _link(project: Project) -> str:
    return f"project:{project.id}"


def _student_ids(
    session: Session, project_id: int, statuses: Sequence[ApplicationStatus]
) -> list[int]:
    statement = (
        select(Application.student_id)
        .where(Application.project_id == project_id, col(Application.status).in_(statuses))
        .distinct()
    )
    return list(session.exec(statement))


def _tell_students(
    session: Session,
    project: Project,
    statuses: Sequence[ApplicationStatus],
    kind: str,
    text: str,
) -> None:
    for student_id in _student_ids(session, project.id or 0, statuses):
        notify(session, user_id=student_id, kind=kind, text=text, link=_link(project))


def _record_move(
    session: Session,
    *,
    actor: User,
    project: Project,
    action: str,
    before: ProjectStatus,
    detail: str | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_id=project.id,
        before={"status": before.value},
        after={"status": project.status.value},
        detail=detail,
    )


def _move(project: Project, to_status: ProjectStatus) -> ProjectStatus:
    before = project.status
    project.status = to_status
    project.updated_at = utcnow()
    return before


def _date_problems(
    data: ProjectInput | Project, today: date, *, start: bool = True, deadline: bool = True
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if start and data.start_date < today:
        problems["start_date"] = "must be today or later for an open project"
    if deadline and data.deadline < today:
        problems["deadline"] = "must be today or later for an open project"
    return problems


def _ensure_budget(
    session: Session, *, owner_id: int, commitment: Commitment, exclude_project_id: int | None
) -> None:
    # Lock the mentor's row first, so concurrent publishes and edits check one after another.
    owner = lock_user(session, owner_id)
    overrun = check_mentor_budget(
        session, mentor=owner, project_commitment=commitment, exclude_project_id=exclude_project_id
    )
    if overrun is not None:
        raise OverBudget(describe_mentor_overrun(overrun))


def _ensure_matches_fit(session: Session, project: Project, clean: ProjectInput) -> None:
    """Refuse new hours or dates that a matched student's available hours cannot hold."""
    matched = list(
        session.exec(
            select(Application.student_id).where(
                Application.project_id == project.id,
                Application.status == ApplicationStatus.APPROVED,
            )
        )
    )
    if not matched:
        return
    # The owner and the matched students in one statement, in id order (the global lock
    # order), as approvals lock students: nobody's hours change under this check.
    students = lock_rows(session, user_ids=[project.owner_id, *matched]).users
    span = Commitment(clean.start_date, clean.end_date, clean.student_hours)
    for student_id, matches in sorted(approved_matches(session, matched).items()):
        others = [commitment for pid, commitment in matches if pid != project.id]
        student = students[student_id]
        overrun = first_overrun(others, span, student.weekly_hours)
        if overrun is not None:
            raise OverCommitted(
                f"This change does not fit the match of {student.display_name}: "
                f"{describe_student_overrun(overrun)} End that match first, or keep the "
                "hours and dates."
            )


def create_project(
    session: Session, *, actor: User, data: ProjectInput | Mapping[str, Any]
) -> Project:
    """Create a draft project owned by the acting alumnus or professor."""
    action = "project.create"
    ensure_role(actor, MENTOR_ROLES, action=action, entity=ENTITY)
    clean = parse_project_input(data)
    assert actor.id is not None
    project = Project(owner_id=actor.id, status=ProjectStatus.DRAFT, **_input_values(clean))
    session.add(project)
    session.flush()
    assert project.id is not None
    _write_tags(session, project.id, clean.tags)
    _write_milestones(session, project.id, clean.milestones)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_id=project.id,
        after={**_snapshot(project), "status": project.status.value, "tags": clean.tags},
    )
    return project


def update_project(
    session: Session,
    *,
    actor: User,
    project_id: int,
    data: ProjectInput | Mapping[str, Any],
    today: date | None = None,
) -> Project:
    """Edit a project; for a live one, new hours or dates are checked against the budget."""
    action = "project.update"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    clean = parse_project_input(data)
    if project.status not in EDITABLE_STATUSES:
        raise InvalidTransition(
            f"A {status_label(project.status)} project can no longer be edited."
        )
    if clean.seats < project.filled:
        raise ValidationFailed.from_fields(
            {"seats": f"cannot be fewer than the {project.filled} places already taken"}
        )
    values = _input_values(clean)
    before = _snapshot(project)
    changed = [name for name in _SNAPSHOT_FIELDS if before[name] != values[name]]
    live = project.status in LIVE_PROJECT_STATUSES
    schedule_changed = any(name in changed for name in _SCHEDULE_FIELDS)
    if project.status is ProjectStatus.OPEN:
        problems = _date_problems(
            clean,
            today or date.today(),
            start="start_date" in changed,
            deadline="deadline" in changed,
        )
        if problems:
            raise ValidationFailed.from_fields(problems)
    if live and any(name in changed for name in ("student_hours", "start_date", "end_date")):
        _ensure_matches_fit(session, project, clean)
    if live and any(name in changed for name in ("mentor_hours", "start_date", "end_date")):
        _ensure_budget(
            session,
            owner_id=project.owner_id,
            commitment=Commitment(clean.start_date, clean.end_date, clean.mentor_hours),
            exclude_project_id=project.id,
        )
    old_tags = project_tags(session, [project_id])[project_id]
    old_milestones = _milestone_pairs(session, project_id)
    new_milestones = [(item.title, item.due_week) for item in clean.milestones]
    if old_tags != sorted(clean.tags):
        _write_tags(session, project_id, clean.tags)
        changed.append("tags")
        before["tags"] = old_tags
        values["tags"] = sorted(clean.tags)
    if old_milestones != new_milestones:
        _write_milestones(session, project_id, clean.milestones)
        changed.append("milestones")
        before["milestones"] = old_milestones
        values["milestones"] = new_milestones
    if not changed:
        return project
    for name in _SNAPSHOT_FIELDS:
        setattr(project, name, values[name])
    project.updated_at = utcnow()
    session.add(project)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_id=project.id,
        before={name: before[name] for name in changed},
        after={name: values[name] for name in changed},
    )
    if live and schedule_changed:
        _tell_students(
            session,
            project,
            LIVE_STATUSES,
            "project.changed",
            f"The hours or dates of “{project.title}” changed; please check they still suit you.",
        )
    _tell_owner(
        session, project, actor, "project.changed", f"An administrator edited “{project.title}”."
    )
    return project
