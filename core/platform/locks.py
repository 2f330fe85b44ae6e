"""Row locks for write transactions on PostgreSQL (SQLite already holds BEGIN IMMEDIATE).

One global lock order, so that no two transactions can wait for each other in a cycle:

    projects (by id)  →  users (by id)  →  applications (by id)

A service that moves one application takes its project, then the people whose hours it checks,
then the application. A service whose work may *cascade* (approve → auto-withdraw → promote the
waitlist; reject, withdraw or end early → promote) works out every row the cascade may touch
first, locks the whole set in that order, and only then changes anything: see
`lock_seat_release` and `core.applications.approve`. When the set turns out to have grown
between the first read and the locks, it raises `LockSetChanged` and the transaction runs again
(`core.platform.db.run_in_transaction`), which also runs a transaction again after a deadlock
that still happens.

Locks are FOR NO KEY UPDATE: they still serialise writers of the row, but they do not block
the KEY SHARE locks that foreign-key checks take when another transaction inserts a row
pointing at it (an application, a notification, an audit row). FOR UPDATE would, and such
waits close cycles with our explicit locks (deadlocks under load).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from core.models import Application, ApplicationStatus, Project, User
from core.platform.db import LockSetChanged
from core.platform.errors import NotFound

RowT = TypeVar("RowT", Project, User, Application)

__all__ = [
    "HeldRows",
    "LockSetChanged",
    "lock_application",
    "lock_project",
    "lock_rows",
    "lock_seat_release",
    "lock_user",
]


def _lock_many(
    session: Session, model: type[RowT], ids: Iterable[int], *, shared: bool = False
) -> dict[int, RowT]:
    """Lock rows of one table in id order with one statement, reloaded from the database."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    key: Any = model.id
    statement = (
        select(model)
        .where(col(key).in_(wanted))
        .order_by(col(key))
        .with_for_update(read=shared, key_share=not shared)
        .execution_options(populate_existing=True)
    )
    return {row.id or 0: row for row in session.exec(statement)}


def _lock_one(session: Session, model: type[RowT], row_id: int, missing: str) -> RowT:
    found = _lock_many(session, model, [row_id]).get(row_id)
    if found is None:
        raise NotFound(missing)
    return found


def lock_user(session: Session, user_id: int) -> User:
    """Lock and return a user row, reloaded from the database (no-op lock on SQLite)."""
    return _lock_one(session, User, user_id, "That account does not exist.")


def lock_project(session: Session, project_id: int, *, shared: bool = False) -> Project:
    """Lock and return a project row (FOR SHARE when `shared`: readers that must see it stay)."""
    found = _lock_many(session, Project, [project_id], shared=shared).get(project_id)
    if found is None:
        raise NotFound("That project does not exist.")
    return found


def lock_application(session: Session, application_id: int) -> Application:
    """Lock and return an application row, reloaded from the database."""
    return _lock_one(session, Application, application_id, "That application does not exist.")


@dataclass
class HeldRows:
    """The rows a transaction has locked, by id."""

    projects: dict[int, Project] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    applications: dict[int, Application] = field(default_factory=dict)

    def ensure_projects(self, project_ids: Iterable[int]) -> None:
        """Refuse to go on when a project outside the locked set must be touched."""
        if set(project_ids) - self.projects.keys():
            raise LockSetChanged("a project joined the cascade after its locks were taken")


def lock_rows(
    session: Session,
    *,
    project_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
    application_ids: Iterable[int] = (),
) -> HeldRows:
    """Lock the given rows in the global order: projects, then users, then applications."""
    return HeldRows(
        projects=_lock_many(session, Project, project_ids),
        users=_lock_many(session, User, user_ids),
        applications=_lock_many(session, Application, application_ids),
    )


def lock_seat_release(
    session: Session,
    *,
    project_ids: Iterable[int],
    user_ids: Iterable[int] = (),
    application_ids: Iterable[int] = (),
) -> HeldRows:
    """Lock projects whose seats may free, and everyone their waitlists could promote.

    The waitlist of a locked project cannot grow while we hold it (putting an application on
    a waitlist takes the project's lock first), so the set read here is the whole set.
    """
    projects = _lock_many(session, Project, project_ids)
    waiting = session.exec(
        select(Application.id, Application.student_id).where(
            col(Application.project_id).in_(list(projects)),
            Application.status == ApplicationStatus.WAITLISTED,
        )
    ).all()
    return HeldRows(
        projects=projects,
        users=_lock_many(session, User, [*user_ids, *(student for _, student in waiting)]),
        applications=_lock_many(
            session,
            Application,
            [*application_ids, *(number for number, _ in waiting if number is not None)],
        ),
    )
