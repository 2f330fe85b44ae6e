"""Old path of `core.platform.types`: the frozen Alembic migrations import `core.types`."""

from core.platform.types import UTCDateTime, enum_type, utcnow

__all__ = ["UTCDateTime", "enum_type", "utcnow"]
