"""Times are stored in UTC and shown in the reader's time zone, with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from core.models import AuditEntry, Notification, User
from core.platform.db import write_transaction
from tests.pages.screens import click, open_screen, shown_tables, table_column, texts

# 15:30 UTC on a December day is 10:30 in New York (EST, UTC-5); 02:00 UTC on the 5th is
# still the evening of the 4th there.
AFTERNOON = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
LATE_NIGHT = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def _set_zone(engine, username: str, zone: str | None) -> User:
    with write_transaction(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.time_zone = zone
        session.add(user)
        session.flush()
        session.expunge(user)
        return user


def test_the_inbox_shows_a_new_york_reader_local_time_with_the_zone_named(app_env, logged_in):
    user = _set_zone(app_env, "demo-student", "America/New_York")
    with write_transaction(app_env) as session:
        session.add(
            Notification(
                user_id=user.id,
                created_at=AFTERNOON,
                kind="profile.changed",
                text="A note sent at 15:30 UTC.",
            )
        )
    at = open_screen(logged_in("demo-student"), "inbox")
    assert not at.exception
    shown = texts(at)
    assert "04 Dec 2026, 10:30 EST" in shown
    assert "15:30 UTC" not in shown.replace("A note sent at 15:30 UTC.", "")


def test_without_a_choice_or_a_browser_zone_times_read_in_utc_named(app_env, logged_in):
    user = _set_zone(app_env, "demo-student", None)
    with write_transaction(app_env) as session:
        session.add(
            Notification(user_id=user.id, created_at=AFTERNOON, kind="profile.changed", text="x")
        )
    at = open_screen(logged_in("demo-student"), "inbox")
    assert "04 Dec 2026, 15:30 UTC" in texts(at)


def test_the_audit_log_names_the_zone_and_filters_by_the_readers_days(app_env, logged_in):
    _set_zone(app_env, "demo-admin", "America/New_York")
    with write_transaction(app_env) as session:
        for moment, action in ((AFTERNOON, "zone.afternoon"), (LATE_NIGHT, "zone.late")):
            session.add(
                AuditEntry(at=moment, action=action, entity="zone-test", entity_id=1, outcome="ok")
            )
    at = open_screen(logged_in("demo-admin"), "admin-audit")
    at.text_input(key="audit_entity").input("zone-test")
    at = at.run()
    assert not at.exception
    assert "times in America/New_York" in texts(at)
    # Both entries fall on 4 Dec in New York, though the second is the 5th in UTC.
    from datetime import date

    at.date_input(key="audit_start").set_value(date(2026, 12, 4))
    at.date_input(key="audit_end").set_value(date(2026, 12, 4))
    at = at.run()
    assert table_column(shown_tables(at)[0], "Action") == ["zone.late", "zone.afternoon"]
    assert table_column(shown_tables(at)[0], "Time (America/New_York)") == [
        "04 Dec 2026, 21:00:00",
        "04 Dec 2026, 10:30:00",
    ]


def test_profile_offers_a_time_zone_and_saves_the_choice(app_env, logged_in):
    at = open_screen(logged_in("demo-student"), "profile")
    select_box = at.selectbox(key="profile_time_zone")
    assert select_box.value == ""  # follows the browser until chosen
    select_box.set_value("Asia/Tokyo")
    at = click(at, "Save profile")
    assert not at.exception
    assert "Your profile was saved." in texts(at)
    with write_transaction(app_env) as session:
        saved = session.exec(select(User).where(User.username == "demo-student")).one()
        assert saved.time_zone == "Asia/Tokyo"
    assert at.selectbox(key="profile_time_zone").value == "Asia/Tokyo"
