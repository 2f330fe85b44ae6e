"""Which mentors students may find (kept free of imports: project publishing uses it)."""

from __future__ import annotations

from core.models import User, Verification


def is_listed_mentor(user: User) -> bool:
    """Return whether students may find this person as a mentor (active, a vouched mentor)."""
    return user.is_active and user.role.is_mentor and user.verification is Verification.VERIFIED
