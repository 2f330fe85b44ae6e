"""Demo data: idempotent, so `seed demo` can run on every start.

The content goes through the same services as the screens, so every demo row obeys the rules
(budgets, availability, seats); only the clock is moved for projects that lie in the past.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from core import applications as apps
from core import projects
from core import workspace as ws
from core.accounts.users import create_user, find_user_by_username
from core.models import Project, ProjectMode, Role, User
from core.platform.db import write_transaction
from core.projects.tags import set_user_interests
from core.seed_profiles import seed_demo_profiles, seed_demo_questions
from core.seed_terms import seed_terms
from core.workspace.models import MatchMilestone, SelfEfficacyPhase

# Demo data only: these accounts exist for trying the portal out, never in production.
DEMO_PASSWORD = "mentoring-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    department: str | None
    weekly_hours: float
    interests: tuple[str, ...] = ()
    program_wide: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(
        "demo-student",
        "Dana Student",
        Role.STUDENT,
        "Computer Science",
        10,
        ("python", "data-science", "machine-learning", "web"),
    ),
    DemoAccount(
        "demo-student2",
        "Sam Student",
        Role.STUDENT,
        "Biology",
        6,
        ("genomics", "data-science", "writing"),
    ),
    DemoAccount("demo-alumni", "Alex Alumna", Role.ALUMNI, "Computer Science", 6, ("python",)),
    DemoAccount(
        "demo-faculty",
        "Prof. Fran Faculty",
        Role.FACULTY,
        "Computer Science",
        5,
        ("machine-learning",),
    ),
    DemoAccount("demo-admin", "Ada Admin", Role.ADMIN, None, 4),
)

# Further people who make the demo feel lived-in; they get random, unpublished passwords.
SUPPORTING_ACCOUNTS = (
    DemoAccount("maria-alumna", "Maria Okoye", Role.ALUMNI, "Biology", 5, ("writing",)),
    DemoAccount("tom-alumnus", "Tom Becker", Role.ALUMNI, "Business", 6, ("finance",)),
    DemoAccount("prof-chen", "Prof. Li Chen", Role.FACULTY, "Biology", 6, ("genomics",)),
    DemoAccount(
        "prof-okafor",
        "Prof. Ngozi Okafor",
        Role.FACULTY,
        "Economics",
        4,
        ("policy",),
        program_wide=True,
    ),
    DemoAccount("lee-student", "Lee Park", Role.STUDENT, "Computer Science", 12, ("python", "web")),
    DemoAccount(
        "ana-student",
        "Ana Souza",
        Role.STUDENT,
        "Economics",
        8,
        ("economics", "policy", "data-science"),
    ),
    DemoAccount(
        "raj-student",
        "Raj Mehta",
        Role.STUDENT,
        "Business",
        10,
        ("entrepreneurship", "finance", "python"),
    ),
)


@dataclass(frozen=True)
class DemoProject:
    key: str
    owner: str
    title: str
    summary: str
    tags: tuple[str, ...]
    department: str
    mode: ProjectMode
    seats: int
    student_hours: float
    mentor_hours: float
    weeks: int
    starts_in_days: int
    milestones: tuple[tuple[str, int], ...]
    screening_question: str | None = None
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _project(key: str, owner: str, title: str, summary: str, **kwargs: object) -> DemoProject:
    return DemoProject(key, owner, title, summary, **kwargs)  # type: ignore[arg-type]


DEMO_PROJECTS = (
    _project(
        "dashboard",
        "demo-alumni",
        "Build a data dashboard for a food bank",
        "Turn a year of donation records into a dashboard volunteers actually use.",
        tags=("python", "data-science", "visualization"),
        department="Computer Science",
        mode=ProjectMode.REMOTE,
        seats=2,
        student_hours=4,
        mentor_hours=1.5,
        weeks=6,
        starts_in_days=21,
        milestones=(("Clean the data", 2), ("First dashboard draft", 4), ("Hand-over", 6)),
    ),
    _project(
        "review",
        "demo-alumni",
        "Code review sprint on an open-source library",
        "Learn to read, review and improve real Python code with a maintainer.",
        tags=("python", "open-source"),
        department="Computer Science",
        mode=ProjectMode.REMOTE,
        seats=1,
        student_hours=3,
        mentor_hours=1,
        weeks=4,
        starts_in_days=14,
        milestones=(("First merged review", 2), ("Own small fix merged", 4)),
        screening_question="Which open-source project would you like to contribute to, and why?",
    ),
    _project(
        "ml-reading",
        "demo-faculty",
        "Machine learning reading group",
        "Read one classic paper a week and reproduce one small result.",
        tags=("machine-learning", "python", "research"),
        department="Computer Science",
        mode=ProjectMode.HYBRID,
        seats=3,
        student_hours=5,
        mentor_hours=2,
        weeks=8,
        starts_in_days=30,
        milestones=(("Paper summary", 2), ("Reproduction plan", 4), ("Short talk", 8)),
    ),
    _project(
        "genome",
        "prof-chen",
        "Genome assembly mini-project",
        "Assemble a bacterial genome from public reads and compare two assemblers.",
        tags=("genomics", "bioinformatics", "python"),
        department="Biology",
        mode=ProjectMode.IN_PERSON,
        seats=2,
        student_hours=6,
        mentor_hours=2,
        weeks=6,
        starts_in_days=18,
        milestones=(("Pipeline runs", 3), ("Comparison report", 6)),
    ),
    _project(
        "writing",
        "maria-alumna",
        "Science writing: your research in 800 words",
        "Write and polish one piece for the department newsletter.",
        tags=("writing", "communication"),
        department="Biology",
        mode=ProjectMode.REMOTE,
        seats=3,
        student_hours=2,
        mentor_hours=1.5,
        weeks=4,
        starts_in_days=10,
        milestones=(("Outline", 1), ("Draft", 3), ("Published piece", 4)),
    ),
    _project(
        "market",
        "tom-alumnus",
        "Market sizing for a campus start-up",
        "Estimate the market of a student venture with public data and interviews.",
        tags=("entrepreneurship", "finance", "data-science"),
        department="Business",
        mode=ProjectMode.IN_PERSON,
        seats=2,
        student_hours=4,
        mentor_hours=2,
        weeks=5,
        starts_in_days=25,
        milestones=(("Interview plan", 2), ("Sizing model", 5)),
    ),
    _project(
        "accessibility",
        "demo-alumni",
        "Accessibility audit of a university web page",
        "Audit one public page against WCAG and propose fixes.",
        tags=("web", "accessibility"),
        department="Computer Science",
        mode=ProjectMode.REMOTE,
        seats=1,
        student_hours=3,
        mentor_hours=1,
        weeks=3,
        starts_in_days=40,
        milestones=(("Audit report", 2), ("Fix proposals", 3)),
    ),
    _project(
        "housing",
        "prof-okafor",
        "Policy brief on housing data",
        "Use open housing data to write a two-page brief for the city council.",
        tags=("economics", "policy", "data-science"),
        department="Economics",
        mode=ProjectMode.HYBRID,
        seats=2,
        student_hours=4,
        mentor_hours=1.5,
        weeks=6,
        starts_in_days=20,
        milestones=(("Data found", 2), ("Brief draft", 5), ("Final", 6)),
    ),
    _project(
        "raspberry",
        "prof-chen",
        "Lab automation with a Raspberry Pi",
        "Log incubator temperatures automatically and alert on drift.",
        tags=("hardware", "python"),
        department="Biology",
        mode=ProjectMode.IN_PERSON,
        seats=1,
        student_hours=4,
        mentor_hours=1,
        weeks=4,
        starts_in_days=16,
        milestones=(("Sensor logging", 2), ("Alerts", 4)),
    ),
    _project(
        "ux",
        "tom-alumnus",
        "UX research for a personal-finance app",
        "Run five user interviews and turn them into design recommendations.",
        tags=("ux", "research", "finance"),
        department="Business",
        mode=ProjectMode.REMOTE,
        seats=2,
        student_hours=3,
        mentor_hours=1,
        weeks=4,
        starts_in_days=35,
        milestones=(("Interview guide", 1), ("Findings", 4)),
    ),
    _project(
        "portfolio",
        "demo-alumni",
        "Portfolio website clinic",
        "Build and ship a personal portfolio site with weekly feedback.",
        tags=("web", "python"),
        department="Computer Science",
        mode=ProjectMode.REMOTE,
        seats=2,
        student_hours=3,
        mentor_hours=1.5,
        weeks=6,
        starts_in_days=-14,
        milestones=(("Wireframe", 1), ("First deploy", 3), ("Launch", 6)),
    ),
    _project(
        "sql",
        "demo-faculty",
        "SQL for social scientists",
        "Answer three research questions with SQL over a public survey.",
        tags=("data-science", "research"),
        department="Computer Science",
        mode=ProjectMode.REMOTE,
        seats=2,
        student_hours=3,
        mentor_hours=1,
        weeks=4,
        starts_in_days=-70,
        milestones=(("First queries", 2), ("Findings", 4)),
    ),
)

STATEMENT = (
    "I would love to join this project: it matches what I study, I can commit the hours every "
    "week, and I want to learn how this work is done in practice."
)


def is_empty(engine: Engine) -> bool:
    """Tell whether the database holds no accounts yet."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(User)).one() == 0


def _ensure_accounts(
    session: Session, accounts: tuple[DemoAccount, ...], password: str | None
) -> dict[str, User]:
    users: dict[str, User] = {}
    for account in accounts:
        user = find_user_by_username(session, account.username)
        if user is None:
            user = create_user(
                session,
                username=account.username,
                email=f"{account.username}@example.edu",
                display_name=account.display_name,
                role=account.role,
                password=password or secrets.token_urlsafe(24),
                department=account.department,
                weekly_hours=account.weekly_hours,
                program_wide=account.program_wide,
            )
            if account.interests:
                assert user.id is not None
                set_user_interests(session, actor=user, user_id=user.id, names=account.interests)
        users[account.username] = user
    return users


def seed_demo_accounts(session: Session) -> dict[str, User]:
    """Create the demo accounts that are missing and return all of them by username."""
    return _ensure_accounts(session, DEMO_ACCOUNTS, DEMO_PASSWORD)


def _create(session: Session, people: dict[str, User], spec: DemoProject, today: date) -> Project:
    start = today + timedelta(days=spec.starts_in_days)
    data = {
        "title": spec.title,
        "summary": spec.summary,
        "description": spec.description
        or f"{spec.summary}\n\nWe meet once a week; the rest is self-paced with async feedback.",
        "tags": list(spec.tags),
        "department": spec.department,
        "mode": spec.mode,
        "seats": spec.seats,
        "student_hours": spec.student_hours,
        "mentor_hours": spec.mentor_hours,
        "duration_weeks": spec.weeks,
        "start_date": start,
        "deadline": start - timedelta(days=5),
        "screening_question": spec.screening_question,
        "milestones": [{"title": t, "due_week": w} for t, w in spec.milestones],
    }
    return projects.create_project(session, actor=people[spec.owner], data=data)


def _publish(
    session: Session, people: dict[str, User], project: Project, spec: DemoProject
) -> None:
    # Projects that started in the past were published before their deadline.
    as_of = min(date.today(), project.deadline - timedelta(days=3))
    assert project.id is not None
    projects.publish_project(session, actor=people[spec.owner], project_id=project.id, today=as_of)


def _apply(session: Session, people: dict[str, User], who: str, project: Project) -> int:
    as_of = min(date.today(), project.deadline - timedelta(days=1))
    assert project.id is not None
    answer = "The one my lab uses every day." if project.screening_question else None
    application = apps.apply(
        session,
        actor=people[who],
        project_id=project.id,
        statement=STATEMENT,
        screening_answer=answer,
        today=as_of,
    )
    assert application.id is not None
    return application.id


def _milestones(session: Session, application_id: int) -> list[MatchMilestone]:
    rows = session.exec(
        select(MatchMilestone)
        .where(MatchMilestone.application_id == application_id)
        .order_by(col(MatchMilestone.position))
    )
    return list(rows)


def _seed_running_match(
    session: Session, who: dict[str, User], match_id: int, project: Project, today: date
) -> None:
    """Give the demo student's live match some history: sessions, a milestone, messages."""
    student, mentor = who["demo-student"], who["demo-alumni"]
    ws.record_self_efficacy(
        session,
        actor=student,
        application_id=match_id,
        phase=SelfEfficacyPhase.START,
        scores=[3, 2, 4, 2, 3],
    )
    first = ws.log_session(
        session,
        actor=student,
        application_id=match_id,
        held_on=project.start_date + timedelta(days=2),
        minutes=60,
        summary="Kick-off call: picked a static site generator and sketched the pages.",
        today=today,
    )
    ws.confirm_session(session, actor=mentor, session_id=first.id or 0)
    ws.log_session(
        session,
        actor=mentor,
        application_id=match_id,
        held_on=today - timedelta(days=2),
        minutes=45,
        summary="Reviewed the wireframe together; next step is the first deploy.",
        today=today,
    )
    wireframe = _milestones(session, match_id)[0]
    ws.mark_milestone_done(session, actor=student, milestone_id=wireframe.id or 0)
    ws.verify_milestone(session, actor=mentor, milestone_id=wireframe.id or 0)
    ws.send_message(
        session,
        actor=mentor,
        application_id=match_id,
        body="Nice wireframe! For the deploy, try GitHub Pages first; it is free and simple.",
    )
    ws.send_message(
        session,
        actor=student,
        application_id=match_id,
        body="Thanks, I will try it this week and send you the link.",
    )


def _seed_finished_match(
    session: Session, who: dict[str, User], match_id: int, project: Project, today: date
) -> None:
    """Fill a match that is about to be completed: confirmed sessions and verified milestones."""
    student, mentor = who["demo-student2"], who["demo-faculty"]
    ws.record_self_efficacy(
        session,
        actor=student,
        application_id=match_id,
        phase=SelfEfficacyPhase.START,
        scores=[2, 2, 3, 2, 2],
    )
    for week in range(project.duration_weeks):
        logged = ws.log_session(
            session,
            actor=student,
            application_id=match_id,
            held_on=project.start_date + timedelta(days=7 * week + 1),
            minutes=60,
            summary=f"Week {week + 1}: worked through the survey queries together.",
            today=today,
        )
        ws.confirm_session(session, actor=mentor, session_id=logged.id or 0)
    for milestone in _milestones(session, match_id):
        ws.mark_milestone_done(session, actor=student, milestone_id=milestone.id or 0)
        ws.verify_milestone(session, actor=mentor, milestone_id=milestone.id or 0)


def _close_out(session: Session, who: dict[str, User], match_id: int) -> None:
    """Both parties give feedback and the student answers the closing questionnaire."""
    student, mentor = who["demo-student2"], who["demo-faculty"]
    ws.give_feedback(
        session,
        actor=student,
        application_id=match_id,
        rating=5,
        comment="Clear weekly goals and fast answers. I now write SQL without fear.",
    )
    ws.give_feedback(
        session,
        actor=mentor,
        application_id=match_id,
        rating=4,
        comment="Reliable and curious; the findings write-up was excellent.",
    )
    ws.record_self_efficacy(
        session,
        actor=student,
        application_id=match_id,
        phase=SelfEfficacyPhase.CLOSE,
        scores=[4, 4, 4, 3, 4],
    )


def seed_demo_content(session: Session, people: dict[str, User], today: date) -> None:
    """Create the demo projects and applications in every state."""
    seed_demo_profiles(session, people)
    made = {spec.key: (spec, _create(session, people, spec, today)) for spec in DEMO_PROJECTS}
    for key, (spec, project) in made.items():
        if key != "accessibility":  # stays a draft
            _publish(session, people, project, spec)
    p = {key: project for key, (_spec, project) in made.items()}
    who = people
    # A live match in progress, and one completed in the past (for workspace and passport).
    current = _apply(session, people, "demo-student", p["portfolio"])
    apps.accept(session, actor=who["demo-alumni"], application_id=current)
    apps.approve(session, actor=who["demo-faculty"], application_id=current)
    past = _apply(session, people, "demo-student2", p["sql"])
    apps.accept(session, actor=who["demo-faculty"], application_id=past)
    apps.approve(session, actor=who["prof-okafor"], application_id=past)
    ended = _apply(session, people, "raj-student", p["portfolio"])
    apps.accept(session, actor=who["demo-alumni"], application_id=ended)
    apps.approve(session, actor=who["demo-faculty"], application_id=ended)
    assert p["sql"].id is not None and p["portfolio"].id is not None
    projects.start_project(session, actor=who["demo-faculty"], project_id=p["sql"].id)
    projects.start_project(session, actor=who["demo-alumni"], project_id=p["portfolio"].id)
    _seed_running_match(session, who, current, p["portfolio"], today)
    _seed_finished_match(session, who, past, p["sql"], today)
    apps.complete_match(session, actor=who["demo-faculty"], application_id=past, today=today)
    _close_out(session, who, past)
    projects.complete_project(
        session, actor=who["demo-faculty"], project_id=p["sql"].id, today=today
    )
    apps.end_early(
        session,
        actor=who["raj-student"],
        application_id=ended,
        reason="Took a full-time internship.",
    )
    # Open projects with applications waiting at every step.
    _apply(session, people, "demo-student", p["dashboard"])  # submitted
    waiting = _apply(session, people, "lee-student", p["dashboard"])
    apps.accept(session, actor=who["demo-alumni"], application_id=waiting)  # awaits approval
    mine = _apply(session, people, "demo-student", p["ml-reading"])
    apps.accept(session, actor=who["demo-faculty"], application_id=mine)  # awaits approval
    first = _apply(session, people, "raj-student", p["review"])
    apps.accept(session, actor=who["demo-alumni"], application_id=first)
    second = _apply(session, people, "ana-student", p["review"])
    apps.waitlist(session, actor=who["demo-alumni"], application_id=second)
    _apply(session, people, "demo-student2", p["writing"])  # submitted
    declined = _apply(session, people, "demo-student2", p["genome"])
    apps.decline(
        session, actor=who["prof-chen"], application_id=declined, note="Full this round, sorry!"
    )
    rejected = _apply(session, people, "raj-student", p["market"])
    apps.accept(session, actor=who["tom-alumnus"], application_id=rejected)
    apps.reject(
        session,
        actor=who["prof-okafor"],
        application_id=rejected,
        reason="Please finish the prerequisite finance course first.",
    )
    withdrawn = _apply(session, people, "ana-student", p["housing"])
    apps.withdraw(session, actor=who["ana-student"], application_id=withdrawn)
    _apply(session, people, "lee-student", p["raspberry"])
    seed_demo_questions(session, people, p)
    assert p["raspberry"].id is not None and p["ux"].id is not None
    projects.close_project(session, actor=who["prof-chen"], project_id=p["raspberry"].id)  # expires
    projects.cancel_project(
        session, actor=who["tom-alumnus"], project_id=p["ux"].id, reason="The app was shelved."
    )


def seed_demo(engine: Engine, *, today: date | None = None) -> None:
    """Create the demo accounts and demo content, leaving existing rows alone."""
    today = today or date.today()
    with write_transaction(engine) as session:
        people = seed_demo_accounts(session)
        people |= _ensure_accounts(session, SUPPORTING_ACCOUNTS, None)
        already = session.exec(
            select(Project.id).where(Project.title == DEMO_PROJECTS[0].title)
        ).first()
        if already is None:
            seed_terms(session, people["demo-admin"], today)
            seed_demo_content(session, people, today)
