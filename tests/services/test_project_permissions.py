"""Who may do what to a project: role × service × (own / someone else's), refusals audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from core import projects
from core.models import AuditEntry, Project, ProjectStatus, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import NotFound, PermissionDenied
from tests.factories import make_open_project, make_user, project_input, project_input_data

MENTORS = (Role.ALUMNI, Role.FACULTY)
OWN, OTHERS = "own", "someone else's"


def _draft(session: Session, owner: User) -> Project:
    return projects.create_project(session, actor=owner, data=project_input())


def _open(session: Session, owner: User) -> Project:
    return make_open_project(session, owner)


def _running(session: Session, owner: User) -> Project:
    project = make_open_project(session, owner)
    return projects.start_project(session, actor=owner, project_id=project.id)


# service name → (audit action, how to prepare the project, how to call the service)
Call = Callable[[Session, User, Project], Any]
SERVICES: dict[str, tuple[str, Callable[[Session, User], Project], Call]] = {
    "update": (
        "project.update",
        _draft,
        lambda s, a, p: projects.update_project(
            s, actor=a, project_id=p.id, data=project_input_data(seats=5)
        ),
    ),
    "publish": (
        "project.publish",
        _draft,
        lambda s, a, p: projects.publish_project(s, actor=a, project_id=p.id),
    ),
    "close": (
        "project.close",
        _open,
        lambda s, a, p: projects.close_project(s, actor=a, project_id=p.id),
    ),
    "cancel": (
        "project.cancel",
        _open,
        lambda s, a, p: projects.cancel_project(s, actor=a, project_id=p.id, reason="No time"),
    ),
    "start": (
        "project.start",
        _open,
        lambda s, a, p: projects.start_project(s, actor=a, project_id=p.id),
    ),
    "complete": (
        "project.complete",
        _running,
        lambda s, a, p: projects.complete_project(s, actor=a, project_id=p.id, today=p.end_date),
    ),
    "get draft": (
        "project.view",
        _draft,
        lambda s, a, p: projects.get_project(s, actor=a, project_id=p.id),
    ),
}


def _table() -> list[Any]:
    cases = []
    for service in SERVICES:
        for role in Role:
            if role in MENTORS:
                cases.append(pytest.param(role, service, OWN, True, id=f"{role}-{service}-own"))
            allowed = role is Role.ADMIN
            cases.append(
                pytest.param(role, service, OTHERS, allowed, id=f"{role}-{service}-others")
            )
    return cases


def _refusals(engine, actor: User) -> list[AuditEntry]:
    with read_session(engine) as session:
        statement = select(AuditEntry).where(
            AuditEntry.outcome == "refused", AuditEntry.actor_id == actor.id
        )
        return list(session.exec(statement.order_by(col(AuditEntry.id))))


@pytest.mark.parametrize(("role", "service", "whose", "allowed"), _table())
def test_project_services_by_role_and_ownership(engine, role, service, whose, allowed):
    action, prepare, call = SERVICES[service]
    with write_transaction(engine) as session:
        owner = make_user(session, Role.FACULTY if role is Role.FACULTY else Role.ALUMNI)
        actor = owner if whose == OWN else make_user(session, role)
        project = prepare(session, owner)
    unit = read_session if service == "get draft" else write_transaction
    if allowed:
        with unit(engine) as session:
            call(session, actor, project)
        assert _refusals(engine, actor) == []
        return
    with pytest.raises(PermissionDenied) as refused, unit(engine) as session:
        call(session, actor, project)
    if project.status is ProjectStatus.DRAFT:
        # Someone else's draft is not even admitted to exist.
        assert isinstance(refused.value, NotFound)
    [entry] = _refusals(engine, actor)
    assert (entry.action, entry.entity, entry.entity_id) == (action, "project", project.id)
    assert entry.actor_role == role.value
    with read_session(engine) as session:
        stored = session.get(Project, project.id)
        assert stored is not None and stored.status is project.status


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.STUDENT, False), (Role.ALUMNI, True), (Role.FACULTY, True), (Role.ADMIN, False)],
)
def test_only_alumni_and_faculty_may_create_projects(engine, role, allowed):
    with write_transaction(engine) as session:
        actor = make_user(session, role)
    if allowed:
        with write_transaction(engine) as session:
            project = projects.create_project(session, actor=actor, data=project_input())
        assert project.owner_id == actor.id
        return
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        projects.create_project(session, actor=actor, data=project_input())
    [entry] = _refusals(engine, actor)
    assert (entry.action, entry.entity) == ("project.create", "project")
    with read_session(engine) as session:
        assert session.exec(select(Project)).all() == []


def test_permission_is_checked_before_the_input(engine):
    with write_transaction(engine) as session:
        student = make_user(session, Role.STUDENT)
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        projects.create_project(session, actor=student, data={"title": ""})


def test_a_deactivated_mentor_cannot_manage_their_own_project(engine):
    with write_transaction(engine) as session:
        owner = make_user(session, Role.ALUMNI)
        project = make_open_project(session, owner)
        owner.is_active = False
        session.add(owner)
    with pytest.raises(PermissionDenied, match="deactivated"), write_transaction(engine) as session:
        projects.close_project(session, actor=owner, project_id=project.id)
    [entry] = _refusals(engine, owner)
    assert entry.action == "project.close"
