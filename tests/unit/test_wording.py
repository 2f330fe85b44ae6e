"""Counts are shown with the singular or plural noun, never "(s)"."""

from __future__ import annotations

from core.platform.wording import counted


def test_one_is_singular():
    assert counted(1, "seat") == "1 seat"


def test_zero_and_many_are_plural():
    assert counted(0, "seat") == "0 seats"
    assert counted(3, "seat") == "3 seats"


def test_irregular_plural_is_used_when_given():
    assert counted(1, "match", "matches") == "1 match"
    assert counted(2, "match", "matches") == "2 matches"
    assert counted(0, "match", "matches") == "0 matches"


def test_a_given_plural_is_not_used_for_one():
    assert counted(1, "person", "people") == "1 person"


def test_large_counts_get_thousands_separators():
    assert counted(1200, "seat") == "1,200 seats"
    assert counted(1_000_000, "match", "matches") == "1,000,000 matches"


# ---------------------------------------------------------------------------- times
# Times are stored in UTC and shown in the reader's zone, named; one day format everywhere.


def test_a_utc_time_reads_in_new_york_with_standard_or_summer_time_named():
    from datetime import UTC, datetime

    from core.platform.wording import local_clock, local_time

    winter = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 4, 15, 30, tzinfo=UTC)
    assert local_time(winter, "America/New_York") == "04 Dec 2026, 10:30 EST"
    assert local_time(summer, "America/New_York") == "04 Jul 2026, 11:30 EDT"
    assert local_clock(winter, "America/New_York") == "10:30 EST"
    assert local_time(winter, "America/New_York", named=False) == "04 Dec 2026, 10:30"
    assert local_time(winter, "UTC", seconds=True) == "04 Dec 2026, 15:30:00 UTC"


def test_the_dst_boundaries_in_new_york_and_berlin():
    from datetime import UTC, datetime

    from core.platform.wording import local_time

    # 8 Mar 2026: New York springs forward at 02:00 EST (07:00 UTC) to 03:00 EDT.
    assert local_time(datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "America/New_York") == (
        "08 Mar 2026, 01:59 EST"
    )
    assert local_time(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "America/New_York") == (
        "08 Mar 2026, 03:00 EDT"
    )
    # 1 Nov 2026: 01:30 happens twice; the zone's name tells the two apart.
    assert local_time(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "America/New_York") == (
        "01 Nov 2026, 01:30 EDT"
    )
    assert local_time(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "America/New_York") == (
        "01 Nov 2026, 01:30 EST"
    )
    # 25 Oct 2026: Berlin falls back at 01:00 UTC.
    assert local_time(datetime(2026, 10, 25, 0, 59, tzinfo=UTC), "Europe/Berlin") == (
        "25 Oct 2026, 02:59 CEST"
    )
    assert local_time(datetime(2026, 10, 25, 1, 0, tzinfo=UTC), "Europe/Berlin") == (
        "25 Oct 2026, 02:00 CET"
    )


def test_a_naive_time_is_taken_as_utc_and_an_aware_one_keeps_its_moment():
    from datetime import UTC, datetime, timedelta, timezone

    from core.platform.wording import local_time

    naive = datetime(2026, 12, 4, 15, 30)
    aware = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    elsewhere = aware.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert local_time(naive, "America/New_York") == local_time(aware, "America/New_York")
    assert local_time(elsewhere, "America/New_York") == "04 Dec 2026, 10:30 EST"


def test_the_day_a_time_falls_on_is_the_readers_day():
    from datetime import UTC, date, datetime

    from core.platform.wording import day, local_date, local_day

    late = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # still the 4th in New York
    assert local_date(late, "America/New_York") == date(2026, 12, 4)
    assert local_day(late, "America/New_York") == "04 Dec 2026"
    assert local_day(late, "Asia/Tokyo") == "05 Dec 2026"
    assert day(date(2026, 1, 9)) == "09 Jan 2026"


def test_unknown_zones_fall_back_and_the_profile_choice_beats_the_browser():
    from datetime import UTC, datetime

    from core.platform.wording import is_time_zone, local_time, reader_zone

    assert reader_zone("America/New_York", "Europe/Berlin") == "America/New_York"
    assert reader_zone(None, "Europe/Berlin") == "Europe/Berlin"
    assert reader_zone("Mars/Olympus", "not a zone") == "UTC"
    assert reader_zone(None, None) == "UTC"
    assert not is_time_zone("../etc/passwd") and not is_time_zone(None)
    moment = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert local_time(moment, "Mars/Olympus") == "04 Dec 2026, 15:30 UTC"


def test_a_day_starts_at_local_midnight_in_utc():
    from datetime import UTC, date, datetime

    from core.platform.wording import day_start

    assert day_start(date(2026, 12, 4), "America/New_York") == datetime(
        2026, 12, 4, 5, 0, tzinfo=UTC
    )
    assert day_start(date(2026, 7, 4), "America/New_York") == datetime(2026, 7, 4, 4, 0, tzinfo=UTC)
    assert day_start(date(2026, 12, 4), None) == datetime(2026, 12, 4, tzinfo=UTC)
