"""The student catalog: search, facets, sorts, pagination and project detail, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from core.catalog import departments, project_detail, search_projects
from core.models import ApplicationStatus, ProjectMode, ProjectStatus, Role
from core.platform.db import read_session, write_transaction
from core.platform.errors import NotFound, ValidationFailed
from core.platform.types import utcnow
from tests import factories as h

TODAY = date.today()


@pytest.fixture
def catalog(engine):
    """Three open projects with distinct facets, and a student interested in python and data."""
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI, display_name="Alex Mentor", department="Biology")
        student = h.user(session, Role.STUDENT, weekly_hours=8.0)
        h.interests(session, student, ["python", "data"])
        plants = h.project(
            session,
            mentor,
            title="Sensor network for plants",
            student_hours=6,
            duration=8,
            start=TODAY + timedelta(days=60),
            tag_names=["hardware"],
            department="Biology",
        )
        plants.mode = ProjectMode.IN_PERSON
        plants.description = "Solder and program small Arduino boards."
        plants.published_at = utcnow() - timedelta(days=1)
        dashboard = h.project(
            session,
            mentor,
            title="Food bank dashboard",
            student_hours=3,
            duration=4,
            start=TODAY + timedelta(days=20),
            tag_names=["python", "data"],
        )
        dashboard.published_at = utcnow() - timedelta(days=3)
        review = h.project(
            session,
            mentor,
            title="Code review sprint",
            student_hours=2,
            duration=2,
            start=TODAY + timedelta(days=10),
            tag_names=["python", "open-source"],
        )
        review.published_at = utcnow() - timedelta(days=2)
        review.summary = "Review real code with a maintainer (100% remote)."
        session.add_all([plants, dashboard, review])
        session.flush()
        ids = {"plants": plants.id, "dashboard": dashboard.id, "review": review.id}
    return engine, student, mentor, ids


def titles(page) -> list[str]:
    return [row.title for row in page.rows]


def search(engine, actor, **kw):
    with read_session(engine) as session:
        return search_projects(session, actor=actor, **kw)


# ---------------------------------------------------------------------------- sorts


def test_best_match_ranks_by_shared_interests_then_start(catalog):
    engine, student, _, _ = catalog
    found = search(engine, student)
    assert titles(found) == [
        "Food bank dashboard",
        "Code review sprint",
        "Sensor network for plants",
    ]
    assert found.total == 3
    first = found.rows[0]
    assert first.shared_tags == ("data", "python")
    assert first.tags == ("data", "python")
    assert any("Shares 2 of the project's 2 interest tags" in r for r in first.reasons)
    assert any("Needs 3 h a week" in r for r in first.reasons)
    assert first.seats_left == 2


def test_newest_and_deadline_sorts(catalog):
    engine, student, _, _ = catalog
    assert titles(search(engine, student, sort="newest")) == [
        "Sensor network for plants",
        "Code review sprint",
        "Food bank dashboard",
    ]
    assert titles(search(engine, student, sort="deadline")) == [
        "Code review sprint",
        "Food bank dashboard",
        "Sensor network for plants",
    ]


# ---------------------------------------------------------------------------- text and facets


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dashboard", ["Food bank dashboard"]),
        ("FOOD Bank", ["Food bank dashboard"]),  # case-insensitive, every word
        ("arduino", ["Sensor network for plants"]),  # description
        ("maintainer", ["Code review sprint"]),  # summary
        ("open-source", ["Code review sprint"]),  # tag name
        ("hardware plants", ["Sensor network for plants"]),  # tag + title
        ("100%", ["Code review sprint"]),  # LIKE wildcards are taken literally
        ("100_", []),
        ("nothing-like-this", []),
    ],
)
def test_text_search(catalog, query, expected):
    engine, student, _, _ = catalog
    assert titles(search(engine, student, query=query)) == expected


def test_text_search_lets_each_database_fold_case_without_copying_the_text(engine):
    from sqlalchemy import select

    from core.catalog import text_condition
    from core.models import Project

    statement = select(Project.id).where(text_condition(["ai"]))
    sql = str(statement.compile(dialect=engine.dialect)).lower()
    # lower() on every title, summary and description copies them all on each search; SQLite's
    # LIKE ignores ASCII case by itself, PostgreSQL has ILIKE. (A term this short is too short
    # for the text index: it is tested on each column.)
    assert "lower(" not in sql
    assert sql.count(" ilike " if engine.dialect.name == "postgresql" else " like ") >= 3
    # The project's tags are probed for the matching tag ids, not joined to every tag's name.
    assert " join " not in sql


def test_a_longer_term_goes_through_the_text_index_where_there_is_one(engine):
    from sqlalchemy import select

    from core.catalog import text_condition
    from core.models import Project

    compiled = select(Project.id).where(text_condition(['da"ta'])).compile(dialect=engine.dialect)
    sql = " ".join(str(compiled).lower().split())
    assert "lower(" not in sql and " join " not in sql
    if engine.dialect.name == "postgresql":
        # No index: an ILIKE on each column, which stops at the first one holding the term.
        assert "project_text" not in sql and sql.count(" ilike ") == 3
        term = '%da"ta%'
    else:
        # The ids holding the term, found once per statement (IN a list: a join, or a lookup
        # per project, searches the index again for every project).
        assert "project.id in (select rowid from project_text where project_text match ?)" in sql
        assert sql.count(" like ") == 1  # the tag names only
        term = '"da""ta"'  # one FTS5 string: every character literal
    # A bound parameter, never written into the statement.
    assert term in compiled.params.values()
    assert "da" not in sql


def test_sqlite_answers_the_text_search_from_the_full_text_table(sqlite_engine):
    from sqlalchemy import select

    from core.catalog import text_condition
    from core.models import Project

    statement = select(Project.id).where(text_condition(["data"]))
    compiled = statement.compile(dialect=sqlite_engine.dialect)
    with sqlite_engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values())
        ).all()
    assert any("SCAN project_text VIRTUAL TABLE" in str(row[3]) for row in plan), plan


# Titles, summaries, descriptions and tags with the characters FTS5 and LIKE give a meaning.
TEXTS = [
    ("Data pipelines for the food bank", "Clean and load data.", "Use Python AND SQL.", ["etl"]),
    (
        'Say "hi" to C++ templates',
        "Rock-and-roll * stars: 5*3 = 15",
        "Costs are 100% covered; snake_case names.",
        ["cpp"],
    ),
    ("Metadata catalogue", "Describe datasets", "NOT for beginners.", ["library-science"]),
    ("Garden robots", "Small robots for the garden", "Outdoor work.", ["machine-learning"]),
    ("AI ethics reading group", "Discuss papers.", "Bring questions.", ["ai"]),
]
QUERIES = {
    "ata": 2,  # inside a word: "data", "Metadata"
    "DATA": 2,
    "data python": 1,  # every term must match
    "data robots": 0,
    "learning": 1,  # a tag name only
    "machine-learning garden": 1,
    "ai": 1,  # two characters: LIKE
    "at": 3,
    '"hi"': 1,
    '"': 1,
    'a"b': 0,
    "c++": 1,
    "*": 1,
    "5*3": 1,
    "*stars": 0,
    "rock-and": 1,
    "-": 3,
    "%": 1,
    "100%": 1,
    "10%": 0,
    "_": 1,
    "snake_case": 1,
    "snake%case": 0,
    "AND": 2,  # "Clean and load", "Rock-and-roll"
    "NOT": 1,
    "OR": 3,  # "for", "Outdoor", "work"
    "stars:": 1,
    "data:": 0,
    "^say": 0,
    "say": 1,
}


def _expected(query: str) -> set[str]:
    """Today's meaning: each term a case-insensitive substring of the text or a tag name."""
    from core.catalog import search_terms

    found = set()
    for title, summary, description, tags in TEXTS:
        fields = [title.lower(), summary.lower(), description.lower(), *tags]
        if all(any(term in field for field in fields) for term in search_terms(query)):
            found.add(title)
    return found


@pytest.fixture
def texts(engine):
    with write_transaction(engine) as session:
        mentor = h.user(session, Role.ALUMNI)
        student = h.user(session, Role.STUDENT)
        for title, summary, description, tag_names in TEXTS:
            made = h.project(session, mentor, title=title, tag_names=tag_names)
            made.summary, made.description = summary, description
            session.add(made)
    return engine, student, mentor


def test_text_search_finds_substrings_whatever_the_characters(texts):
    engine, student, _ = texts
    for query, count in QUERIES.items():
        found = set(titles(search(engine, student, query=query)))
        assert found == _expected(query), query
        assert len(found) == count, query


def test_text_search_follows_edits_closing_and_deleting(texts):
    from sqlmodel import select

    from core.models import Project, ProjectTag

    engine, student, mentor = texts
    with write_transaction(engine) as session:
        garden = session.exec(select(Project).where(Project.title == "Garden robots")).one()
        garden.title = "Orchard drones"
        garden.description = "Fly over the orchard."
        session.add(garden)
        ethics = session.exec(select(Project).where(Project.title.startswith("AI ethics"))).one()
        ethics.status = ProjectStatus.CLOSED
        session.add(ethics)
    assert titles(search(engine, student, query="drones")) == ["Orchard drones"]
    assert titles(search(engine, student, query="fly over")) == ["Orchard drones"]
    assert titles(search(engine, student, query="robots")) == ["Orchard drones"]  # the summary
    assert titles(search(engine, student, query="garden robots")) == ["Orchard drones"]
    assert titles(search(engine, student, query="outdoor")) == []
    assert titles(search(engine, student, query="ethics")) == []
    # A project deleted, then another created: on SQLite the new one takes the freed id, and
    # the deleted project's text must not be found through it.
    with write_transaction(engine) as session:
        newest = session.exec(select(Project).order_by(Project.id.desc())).first()
        assert newest is not None
        for link in session.exec(select(ProjectTag).where(ProjectTag.project_id == newest.id)):
            session.delete(link)
        session.flush()
        session.delete(newest)
        session.flush()
        made = h.project(session, mentor, title="Pottery wheel basics")
        replaced = (newest.id, made.id)
    assert titles(search(engine, student, query="ethics")) == []
    assert titles(search(engine, student, query="questions")) == []
    assert titles(search(engine, student, query="pottery")) == ["Pottery wheel basics"]
    if engine.dialect.name == "sqlite":
        assert replaced[0] == replaced[1]


def test_each_facet_narrows(catalog):
    engine, student, _, _ = catalog
    assert titles(search(engine, student, tags=["open-source"])) == ["Code review sprint"]
    # Several tags: projects carrying any of them.
    assert set(titles(search(engine, student, tags=["hardware", "open-source"]))) == {
        "Code review sprint",
        "Sensor network for plants",
    }
    assert titles(search(engine, student, tags=["Hardware"])) == ["Sensor network for plants"]
    assert titles(search(engine, student, department="Biology")) == ["Sensor network for plants"]
    assert titles(search(engine, student, mode=ProjectMode.IN_PERSON)) == [
        "Sensor network for plants"
    ]
    assert titles(search(engine, student, mode="remote", sort="deadline")) == [
        "Code review sprint",
        "Food bank dashboard",
    ]
    assert titles(search(engine, student, max_hours=3, sort="deadline")) == [
        "Code review sprint",
        "Food bank dashboard",
    ]
    assert titles(search(engine, student, max_weeks=2)) == ["Code review sprint"]
    assert titles(search(engine, student, starts_within_weeks=2)) == ["Code review sprint"]
    assert titles(search(engine, student, starts_within_weeks=4, sort="deadline")) == [
        "Code review sprint",
        "Food bank dashboard",
    ]
    combined = search(engine, student, query="python", max_hours=2.5, department="Engineering")
    assert titles(combined) == ["Code review sprint"]
    assert combined.total == 1


def test_the_students_live_application_and_full_seats_show_on_the_card(catalog):
    engine, student, _, ids = catalog
    with write_transaction(engine) as session:
        from core.models import Project

        dashboard = session.get(Project, ids["dashboard"])
        other = h.user(session, Role.STUDENT)
        h.application(session, student, dashboard)
        h.application(session, other, dashboard, ApplicationStatus.ACCEPTED)
        h.application(session, h.user(session, Role.STUDENT), dashboard, ApplicationStatus.ACCEPTED)
    rows = {row.title: row for row in search(engine, student).rows}
    assert rows["Food bank dashboard"].my_status is ApplicationStatus.SUBMITTED
    assert rows["Food bank dashboard"].seats_left == 0
    assert rows["Code review sprint"].my_status is None


def test_time_fit_uses_the_students_approved_matches(catalog):
    engine, student, mentor, ids = catalog
    with write_transaction(engine) as session:
        busy = h.project(
            session, mentor, student_hours=7, start=TODAY + timedelta(days=20), duration=4
        )
        h.application(session, student, busy, ApplicationStatus.APPROVED)
        busy.status = ProjectStatus.IN_PROGRESS
        session.add(busy)
    rows = {row.title: row for row in search(engine, student).rows}
    assert rows["Food bank dashboard"].fits is False
    assert any("only 1 h free" in r for r in rows["Food bank dashboard"].reasons)
    assert rows["Sensor network for plants"].fits is True


# ---------------------------------------------------------------------------- pagination


def test_pagination_keeps_the_total_and_does_not_overlap(catalog):
    engine, student, mentor, _ = catalog
    with write_transaction(engine) as session:
        for n in range(7):
            h.project(session, mentor, title=f"Extra project {n}", tag_names=["misc"])
    pages = [search(engine, student, per_page=4, page=n) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [10, 10, 10]
    assert [len(p.rows) for p in pages] == [4, 4, 2]
    assert pages[0].pages == 3
    assert (pages[2].first_index, pages[2].last_index) == (9, 10)
    seen = [row.project_id for p in pages for row in p.rows]
    assert len(seen) == len(set(seen)) == 10
    # A page past the last one shows the last page.
    beyond = search(engine, student, per_page=4, page=99)
    assert beyond.page == 3
    assert [r.project_id for r in beyond.rows] == [r.project_id for r in pages[2].rows]


def test_no_results_is_an_empty_first_page(catalog):
    engine, student, _, _ = catalog
    found = search(engine, student, query="zebra", page=4)
    assert (found.rows, found.total, found.page, found.pages) == ([], 0, 1, 1)


# ---------------------------------------------------------------------------- visibility


def test_drafts_closed_cancelled_and_past_deadlines_never_appear(catalog):
    engine, student, mentor, _ = catalog
    with write_transaction(engine) as session:
        for status in (
            ProjectStatus.DRAFT,
            ProjectStatus.CLOSED,
            ProjectStatus.CANCELLED,
            ProjectStatus.IN_PROGRESS,
            ProjectStatus.COMPLETED,
        ):
            h.project(session, mentor, title=f"Hidden python {status.value}", status=status)
        h.project(
            session,
            mentor,
            title="Hidden python past deadline",
            start=TODAY + timedelta(days=3),
            deadline=TODAY - timedelta(days=1),
        )
        h.project(
            session,
            mentor,
            title="Closing today python",
            start=TODAY + timedelta(days=3),
            deadline=TODAY,
        )
    for sort in ("best", "newest", "deadline"):
        found = search(engine, student, query="python", sort=sort)
        assert not any(t.startswith("Hidden") for t in titles(found))
        assert "Closing today python" in titles(found)
        assert found.total == 3


def test_departments_lists_only_open_ones(catalog):
    engine, _, mentor, _ = catalog
    with write_transaction(engine) as session:
        h.project(session, mentor, department="History", status=ProjectStatus.DRAFT)
        h.project(session, mentor, department="Law", status=ProjectStatus.CLOSED)
        h.project(session, mentor, department="Art", deadline=TODAY - timedelta(days=1))
    with read_session(engine) as session:
        assert departments(session) == ["Biology", "Engineering"]


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "2"}, "page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"sort": "popular"}, "sort"),
        ({"mode": "underwater"}, "mode"),
        ({"max_hours": 0}, "max_hours"),
        ({"max_hours": float("nan")}, "max_hours"),
        ({"max_weeks": 13}, "max_weeks"),
        ({"starts_within_weeks": -1}, "starts_within_weeks"),
        ({"tags": ["!"]}, "tags"),
        ({"tags": "python"}, "tags"),
        ({"query": "x" * 201}, "query"),
        ({"query": "a\x00b"}, "query"),
    ],
)
def test_bad_arguments_are_refused(catalog, bad, field):
    engine, student, _, _ = catalog
    with pytest.raises(ValidationFailed) as caught:
        search(engine, student, **bad)
    assert field in caught.value.fields


def test_a_fixed_number_of_statements_per_search(catalog):
    engine, student, mentor, _ = catalog

    def statements() -> int:
        seen: list[str] = []

        def keep(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", keep)
        try:
            search(engine, student, query="python", tags=["python"], per_page=25)
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    few = statements()
    with write_transaction(engine) as session:
        for n in range(30):
            h.project(session, mentor, title=f"More python {n}", tag_names=["python", f"t{n}"])
    assert statements() == few <= 4


# ---------------------------------------------------------------------------- detail


def test_project_detail_shows_mentor_profile_blueprint_and_fit(catalog):
    engine, student, _, ids = catalog
    from core.models import MilestoneBlueprint

    with write_transaction(engine) as session:
        session.add(
            MilestoneBlueprint(project_id=ids["dashboard"], position=1, title="Data", due_week=1)
        )
        session.add(
            MilestoneBlueprint(project_id=ids["dashboard"], position=2, title="Demo", due_week=4)
        )
    with read_session(engine) as session:
        detail = project_detail(session, actor=student, project_id=ids["dashboard"])
    assert detail.mentor.display_name == "Alex Mentor"
    assert detail.mentor.department == "Biology"
    assert detail.mentor.role is Role.ALUMNI
    assert not hasattr(detail.mentor, "email")
    assert detail.milestones == (("Data", 1), ("Demo", 4))
    assert detail.shared_tags == ("data", "python")
    assert len(detail.weeks) in (4, 5)
    assert detail.fits and detail.taking_applications
    assert detail.my_application is None


def test_project_detail_names_the_first_week_over_the_students_hours(catalog):
    engine, student, mentor, ids = catalog
    with write_transaction(engine) as session:
        busy = h.project(session, mentor, student_hours=7, start=TODAY + timedelta(days=20))
        h.application(session, student, busy, ApplicationStatus.APPROVED)
    with read_session(engine) as session:
        detail = project_detail(session, actor=student, project_id=ids["dashboard"])
    assert detail.overrun is not None
    assert detail.overrun.committed == 7 and detail.overrun.adding == 3
    assert not detail.fits


def test_someone_elses_draft_is_not_found(catalog):
    engine, student, mentor, _ = catalog
    with write_transaction(engine) as session:
        draft = h.project(session, mentor, status=ProjectStatus.DRAFT)
    with pytest.raises(NotFound), read_session(engine) as session:
        project_detail(session, actor=student, project_id=draft.id)


# ---------------------------------------------------------------------------- my weeks


def test_student_weeks_split_committed_and_pending_hours(catalog):
    from core.applications.student_load import student_weeks
    from core.commitment import occupied_weeks, week_start
    from core.models import Project
    from core.platform.errors import PermissionDenied

    engine, student, mentor, ids = catalog
    with write_transaction(engine) as session:
        busy = h.project(session, mentor, student_hours=2, start=TODAY + timedelta(days=20))
        h.application(session, student, busy, ApplicationStatus.APPROVED)
        h.application(session, student, session.get(Project, ids["dashboard"]))
        h.application(
            session, student, session.get(Project, ids["review"]), ApplicationStatus.WITHDRAWN
        )
    first = week_start(TODAY)
    weeks = occupied_weeks(first, first + timedelta(weeks=16, days=-1))
    with read_session(engine) as session:
        data = student_weeks(session, actor=student, weeks=weeks)
    assert len(data.weeks) == 16 and data.available == 8.0
    assert {item.title for item in data.items} == {busy.title, "Food bank dashboard"}
    assert max(data.committed.values()) == 2.0
    assert max(data.pending.values()) == 3.0
    assert set(data.committed) <= set(weeks)
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        student_weeks(session, actor=mentor, weeks=weeks)
