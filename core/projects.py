"""Projects: input validation, the lifecycle draft → open → closed → in progress → completed.

Every service takes the caller's session and the acting user, checks permission first, then
validates, then applies the rules; it writes one audit row per state change and notifies the
people concerned, and never commits (the caller owns the transaction).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError, field_validator
from sqlalchemy import and_, func
from sqlmodel import Field, Session, SQLModel, col, delete, select

from core import audit
from core.applications import Actor, approved_matches, can_move, notification_link
from core.commitment import (
    Commitment,
    Overrun,
    describe_mentor_overrun,
    describe_student_overrun,
    first_overrun,
    occupied_weeks,
    project_end,
    week_start,
    weekly_load,
)
from core.errors import (
    InvalidTransition,
    NotFound,
    OverBudget,
    OverCommitted,
    PermissionDenied,
    ValidationFailed,
)
from core.locks import lock_project, lock_rows, lock_user
from core.models import (
    LIVE_PROJECT_STATUSES,
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    MilestoneBlueprint,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Role,
    Tag,
    User,
)
from core.notifications import notify
from core.permissions import deny, ensure_active, ensure_role, is_admin
from core.tags import get_or_create_tags, normalise_tag, tag_problem
from core.text import clean_text, normalise_text, text_problem
from core.types import utcnow
from core.verification import publishing_refusal

ENTITY = "project"
MENTOR_ROLES = (Role.ALUMNI, Role.FACULTY)
MAX_TAGS = 8
MAX_MILESTONES = 10

# ---------------------------------------------------------------------------- transitions

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


# ---------------------------------------------------------------------------- input

_FIELD_HELP: Mapping[str, str] = {
    "title": "must be 5–120 characters",
    "summary": "must not be blank and at most 280 characters",
    "description": "must not be blank and at most 5,000 characters",
    "tags": f"choose 1–{MAX_TAGS} tags",
    "department": "must not be blank and at most 80 characters",
    "mode": "must be remote, hybrid or in person",
    "seats": "must be a whole number from 1 to 10",
    "student_hours": "must be from 1 to 20 hours per week",
    "mentor_hours": "must be from 0.5 to 10 hours per week",
    "duration_weeks": "must be a whole number of weeks from 1 to 12",
    "start_date": "must be a date",
    "deadline": "must be a date on or before the start date",
    "screening_question": "must be at most 500 characters",
    "milestones": f"add 1–{MAX_MILESTONES} milestones, each with a title and a due week",
}
_MILESTONE_HELP: Mapping[str, str] = {
    "title": "must be 1–120 characters",
    "due_week": "must be a whole week number of the project",
}


def _text(value: str, *, min_length: int, max_length: int, multiline: bool = False) -> str:
    stripped = normalise_text(value, multiline=multiline)
    problem = text_problem(
        stripped, min_length=min_length, max_length=max_length, multiline=multiline
    )
    if problem:
        raise ValueError(problem)
    return stripped


_WRONG_TYPE = "is of the wrong type"


def _not_bool(value: Any) -> Any:
    # Pydantic would read True as 1; a checkbox is never a count or an amount of hours.
    if isinstance(value, bool):
        raise ValueError(_WRONG_TYPE)
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(_WRONG_TYPE)
    return value


class MilestoneInput(SQLModel):
    """One expected milestone: a title and the project week it is due in."""

    title: str
    due_week: int = Field(ge=1, le=52)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=120)

    @field_validator("due_week", mode="before")
    @classmethod
    def _due_week_number(cls, value: Any) -> Any:
        return _not_bool(value)


class ProjectInput(SQLModel):
    """The fields a mentor types for a project; shapes and ranges only, no business rules."""

    title: str
    summary: str
    description: str
    tags: list[str]
    department: str
    mode: ProjectMode
    seats: int = Field(ge=1, le=10)
    student_hours: float = Field(ge=1, le=20)
    mentor_hours: float = Field(ge=0.5, le=10)
    duration_weeks: int = Field(ge=1, le=12)
    start_date: date
    deadline: date
    screening_question: str | None = None
    milestones: list[MilestoneInput]

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _text(value, min_length=5, max_length=120)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=280, multiline=True)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=5000, multiline=True)

    @field_validator("department")
    @classmethod
    def _department(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=80)

    @field_validator("screening_question")
    @classmethod
    def _screening_question(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _text(value, min_length=1, max_length=500, multiline=True)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        names: dict[str, None] = {}
        for name in value:
            problem = tag_problem(name)
            if problem:
                raise ValueError(problem)
            names.setdefault(normalise_tag(name), None)
        if not 1 <= len(names) <= MAX_TAGS:
            raise ValueError(f"choose 1–{MAX_TAGS} tags")
        return list(names)

    @field_validator("seats", "duration_weeks", "student_hours", "mentor_hours", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> Any:
        return _not_bool(value)

    @field_validator("student_hours", "mentor_hours")
    @classmethod
    def _finite_hours(cls, value: float) -> float:
        return _finite(value)

    @field_validator("milestones", mode="before")
    @classmethod
    def _milestone_pairs(cls, value: Any) -> Any:
        # Accept (title, due week) pairs as well as mappings.
        if isinstance(value, list | tuple):
            return [
                {"title": item[0], "due_week": item[1]}
                if isinstance(item, tuple) and len(item) == 2
                else item
                for item in value
            ]
        return value

    @field_validator("milestones")
    @classmethod
    def _milestone_count(cls, value: list[MilestoneInput]) -> list[MilestoneInput]:
        if not 1 <= len(value) <= MAX_MILESTONES:
            raise ValueError(f"add 1–{MAX_MILESTONES} milestones")
        return value

    @property
    def end_date(self) -> date:
        return project_end(self.start_date, self.duration_weeks)


def _error_messages(error: ValidationError) -> dict[str, str]:
    """Turn pydantic's errors into one human message per field."""
    fields: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        field = str(loc[0]) if loc else "project"
        if field in fields:
            continue
        custom = str(item["ctx"]["error"]) if item["type"] == "value_error" else None
        if custom == _WRONG_TYPE:
            custom = None
        if field == "milestones" and len(loc) >= 3 and isinstance(loc[1], int):
            part = str(loc[2])
            problem = custom or _MILESTONE_HELP.get(part, "is not valid")
            fields[field] = f"milestone {loc[1] + 1} {part.replace('_', ' ')} {problem}"
        elif field == "milestones" and len(loc) == 2:
            fields[field] = f"milestone {int(loc[1]) + 1} needs a title and a due week"
        else:
            fields[field] = custom or _FIELD_HELP.get(field, "is not valid")
    return fields


def _cross_field_problems(data: ProjectInput) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.deadline > data.start_date:
        problems["deadline"] = "must be on or before the start date"
    for number, milestone in enumerate(data.milestones, start=1):
        if milestone.due_week > data.duration_weeks:
            problems["milestones"] = (
                f"milestone {number} due week must be a week of the project "
                f"(1–{data.duration_weeks})"
            )
            break
    return problems


def parse_project_input(data: ProjectInput | Mapping[str, Any]) -> ProjectInput:
    """Validate raw or prepared project fields; raise ValidationFailed naming every bad field."""
    raw = data.model_dump() if isinstance(data, ProjectInput) else data
    if not isinstance(raw, Mapping):
        raise ValidationFailed.from_fields({"project": "is not a set of project fields"})
    try:
        clean = ProjectInput.model_validate(dict(raw))
    except ValidationError as error:
        raise ValidationFailed.from_fields(_error_messages(error)) from None
    problems = _cross_field_problems(clean)
    if problems:
        raise ValidationFailed.from_fields(problems)
    return clean


# ---------------------------------------------------------------------------- permissions


class ProjectNotVisible(NotFound, PermissionDenied):
    """Someone else's draft: reported as missing, audited as a refused action."""


def _hidden(actor: User, project: Project, action: str) -> ProjectNotVisible:
    return ProjectNotVisible(
        "That project does not exist.",
        actor_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        entity=ENTITY,
        entity_id=project.id,
    )


def _can_see(actor: User, project: Project) -> bool:
    return project.status is not ProjectStatus.DRAFT or can_manage(actor, project)


def can_manage(actor: User, project: Project) -> bool:
    """Return whether the actor may edit and move the project: its mentor or an administrator."""
    return actor.id == project.owner_id or is_admin(actor)


def _ensure_manages(actor: User, project: Project, action: str) -> None:
    """Refuse unless the actor (active) is the project's mentor or an administrator."""
    ensure_active(actor, action=action, entity=ENTITY, entity_id=project.id)
    if can_manage(actor, project):
        return
    if not _can_see(actor, project):
        raise _hidden(actor, project, action)
    raise deny(
        actor,
        "Only the project's mentor or an administrator may do this.",
        action=action,
        entity=ENTITY,
        entity_id=project.id,
    )


# ---------------------------------------------------------------------------- helpers

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


# ---------------------------------------------------------------------------- load and budget


def _live_commitments(
    session: Session,
    mentor_id: int,
    *,
    exclude_project_id: int | None = None,
    first_week: date | None = None,
    last_day: date | None = None,
) -> list[Commitment]:
    statement = select(
        col(Project.start_date), col(Project.end_date), col(Project.mentor_hours)
    ).where(Project.owner_id == mentor_id, col(Project.status).in_(LIVE_PROJECT_STATUSES))
    if exclude_project_id is not None:
        statement = statement.where(Project.id != exclude_project_id)
    if first_week is not None:
        statement = statement.where(Project.end_date >= first_week)
    if last_day is not None:
        statement = statement.where(Project.start_date <= last_day)
    return [Commitment(start, end, hours) for start, end, hours in session.exec(statement)]


def mentor_weekly_load(
    session: Session,
    *,
    mentor_id: int,
    weeks: list[date] | None = None,
    extra: Commitment | None = None,
    exclude_project_id: int | None = None,
) -> dict[date, float]:
    """Return a mentor's hours per ISO week (Monday → hours) from live projects, plus `extra`.

    With `weeks`, every one of those weeks is returned (0 when free); otherwise every week
    that holds any load. `exclude_project_id` leaves out a project being edited.
    """
    mondays = sorted({week_start(day) for day in weeks}) if weeks else []
    commitments = _live_commitments(
        session,
        mentor_id,
        exclude_project_id=exclude_project_id,
        first_week=mondays[0] if mondays else None,
        last_day=mondays[-1] + timedelta(days=6) if mondays else None,
    )
    if extra is not None:
        commitments.append(extra)
    load = weekly_load(commitments)
    if weeks is not None:
        return {monday: load.get(monday, 0.0) for monday in mondays}
    return dict(sorted(load.items()))


def check_mentor_budget(
    session: Session,
    *,
    mentor: User,
    project_commitment: Commitment,
    exclude_project_id: int | None = None,
) -> Overrun | None:
    """Return the first week a new commitment would push the mentor over budget, or None."""
    assert mentor.id is not None
    first_week = week_start(project_commitment.start)
    last_day = week_start(project_commitment.end) + timedelta(days=6)
    existing = _live_commitments(
        session,
        mentor.id,
        exclude_project_id=exclude_project_id,
        first_week=first_week,
        last_day=last_day,
    )
    return first_overrun(existing, project_commitment, mentor.weekly_hours)


# Weeks shown either side of a project's own weeks in the budget preview.
PREVIEW_MARGIN_WEEKS = 2


@dataclass(frozen=True)
class BudgetPreview:
    """A mentor's weekly load with one project's hours and dates, against their weekly budget."""

    weeks: list[date]  # Mondays: the project's weeks and a margin either side
    committed: dict[date, float]  # hours per week from the mentor's other live projects
    adding: dict[date, float]  # this project's hours in each of its weeks
    budget: float  # the mentor's weekly budget
    overrun: Overrun | None  # the first week publishing or saving would be refused for

    @property
    def peak(self) -> float:
        """Return the busiest of the project's weeks, with the project counted."""
        return max((self.committed.get(w, 0.0) + h for w, h in self.adding.items()), default=0.0)


def budget_preview(
    session: Session,
    *,
    actor: User,
    start: date,
    duration_weeks: int,
    mentor_hours: float,
    project_id: int | None = None,
) -> BudgetPreview:
    """Return the load-vs-budget preview of a new draft or of an edit to `project_id`.

    The load is the project's mentor's (the actor's, for a new draft): an administrator editing
    someone's project sees that mentor's budget, as the check on publishing and saving uses.
    """
    action = "project.preview"
    if project_id is None:
        ensure_role(actor, MENTOR_ROLES, action=action, entity=ENTITY)
        mentor: User | None = actor
    else:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound("That project does not exist.")
        _ensure_manages(actor, project, action)
        mentor = session.get(User, project.owner_id)
    assert mentor is not None and mentor.id is not None
    commitment = Commitment(start, project_end(start, duration_weeks), mentor_hours)
    margin = timedelta(weeks=PREVIEW_MARGIN_WEEKS)
    weeks = occupied_weeks(commitment.start - margin, commitment.end + margin)
    others = mentor_weekly_load(
        session, mentor_id=mentor.id, weeks=weeks, exclude_project_id=project_id
    )
    return BudgetPreview(
        weeks=weeks,
        committed=others,
        adding={monday: mentor_hours for monday in commitment.weeks},
        budget=mentor.weekly_hours,
        overrun=check_mentor_budget(
            session, mentor=mentor, project_commitment=commitment, exclude_project_id=project_id
        ),
    )


# ---------------------------------------------------------------------------- services


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


def publish_project(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> Project:
    """Open a draft for applications, if its dates are ahead and the mentor has the hours."""
    action = "project.publish"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.OPEN)
    owner = session.get(User, project.owner_id)
    refusal = publishing_refusal(owner) if owner is not None else None
    if refusal:
        raise InvalidTransition(refusal)
    problems = _date_problems(project, today or date.today())
    if problems:
        raise ValidationFailed.from_fields(problems)
    _ensure_budget(
        session,
        owner_id=project.owner_id,
        commitment=mentor_commitment(project),
        exclude_project_id=project.id,
    )
    before = _move(project, ProjectStatus.OPEN)
    project.published_at = utcnow()
    session.add(project)
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session,
        project,
        actor,
        "project.published",
        f"An administrator published “{project.title}”.",
    )
    session.flush()
    return project


def expire_open_applications(
    session: Session,
    project: Project,
    actor: User | None,
    *,
    include_accepted: bool = False,
    reason: str = "the project no longer takes applications",
) -> list[Application]:
    """Expire a project's pending applications (and accepted ones too when asked); notify."""
    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED]
    if include_accepted:
        statuses.append(ApplicationStatus.ACCEPTED)
    statement = (
        select(Application)
        .where(Application.project_id == project.id, col(Application.status).in_(statuses))
        .order_by(col(Application.id))
        .with_for_update(key_share=True)
    )
    expired = list(session.exec(statement))
    now = utcnow()
    freed = 0
    for application in expired:
        before = application.status
        # The state table must allow it (an accepted seat lapses only when a project is cancelled).
        assert can_move(before, ApplicationStatus.EXPIRED, Actor.SYSTEM)
        freed += before is ApplicationStatus.ACCEPTED
        application.status = ApplicationStatus.EXPIRED
        application.reason = reason[:500]
        application.updated_at = now
        session.add(application)
        audit.record(
            session,
            actor=actor,
            action="application.expire",
            entity="application",
            entity_id=application.id,
            before={"status": before.value},
            after={"status": application.status.value},
            detail=reason,
        )
        notify(
            session,
            user_id=application.student_id,
            kind="application.expired",
            text=f"Your application to “{project.title}” has expired: {reason}.",
            link=_link(project),
        )
    if freed:
        project.filled = max(0, project.filled - freed)
        session.add(project)
    session.flush()
    return expired


def _end_running_matches(session: Session, project: Project, actor: User, *, reason: str) -> None:
    """End a cancelled project's approved matches early, freeing the students' hours."""
    matches = list(
        session.exec(
            select(Application)
            .where(
                Application.project_id == project.id,
                Application.status == ApplicationStatus.APPROVED,
            )
            .order_by(col(Application.id))
            .with_for_update(key_share=True)
        )
    )
    for match in matches:
        assert can_move(match.status, ApplicationStatus.ENDED_EARLY, Actor.SYSTEM)
        match.status = ApplicationStatus.ENDED_EARLY
        match.reason = reason[:500]
        match.updated_at = utcnow()
        session.add(match)
        audit.record(
            session,
            actor=actor,
            action="application.end_early",
            entity="application",
            entity_id=match.id,
            before={"status": ApplicationStatus.APPROVED.value},
            after={"status": ApplicationStatus.ENDED_EARLY.value},
            detail=reason,
        )
        notify(
            session,
            user_id=match.student_id,
            kind="application.ended_early",
            text=f"Your match on “{project.title}” has ended: {reason}. "
            "Your hours in its weeks are free again.",
            link=notification_link(match, match.student_id),
        )
    if matches:
        project.filled = max(0, project.filled - len(matches))
        session.add(project)
        session.flush()


def close_project(session: Session, *, actor: User, project_id: int) -> Project:
    """Stop taking applications; pending ones expire and their students are told."""
    action = "project.close"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.CLOSED)
    before = _move(project, ProjectStatus.CLOSED)
    session.add(project)
    expire_open_applications(
        session, project, actor, reason="the project was closed to new applications"
    )
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session, project, actor, "project.closed", f"An administrator closed “{project.title}”."
    )
    return project


def cancel_project(
    session: Session, *, actor: User, project_id: int, reason: str | None = None
) -> Project:
    """Cancel a project before completion; open applications expire and students are told."""
    action = "project.cancel"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    reason = clean_text(reason, "reason", max_length=500, min_length=0, multiline=True) or None
    _ensure_move(project, ProjectStatus.CANCELLED)
    if reason is None and _student_ids(session, project_id, [ApplicationStatus.APPROVED]):
        raise ValidationFailed.from_fields(
            {"reason": "is required while matches run: their students will read it"}
        )
    before = _move(project, ProjectStatus.CANCELLED)
    session.add(project)
    because = f"the project was cancelled ({reason})" if reason else "the project was cancelled"
    expire_open_applications(session, project, actor, include_accepted=True, reason=because)
    _end_running_matches(session, project, actor, reason=f"the project was cancelled: {reason}")
    _record_move(session, actor=actor, project=project, action=action, before=before, detail=reason)
    _tell_owner(
        session,
        project,
        actor,
        "project.cancelled",
        f"An administrator cancelled “{project.title}”" + (f": {reason}" if reason else "."),
    )
    return project


def start_project(session: Session, *, actor: User, project_id: int) -> Project:
    """Mark an open or closed project as in progress; pending applications expire."""
    action = "project.start"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.IN_PROGRESS)
    before = _move(project, ProjectStatus.IN_PROGRESS)
    session.add(project)
    if before is ProjectStatus.OPEN:
        expire_open_applications(session, project, actor, reason="the project has started")
    _tell_students(
        session,
        project,
        [ApplicationStatus.APPROVED],
        "project.started",
        f"“{project.title}” has started.",
    )
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session, project, actor, "project.started", f"An administrator started “{project.title}”."
    )
    return project


def complete_project(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> Project:
    """Mark a project in progress as completed, at or after its end date."""
    action = "project.complete"
    project = lock_project(session, project_id)
    _ensure_manages(actor, project, action)
    _ensure_move(project, ProjectStatus.COMPLETED)
    if (today or date.today()) < project.end_date:
        raise InvalidTransition(
            f"This project runs until {project.end_date:%d %b %Y}; "
            "it can be completed from that day on."
        )
    before = _move(project, ProjectStatus.COMPLETED)
    session.add(project)
    _tell_students(
        session,
        project,
        [ApplicationStatus.APPROVED],
        "project.completed",
        f"“{project.title}” is completed. Please leave your feedback.",
    )
    _record_move(session, actor=actor, project=project, action=action, before=before)
    _tell_owner(
        session,
        project,
        actor,
        "project.completed",
        f"An administrator completed “{project.title}”.",
    )
    return project


# ---------------------------------------------------------------------------- reads


def get_project(session: Session, *, actor: User, project_id: int) -> Project:
    """Return a project; someone else's draft is reported as missing (and audited)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("That project does not exist.")
    if not _can_see(actor, project):
        raise _hidden(actor, project, "project.view")
    return project


@dataclass(frozen=True)
class MyProjectRow:
    """One line of a mentor's project list, with its seat and applicant counts."""

    id: int
    title: str
    status: ProjectStatus
    seats: int
    filled: int
    waiting: int
    start_date: date
    end_date: date
    deadline: date
    mentor_hours: float


def list_my_projects(session: Session, *, actor: User) -> list[MyProjectRow]:
    """Return the actor's projects, newest first, with applicants waiting (one query)."""
    waiting = func.count(col(Application.id))
    statement = (
        select(Project, waiting)
        .outerjoin(
            Application,
            and_(
                col(Application.project_id) == col(Project.id),
                col(Application.status) == ApplicationStatus.SUBMITTED,
            ),
        )
        .where(col(Project.owner_id) == actor.id)
        .group_by(col(Project.id))
        .order_by(col(Project.created_at).desc(), col(Project.id).desc())
    )
    return [
        MyProjectRow(
            id=project.id or 0,
            title=project.title,
            status=project.status,
            seats=project.seats,
            filled=project.filled,
            waiting=int(count),
            start_date=project.start_date,
            end_date=project.end_date,
            deadline=project.deadline,
            mentor_hours=project.mentor_hours,
        )
        for project, count in session.exec(statement)
    ]


def project_tags(session: Session, project_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the tag names of several projects in one query (every id present)."""
    ids = list(dict.fromkeys(project_ids))
    found: dict[int, list[str]] = {project_id: [] for project_id in ids}
    if not ids:
        return found
    statement = (
        select(ProjectTag.project_id, Tag.name)
        .join(Tag, col(Tag.id) == col(ProjectTag.tag_id))
        .where(col(ProjectTag.project_id).in_(ids))
        .order_by(col(ProjectTag.project_id), col(Tag.name))
    )
    for project_id, name in session.exec(statement):
        found[project_id].append(name)
    return found


def milestone_blueprint(session: Session, project_id: int) -> list[MilestoneBlueprint]:
    """Return a project's expected milestones in order."""
    statement = (
        select(MilestoneBlueprint)
        .where(MilestoneBlueprint.project_id == project_id)
        .order_by(col(MilestoneBlueprint.position))
    )
    return list(session.exec(statement))
