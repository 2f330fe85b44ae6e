"""Recommendations: only projects the student can fit, ranked by shared interests, with reasons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from core.catalog.matching import recommend
from core.models import ApplicationStatus, ProjectStatus, Role
from core.platform.db import read_session, write_transaction
from core.platform.errors import PermissionDenied
from tests import factories as h

S = ApplicationStatus
TODAY = date.today()


@pytest.fixture
def people(engine):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        student = h.user(session, Role.STUDENT, weekly_hours=8)
        h.interests(session, student, ["python", "data", "design"])
    return engine, mentor, student


def _recommend(engine, student, **kw):
    with read_session(engine) as session:
        return recommend(session, actor=student, **kw)


def _ids(found):
    return [r.project_id for r in found]


def test_ranks_by_shared_tags_and_explains_why(people):
    engine, mentor, student = people
    with write_transaction(engine) as session:
        two = h.project(session, mentor, tag_names=["python", "data"])
        one = h.project(session, mentor, tag_names=["python", "music"])
        none = h.project(session, mentor, tag_names=["music"])
    found = _recommend(engine, student)
    assert _ids(found) == [two.id, one.id, none.id]
    assert found[0].score.interest.shared == ("data", "python")
    assert found[0].reasons[0].startswith("Shares 2 of the project's 2 interest tags")
    assert "you have at least 8 h free" in found[0].reasons[1]
    assert found[0].tags == ("data", "python")


def test_never_recommends_what_does_not_fit_any_week(people):
    engine, mentor, student = people
    start = TODAY + timedelta(days=21)
    with write_transaction(engine) as session:
        busy = h.project(session, mentor, student_hours=5, start=start, duration=2)
        h.application(session, student, busy, S.APPROVED)
        # Overlaps the approved match only in its first week: 5 + 4 > 8 there.
        partial = h.project(
            session,
            mentor,
            student_hours=4,
            start=start + timedelta(days=7),
            duration=4,
            tag_names=["python"],
        )
        fits = h.project(session, mentor, student_hours=3, start=start, tag_names=["python"])
        later = h.project(session, mentor, student_hours=8, start=start + timedelta(days=30))
        too_big = h.project(session, mentor, student_hours=9)
    found = _ids(_recommend(engine, student))
    assert partial.id not in found and too_big.id not in found and busy.id not in found
    assert found == [fits.id, later.id]


def test_skips_applied_closed_full_past_and_own_projects(people):
    engine, mentor, student = people
    with write_transaction(engine) as session:
        applied = h.project(session, mentor)
        h.application(session, student, applied, S.SUBMITTED)
        withdrawn = h.project(session, mentor)
        h.application(session, student, withdrawn, S.WITHDRAWN)
        h.project(session, mentor, status=ProjectStatus.CLOSED)
        h.project(session, mentor, status=ProjectStatus.DRAFT)
        h.project(session, mentor, deadline=TODAY - timedelta(days=1))
        full = h.project(session, mentor, seats=1)
        h.application(session, h.user(session, Role.STUDENT), full, S.ACCEPTED)
        h.project(session, student)  # owned by the student (never the case via services)
        due_today = h.project(session, mentor, deadline=TODAY)
    assert sorted(_ids(_recommend(engine, student))) == sorted([withdrawn.id, due_today.id])


def test_pages_do_not_overlap(people):
    engine, mentor, student = people
    with write_transaction(engine) as session:
        for n in range(12):
            h.project(
                session,
                mentor,
                start=TODAY + timedelta(days=10 + n),
                tag_names=["python"] if n % 2 else [],
            )
    first = _ids(_recommend(engine, student, limit=5))
    second = _ids(_recommend(engine, student, limit=5, offset=5))
    third = _ids(_recommend(engine, student, limit=5, offset=10))
    assert len(first) == 5 and len(second) == 5 and len(third) == 2
    assert not set(first) & set(second) and not set(second) & set(third)
    everything = _ids(_recommend(engine, student, limit=20))
    assert first + second + third == everything


def test_window_grows_past_candidates_that_do_not_fit(people):
    engine, mentor, student = people
    with write_transaction(engine) as session:
        busy = h.project(session, mentor, student_hours=6)
        h.application(session, student, busy, S.APPROVED)
        # Twelve well-matching projects in the same weeks need 3 h: 6 + 3 > 8, none fit.
        for _ in range(12):
            h.project(session, mentor, student_hours=3, tag_names=["python", "data", "design"])
        fits = h.project(session, mentor, student_hours=2, tag_names=["python"])
    assert _ids(_recommend(engine, student, limit=1)) == [fits.id]


def test_statement_count_does_not_grow_with_projects(people):
    engine, mentor, student = people

    def count_statements():
        seen = []
        listener = lambda *a: seen.append(a[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            _recommend(engine, student, limit=10)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    with write_transaction(engine) as session:
        for n in range(3):
            h.project(session, mentor, tag_names=["python"], start=TODAY + timedelta(days=9 + n))
    few = count_statements()
    with write_transaction(engine) as session:
        for n in range(40):
            h.project(session, mentor, tag_names=["data"], start=TODAY + timedelta(days=9 + n))
    assert count_statements() == few <= 8


def test_only_students_get_recommendations(people):
    engine, mentor, _ = people
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        recommend(session, actor=mentor)
