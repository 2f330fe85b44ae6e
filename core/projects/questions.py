"""Questions before applying: a student asks a project's mentor, the mentor answers, and the
answer is published on the project page (never naming the asker) or kept for the asker only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from core.models import Project, ProjectQuestion, ProjectStatus, Role, User
from core.platform import audit
from core.platform.errors import DomainError, InvalidTransition, NotFound
from core.platform.locks import lock_project, lock_user
from core.platform.notifications import notify
from core.platform.permissions import deny, ensure_active, ensure_role
from core.platform.text import clean_text
from core.platform.types import utcnow
from core.projects.guards import MENTOR_ROLES, _ensure_manages, can_manage
from core.projects.reads import get_project

ENTITY = "project_question"
QUESTION_MAX = 500
ANSWER_MAX = 2000
# Against spam: unanswered questions one student may have on one project, and questions one
# student may ask in any 24 hours, over every project.
OPEN_QUESTIONS_LIMIT = 3
DAILY_QUESTIONS_LIMIT = 10
DAY = timedelta(hours=24)
# How many questions a mentor's screen lists at most (unanswered ones first).
MENTOR_LIST_LIMIT = 200
# How many published answers a project page shows at most (newest first).
PUBLIC_LIST_LIMIT = 50


class TooManyQuestions(DomainError):
    """The student has asked as many questions as the limits allow for now."""


def questions_link(project_id: int) -> str:
    """Return the notification link to a project's questions on the mentor's screen."""
    return f"questions:{project_id}"


# ---------------------------------------------------------------------------- guards


def taking_questions(project: Project, today: date) -> str | None:
    """Return why the project takes no questions now, or None when it does."""
    if project.status is not ProjectStatus.OPEN:
        return "Questions can only be asked while a project is open for applications."
    if today > project.deadline:
        return (
            f"Applications for this project closed on {project.deadline:%d %b %Y}, "
            "so it takes no more questions."
        )
    return None


def can_ask_question(actor: User, project: Project, *, today: date | None = None) -> bool:
    """Return whether the actor may ask the project's mentor a question now (limits aside)."""
    return (
        actor.is_active
        and actor.role is Role.STUDENT
        and taking_questions(project, today or date.today()) is None
    )


def can_answer_question(actor: User, project: Project) -> bool:
    """Return whether the actor may answer questions on the project: its mentor or an admin."""
    return actor.is_active and can_manage(actor, project)


def ensure_can_ask(actor: User, project_id: int) -> None:
    """Refuse (audited) unless the actor is an active student."""
    ensure_role(
        actor,
        (Role.STUDENT,),
        action="project_question.ask",
        entity="project",
        entity_id=project_id,
    )


def ensure_can_answer(actor: User, project: Project) -> None:
    """Refuse (audited) unless the actor is the project's mentor or an administrator."""
    _ensure_manages(actor, project, "project_question.answer")


# ---------------------------------------------------------------------------- writes


def _counts(session: Session, asker_id: int, project_id: int) -> tuple[int, int]:
    """Return the asker's unanswered questions on the project and their questions of 24 h."""
    since = utcnow() - DAY
    row = session.execute(
        sa.select(
            func.count().filter(
                col(ProjectQuestion.project_id) == project_id,
                col(ProjectQuestion.answered_at).is_(None),
            ),
            func.count().filter(col(ProjectQuestion.asked_at) >= since),
        ).where(col(ProjectQuestion.asker_id) == asker_id)
    ).one()
    return int(row[0]), int(row[1])


def ask_question(
    session: Session, *, actor: User, project_id: int, text: str, today: date | None = None
) -> ProjectQuestion:
    """Ask the mentor of an open project a question (the mentor is notified)."""
    ensure_can_ask(actor, project_id)
    assert actor.id is not None
    project = session.get(Project, project_id)
    if project is None or project.status is ProjectStatus.DRAFT:
        raise NotFound("That project does not exist.")
    question = clean_text(text, "question", max_length=QUESTION_MAX, multiline=True)
    # The project (shared, as applying takes it) and then the student: a close cannot slip in
    # between the check and the insert, and two tabs of one student count each other.
    project = lock_project(session, project_id, shared=True)
    lock_user(session, actor.id)
    why_not = taking_questions(project, today or date.today())
    if why_not:
        raise InvalidTransition(why_not)
    unanswered, today_count = _counts(session, actor.id, project_id)
    if unanswered >= OPEN_QUESTIONS_LIMIT:
        raise TooManyQuestions(
            f"You already have {unanswered} unanswered questions on this project. Please wait "
            "for the mentor to answer one before asking another."
        )
    if today_count >= DAILY_QUESTIONS_LIMIT:
        raise TooManyQuestions(
            f"You have asked {today_count} questions in the last 24 hours, the most allowed. "
            "Please try again tomorrow."
        )
    row = ProjectQuestion(project_id=project_id, asker_id=actor.id, text=question)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="project_question.ask",
        entity=ENTITY,
        entity_id=row.id,
        after={"project_id": project_id, "length": len(question)},
    )
    notify(
        session,
        user_id=project.owner_id,
        kind="question.asked",
        text=f"A student asked a question about “{project.title}”.",
        link=questions_link(project_id),
    )
    return row


def answer_question(
    session: Session, *, actor: User, question_id: int, answer: str, public: bool = True
) -> ProjectQuestion:
    """Answer a question on the actor's project (or change the answer and its visibility)."""
    action = "project_question.answer"
    ensure_active(actor, action=action, entity=ENTITY, entity_id=question_id)
    found = session.get(ProjectQuestion, question_id)
    project = session.get(Project, found.project_id) if found is not None else None
    if found is None or project is None:
        raise NotFound("That question does not exist.")
    ensure_can_answer(actor, project)
    text = clean_text(answer, "answer", max_length=ANSWER_MAX, multiline=True)
    row = session.exec(
        select(ProjectQuestion)
        .where(col(ProjectQuestion.id) == question_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    first = row.answered_at is None
    before = None if first else {"length": len(row.answer or ""), "public": row.public}
    row.answer = text
    row.public = bool(public)
    if first:
        row.answered_at = utcnow()
        row.answered_by = actor.id
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=action if first else "project_question.edit_answer",
        entity=ENTITY,
        entity_id=row.id,
        before=before,
        after={"project_id": project.id, "length": len(text), "public": row.public},
    )
    if first:
        where = (
            "The answer is published on the project page, without your name."
            if row.public
            else "Only you can see the answer."
        )
        notify(
            session,
            user_id=row.asker_id,
            kind="question.answered",
            text=f"The mentor answered your question about “{project.title}”. {where}",
            link=f"project:{project.id}",
        )
    return row


# ---------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class PublicAnswer:
    """A question answered in public, as anyone reading the project sees it: no asker."""

    id: int
    text: str
    answer: str
    answered_at: datetime


@dataclass(frozen=True)
class MyQuestion:
    """One of the reader's own questions on a project, answered or not."""

    id: int
    text: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    public: bool

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


@dataclass(frozen=True)
class ProjectQuestions:
    """The questions section of a project page."""

    public: tuple[PublicAnswer, ...]
    mine: tuple[MyQuestion, ...]
    can_ask: bool
    # Why the reader cannot ask now (the project, or the limit), or None.
    why_not: str | None

    @property
    def unanswered(self) -> int:
        return sum(not question.answered for question in self.mine)


def project_questions(
    session: Session, *, actor: User, project_id: int, today: date | None = None
) -> ProjectQuestions:
    """Return a project's published answers and the actor's own questions (two statements)."""
    ensure_active(actor, action="project_question.list", entity="project", entity_id=project_id)
    project = get_project(session, actor=actor, project_id=project_id)
    published = session.exec(
        select(ProjectQuestion)
        .where(
            col(ProjectQuestion.project_id) == project_id,
            col(ProjectQuestion.answered_at).is_not(None),
            col(ProjectQuestion.public).is_(True),
        )
        .order_by(col(ProjectQuestion.answered_at).desc(), col(ProjectQuestion.id).desc())
        .limit(PUBLIC_LIST_LIMIT)
    ).all()
    public = tuple(
        PublicAnswer(q.id or 0, q.text, q.answer or "", q.answered_at or q.asked_at)
        for q in published
    )
    mine: tuple[MyQuestion, ...] = ()
    if actor.role is Role.STUDENT:
        own = session.exec(
            select(ProjectQuestion)
            .where(
                col(ProjectQuestion.asker_id) == actor.id,
                col(ProjectQuestion.project_id) == project_id,
            )
            .order_by(col(ProjectQuestion.asked_at).desc(), col(ProjectQuestion.id).desc())
        ).all()
        mine = tuple(
            MyQuestion(q.id or 0, q.text, q.asked_at, q.answer, q.answered_at, q.public)
            for q in own
        )
    why_not = taking_questions(project, today or date.today())
    if actor.role is not Role.STUDENT:
        why_not = "Only students ask mentors questions about their projects."
    elif why_not is None and sum(q.answered_at is None for q in mine) >= OPEN_QUESTIONS_LIMIT:
        why_not = (
            f"You have {OPEN_QUESTIONS_LIMIT} unanswered questions on this project. You can ask "
            "another once the mentor has answered one."
        )
    return ProjectQuestions(public, mine, why_not is None, why_not)


@dataclass(frozen=True)
class MentorQuestion:
    """A question on one of the mentor's projects, as their screen lists it: no asker."""

    id: int
    project_id: int
    project_title: str
    text: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    public: bool

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


def mentor_questions(
    session: Session, *, actor: User, project_id: int | None = None
) -> list[MentorQuestion]:
    """Return the questions on the actor's projects (or one project), unanswered first.

    Unanswered questions come oldest first, then answered ones newest first (one statement).
    """
    action = "project_question.list"
    if project_id is None:
        ensure_role(actor, MENTOR_ROLES, action=action, entity="user", entity_id=actor.id)
        scope = col(Project.owner_id) == actor.id
    else:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound("That project does not exist.")
        _ensure_manages(actor, project, action)
        scope = col(Project.id) == project_id
    unanswered = col(ProjectQuestion.answered_at).is_(None)
    rows = session.execute(
        sa.select(ProjectQuestion, col(Project.title))
        .join(Project, col(Project.id) == col(ProjectQuestion.project_id))
        .where(scope)
        .order_by(
            sa.case((unanswered, 0), else_=1),
            sa.case((unanswered, col(ProjectQuestion.asked_at)), else_=None),
            col(ProjectQuestion.answered_at).desc(),
            col(ProjectQuestion.id),
        )
        .limit(MENTOR_LIST_LIMIT)
    ).all()
    return [
        MentorQuestion(
            id=q.id or 0,
            project_id=q.project_id,
            project_title=title,
            text=q.text,
            asked_at=q.asked_at,
            answer=q.answer,
            answered_at=q.answered_at,
            public=q.public,
        )
        for q, title in rows
    ]


def answered_question_counts(
    session: Session, *, mentor_ids: Iterable[int]
) -> dict[int, tuple[int, datetime | None]]:
    """Return, per mentor, how many questions on their projects they answered and when last.

    Mentors who answered none are left out (one statement).
    """
    wanted = sorted(set(mentor_ids))
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(
            col(Project.owner_id),
            func.count(col(ProjectQuestion.id)),
            func.max(col(ProjectQuestion.answered_at)),
        )
        .join(ProjectQuestion, col(ProjectQuestion.project_id) == col(Project.id))
        .where(
            col(Project.owner_id).in_(wanted),
            col(ProjectQuestion.answered_at).is_not(None),
            col(ProjectQuestion.answered_by) == col(Project.owner_id),
        )
        .group_by(col(Project.owner_id))
    ).all()
    return {int(owner): (int(count), last) for owner, count, last in rows}


def read_question(session: Session, *, actor: User, question_id: int) -> MyQuestion:
    """Return one question with its answer, to its asker, the project's mentor or an admin, or
    anyone when it is answered in public (never naming the asker)."""
    action = "project_question.read"
    ensure_active(actor, action=action, entity=ENTITY, entity_id=question_id)
    found = session.get(ProjectQuestion, question_id)
    project = session.get(Project, found.project_id) if found is not None else None
    if found is None or project is None:
        raise NotFound("That question does not exist.")
    published = found.public and found.answered_at is not None
    if not (published or actor.id == found.asker_id or can_manage(actor, project)):
        raise deny(
            actor,
            "This question and its answer are private to the student who asked it.",
            action=action,
            entity=ENTITY,
            entity_id=question_id,
        )
    return MyQuestion(
        found.id or 0, found.text, found.asked_at, found.answer, found.answered_at, found.public
    )
