"""The demo seed: idempotent, rule-abiding, and rich enough for every screen."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from core.models import Application, ApplicationStatus, Project, ProjectStatus, User
from core.platform.db import read_session
from core.seed import DEMO_ACCOUNTS, DEMO_PROJECTS, seed_demo


def _counts(engine):
    with read_session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(User)).one(),
            session.exec(select(func.count()).select_from(Project)).one(),
            session.exec(select(func.count()).select_from(Application)).one(),
        )


def test_the_demo_seed_is_idempotent(engine):
    seed_demo(engine)
    first = _counts(engine)
    seed_demo(engine)
    assert _counts(engine) == first
    assert first[1] == len(DEMO_PROJECTS)


def test_the_demo_has_applications_in_every_state_and_projects_in_most(engine):
    seed_demo(engine)
    with read_session(engine) as session:
        states = set(session.exec(select(Application.status).distinct()))
        project_states = set(session.exec(select(Project.status).distinct()))
        logins = set(session.exec(select(User.username)))
    assert states == set(ApplicationStatus)
    assert {ProjectStatus.DRAFT, ProjectStatus.OPEN, ProjectStatus.IN_PROGRESS} <= project_states
    assert {account.username for account in DEMO_ACCOUNTS} <= logins


def test_seeded_projects_never_oversell_seats(engine):
    seed_demo(engine)
    with read_session(engine) as session:
        for project in session.exec(select(Project)):
            taken = session.exec(
                select(func.count()).where(
                    Application.project_id == project.id,
                    Application.status.in_(
                        [ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED]
                    ),
                )
            ).one()
            assert taken == project.filled <= project.seats


def test_the_demo_has_a_current_term_holding_its_projects_and_one_before(engine):
    from datetime import date

    from core.models import ProgramTerm
    from core.program import current_term, previous_term

    today = date(2030, 6, 10)
    seed_demo(engine, today=today)
    seed_demo(engine, today=today)  # once only
    with read_session(engine) as session:
        terms = list(session.exec(select(ProgramTerm).order_by(ProgramTerm.start_date)))
        starts = set(session.exec(select(Project.start_date)))
    assert len(terms) == 2
    current = current_term(terms, today=today)
    assert current is not None and current.start_date <= today <= current.end_date
    assert all(current.start_date <= start <= current.end_date for start in starts)
    before = previous_term(terms, current)
    assert before is not None and before.end_date == current.start_date - timedelta(days=1)
