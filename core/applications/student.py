"""The student's moves: apply (with the warnings shown first) and withdraw."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.applications.common import (
    _ensure_move,
    _free_seat,
    _get_application,
    _get_project,
    _move,
    _name,
    _tell,
)
from core.applications.guards import _ensure_applicant
from core.applications.loads import _check_hours, _span, approved_commitments
from core.applications.rules import (
    ANSWER_MAX,
    PENDING_STATUSES,
    STATEMENT_MAX,
    STATEMENT_MIN,
    Actor,
)
from core.applications.system import promote_waitlist
from core.commitment import Commitment, first_overrun, week_name
from core.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform import audit
from core.platform.errors import InvalidTransition, NotFound, ValidationFailed
from core.platform.locks import lock_project, lock_seat_release, lock_user
from core.platform.permissions import ensure_role
from core.platform.text import character_problem, field_problem, normalise_text
from core.platform.wording import counted, hours

S = ApplicationStatus


def _statement_problems(project: Project, statement: str, answer: str | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    text = normalise_text(statement if isinstance(statement, str) else "", multiline=True)
    problem = character_problem(text, multiline=True)
    if problem:
        problems["statement"] = problem
    elif not STATEMENT_MIN <= len(text) <= STATEMENT_MAX:
        problems["statement"] = (
            f"must be {STATEMENT_MIN}–{STATEMENT_MAX} characters (now {len(text)})"
        )
    if project.screening_question:
        problem = field_problem(answer, max_length=ANSWER_MAX, multiline=True)
        if problem:
            problems["screening_answer"] = (
                f"please answer the screening question (1–{ANSWER_MAX} characters)"
                if problem == "is required" or problem.startswith("must be at most")
                else problem
            )
    return problems


def _live_application(session: Session, student_id: int, project_id: int) -> Application | None:
    return session.exec(
        select(Application).where(
            Application.student_id == student_id,
            Application.project_id == project_id,
            col(Application.status).in_(LIVE_STATUSES),
        )
    ).first()


def apply(
    session: Session,
    *,
    actor: User,
    project_id: int,
    statement: str,
    screening_answer: str | None = None,
    today: date | None = None,
) -> Application:
    """Submit the actor's application to an open project."""
    ensure_role(
        actor, (Role.STUDENT,), action="application.apply", entity="project", entity_id=project_id
    )
    assert actor.id is not None
    project = session.get(Project, project_id)
    if project is None or project.status is ProjectStatus.DRAFT:
        raise NotFound("That project does not exist.")
    problems = _statement_problems(project, statement, screening_answer)
    if problems:
        raise ValidationFailed.from_fields(problems)
    # The project (shared: applicants do not queue behind each other) and then the student's
    # row, as an approval takes them: the hours checked below cannot change before we commit,
    # and an approval committing first is seen here, or sees this application.
    project = lock_project(session, project_id, shared=True)
    actor = lock_user(session, actor.id)
    assert actor.id is not None
    problems = _statement_problems(project, statement, screening_answer)
    if problems:
        raise ValidationFailed.from_fields(problems)
    today = today or date.today()
    if project.status is not ProjectStatus.OPEN:
        raise InvalidTransition("This project is not taking applications.")
    if today > project.deadline:
        raise InvalidTransition(
            f"Applications for this project closed on {project.deadline:%d %b %Y}."
        )
    existing = _live_application(session, actor.id, project_id)
    if existing is not None:
        raise InvalidTransition(
            f"You already have a live application to this project ({existing.status.value}); "
            "withdraw it before applying again."
        )
    _check_hours(session, actor, project)
    application = Application(
        project_id=project_id,
        student_id=actor.id,
        statement=normalise_text(statement, multiline=True),
        screening_answer=normalise_text(screening_answer or "", multiline=True) or None
        if project.screening_question
        else None,
    )
    session.add(application)
    try:
        session.flush()
    except IntegrityError as error:
        raise InvalidTransition(
            "You already have a live application to this project; "
            "withdraw it before applying again."
        ) from error
    audit.record(
        session,
        actor=actor,
        action="application.apply",
        entity="application",
        entity_id=application.id,
        before=None,
        after={"status": S.SUBMITTED.value},
    )
    _tell(
        session,
        application,
        [project.owner_id],
        "submitted",
        f"{_name(actor, S.SUBMITTED)} applied to “{project.title}”.",
    )
    return application


def apply_warnings(session: Session, *, actor: User, project_id: int) -> list[str]:
    """Warn when the actor's pending applications plus this project would overrun a week."""
    assert actor.id is not None
    project = _get_project(session, project_id)
    rows = session.exec(
        select(col(Project.start_date), col(Project.end_date), col(Project.student_hours))
        .join(Application, col(Application.project_id) == Project.id)
        .where(
            Application.student_id == actor.id,
            col(Application.status).in_(PENDING_STATUSES),
            Application.project_id != project_id,
        )
    ).all()
    if not rows:
        return []
    pending = [Commitment(start, end, weekly) for start, end, weekly in rows]
    approved = approved_commitments(session, [actor.id])[actor.id]
    overrun = first_overrun([*approved, *pending], _span(project), actor.weekly_hours)
    if overrun is None:
        return []
    one = len(pending) == 1
    return [
        f"If your {counted(len(pending), 'pending application')} "
        f"{'was' if one else 'were all'} approved, week "
        f"{week_name(overrun.week)} would need {hours(overrun.total)} hours, over your "
        f"{hours(overrun.limit)} available hours per week. Approval of one may withdraw the "
        f"{'other' if one else 'others'}."
    ]


def withdraw(session: Session, *, actor: User, application_id: int) -> Application:
    """Withdraw the actor's own live application (before it becomes a match)."""
    action = "application.withdraw"
    application = _get_application(session, application_id)
    _ensure_applicant(actor, application, action=action)
    _ensure_move(application, S.WITHDRAWN, Actor.STUDENT)
    held = lock_seat_release(
        session, project_ids=[application.project_id], application_ids=[application_id]
    )
    project = held.projects[application.project_id]
    application = held.applications[application_id]
    _ensure_move(application, S.WITHDRAWN, Actor.STUDENT)
    held_seat = application.status is S.ACCEPTED
    _move(session, application, S.WITHDRAWN, actor=actor, action="withdraw")
    _tell(
        session,
        application,
        [project.owner_id],
        "withdrawn",
        f"{_name(actor, S.WITHDRAWN)} withdrew their application to “{project.title}”.",
    )
    if held_seat:
        _free_seat(session, project)
        session.flush()
        promote_waitlist(session, project=project)
    return application
