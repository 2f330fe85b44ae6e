"""The generated benchmark profiles obey the domain rules and are deterministic."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from bench.bulkseed import PROFILES, generate, verify
from core.platform.db import create_db_engine
from core.platform.migrate import upgrade_to_head

TODAY = date(2026, 11, 28)


def _digest(engine) -> list[tuple]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT a.id, a.project_id, a.student_id, a.status, a.created_at, p.title, "
                    "p.status, p.filled, p.start_date FROM application a "
                    "JOIN project p ON p.id = a.project_id JOIN app_user u ON u.id = a.student_id "
                    "WHERE u.username LIKE 'student%' ORDER BY a.id"
                )
            ).all()
        )


def test_a_generated_profile_obeys_the_rules(engine):
    counts = generate(engine, "guard-small", seed=3, log=None, today=TODAY)
    assert counts["application"] >= PROFILES["guard-small"].applications
    assert counts["app_user"] >= PROFILES["guard-small"].students
    assert verify(engine, today=TODAY) == []
    with engine.connect() as conn:
        statuses = {row[0] for row in conn.execute(text("SELECT DISTINCT status FROM application"))}
        logins = conn.execute(
            text(
                "SELECT COUNT(*) FROM app_user "
                "WHERE username IN ('student1', 'mentor1', 'faculty1')"
            )
        ).scalar()
    assert {"submitted", "accepted", "waitlisted", "approved", "declined", "withdrawn"} <= statuses
    assert logins == 3


def test_a_generated_database_has_the_statistics_of_a_maintained_one(engine):
    generate(engine, "guard-small", seed=3, log=None, today=TODAY)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # VACUUM marked the freshly copied pages all-visible, as autovacuum would have:
            # ANALYZE alone leaves none, and every index-only count then reads the table.
            visible, pages = conn.execute(
                text("SELECT relallvisible, relpages FROM pg_class WHERE relname = 'application'")
            ).one()
            assert pages > 0 and visible > 0
        else:
            stats = "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'application'"
            assert conn.execute(text(stats)).scalar()


def test_generated_sessions_are_confirmed_by_the_party_who_did_not_log_them(engine):
    generate(engine, "guard-small", seed=3, log=None, today=TODAY)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.author_id, s.confirmed_by, a.student_id, p.owner_id FROM match_session s "
                "JOIN application a ON a.id = s.application_id "
                "JOIN project p ON p.id = a.project_id WHERE s.confirmed_by IS NOT NULL"
            )
        ).all()
    assert rows
    for author, confirmer, student, mentor in rows:
        assert {author, confirmer} == {student, mentor}


def test_the_same_seed_gives_the_same_data(tmp_path):
    digests = []
    for name in ("one", "two"):
        built = create_db_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade_to_head(built)
        generate(built, "guard-big", seed=11, log=None, today=TODAY, analyze=False)
        assert verify(built, today=TODAY) == []
        digests.append(_digest(built))
        built.dispose()
    assert digests[0] == digests[1]
    assert len(digests[0]) >= PROFILES["guard-big"].applications - 50


def test_the_cli_offers_the_generated_profiles():
    from core.cli import build_parser

    args = build_parser().parse_args(["seed", "large", "--seed", "5"])
    assert (args.profile, args.seed) == ("large", 5)
    assert build_parser().parse_args(["seed", "demo", "--if-empty"]).if_empty


def test_the_generated_projects_are_all_in_the_text_index(sqlite_engine):
    # The generator's inserts go through the triggers that keep SQLite's full-text table in step.
    generate(sqlite_engine, "guard-small", seed=3, log=None, today=TODAY, analyze=False)
    with sqlite_engine.connect() as conn:
        # Fails (the database image is malformed) if the index differs from the projects' text.
        conn.execute(
            text("INSERT INTO project_text(project_text, rank) VALUES ('integrity-check', 1)")
        )
        for term in ("data", "week", "review"):
            indexed = conn.execute(
                text("SELECT COUNT(*) FROM project_text WHERE project_text MATCH :q"),
                {"q": f'"{term}"'},
            ).scalar()
            scanned = conn.execute(
                text(
                    "SELECT COUNT(*) FROM project WHERE title LIKE :p OR summary LIKE :p"
                    " OR description LIKE :p"
                ),
                {"p": f"%{term}%"},
            ).scalar()
            assert indexed == scanned and scanned, term
