"""Remembered best-match rankings: reused for a minute per student, never stale where it
matters (a closed project, the student's own application, a profile edit), on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from core.accounts.profiles import update_profile
from core.catalog import search_projects
from core.catalog.matching import recommend
from core.catalog.ranking import RankingMemo
from core.models import ApplicationStatus, Project, ProjectStatus, Role, User
from core.platform.db import read_session, write_transaction
from tests import factories as h

TODAY = date.today()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def memo() -> tuple[RankingMemo, Clock]:
    clock = Clock()
    return RankingMemo(ttl_seconds=60, clock=clock), clock


@pytest.fixture
def people(engine):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        student = h.user(session, Role.STUDENT, weekly_hours=8)
        h.interests(session, student, ["python", "data"])
        one = h.project(session, mentor, title="One shared", tag_names=["python"])
        none = h.project(session, mentor, title="None shared", tag_names=["music"])
    return engine, mentor, student, {"one": one.id, "none": none.id}


def fresh(engine, user_id: int) -> User:
    """Read a user as the login gate does on every rerun."""
    with read_session(engine) as session:
        found = session.get(User, user_id)
        assert found is not None
        return found


def listed(engine, student, memo) -> list[str]:
    with read_session(engine) as session:
        page = search_projects(session, actor=fresh(engine, student.id), memo=memo)
    return [row.title for row in page.rows]


def recommended(engine, student, memo) -> list[str]:
    with read_session(engine) as session:
        found = recommend(session, actor=fresh(engine, student.id), memo=memo)
    return [item.title for item in found]


def rankings_sent(engine, action) -> int:
    """Run `action`; return how many ranking queries (those ordering by `shared`) it sent."""
    seen: list[str] = []

    def keep(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sum("AS shared" in statement for statement in seen)


@pytest.mark.parametrize("read", [listed, recommended], ids=["search", "recommend"])
def test_a_rerun_within_the_minute_reuses_the_ranking(people, memo, read):
    engine, _, student, _ = people
    assert rankings_sent(engine, lambda: read(engine, student, memo[0])) == 1
    assert rankings_sent(engine, lambda: read(engine, student, memo[0])) == 0
    assert rankings_sent(engine, lambda: read(engine, student, None)) == 1
    assert read(engine, student, memo[0]) == read(engine, student, None)


@pytest.mark.parametrize("read", [listed, recommended], ids=["search", "recommend"])
def test_a_new_best_match_appears_once_the_minute_has_passed(people, memo, read):
    engine, mentor, student, _ = people
    remembered, clock = memo
    assert read(engine, student, remembered)[0] == "One shared"
    with write_transaction(engine) as session:
        h.project(session, mentor, title="Both shared", tag_names=["python", "data"])
    assert "Both shared" not in read(engine, student, remembered)
    clock.now += 60
    assert read(engine, student, remembered)[0] == "Both shared"


def test_the_total_is_counted_fresh_even_when_the_ranking_is_remembered(people, memo):
    engine, mentor, student, _ = people
    with read_session(engine) as session:
        before = search_projects(session, actor=fresh(engine, student.id), memo=memo[0]).total
    with write_transaction(engine) as session:
        h.project(session, mentor, tag_names=["music"])
    with read_session(engine) as session:
        after = search_projects(session, actor=fresh(engine, student.id), memo=memo[0]).total
    assert after == before + 1


@pytest.mark.parametrize("read", [listed, recommended], ids=["search", "recommend"])
def test_a_project_closed_since_is_dropped_at_once(people, memo, read):
    engine, _, student, ids = people
    assert "One shared" in read(engine, student, memo[0])
    with write_transaction(engine) as session:
        closed = session.get(Project, ids["one"])
        closed.status = ProjectStatus.CLOSED
        session.add(closed)
    assert read(engine, student, memo[0]) == ["None shared"]


def test_a_project_the_student_applied_to_leaves_the_recommendations_at_once(people, memo):
    engine, _, student, ids = people
    assert recommended(engine, student, memo[0])[0] == "One shared"
    with write_transaction(engine) as session:
        h.application(session, student, session.get(Project, ids["one"]))
    assert recommended(engine, student, memo[0]) == ["None shared"]
    # The search list keeps it, marked with the student's application.
    with read_session(engine) as session:
        page = search_projects(session, actor=fresh(engine, student.id), memo=memo[0])
    assert page.rows[0].my_status is ApplicationStatus.SUBMITTED


@pytest.mark.parametrize("read", [listed, recommended], ids=["search", "recommend"])
def test_editing_interests_reorders_at_once(people, memo, read):
    engine, _, student, _ = people
    assert read(engine, student, memo[0])[0] == "One shared"
    with write_transaction(engine) as session:
        me = session.get(User, student.id)
        update_profile(
            session,
            actor=me,
            user_id=student.id,
            display_name=me.display_name,
            department=me.department,
            weekly_hours=me.weekly_hours,
            blind_review=me.blind_review,
            interests=["music"],
        )
    assert read(engine, student, memo[0])[0] == "None shared"


@pytest.mark.parametrize("read", [listed, recommended], ids=["search", "recommend"])
def test_each_student_gets_their_own_ranking(people, memo, read):
    engine, _, student, _ = people
    with write_transaction(engine) as session:
        other = h.user(session, Role.STUDENT, weekly_hours=8)
        h.interests(session, other, ["music"])
    assert read(engine, student, memo[0])[0] == "One shared"
    assert read(engine, other, memo[0])[0] == "None shared"


def test_pages_past_the_remembered_horizon_are_read_from_sql(people, memo, monkeypatch):
    import core.catalog.search as catalog  # where the ranking horizon is read

    engine, mentor, student, _ = people
    monkeypatch.setattr(catalog, "HORIZON", 2)
    with write_transaction(engine) as session:
        for n in range(3):
            h.project(session, mentor, title=f"Extra {n}", tag_names=["music"])

    def page_titles(number: int, remembered: RankingMemo | None) -> list[str]:
        with read_session(engine) as session:
            actor = fresh(engine, student.id)
            found = search_projects(session, actor=actor, page=number, per_page=2, memo=remembered)
        return [row.title for row in found.rows]

    pages = [page_titles(number, memo[0]) for number in (1, 2, 3)]
    expected = [page_titles(number, None) for number in (1, 2, 3)]
    assert pages == expected
    assert sum(len(p) for p in pages) == 5
