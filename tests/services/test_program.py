"""Program reads: dashboard figures against hand-computed values, queue scope and loads, bulk
approval, and CSV exports (scope and formula neutralisation), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.commitment import project_end
from core.documents import export_csv, export_scope, safe_cell
from core.models import (
    Application,
    ApplicationStatus,
    KeptFigures,
    Project,
    ProjectMode,
    ProjectStatus,
    ProjectTag,
    Role,
    User,
)
from core.platform.db import read_session, write_transaction
from core.platform.errors import PermissionDenied
from core.platform.types import utcnow
from core.program import (
    FIGURES_MAX_AGE,
    AgeBucket,
    DashboardFilter,
    DashboardPart,
    DepartmentHours,
    Funnel,
    TagDemand,
    WeekSessions,
    approve_each,
    dashboard_parts,
    default_filter,
    demand_figures,
    departments,
    filter_key,
    funnel_figures,
    hours_figures,
    keep_part,
    median_of_histogram,
    program_dashboard,
    queue_with_loads,
    refresh_figures,
    timing_figures,
    workspace_figures,
)
from core.workspace.models import MatchSession, SelfEfficacy, SelfEfficacyPhase
from tests import factories as h
from tests.cli import run_core

S = ApplicationStatus
P = ProjectStatus
NOW = datetime(2030, 6, 10, 12, 0, tzinfo=UTC)  # a Monday; the dashboard's "now"
ENG, BIO = "Engineering", "Biology"


def at(day: str, clock: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


def _on(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    return {"database_url": str(engine.url), "data_dir": tmp_path}


@dataclass
class World:
    ids: dict[str, int]
    users: dict[str, User]


def _project(
    session: Session,
    owner: User,
    title: str,
    *,
    department: str,
    start: date,
    weeks: int,
    seats: int,
    mentor_hours: float,
    status: ProjectStatus,
    tags: tuple[str, ...],
    student_hours: float = 3.0,
    filled: int = 0,
) -> Project:
    found = Project(
        owner_id=owner.id,
        title=title,
        summary="A short project.",
        description="Details.",
        department=department,
        mode=ProjectMode.REMOTE,
        seats=seats,
        student_hours=student_hours,
        mentor_hours=mentor_hours,
        duration_weeks=weeks,
        start_date=start,
        end_date=project_end(start, weeks),
        deadline=start - timedelta(days=7),
        status=status,
        filled=filled,
    )
    session.add(found)
    session.flush()
    for tag in h.tags(session, tags):
        session.add(ProjectTag(project_id=found.id, tag_id=tag.id))
    session.flush()
    return found


def _application(
    session: Session,
    student: User,
    project: Project,
    status: ApplicationStatus,
    created: datetime,
    accepted: datetime | None = None,
    approved: datetime | None = None,
    updated: datetime | None = None,
) -> Application:
    found = Application(
        project_id=project.id,
        student_id=student.id,
        status=status,
        statement=h.STATEMENT,
        created_at=created,
        accepted_at=accepted,
        approved_at=approved,
        updated_at=updated or approved or accepted or created,
    )
    session.add(found)
    session.flush()
    return found


def _efficacy(
    session: Session, application: Application, phase: SelfEfficacyPhase, items: list[int]
) -> None:
    session.add(
        SelfEfficacy(
            application_id=application.id,
            student_id=application.student_id,
            phase=phase,
            **{f"item{n}": value for n, value in enumerate(items, start=1)},
        )
    )


def build_world(session: Session) -> World:
    """The hand-computed fixture (every figure in the tests below is worked out from it)."""
    u: dict[str, User] = {}
    u["m1"] = h.user(session, Role.ALUMNI, department=ENG, weekly_hours=4.0)
    u["m2"] = h.user(session, Role.FACULTY, department=BIO, display_name="@Mentor Two")
    u["f_eng"] = h.user(session, Role.FACULTY, department=ENG)
    u["f_bio"] = h.user(session, Role.FACULTY, department=BIO)
    u["f_all"] = h.user(session, Role.FACULTY, department="Physics", program_wide=True)
    u["admin"] = h.user(session, Role.ADMIN, department=None)
    u["s1"] = h.user(session, Role.STUDENT, blind_review=True, display_name="Student One")
    for n in range(2, 7):
        u[f"s{n}"] = h.user(session, Role.STUDENT, display_name=f"Student {n}")
    u["s4"].display_name = "-Sam Four"
    session.add(u["s4"])
    m1, m2 = u["m1"], u["m2"]
    pa = _project(session, m1, "Project A", department=ENG, start=date(2030, 5, 6), weeks=4,
                  seats=2, mentor_hours=2, status=P.IN_PROGRESS, tags=("python", "data"),
                  filled=1)  # fmt: skip
    pb = _project(session, m1, "Project B", department=ENG, start=date(2030, 5, 27), weeks=2,
                  seats=1, mentor_hours=1, status=P.OPEN, tags=("python",), filled=1)  # fmt: skip
    pc = _project(session, m2, "=cmd|' /C calc'!A0", department=BIO, start=date(2030, 5, 20),
                  weeks=3, seats=3, mentor_hours=1.5, status=P.IN_PROGRESS,
                  tags=("genomics", "data"), filled=2)  # fmt: skip
    pd = _project(session, m2, "Project D", department=BIO, start=date(2030, 6, 24), weeks=2,
                  seats=2, mentor_hours=1, status=P.CANCELLED, tags=("genomics",))  # fmt: skip
    _project(session, m1, "Project E draft", department=ENG, start=date(2030, 6, 3), weeks=2,
             seats=2, mentor_hours=1, status=P.DRAFT, tags=("python",))  # fmt: skip
    old = _project(session, m1, "Project Old", department=ENG, start=date(2029, 1, 7), weeks=2,
                   seats=1, mentor_hours=1, status=P.COMPLETED, tags=("python",))  # fmt: skip
    a = {}
    a["a1"] = _application(session, u["s1"], pa, S.APPROVED, at("2030-04-01", "10:00"),
                           at("2030-04-03", "10:00"), at("2030-04-05", "09:00"))  # fmt: skip
    a["a2"] = _application(session, u["s2"], pa, S.ENDED_EARLY, at("2030-04-02", "10:00"),
                           at("2030-04-04", "10:00"), at("2030-04-10", "10:00"),
                           updated=at("2030-05-20"))  # fmt: skip
    a["a3"] = _application(session, u["s3"], pa, S.DECLINED, at("2030-04-02"))
    a["a4"] = _application(session, u["s1"], pb, S.ACCEPTED, at("2030-05-01", "10:00"),
                           at("2030-06-05", "12:00"))  # fmt: skip
    a["a5"] = _application(session, u["s4"], pb, S.SUBMITTED, at("2030-05-02"))
    a["a6"] = _application(session, u["s5"], pb, S.WITHDRAWN, at("2030-05-01"),
                           at("2030-05-02"), updated=at("2030-05-03"))  # fmt: skip
    a["a7"] = _application(session, u["s4"], pc, S.APPROVED, at("2030-05-01"),
                           at("2030-05-01", "12:00"), at("2030-05-02"))  # fmt: skip
    a["a8"] = _application(session, u["s5"], pc, S.REJECTED, at("2030-05-01"),
                           at("2030-05-03"), updated=at("2030-05-13"))  # fmt: skip
    a["a9"] = _application(session, u["s6"], pc, S.ACCEPTED, at("2030-05-04"),
                           at("2030-06-10"))  # fmt: skip
    a["a10"] = _application(session, u["s2"], pc, S.WAITLISTED, at("2030-05-04"))
    a["a11"] = _application(session, u["s6"], pd, S.EXPIRED, at("2030-06-01"))
    a["a12"] = _application(session, u["s3"], old, S.COMPLETED, at("2028-12-01"),
                            at("2028-12-02"), at("2028-12-20"),
                            updated=at("2029-01-20"))  # fmt: skip
    for app_key, held_on, minutes in (
        ("a1", date(2030, 5, 7), 60),
        ("a1", date(2030, 5, 14), 30),
        ("a7", date(2030, 5, 21), 90),
        ("a7", date(2030, 5, 22), 45),
    ):
        match = a[app_key]
        session.add(
            MatchSession(
                application_id=match.id,
                author_id=match.student_id,
                held_on=held_on,
                minutes=minutes,
                summary="Worked on the plan.",
            )
        )
    start, close = SelfEfficacyPhase.START, SelfEfficacyPhase.CLOSE
    _efficacy(session, a["a1"], start, [2, 2, 3, 3, 2])
    _efficacy(session, a["a1"], close, [4, 4, 4, 3, 4])
    _efficacy(session, a["a7"], start, [3, 3, 3, 3, 3])
    _efficacy(session, a["a7"], close, [3, 3, 3, 3, 3])
    _efficacy(session, a["a12"], start, [4, 4, 4, 4, 4])
    _efficacy(session, a["a12"], close, [3, 4, 4, 4, 4])
    _efficacy(session, a["a2"], start, [1, 1, 1, 1, 1])  # no close: not a pair
    session.flush()
    ids = {key: row.id or 0 for key, row in a.items()}
    ids |= {"pa": pa.id or 0, "pb": pb.id or 0, "pc": pc.id or 0}
    return World(ids=ids, users=u)


@pytest.fixture
def world(engine: Engine) -> World:
    return h.build(engine, build_world)


def dashboard(engine: Engine, actor: User, **filters) -> object:
    with read_session(engine) as session:
        return program_dashboard(session, actor=actor, filters=DashboardFilter(**filters), now=NOW)


# ---------------------------------------------------------------------------- dashboard


def test_whole_program_figures_match_the_hand_computed_values(engine, world):
    board = dashboard(engine, world.users["admin"])
    funnel = board.funnel
    # 12 applications (drafts have none); accepted at some point: a1 a2 a4 a6 a7 a8 a9 a12;
    # matches: a1 a2 a7 a12; completed: a12; ended early: a2.
    assert (funnel.submitted, funnel.accepted, funnel.approved, funnel.completed) == (12, 8, 4, 1)
    assert funnel.ended_early == 1
    # Whole days from submission to approval: a1 3, a2 8, a7 1, a12 19 → median (3 + 8) / 2.
    assert board.matches == 4
    assert board.median_days_to_match == 5.5
    # Decided after (days): a1 1, a2 6, a7 0, a8 10 (rejected), a12 18; waiting: a4 5, a9 0.
    assert board.approval_ages == [
        AgeBucket("0–1 days", 2, 1),
        AgeBucket("2–3 days", 0, 0),
        AgeBucket("4–7 days", 1, 1),
        AgeBucket("8–14 days", 1, 0),
        AgeBucket("over 14 days", 1, 0),
    ]
    # python: A (3 apps, 2 seats) + B (3, 1) + Old (1, 1); data: A + C (4, 3);
    # genomics: C + D (1 app, cancelled: no seats).
    assert board.demand == [
        TagDemand("python", 7, 4),
        TagDemand("data", 7, 5),
        TagDemand("genomics", 5, 3),
    ]
    # Engineering: A 2×4 (matched) + B 1×2 + Old 1×2 (matched); Biology: C 1.5×3 (matched),
    # D cancelled. Logged: a1 60 + 30 min, a7 90 + 45 min.
    assert board.hours == [
        DepartmentHours(BIO, 4.5, 4.5, 2.25),
        DepartmentHours(ENG, 12.0, 10.0, 1.5),
    ]
    assert board.sessions == [
        WeekSessions(date(2030, 5, 6), 1, 1.0),
        WeekSessions(date(2030, 5, 13), 1, 0.5),
        WeekSessions(date(2030, 5, 20), 2, 2.25),
    ]
    # Running: a1 (last session 14 May, before the 20 May cutoff: at risk) and a7 (22 May).
    assert (board.at_risk.running, board.at_risk.at_risk) == (2, 1)
    change = board.self_efficacy
    assert (change.pairs, change.improved, change.unchanged, change.declined) == (3, 1, 1, 1)
    assert change.start_mean == pytest.approx((2.4 + 3.0 + 4.0) / 3)
    assert change.close_mean == pytest.approx((3.8 + 3.0 + 3.8) / 3)
    assert change.change == pytest.approx(0.4)


def test_department_and_date_range_narrow_every_figure(engine, world):
    board = dashboard(
        engine, world.users["f_bio"], department=ENG, start=date(2030, 1, 1), end=date(2030, 12, 31)
    )
    # Projects A and B only (Old starts in 2029, E is a draft).
    funnel = board.funnel
    assert (funnel.submitted, funnel.accepted, funnel.approved, funnel.completed) == (6, 4, 2, 0)
    assert board.median_days_to_match == 5.5  # a1 3, a2 8
    assert [(b.decided, b.waiting) for b in board.approval_ages] == [
        (1, 0),
        (0, 0),
        (1, 1),
        (0, 0),
        (0, 0),
    ]
    assert board.demand == [TagDemand("python", 6, 3), TagDemand("data", 3, 2)]
    assert board.hours == [DepartmentHours(ENG, 10.0, 8.0, 1.5)]
    assert [(w.week, w.sessions) for w in board.sessions] == [
        (date(2030, 5, 6), 1),
        (date(2030, 5, 13), 1),
    ]
    assert (board.at_risk.running, board.at_risk.at_risk) == (1, 1)
    assert board.self_efficacy.pairs == 1
    assert board.self_efficacy.change == pytest.approx(3.8 - 2.4)


def test_an_empty_range_gives_zeros_not_errors(engine, world):
    board = dashboard(engine, world.users["admin"], start=date(2031, 1, 1), end=date(2031, 2, 1))
    assert board.funnel.submitted == 0
    assert board.median_days_to_match is None
    assert board.demand == [] and board.hours == [] and board.sessions == []
    assert board.self_efficacy.pairs == 0 and board.self_efficacy.change is None


def test_students_and_alumni_may_not_read_the_dashboard(engine, world):
    for who in ("s1", "m1"):
        with pytest.raises(PermissionDenied), read_session(engine) as session:
            program_dashboard(session, actor=world.users[who], filters=DashboardFilter())
    refused = h.audit_rows(engine, action="program.dashboard", outcome="refused")
    assert len(refused) == 2


def test_the_department_filter_lists_departments_with_published_projects(engine, world):
    with write_transaction(engine) as session:
        h.project(session, world.users["m2"], department="Drafts Only", status=P.DRAFT)
    with read_session(engine) as session:
        names = departments(session, actor=world.users["f_all"])
    assert names == sorted({ENG, BIO}) and "Drafts Only" not in names


PARTS = [funnel_figures, timing_figures, demand_figures, hours_figures, workspace_figures]


@pytest.mark.parametrize("part", PARTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("who", ["s1", "m1"])
def test_every_part_of_the_dashboard_refuses_students_and_alumni(engine, world, part, who):
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        part(session, actor=world.users[who], filters=DashboardFilter())
    assert h.audit_rows(engine, action="program.dashboard", outcome="refused")


@pytest.mark.parametrize("who", ["admin", "f_bio"])
def test_the_parts_add_up_to_the_whole_dashboard(engine, world, who):
    actor, filters = world.users[who], DashboardFilter(start=date(2020, 1, 1))
    board = dashboard(engine, actor, start=date(2020, 1, 1))
    with read_session(engine) as session:
        funnel = funnel_figures(session, actor=actor, filters=filters)
        timing = timing_figures(session, actor=actor, filters=filters, now=NOW)
        workspace = workspace_figures(session, actor=actor, filters=filters, now=NOW)
        assert demand_figures(session, actor=actor, filters=filters) == board.demand
        assert hours_figures(session, actor=actor, filters=filters) == board.hours
    assert (funnel, timing.matches) == (board.funnel, board.matches)
    assert timing.median_days_to_match == board.median_days_to_match
    assert timing.approval_ages == board.approval_ages
    assert (workspace.sessions, workspace.at_risk) == (board.sessions, board.at_risk)
    assert workspace.self_efficacy == board.self_efficacy


@pytest.mark.parametrize("who", ["admin", "f_bio"])
def test_parts_computed_side_by_side_are_the_whole_dashboard_in_the_order_asked(engine, world, who):
    actor, filters = world.users[who], DashboardFilter(start=date(2020, 1, 1))
    board = dashboard(engine, actor, start=date(2020, 1, 1))
    asked = ["hours", "timing", "funnel", "workspace", "demand"]
    parts = list(dashboard_parts(engine, actor=actor, filters=filters, parts=asked, now=NOW))
    assert [part.name for part in parts] == asked
    found = {part.name: part.figures for part in parts}
    assert found["hours"] == board.hours and found["demand"] == board.demand
    assert found["funnel"] == board.funnel
    assert found["timing"].median_days_to_match == board.median_days_to_match
    assert found["timing"].approval_ages == board.approval_ages
    assert found["workspace"].sessions == board.sessions
    assert found["workspace"].self_efficacy == board.self_efficacy


def test_dashboard_parts_are_computed_at_the_same_time(engine, world, monkeypatch):
    import threading

    import core.program
    import core.program.kept_figures

    # Each of the two parts waits for the other: computed one after the other, both time out.
    both = threading.Barrier(2, timeout=10)

    def meets(real):
        def reader(*args, **kwargs):
            both.wait()
            return real(*args, **kwargs)

        return reader

    monkeypatch.setattr(
        core.program.kept_figures, "demand_figures", meets(core.program.demand_figures)
    )
    monkeypatch.setattr(
        core.program.kept_figures, "hours_figures", meets(core.program.hours_figures)
    )
    parts = dashboard_parts(
        engine, actor=world.users["admin"], filters=DashboardFilter(), parts=["demand", "hours"]
    )
    assert [part.name for part in parts] == ["demand", "hours"]


@pytest.mark.parametrize("who", ["s1", "m1"])
def test_dashboard_parts_refuse_students_and_alumni_once(engine, world, who):
    parts = dashboard_parts(engine, actor=world.users[who], filters=DashboardFilter())
    with pytest.raises(PermissionDenied):
        next(parts)
    assert len(h.audit_rows(engine, action="program.dashboard", outcome="refused")) == 1


def test_dashboard_parts_reject_an_unknown_part(engine, world):
    with pytest.raises(ValueError, match="unknown dashboard parts"):
        next(
            dashboard_parts(
                engine, actor=world.users["admin"], filters=DashboardFilter(), parts=["budget"]
            )
        )


# ---------------------------------------------------------------------------- kept figures


@pytest.fixture
def counted_parts(monkeypatch):
    """Record which parts are computed (rather than read back from the kept figures)."""
    import core.program
    import core.program.kept_figures

    computed: list[str] = []
    for part in ("funnel", "timing", "demand", "hours", "workspace"):
        real = getattr(core.program, f"{part}_figures")

        def counting(*args, _part=part, _real=real, **kwargs):
            computed.append(_part)
            return _real(*args, **kwargs)

        monkeypatch.setattr(core.program.kept_figures, f"{part}_figures", counting)
    return computed


def _parts(engine, actor, filters, **kwargs) -> dict[str, DashboardPart]:
    return {p.name: p for p in dashboard_parts(engine, actor=actor, filters=filters, **kwargs)}


def _kept_rows(engine) -> list[KeptFigures]:
    with read_session(engine) as session:
        return list(session.exec(select(KeptFigures).order_by(KeptFigures.part)))


def test_a_second_viewer_sees_the_kept_figures_without_counting_them(engine, world, counted_parts):
    filters = DashboardFilter(start=date(2020, 1, 1))
    first = _parts(engine, world.users["f_bio"], filters, now=NOW)
    assert sorted(counted_parts) == sorted(first)
    counted_parts.clear()
    later = NOW + FIGURES_MAX_AGE - timedelta(seconds=1)
    second = _parts(engine, world.users["admin"], filters, now=later)
    assert counted_parts == []
    # Read back from JSON, every part equals what was computed, dates and all.
    assert {n: p.figures for n, p in second.items()} == {n: p.figures for n, p in first.items()}
    assert {p.computed_at for p in second.values()} == {NOW}
    board = dashboard(engine, world.users["admin"], start=date(2020, 1, 1))
    assert second["funnel"].figures == board.funnel
    assert second["workspace"].figures.sessions == board.sessions


def test_figures_older_than_the_maximum_age_are_counted_again(engine, world, counted_parts):
    filters = DashboardFilter(start=date(2020, 1, 1))
    _parts(engine, world.users["admin"], filters, now=NOW)
    counted_parts.clear()
    later = NOW + FIGURES_MAX_AGE
    again = _parts(engine, world.users["admin"], filters, now=later)
    assert sorted(counted_parts) == sorted(again)
    assert {p.computed_at for p in again.values()} == {later}
    assert [row.computed_at for row in _kept_rows(engine)] == [later] * 5


def test_a_maximum_age_of_zero_counts_again_and_replaces_the_kept_figures(
    engine, world, counted_parts
):
    filters = DashboardFilter(start=date(2020, 1, 1))
    _parts(engine, world.users["admin"], filters, now=NOW)
    counted_parts.clear()
    moment = NOW + timedelta(seconds=5)
    _parts(engine, world.users["admin"], filters, now=moment, max_age=timedelta(0))
    assert len(counted_parts) == 5
    assert {row.computed_at for row in _kept_rows(engine)} == {moment}


def test_figures_are_kept_per_filter(engine, world, counted_parts):
    _parts(engine, world.users["admin"], DashboardFilter(start=date(2020, 1, 1)), now=NOW)
    counted_parts.clear()
    biology = _parts(
        engine,
        world.users["admin"],
        DashboardFilter(department=BIO, start=date(2020, 1, 1)),
        now=NOW,
    )
    assert sorted(counted_parts) == sorted(biology)
    assert len(_kept_rows(engine)) == 10
    keys = {filter_key(DashboardFilter(department=BIO, start=date(2020, 1, 1)))}
    keys.add(filter_key(DashboardFilter(start=date(2020, 1, 1))))
    assert {row.filter_key for row in _kept_rows(engine)} == keys


def test_figures_past_their_age_are_removed_when_others_are_kept(engine, world):
    biology = DashboardFilter(department=BIO)
    _parts(engine, world.users["admin"], biology, now=NOW)
    later = NOW + FIGURES_MAX_AGE
    _parts(engine, world.users["admin"], DashboardFilter(), parts=["funnel"], now=later)
    assert [(row.filter_key, row.computed_at) for row in _kept_rows(engine)] == [
        (filter_key(DashboardFilter()), later)
    ]


def test_parts_stored_side_by_side_prune_old_figures_without_a_deadlock(engine, world, monkeypatch):
    import threading

    import core.program
    import core.program.kept_figures

    admin, filters = world.users["admin"], DashboardFilter()
    _parts(engine, admin, filters, parts=["funnel", "timing"], now=NOW)
    if engine.dialect.name == "postgresql":
        # Each count holds the row it stored while both prune the old ones: a plain DELETE
        # waits for the other's row, and the two wait for each other. (SQLite's write lock
        # lets one transaction in at a time, so there the two run one after the other.)
        both = threading.Barrier(2, timeout=20)
        real = core.program.keep_part

        def stored_together(session, part, *, key):
            real(session, part, key=key)
            both.wait()

        monkeypatch.setattr(core.program.kept_figures, "keep_part", stored_together)
    later = NOW + FIGURES_MAX_AGE
    parts = _parts(engine, admin, filters, parts=["funnel", "timing"], now=later, workers=2)
    assert {part.computed_at for part in parts.values()} == {later}
    assert [row.computed_at for row in _kept_rows(engine)] == [later, later]


def test_a_filter_key_tells_every_filter_apart():
    filters = [
        DashboardFilter(),
        DashboardFilter(department=BIO),
        DashboardFilter(start=date(2030, 1, 1)),
        DashboardFilter(end=date(2030, 1, 1)),
        DashboardFilter(department="A|2030-01-01"),
        DashboardFilter(department="A", start=date(2030, 1, 1)),
    ]
    assert len({filter_key(f) for f in filters}) == len(filters)


def test_an_older_computation_never_replaces_newer_kept_figures(engine, world):
    key = filter_key(DashboardFilter())
    newer = DashboardPart("funnel", Funnel(submitted=7), NOW)
    older = DashboardPart("funnel", Funnel(submitted=3), NOW - timedelta(minutes=1))
    with write_transaction(engine) as session:
        keep_part(session, newer, key=key)
    with write_transaction(engine) as session:
        keep_part(session, older, key=key)
    (row,) = _kept_rows(engine)
    assert row.computed_at == NOW and '"submitted":7' in row.figures


def test_two_viewers_computing_the_same_filter_at_once_both_see_figures(engine, world, monkeypatch):
    import threading

    import core.program
    import core.program.kept_figures

    # Both computations reach the store together, so the second meets the first's row.
    both = threading.Barrier(2, timeout=20)
    real = core.program.keep_part

    def together(session, part, *, key):
        if part.name == "funnel":
            both.wait()
        real(session, part, key=key)

    monkeypatch.setattr(core.program.kept_figures, "keep_part", together)
    results: dict[str, dict[str, DashboardPart]] = {}
    failures: list[BaseException] = []

    def view(who: str, moment: datetime) -> None:
        try:
            results[who] = _parts(
                engine, world.users[who], DashboardFilter(), parts=["funnel"], now=moment
            )
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)

    threads = [
        threading.Thread(target=view, args=("admin", NOW)),
        threading.Thread(target=view, args=("f_bio", NOW + timedelta(seconds=1))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert results["admin"]["funnel"].figures == results["f_bio"]["funnel"].figures
    (row,) = _kept_rows(engine)
    assert row.computed_at == NOW + timedelta(seconds=1)


def test_refresh_counts_the_default_figures_for_the_program_and_each_department(
    engine, world, counted_parts
):
    admin = world.users["admin"]
    with read_session(engine) as session:
        names = departments(session, actor=admin)
    assert refresh_figures(engine, actor=admin) == 1 + len(names) == 3
    assert len(counted_parts) == 5 * 3
    counted_parts.clear()
    for department in (None, *names):
        filters = replace(default_filter(), department=department)
        _parts(engine, world.users["f_bio"], filters)
    assert counted_parts == []  # every viewer of a default filter is served the kept figures


def test_refresh_figures_command_counts_as_a_faculty_account_only(sqlite_engine, tmp_path):
    world = h.build(sqlite_engine, build_world)

    def run(who: str) -> subprocess.CompletedProcess[str]:
        return run_core("refresh-figures", "--as", who, **_on(sqlite_engine, tmp_path))

    done = run(world.users["admin"].username)
    assert done.returncode == 0, done.stderr
    assert "Counted the figures of 3 filters" in done.stdout
    assert len(_kept_rows(sqlite_engine)) == 15
    refused = run(world.users["s1"].username)
    assert refused.returncode == 1 and "Only faculty, admin" in refused.stderr
    assert run("nobody-here").returncode == 1


def test_median_of_a_histogram():
    assert median_of_histogram({}) is None
    assert median_of_histogram({4: 1}) == 4
    assert median_of_histogram({1: 1, 3: 1, 8: 1, 19: 1}) == 5.5
    assert median_of_histogram({0: 2, 5: 1}) == 0
    assert median_of_histogram({2: 2, 6: 2}) == 4


# ---------------------------------------------------------------------------- queue


def queue_ids(engine: Engine, actor: User) -> list[int]:
    with read_session(engine) as session:
        return [row.item.application_id for row in queue_with_loads(session, actor=actor)]


def test_queue_scope_department_program_wide_admin_and_never_own_projects(engine, world):
    ids, u = world.ids, world.users
    assert queue_ids(engine, u["f_eng"]) == [ids["a4"]]
    assert queue_ids(engine, u["f_bio"]) == [ids["a9"]]
    # Oldest acceptance first: a4 accepted 5 June, a9 10 June.
    assert queue_ids(engine, u["f_all"]) == [ids["a4"], ids["a9"]]
    assert queue_ids(engine, u["admin"]) == [ids["a4"], ids["a9"]]
    # m2 is Biology faculty but mentors project C: its application is not in their queue.
    assert queue_ids(engine, u["m2"]) == []
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        queue_with_loads(session, actor=u["s1"])


def test_queue_row_has_statement_pseudonym_and_both_loads(engine, world):
    with read_session(engine) as session:
        rows = queue_with_loads(session, actor=world.users["admin"])
    row = rows[0]
    assert row.item.application_id == world.ids["a4"]
    assert row.statement == h.STATEMENT
    assert row.blind and row.item.student_name.startswith("Applicant ")
    # Project B occupies the weeks of 27 May and 3 June; s1's match on A (3 h) ends 2 June.
    assert [(w.week, w.committed, w.adding, w.limit) for w in row.student_weeks] == [
        (date(2030, 5, 27), 3.0, 3.0, 8.0),
        (date(2030, 6, 3), 0.0, 3.0, 8.0),
    ]
    assert row.student_peak.total == 6.0
    # m1's live projects: A (2 h, through 2 June) and B itself (1 h); budget 4.
    assert [(w.week, w.committed, w.limit) for w in row.mentor_weeks] == [
        (date(2030, 5, 27), 3.0, 4.0),
        (date(2030, 6, 3), 1.0, 4.0),
    ]
    assert row.mentor_peak.week == date(2030, 5, 27)


def test_queue_age_counts_days_since_acceptance_and_flags_over_three(engine):
    def build(session: Session) -> int:
        mentor = h.user(session, Role.ALUMNI)
        project = h.project(session, mentor)
        student = h.user(session, Role.STUDENT)
        found = h.application(session, student, project, S.ACCEPTED)
        found.accepted_at = found.updated_at = utcnow() - timedelta(days=5, hours=1)
        session.add(found)
        return found.id or 0

    h.build(engine, build)
    with write_transaction(engine) as session:
        admin = h.user(session, Role.ADMIN, department=None)
    with read_session(engine) as session:
        (row,) = queue_with_loads(session, actor=admin)
    assert row.item.age_days == 5 and row.overdue


def test_the_queue_takes_a_fixed_number_of_statements(engine, world):
    from sqlalchemy import event

    def count() -> int:
        seen = []

        def listener(*_args: object) -> None:
            seen.append(1)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            with read_session(engine) as session:
                queue_with_loads(session, actor=world.users["admin"])
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = count()

    def more(session: Session) -> None:
        mentor = h.user(session, Role.ALUMNI)
        for _ in range(6):
            project = h.project(session, mentor, seats=3)
            for _ in range(2):
                h.application(session, h.user(session, Role.STUDENT), project, S.ACCEPTED)

    h.build(engine, more)
    # BEGIN, then the queue with its statements, the students' matches, the mentors' projects.
    assert count() == before <= 4


def test_bulk_approval_completes_the_others_and_names_the_failure(engine, world):
    ids = world.ids
    results = approve_each(
        engine, actor=world.users["f_bio"], application_ids=[ids["a4"], ids["a9"]]
    )
    assert [(r.application_id, r.ok) for r in results] == [(ids["a4"], False), (ids["a9"], True)]
    assert "Engineering" in results[0].message
    assert h.status_of(engine, ids["a4"]) is S.ACCEPTED
    assert h.status_of(engine, ids["a9"]) is S.APPROVED
    assert h.audit_rows(engine, action="application.approve", outcome="refused")


# ---------------------------------------------------------------------------- exports


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_match_export_scope_columns_and_hours(engine, world):
    u = world.users
    with read_session(engine) as session:
        everything = rows_of(export_csv(session, actor=u["admin"], kind="matches"))
        engineering = rows_of(export_csv(session, actor=u["f_eng"], kind="matches"))
        biology = rows_of(export_csv(session, actor=u["f_bio"], kind="matches"))
    assert [r["project"] for r in everything] == [
        "Project Old",
        "Project A",
        "Project A",
        "'=cmd|' /C calc'!A0",
    ]
    first_a = everything[1]
    assert first_a == {
        "project": "Project A",
        "department": ENG,
        "mentor": u["m1"].display_name,
        "student": "Student One",  # a match: the real name, blind review is over
        "approved_on": "2030-04-05",
        "start_date": "2030-05-06",
        "end_date": "2030-06-02",
        "hours_planned": "12",
        "hours_logged": "1.5",
        "status": "approved",
    }
    assert [r["status"] for r in engineering] == ["completed", "approved", "ended_early"]
    assert len(biology) == 1
    assert biology[0]["mentor"] == "'@Mentor Two"
    assert biology[0]["student"] == "'-Sam Four"
    assert biology[0]["hours_logged"] == "2.25"


def test_project_export_lists_published_projects_in_scope(engine, world):
    with read_session(engine) as session:
        text = export_csv(session, actor=world.users["f_eng"], kind="projects")
    found = rows_of(text)
    assert [r["project"] for r in found] == ["Project Old", "Project A", "Project B"]
    a = found[1]
    assert (a["tags"], a["applications"], a["matches"], a["status"]) == (
        "data, python",
        "3",
        "2",
        "in_progress",
    )


def _person(role: Role, *, department: str | None = None, program_wide: bool = False) -> User:
    return User(
        id=7,
        username="x",
        email="x@example.edu",
        display_name="X",
        role=role,
        password_hash="-",
        pseudonym="x",
        department=department,
        program_wide=program_wide,
    )


def test_the_export_scope_is_the_program_a_department_and_own_projects_or_own_projects():
    admin = export_scope(_person(Role.ADMIN))
    wide = export_scope(_person(Role.FACULTY, department=ENG, program_wide=True))
    eng = export_scope(_person(Role.FACULTY, department=ENG))
    nowhere = export_scope(_person(Role.FACULTY))
    assert admin.description == wide.description == "the whole program"
    assert admin.conditions() == wide.conditions() == []
    assert eng.description == f"the {ENG} department and your own projects"
    assert len(eng.conditions()) == 1 and eng.department == ENG
    assert nowhere.description == "your own projects"
    assert (nowhere.department, nowhere.owner_id, nowhere.whole_program) == (None, 7, False)


def test_exports_refuse_students(engine, world):
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        export_csv(session, actor=world.users["s1"], kind="projects")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Plain title", "Plain title"),
        ("a=b", "a=b"),
        (None, ""),
        (1.5, "1.5"),
        (2.0, "2"),
    ],
)
def test_safe_cell_neutralises_formulas(value, cell):
    assert safe_cell(value) == cell


def test_export_command_writes_the_scope_as_csv(sqlite_engine, tmp_path):
    world = h.build(sqlite_engine, build_world)
    admin, student = world.users["admin"].username, world.users["s1"].username

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_core("export", *args, **_on(sqlite_engine, tmp_path))

    out = tmp_path / "matches.csv"
    done = run("matches", "--as", admin, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote 4 matches rows to" in done.stderr
    assert len(rows_of(out.read_text())) == 4
    shown = run("projects", "--as", admin)
    assert shown.returncode == 0, shown.stderr
    assert len(rows_of(shown.stdout)) == 5  # A, B, C, D (cancelled) and Old; not the draft
    refused = run("projects", "--as", student)
    assert refused.returncode == 1 and "Only faculty, admin" in refused.stderr
    unknown = run("projects", "--as", "nobody-here")
    assert unknown.returncode == 1 and "No account" in unknown.stderr
