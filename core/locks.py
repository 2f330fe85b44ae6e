"""Row locks for write transactions on PostgreSQL (SQLite already holds BEGIN IMMEDIATE).

Lock order, to avoid deadlocks between services: projects before users.

Locks are FOR NO KEY UPDATE: they still serialise writers of the row, but they do not block
the KEY SHARE locks that foreign-key checks take when another transaction inserts a row
pointing at it (an application, a notification, an audit row). FOR UPDATE would, and such
waits close cycles with our explicit locks (deadlocks under load).
"""

from __future__ import annotations

from sqlmodel import Session, select

from core.errors import NotFound
from core.models import Project, User


def lock_user(session: Session, user_id: int) -> User:
    """Lock and return a user row, reloaded from the database (FOR UPDATE; no-op on SQLite)."""
    statement = (
        select(User)
        .where(User.id == user_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    user = session.exec(statement).first()
    if user is None:
        raise NotFound("That account does not exist.")
    return user


def lock_project(session: Session, project_id: int) -> Project:
    """Lock and return a project row, reloaded from the database (FOR UPDATE; no-op on SQLite)."""
    statement = (
        select(Project)
        .where(Project.id == project_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    project = session.exec(statement).first()
    if project is None:
        raise NotFound("That project does not exist.")
    return project
