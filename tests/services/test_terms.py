"""Program terms: admin services (refusals write nothing), the term choosers, and the term
filter on browse, the dashboard (with the comparison to the term before) and the exports, on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select

from core.catalog import search_projects
from core.documents import export_csv
from core.models import AuditEntry, ProgramTerm, Project, ProjectStatus, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import NotFound, PermissionDenied, ValidationFailed
from core.program import (
    compare_terms,
    create_term,
    current_term,
    dashboard_parts,
    default_dashboard_filter,
    default_filter,
    delete_term,
    find_current_term,
    list_terms,
    previous_term,
    refresh_figures,
    term_filter,
    term_of,
    update_term,
)
from tests import factories as h
from tests.services.test_program import BIO, ENG, NOW, build_world

SPRING = ("Spring 2030", date(2030, 1, 1), date(2030, 5, 19))
SUMMER = ("Summer 2030", date(2030, 5, 20), date(2030, 8, 31))
FALL = ("Fall 2030", date(2030, 9, 1), date(2030, 12, 20))


@pytest.fixture
def people(engine: Engine) -> dict[str, User]:
    def build(session):
        found = {role.value: h.user(session, role, department=ENG) for role in Role}
        found["inactive_admin"] = h.user(session, Role.ADMIN, is_active=False)
        return found

    return h.build(engine, build)


def add(engine: Engine, actor: User, name: str, start: date, end: date) -> ProgramTerm:
    with write_transaction(engine) as session:
        return create_term(session, actor=actor, name=name, start_date=start, end_date=end)


def stored(engine: Engine) -> list[tuple[str, date, date]]:
    with read_session(engine) as session:
        rows = session.exec(select(ProgramTerm).order_by(ProgramTerm.start_date)).all()
        return [(t.name, t.start_date, t.end_date) for t in rows]


def audit_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


# ---------------------------------------------------------------------------- services


def test_an_admin_creates_updates_and_deletes_terms_each_audited(engine, people):
    admin = people["admin"]
    spring = add(engine, admin, "  Spring 2030 ", SPRING[1], SPRING[2])
    assert stored(engine) == [SPRING]
    with write_transaction(engine) as session:
        update_term(
            session,
            actor=admin,
            term_id=spring.id,
            name="Spring term 2030",
            start_date=date(2030, 1, 7),
            end_date=date(2030, 5, 19),
        )
    assert stored(engine) == [("Spring term 2030", date(2030, 1, 7), date(2030, 5, 19))]
    with write_transaction(engine) as session:
        gone = delete_term(session, actor=admin, term_id=spring.id)
    assert gone.name == "Spring term 2030" and stored(engine) == []
    rows = [r for r in h.audit_rows(engine) if r.entity == "program_term"]
    assert [(r.action, r.outcome, r.entity_id) for r in rows] == [
        ("term.create", "ok", spring.id),
        ("term.update", "ok", spring.id),
        ("term.delete", "ok", spring.id),
    ]
    assert '"name": "Spring 2030"' in (rows[1].before or "")
    assert '"start_date": "2030-01-07"' in (rows[1].after or "")
    assert rows[2].after is None and "Spring term 2030" in (rows[2].before or "")


def test_an_update_may_keep_its_own_dates_and_name(engine, people):
    spring = add(engine, people["admin"], *SPRING)
    with write_transaction(engine) as session:
        update_term(
            session,
            actor=people["admin"],
            term_id=spring.id,
            name="SPRING 2030",  # its own name in other letters is not a duplicate
            start_date=SPRING[1],
            end_date=SPRING[2],
        )
    assert stored(engine) == [("SPRING 2030", SPRING[1], SPRING[2])]


@pytest.mark.parametrize(
    ("name", "start", "end", "field", "words"),
    [
        # Overlaps, the shared day included (both ends of a term are inclusive).
        ("Late spring", date(2030, 5, 19), date(2030, 6, 1), "start_date", "overlap"),
        ("Winter", date(2029, 12, 1), date(2030, 1, 1), "start_date", "overlap"),
        ("Inside", date(2030, 2, 1), date(2030, 3, 1), "start_date", "overlap"),
        ("Around", date(2029, 12, 1), date(2030, 12, 1), "start_date", "overlap"),
        ("Backwards", date(2030, 9, 10), date(2030, 9, 9), "end_date", "before the start"),
        ("spring 2030", date(2030, 9, 1), date(2030, 12, 1), "name", "already exists"),
        ("", date(2030, 9, 1), date(2030, 12, 1), "name", "is required"),
        ("   ", date(2030, 9, 1), date(2030, 12, 1), "name", "is required"),
        ("x" * 41, date(2030, 9, 1), date(2030, 12, 1), "name", "at most 40"),
        ("Fall\x1b[2J", date(2030, 9, 1), date(2030, 12, 1), "name", "control characters"),
        ("Fall\u202e2030", date(2030, 9, 1), date(2030, 12, 1), "name", "text-direction"),
        ("Fall 2030", None, date(2030, 12, 1), "start_date", "must be a date"),
        ("Fall 2030", "2030-09-01", date(2030, 12, 1), "start_date", "must be a date"),
    ],
)
def test_bad_terms_are_refused_with_a_message_and_nothing_written(
    engine, people, name, start, end, field, words
):
    add(engine, people["admin"], *SPRING)
    before = (stored(engine), audit_count(engine))
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        create_term(session, actor=people["admin"], name=name, start_date=start, end_date=end)
    assert field in refused.value.fields
    assert words in refused.value.message
    assert (stored(engine), audit_count(engine)) == before


def test_the_day_after_a_term_may_start_the_next(engine, people):
    add(engine, people["admin"], *SPRING)
    add(engine, people["admin"], *SUMMER)  # starts the day after spring's last day
    add(engine, people["admin"], "One day", date(2030, 9, 1), date(2030, 9, 1))
    assert [name for name, _, _ in stored(engine)] == ["Spring 2030", "Summer 2030", "One day"]


def test_an_overlap_message_names_the_other_term_and_its_dates(engine, people):
    add(engine, people["admin"], *SPRING)
    with pytest.raises(ValidationFailed) as refused, write_transaction(engine) as session:
        create_term(
            session,
            actor=people["admin"],
            name="Clash",
            start_date=date(2030, 5, 1),
            end_date=date(2030, 6, 1),
        )
    assert "Spring 2030 (01 Jan 2030 – 19 May 2030)" in refused.value.message


def test_updates_are_refused_like_creations_and_change_nothing(engine, people):
    admin = people["admin"]
    add(engine, admin, *SPRING)
    summer = add(engine, admin, *SUMMER)
    before = (stored(engine), audit_count(engine))
    for name, start, end in (
        ("Summer 2030", date(2030, 5, 19), date(2030, 8, 31)),  # into spring's last day
        ("Spring 2030", date(2030, 5, 20), date(2030, 8, 31)),  # spring's name
        ("Summer 2030", date(2030, 8, 31), date(2030, 5, 20)),  # backwards
    ):
        with pytest.raises(ValidationFailed), write_transaction(engine) as session:
            update_term(
                session, actor=admin, term_id=summer.id, name=name, start_date=start, end_date=end
            )
    assert (stored(engine), audit_count(engine)) == before


def test_unknown_terms_are_not_found(engine, people):
    for call in (
        lambda s: update_term(
            s, actor=people["admin"], term_id=999, name="X", start_date=SPRING[1],
            end_date=SPRING[2],
        ),
        lambda s: delete_term(s, actor=people["admin"], term_id=999),
    ):  # fmt: skip
        with pytest.raises(NotFound), write_transaction(engine) as session:
            call(session)


@pytest.mark.parametrize("who", ["student", "alumni", "faculty", "inactive_admin"])
@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_only_active_admins_may_change_terms_and_refusals_are_audited(engine, people, who, action):
    spring = add(engine, people["admin"], *SPRING)
    before = stored(engine)
    actor = people[who]
    calls = {
        "create": lambda s: create_term(
            s, actor=actor, name="Fall 2030", start_date=date(2030, 9, 1),
            end_date=date(2030, 12, 20),
        ),
        "update": lambda s: update_term(
            s, actor=actor, term_id=spring.id, name="Renamed", start_date=SPRING[1],
            end_date=SPRING[2],
        ),
        "delete": lambda s: delete_term(s, actor=actor, term_id=spring.id),
    }  # fmt: skip
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        calls[action](session)
    assert stored(engine) == before
    refused = h.audit_rows(engine, action=f"term.{action}", outcome="refused")
    assert [(r.actor_id, r.entity) for r in refused] == [(actor.id, "program_term")]


def test_every_active_account_may_list_terms_earliest_first(engine, people):
    add(engine, people["admin"], *SUMMER)
    add(engine, people["admin"], *SPRING)
    for role in Role:
        with read_session(engine) as session:
            names = [t.name for t in list_terms(session, actor=people[role.value])]
        assert names == ["Spring 2030", "Summer 2030"]
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        list_terms(session, actor=people["inactive_admin"])


def test_deleting_a_term_leaves_its_projects_alone(engine, people):
    spring = add(engine, people["admin"], *SPRING)
    with write_transaction(engine) as session:
        project = h.project(session, people["alumni"], start=date(2030, 3, 2))
        project_id = project.id
    with write_transaction(engine) as session:
        delete_term(session, actor=people["admin"], term_id=spring.id)
    with read_session(engine) as session:
        found = session.get(Project, project_id)
        assert found is not None and found.start_date == date(2030, 3, 2)
        assert found.status is ProjectStatus.OPEN


def test_find_current_term_reads_the_terms(engine, people):
    add(engine, people["admin"], *SPRING)
    add(engine, people["admin"], *SUMMER)
    with read_session(engine) as session:
        found = find_current_term(session, actor=people["student"], today=date(2030, 6, 1))
    assert found is not None and found.name == "Summer 2030"


# ---------------------------------------------------------------------------- choosers


def _terms() -> list[ProgramTerm]:
    # Out of order on purpose: the choosers must not rely on the order they are given.
    return [
        ProgramTerm(id=n, name=name, start_date=start, end_date=end)
        for n, (name, start, end) in ((3, FALL), (1, SPRING), (2, SUMMER))
    ]


def _name(term: ProgramTerm | None) -> str | None:
    return term.name if term is not None else None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2029, 12, 31), None),
        (date(2030, 1, 1), "Spring 2030"),  # first day
        (date(2030, 5, 19), "Spring 2030"),  # last day
        (date(2030, 5, 20), "Summer 2030"),  # the next day
        (date(2030, 8, 31), "Summer 2030"),
        (date(2030, 9, 1), "Fall 2030"),
        (date(2030, 8, 31) + timedelta(days=1), "Fall 2030"),
        (date(2030, 12, 21), None),
    ],
)
def test_term_of_includes_both_ends(day, expected):
    assert _name(term_of(_terms(), day)) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2030, 5, 19), "Spring 2030"),  # containing today, on its last day
        (date(2030, 5, 20), "Summer 2030"),  # on its first day
        (date(2029, 6, 1), "Spring 2030"),  # before every term: the next upcoming one
        (date(2031, 3, 1), "Fall 2030"),  # after every term: the latest past one
    ],
)
def test_current_term_is_today_s_else_the_next_else_the_latest(today, expected):
    assert _name(current_term(_terms(), today=today)) == expected


def test_current_term_in_a_gap_between_terms_is_the_next_one():
    gap = [t for t in _terms() if t.name != "Summer 2030"]
    assert _name(current_term(gap, today=date(2030, 7, 1))) == "Fall 2030"


def test_without_terms_there_is_no_current_or_previous_term():
    assert current_term([], today=date(2030, 1, 1)) is None
    assert term_of([], date(2030, 1, 1)) is None


def test_previous_term_is_the_one_that_ended_last_before():
    terms = _terms()
    by_name = {t.name: t for t in terms}
    assert _name(previous_term(terms, by_name["Fall 2030"])) == "Summer 2030"
    assert _name(previous_term(terms, by_name["Summer 2030"])) == "Spring 2030"
    assert previous_term(terms, by_name["Spring 2030"]) is None


def test_the_dashboard_defaults_to_the_current_term_and_without_terms_to_the_dates():
    on = date(2030, 6, 10)
    chosen = default_dashboard_filter(_terms(), today=on)
    assert (chosen.department, chosen.start, chosen.end) == (None, SUMMER[1], SUMMER[2])
    assert default_dashboard_filter([], today=on) == default_filter(on)


# ---------------------------------------------------------------------------- browse


def test_browse_keeps_projects_starting_within_the_term_both_ends_included(engine, people):
    first, last = date.today() + timedelta(days=30), date.today() + timedelta(days=60)
    starts = {
        "day before": first - timedelta(days=1),
        "first day": first,
        "middle": first + timedelta(days=10),
        "last day": last,
        "day after": last + timedelta(days=1),
    }
    with write_transaction(engine) as session:
        for title, start in starts.items():
            h.project(session, people["alumni"], title=title, start=start)
    student = people["student"]
    with read_session(engine) as session:
        page = search_projects(
            session, actor=student, sort="deadline", starts_from=first, starts_until=last
        )
        everything = search_projects(session, actor=student, sort="deadline")
    assert [row.title for row in page.rows] == ["first day", "middle", "last day"]
    assert page.total == 3
    assert everything.total == 5


@pytest.mark.parametrize(
    ("starts_from", "starts_until", "field"),
    [
        (date(2030, 2, 1), date(2030, 1, 31), "starts_until"),
        ("2030-01-01", None, "starts_from"),
        (None, 20300101, "starts_until"),
    ],
)
def test_browse_refuses_a_bad_term_range(engine, people, starts_from, starts_until, field):
    with pytest.raises(ValidationFailed) as refused, read_session(engine) as session:
        search_projects(
            session, actor=people["student"], starts_from=starts_from, starts_until=starts_until
        )
    assert field in refused.value.fields


# ---------------------------------------------------------------------------- dashboard


@pytest.fixture
def world_with_terms(engine):
    """The program tests' hand-computed world with two terms: Project A starts in spring
    (6 May); B (27 May), C (20 May, summer's first day) and D (24 June) in summer."""
    world = h.build(engine, build_world)
    add(engine, world.users["admin"], *SPRING)
    add(engine, world.users["admin"], *SUMMER)
    with read_session(engine) as session:
        terms = list_terms(session, actor=world.users["admin"])
    return world, {t.name: t for t in terms}


def _figures(engine, actor, filters) -> dict[str, object]:
    parts = dashboard_parts(engine, actor=actor, filters=filters, now=NOW)
    return {part.name: part.figures for part in parts}


def test_dashboard_figures_per_term(engine, world_with_terms):
    world, terms = world_with_terms
    admin = world.users["admin"]
    summer = _figures(engine, admin, term_filter(terms["Summer 2030"]))
    funnel = summer["funnel"]
    # B: a4 accepted, a5 submitted, a6 withdrawn after acceptance; C: a7 approved, a8 rejected,
    # a9 accepted, a10 waitlisted; D: a11 expired.
    assert (funnel.submitted, funnel.accepted, funnel.approved, funnel.completed) == (8, 5, 1, 0)
    assert summer["timing"].matches == 1
    assert summer["timing"].median_days_to_match == 1  # a7: 1 May → 2 May
    # B 1 h × 2 weeks (no match), C 1.5 × 3 (matched, 2.25 h logged), D cancelled.
    assert [(x.department, x.offered, x.matched, x.logged) for x in summer["hours"]] == [
        (BIO, 4.5, 4.5, 2.25),
        (ENG, 2.0, 0.0, 0.0),
    ]
    assert summer["workspace"].self_efficacy.pairs == 1
    assert summer["workspace"].self_efficacy.change == pytest.approx(0)
    spring = _figures(engine, admin, term_filter(terms["Spring 2030"]))
    funnel = spring["funnel"]
    # A: a1 approved, a2 ended early, a3 declined.
    assert (funnel.submitted, funnel.accepted, funnel.approved, funnel.completed) == (3, 2, 2, 0)
    assert spring["timing"].median_days_to_match == 5.5  # a1 3 days, a2 8
    assert [(x.department, x.offered, x.logged) for x in spring["hours"]] == [(ENG, 8.0, 1.5)]
    assert spring["workspace"].self_efficacy.change == pytest.approx(3.8 - 2.4)
    biology = _figures(engine, admin, term_filter(terms["Summer 2030"], BIO))
    assert biology["funnel"].submitted == 5  # C and D only


def test_the_comparison_puts_a_term_beside_the_one_before(engine, world_with_terms):
    world, terms = world_with_terms
    admin = world.users["admin"]
    summer, spring = terms["Summer 2030"], terms["Spring 2030"]
    with read_session(engine) as session:
        listed = list_terms(session, actor=admin)
    assert previous_term(listed, summer).name == "Spring 2030"
    rows = {
        row.label: row
        for row in compare_terms(
            _figures(engine, admin, term_filter(summer)),
            _figures(engine, admin, term_filter(spring)),
        )
    }
    submitted = rows["Applications submitted"]
    assert (submitted.this_term, submitted.previous, submitted.change_text) == (8, 3, "+5")
    median = rows["Median days to match"]
    assert (median.text(median.this_term), median.text(median.previous)) == ("1.0", "5.5")
    assert median.change_text == "-4.5"
    offered = rows["Mentor hours offered"]
    assert (offered.this_term, offered.previous, offered.change_text) == (6.5, 8.0, "-1.5")
    assert rows["Matches completed"].change_text == "no change"
    efficacy = rows["Mean self-efficacy change (close − start)"]
    assert efficacy.change_text == "-1.40"


def test_a_figure_missing_in_one_term_has_no_change(engine, world_with_terms):
    world, terms = world_with_terms
    admin = world.users["admin"]
    add(engine, admin, *FALL)
    empty = _figures(engine, admin, term_filter(terms["Summer 2030"], "Nowhere"))
    rows = {r.label: r for r in compare_terms(empty, empty)}
    median = rows["Median days to match"]
    assert (median.text(median.this_term), median.change_text) == ("–", "–")


def test_refresh_counts_the_current_and_the_previous_term(engine, world_with_terms):
    world, _terms_by_name = world_with_terms
    # 10 June 2030 is in summer: summer and spring, each for the program and two departments.
    assert refresh_figures(engine, actor=world.users["admin"], today=date(2030, 6, 10)) == 6


# ---------------------------------------------------------------------------- exports


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_exports_keep_the_projects_starting_in_the_term(engine, world_with_terms):
    world, terms = world_with_terms
    u = world.users
    summer, spring = terms["Summer 2030"].id, terms["Spring 2030"].id
    with read_session(engine) as session:
        matches = _rows(export_csv(session, actor=u["admin"], kind="matches", term_id=summer))
        projects = _rows(export_csv(session, actor=u["admin"], kind="projects", term_id=summer))
        eng = _rows(export_csv(session, actor=u["f_eng"], kind="projects", term_id=spring))
        eng_matches = _rows(export_csv(session, actor=u["f_eng"], kind="matches", term_id=spring))
        everything = _rows(export_csv(session, actor=u["admin"], kind="projects"))
    assert [r["project"] for r in matches] == ["'=cmd|' /C calc'!A0"]
    assert [r["project"] for r in projects] == ["'=cmd|' /C calc'!A0", "Project B", "Project D"]
    # The scope still holds: Engineering faculty see only their department's spring project.
    assert [r["project"] for r in eng] == ["Project A"]
    assert [r["status"] for r in eng_matches] == ["approved", "ended_early"]
    assert len(everything) == 5


def test_exports_refuse_an_unknown_term_and_students(engine, world_with_terms):
    world, terms = world_with_terms
    with pytest.raises(NotFound), read_session(engine) as session:
        export_csv(session, actor=world.users["admin"], kind="matches", term_id=999)
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        export_csv(
            session, actor=world.users["s1"], kind="projects", term_id=terms["Spring 2030"].id
        )


def test_the_export_command_takes_a_term_by_name(sqlite_engine, tmp_path):
    from tests.cli import run_core

    world = h.build(sqlite_engine, build_world)
    add(sqlite_engine, world.users["admin"], *SPRING)
    admin = world.users["admin"].username
    where = {"database_url": str(sqlite_engine.url), "data_dir": tmp_path}
    done = run_core("export", "projects", "--as", admin, "--term", "spring 2030", **where)
    assert done.returncode == 0, done.stderr
    assert [r["project"] for r in _rows(done.stdout)] == ["Project A"]
    unknown = run_core("export", "projects", "--as", admin, "--term", "Fall 2031", **where)
    assert unknown.returncode == 1 and "No term named 'Fall 2031'" in unknown.stderr


def test_two_admins_adding_overlapping_terms_at_once_get_one_term(engine, people):
    import threading

    from core.platform.db import run_in_transaction

    both = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    def add_one(name: str, start: date) -> None:
        def work(session):
            both.wait()
            return create_term(
                session,
                actor=people["admin"],
                name=name,
                start_date=start,
                end_date=start + timedelta(days=60),
            )

        try:
            run_in_transaction(engine, work)
            outcomes.append("added")
        except ValidationFailed:
            outcomes.append("refused")
        except threading.BrokenBarrierError:
            outcomes.append("broken")

    if engine.dialect.name == "sqlite":
        # BEGIN IMMEDIATE lets one writer in at a time: the two cannot meet at the barrier.
        both = threading.Barrier(1)
    threads = [
        threading.Thread(target=add_one, args=("First", date(2031, 1, 1))),
        threading.Thread(target=add_one, args=("Second", date(2031, 2, 1))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["added", "refused"]
    assert len(stored(engine)) == 1
