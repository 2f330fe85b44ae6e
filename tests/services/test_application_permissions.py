"""Who may make which move on their own or another's object: allowed, or refused and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import applications as apps
from core.models import Application, ApplicationStatus, Project, Role
from core.platform.db import read_session, write_transaction
from core.platform.errors import PermissionDenied
from tests import factories as h

S = ApplicationStatus

# The people of the scene. The project "own" belongs to `mentor` (Engineering); "fac_own" is
# mentored by `faculty` (Engineering) themself; `applicant` applied to the project.
PEOPLE = {
    "applicant": (Role.STUDENT, {}),
    "other_student": (Role.STUDENT, {}),
    "mentor": (Role.ALUMNI, {}),
    "other_mentor": (Role.ALUMNI, {}),
    "faculty": (Role.FACULTY, {}),
    "faculty_history": (Role.FACULTY, {"department": "History"}),
    "program_wide": (Role.FACULTY, {"department": "History", "program_wide": True}),
    "admin": (Role.ADMIN, {"department": None}),
    "inactive_applicant": (Role.STUDENT, {"is_active": False}),
}


def _withdraw(session, actor, app_id):
    return apps.withdraw(session, actor=actor, application_id=app_id)


def _accept(session, actor, app_id):
    return apps.accept(session, actor=actor, application_id=app_id)


def _waitlist(session, actor, app_id):
    return apps.waitlist(session, actor=actor, application_id=app_id)


def _decline(session, actor, app_id):
    return apps.decline(session, actor=actor, application_id=app_id)


def _approve(session, actor, app_id):
    return apps.approve(session, actor=actor, application_id=app_id)


def _reject(session, actor, app_id):
    return apps.reject(session, actor=actor, application_id=app_id, reason="Not a fit")


def _complete(session, actor, app_id):
    project = session.get(Project, session.get(Application, app_id).project_id)
    return apps.complete_match(
        session, actor=actor, application_id=app_id, today=project.end_date + timedelta(days=1)
    )


def _end_early(session, actor, app_id):
    return apps.end_early(session, actor=actor, application_id=app_id, reason="Too busy")


SERVICES = {
    "withdraw": (_withdraw, S.SUBMITTED),
    "accept": (_accept, S.SUBMITTED),
    "waitlist": (_waitlist, S.SUBMITTED),
    "decline": (_decline, S.SUBMITTED),
    "approve": (_approve, S.ACCEPTED),
    "reject": (_reject, S.ACCEPTED),
    "complete": (_complete, S.APPROVED),
    "end_early": (_end_early, S.APPROVED),
}

# (service, actor, project, allowed); the application is always the applicant's unless the
# actor is the inactive applicant (then it is theirs).
CASES = [
    ("withdraw", "applicant", "own", True),
    ("withdraw", "other_student", "own", False),
    ("withdraw", "mentor", "own", False),
    ("withdraw", "admin", "own", False),
    ("withdraw", "inactive_applicant", "own", False),
    ("accept", "mentor", "own", True),
    ("accept", "other_mentor", "own", False),
    ("accept", "applicant", "own", False),
    ("accept", "faculty", "own", False),
    ("accept", "admin", "own", False),
    ("waitlist", "mentor", "own", True),
    ("waitlist", "other_mentor", "own", False),
    ("decline", "mentor", "own", True),
    ("decline", "applicant", "own", False),
    ("approve", "faculty", "own", True),
    ("approve", "program_wide", "own", True),
    ("approve", "admin", "own", True),
    ("approve", "faculty_history", "own", False),
    ("approve", "faculty", "fac_own", False),
    ("approve", "mentor", "own", False),
    ("approve", "applicant", "own", False),
    ("reject", "faculty", "own", True),
    ("reject", "faculty_history", "own", False),
    ("reject", "faculty", "fac_own", False),
    ("reject", "mentor", "own", False),
    ("complete", "mentor", "own", True),
    ("complete", "other_mentor", "own", False),
    ("complete", "applicant", "own", False),
    ("complete", "faculty", "own", False),
    ("end_early", "applicant", "own", True),
    ("end_early", "mentor", "own", True),
    ("end_early", "other_student", "own", False),
    ("end_early", "faculty", "own", False),
    ("end_early", "admin", "own", False),
]


@pytest.fixture
def scene(engine):
    with write_transaction(engine) as session:
        people = {name: h.user(session, role, **kw) for name, (role, kw) in PEOPLE.items()}
        projects = {
            "own": h.project(session, people["mentor"]),
            "fac_own": h.project(session, people["faculty"]),
        }
    return engine, people, projects


def _refusal_audited(engine, actor, app_id, action):
    rows = h.audit_rows(engine, outcome="refused", actor_id=actor.id)
    assert [(r.entity, r.entity_id, r.action) for r in rows] == [
        ("application", app_id, f"application.{action}")
    ]


@pytest.mark.parametrize(("service", "who", "where", "allowed"), CASES)
def test_move_permission(scene, service, who, where, allowed):
    engine, people, projects = scene
    fn, start = SERVICES[service]
    action = {"complete": "complete"}.get(service, service)
    owner = people["inactive_applicant"] if who == "inactive_applicant" else people["applicant"]
    with write_transaction(engine) as session:
        target = session.get(Project, projects[where].id)
        app_id = h.application(session, owner, target, start).id
    actor = people[who]
    if allowed:
        with write_transaction(engine) as session:
            moved = fn(session, actor, app_id)
        assert moved.status is not start
        assert h.audit_rows(engine, outcome="refused") == []
        return
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        fn(session, actor, app_id)
    assert h.status_of(engine, app_id) is start
    _refusal_audited(engine, actor, app_id, action)
    ok_rows = h.audit_rows(engine, entity="application", entity_id=app_id, outcome="ok")
    assert ok_rows == []


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("applicant", True),
        ("other_student", True),
        ("mentor", False),
        ("faculty", False),
        ("admin", False),
        ("inactive_applicant", False),
    ],
)
def test_only_active_students_apply(scene, who, allowed):
    engine, people, projects = scene
    actor = people[who]

    def run():
        with write_transaction(engine) as session:
            return apps.apply(
                session, actor=actor, project_id=projects["own"].id, statement=h.STATEMENT
            )

    if allowed:
        assert run().student_id == actor.id
        return
    with pytest.raises(PermissionDenied):
        run()
    (row,) = h.audit_rows(engine, outcome="refused")
    assert (row.actor_id, row.action, row.entity) == (actor.id, "application.apply", "project")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("applicant", True),
        ("mentor", True),
        ("faculty", True),
        ("program_wide", True),
        ("admin", True),
        ("other_student", False),
        ("other_mentor", False),
        ("faculty_history", False),
    ],
)
def test_timeline_visibility(scene, who, allowed):
    engine, people, projects = scene
    with write_transaction(engine) as session:
        target = session.get(Project, projects["own"].id)
        app_id = h.application(session, people["applicant"], target).id
    actor = people[who]
    if allowed:
        with read_session(engine) as session:
            apps.application_timeline(session, actor=actor, application_id=app_id)
        return
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        apps.application_timeline(session, actor=actor, application_id=app_id)
    _refusal_audited(engine, actor, app_id, "timeline")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("mentor", True), ("other_mentor", False), ("applicant", False), ("faculty", False)],
)
def test_only_the_owner_lists_applicants(scene, who, allowed):
    engine, people, projects = scene
    actor = people[who]
    with read_session(engine) as session:
        if allowed:
            assert apps.list_applicants(session, actor=actor, project_id=projects["own"].id) == []
            return
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        apps.list_applicants(session, actor=actor, project_id=projects["own"].id)
    (row,) = h.audit_rows(engine, outcome="refused")
    assert (row.actor_id, row.entity, row.entity_id) == (actor.id, "project", projects["own"].id)


def test_mentors_cannot_list_student_applications(scene):
    engine, people, _ = scene
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        apps.list_my_applications(session, actor=people["mentor"])
