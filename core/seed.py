"""Demo data: idempotent, so `seed demo` can run on every start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from core.accounts import create_user, find_user_by_username
from core.db import write_transaction
from core.models import Role, User

# Demo data only: these accounts exist for trying the portal out, never in production.
DEMO_PASSWORD = "mentoring-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    department: str | None
    weekly_hours: float


DEMO_ACCOUNTS = (
    DemoAccount("demo-student", "Dana Student", Role.STUDENT, "Computer Science", 10),
    DemoAccount("demo-student2", "Sam Student", Role.STUDENT, "Biology", 6),
    DemoAccount("demo-alumni", "Alex Alumna", Role.ALUMNI, "Computer Science", 6),
    DemoAccount("demo-faculty", "Prof. Fran Faculty", Role.FACULTY, "Computer Science", 5),
    DemoAccount("demo-admin", "Ada Admin", Role.ADMIN, None, 4),
)


def is_empty(engine: Engine) -> bool:
    """Tell whether the database holds no accounts yet."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(User)).one() == 0


def seed_demo_accounts(session: Session) -> dict[str, User]:
    """Create the demo accounts that are missing and return all of them by username."""
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        existing = find_user_by_username(session, account.username)
        users[account.username] = existing or create_user(
            session,
            username=account.username,
            email=f"{account.username}@example.edu",
            display_name=account.display_name,
            role=account.role,
            password=DEMO_PASSWORD,
            department=account.department,
            weekly_hours=account.weekly_hours,
        )
    return users


def seed_demo(engine: Engine) -> None:
    """Create the demo accounts and demo content, leaving existing rows alone."""
    with write_transaction(engine) as session:
        seed_demo_accounts(session)
