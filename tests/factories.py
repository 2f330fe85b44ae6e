"""Small builders for tests: users, project input, and published projects.

Signatures here are shared by several test modules; keep them stable.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from core.accounts import create_user
from core.models import Project, ProjectMode, Role, User
from core.projects import ProjectInput, create_project, publish_project

PASSWORD = "correct horse battery staple"
DEPARTMENT = "Engineering"

_numbers = itertools.count(1)


def make_user(session: Session, role: Role | str, **kw: Any) -> User:
    """Create an active account of `role`; keyword arguments go to `create_user`.

    Defaults: a unique username (`<role><n>`), `<username>@example.edu`, department
    "Engineering", and the role's default weekly hours.
    """
    role = Role(role)
    username = kw.pop("username", f"{role.value}{next(_numbers)}")
    kw.setdefault("email", f"{username}@example.edu")
    kw.setdefault("display_name", username.title())
    kw.setdefault("department", DEPARTMENT)
    kw.setdefault("password", PASSWORD)
    return create_user(session, username=username, role=role, **kw)


def project_input_data(**overrides: Any) -> dict[str, Any]:
    """Return valid raw project fields (a dict), with `overrides` applied."""
    start = date.today() + timedelta(days=14)
    data: dict[str, Any] = {
        "title": "Build a course-planning dashboard",
        "summary": "Help a student ship a small data dashboard in four weeks.",
        "description": "We meet weekly, plan the work, and review the code together.",
        "tags": ["python", "data-visualisation"],
        "department": DEPARTMENT,
        "mode": ProjectMode.REMOTE,
        "seats": 2,
        "student_hours": 3.0,
        "mentor_hours": 1.0,
        "duration_weeks": 4,
        "start_date": start,
        "deadline": start - timedelta(days=7),
        "screening_question": None,
        "milestones": [
            {"title": "Agree on the scope", "due_week": 1},
            {"title": "Demo the dashboard", "due_week": 4},
        ],
    }
    data.update(overrides)
    return data


def project_input(**overrides: Any) -> ProjectInput:
    """Return a valid `ProjectInput` (starts in 14 days, deadline in 7), with `overrides`."""
    return ProjectInput(**project_input_data(**overrides))


def make_open_project(session: Session, owner: User, **kw: Any) -> Project:
    """Create and publish a project of `owner`; keyword arguments override `project_input`."""
    project = create_project(session, actor=owner, data=project_input(**kw))
    assert project.id is not None
    return publish_project(session, actor=owner, project_id=project.id)
