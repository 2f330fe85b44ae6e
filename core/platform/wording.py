"""Wording for numbers shown to people: counts ("1 seat", never "seat(s)"), hours, days and
times (in the reader's time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.models import ProjectMode

# How a project's mode reads on every screen.
MODE_LABELS = {
    ProjectMode.REMOTE: "Remote",
    ProjectMode.HYBRID: "Hybrid",
    ProjectMode.IN_PERSON: "In person",
}


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """Return the count with the singular or plural noun, e.g. "1 seat" or "1,200 seats"."""
    noun = singular if count == 1 else (plural if plural is not None else f"{singular}s")
    return f"{count:,} {noun}"


def hours(value: float) -> str:
    """Return hours without a needless `.0`, e.g. "3" or "1.5"."""
    return f"{value:g}"


def day(value: date) -> str:
    """Return a date as people read it, e.g. "07 Dec 2026"."""
    return f"{value:{DAY_FORMAT}}"


# ---------------------------------------------------------------------------- times
# Times are stored in UTC and shown in the reader's time zone: the one chosen in Profile, else
# the browser's, else UTC. Every screen formats them here, so they read alike everywhere.
DAY_FORMAT = "%d %b %Y"
CLOCK_FORMAT = "%H:%M"
UTC_ZONE = "UTC"


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """Return the IANA time-zone names this machine knows (e.g. "America/New_York")."""
    return frozenset(available_timezones())


def is_time_zone(name: object) -> bool:
    """Return whether `name` is a known IANA time-zone name."""
    return isinstance(name, str) and name in time_zone_names()


def reader_zone(preferred: str | None, browser: object = None) -> str:
    """Return the zone to show times in: the profile's choice, else the browser's, else UTC."""
    for candidate in (preferred, browser):
        if is_time_zone(candidate):
            assert isinstance(candidate, str)
            return candidate
    return UTC_ZONE


def _zone(zone: str | None) -> ZoneInfo:
    return ZoneInfo(zone if is_time_zone(zone) and zone else UTC_ZONE)


def in_zone(value: datetime, zone: str | None) -> datetime:
    """Return a stored time in `zone`; a naive value is taken as UTC (how times are stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(zone))


def zone_name(zone: str | None, at: datetime | None = None) -> str:
    """Return the zone's short name at a moment (e.g. "EST", or "EDT" in summer), else "UTC".

    Where a zone has no abbreviation its offset is shown ("+03"); the moment decides between
    standard and summer time (now when not given).
    """
    moment = in_zone(at or datetime.now(UTC), zone)
    return moment.tzname() or UTC_ZONE


def local_date(value: datetime, zone: str | None) -> date:
    """Return the calendar day a stored time falls on in `zone`."""
    return in_zone(value, zone).date()


def local_day(value: datetime, zone: str | None) -> str:
    """Return the day a stored time falls on in `zone`, e.g. "04 Dec 2026"."""
    return day(local_date(value, zone))


def local_time(
    value: datetime, zone: str | None, *, named: bool = True, seconds: bool = False
) -> str:
    """Return a stored time in `zone`, e.g. "04 Dec 2026, 09:05 EST".

    `named=False` leaves the zone out (for a column whose header names it); `seconds` adds them.
    """
    moment = in_zone(value, zone)
    clock = f"{moment:%H:%M:%S}" if seconds else f"{moment:{CLOCK_FORMAT}}"
    text = f"{day(moment.date())}, {clock}"
    return f"{text} {moment.tzname() or UTC_ZONE}" if named else text


def local_clock(value: datetime, zone: str | None) -> str:
    """Return only the time of day of a stored time in `zone`, e.g. "09:05 EST"."""
    moment = in_zone(value, zone)
    return f"{moment:{CLOCK_FORMAT}} {moment.tzname() or UTC_ZONE}"


def day_start(value: date, zone: str | None) -> datetime:
    """Return the UTC moment a calendar day starts in `zone` (for filters by the reader's days)."""
    return datetime.combine(value, time.min, tzinfo=_zone(zone)).astimezone(UTC)
