"""Administration services: the permission table, users, invites, import and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest
from sqlmodel import Session, select

from core import accounts as admin
from core.accounts import attempt_login, audit_log, create_user, start_session
from core.accounts.registration import set_password_with_link
from core.models import AuditEntry, AuthSession, Notification, PasswordReset, Role, User
from core.platform.db import read_session, write_transaction
from core.platform.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.platform.settings import Settings
from core.platform.types import utcnow

PASSWORD = "correct horse battery"
SETTINGS = Settings(cookie_key="")
CSV_OK = (
    "username,email,display_name,role,department,graduation_year\n"
    "new.student,new.student@example.edu,New Student,student,Biology,\n"
    "old.alum,Old.Alum@example.edu,Old Alum,alumni,History,1999\n"
    "new.prof,new.prof@example.edu,New Prof,faculty,Physics,\n"
)


def _make(session: Session, username: str, role: Role, **kw: Any) -> User:
    return create_user(
        session,
        username=username,
        email=f"{username}@example.edu",
        display_name=kw.pop("display_name", username.title()),
        role=role,
        password=PASSWORD,
        department=kw.pop("department", "Biology"),
        **kw,
    )


@pytest.fixture
def people(engine) -> dict[str, User]:
    """One account per role plus a target account to act on."""
    with write_transaction(engine) as session:
        return {
            "admin": _make(session, "root", Role.ADMIN),
            "student": _make(session, "stud", Role.STUDENT),
            "alumni": _make(session, "alum", Role.ALUMNI),
            "faculty": _make(session, "prof", Role.FACULTY),
            "target": _make(session, "target", Role.STUDENT, display_name="Tara Target"),
        }


# ---------------------------------------------------------------------------- permission table

# action name in the audit log → how to call it against the target account.
ADMIN_ACTIONS: dict[str, Callable[[Session, User, User], object]] = {
    "admin.list_users": lambda s, a, t: admin.list_users(s, actor=a),
    "admin.change_role": lambda s, a, t: admin.change_role(
        s, actor=a, user_id=t.id, role=Role.ALUMNI
    ),
    "admin.deactivate_user": lambda s, a, t: admin.deactivate_user(s, actor=a, user_id=t.id),
    "admin.reactivate_user": lambda s, a, t: admin.reactivate_user(s, actor=a, user_id=t.id),
    "admin.sign_out_everywhere": lambda s, a, t: admin.sign_out_everywhere(
        s, actor=a, user_id=t.id
    ),
    "admin.issue_reset_link": lambda s, a, t: admin.issue_reset_link(s, actor=a, user_id=t.id),
    "admin.create_invite": lambda s, a, t: admin.create_faculty_invite(
        s, actor=a, email="invitee@example.edu", department="Physics"
    ),
    "admin.list_invites": lambda s, a, t: admin.list_invites(s, actor=a),
    "admin.cancel_invite": lambda s, a, t: admin.cancel_invite(s, actor=a, invite_id=1),
    "admin.preview_import": lambda s, a, t: admin.preview_user_import(s, actor=a, csv_text=CSV_OK),
    "admin.import_users": lambda s, a, t: admin.import_users(s, actor=a, csv_text=CSV_OK),
    "admin.query_audit_log": lambda s, a, t: admin.query_audit_log(s, actor=a),
}


def _prepare(engine, people, action: str) -> None:
    """Put the target in the state the action needs so an admin's call succeeds."""
    if action == "admin.reactivate_user":
        with write_transaction(engine) as session:
            admin.deactivate_user(session, actor=people["admin"], user_id=people["target"].id)
    if action == "admin.cancel_invite":
        with write_transaction(engine) as session:
            admin.create_faculty_invite(
                session, actor=people["admin"], email="x@example.edu", department="Physics"
            )


@pytest.mark.parametrize("role", ["admin", "student", "alumni", "faculty"])
@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_permission_table(engine, people, role, action):
    """Admins may do every admin action; every other role is refused and the refusal audited."""
    _prepare(engine, people, action)
    actor, target = people[role], people["target"]
    call = ADMIN_ACTIONS[action]
    if role == "admin":
        with write_transaction(engine) as session:
            call(session, actor, target)
        return
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        call(session, actor, target)
    with read_session(engine) as session:
        refusals = session.exec(
            select(AuditEntry).where(AuditEntry.outcome == "refused", AuditEntry.action == action)
        ).all()
    assert [(r.actor_id, r.actor_role) for r in refusals] == [(actor.id, role)]


@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_a_deactivated_admin_is_refused_everything(engine, people, action):
    _prepare(engine, people, action)
    with write_transaction(engine) as session:
        other = _make(session, "root2", Role.ADMIN)
        admin.deactivate_user(session, actor=people["admin"], user_id=other.id)
    other.is_active = False
    with pytest.raises(PermissionDenied, match="deactivated"), write_transaction(engine) as s:
        ADMIN_ACTIONS[action](s, other, people["target"])


def test_refusals_on_read_sessions_are_audited_too(engine, people):
    with pytest.raises(PermissionDenied), read_session(engine) as session:
        admin.query_audit_log(session, actor=people["student"])
    with read_session(engine) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()


# ---------------------------------------------------------------------------- users


def test_list_users_searches_filters_and_pages_in_sql(engine, people):
    with write_transaction(engine) as session:
        for number in range(30):
            _make(session, f"bulk{number:02d}", Role.STUDENT, display_name=f"Bulk Person {number}")
    with read_session(engine) as session:
        first = admin.list_users(session, actor=people["admin"], search="BULK", page_size=20)
        second = admin.list_users(
            session, actor=people["admin"], search="bulk", page=2, page_size=20
        )
        by_name = admin.list_users(session, actor=people["admin"], search="tara")
        by_mail = admin.list_users(session, actor=people["admin"], search="prof@EXAMPLE")
        mentors = admin.list_users(session, actor=people["admin"], role=Role.ALUMNI)
        wildcard = admin.list_users(session, actor=people["admin"], search="%")
    assert (first.total, first.pages, len(first.users), len(second.users)) == (30, 2, 20, 10)
    assert [u.username for u in first.users][:2] == ["bulk00", "bulk01"]
    assert [u.username for u in by_name.users] == ["target"]
    assert [u.username for u in by_mail.users] == ["prof"]
    assert [u.username for u in mentors.users] == ["alum"]
    assert wildcard.total == 0


def test_change_role_is_audited_and_notified_but_never_ones_own(engine, people):
    with write_transaction(engine) as session:
        changed = admin.change_role(
            session, actor=people["admin"], user_id=people["target"].id, role=Role.FACULTY
        )
    assert changed.role is Role.FACULTY
    with read_session(engine) as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "admin.change_role")
        ).one()
        notes = session.exec(select(Notification.text)).all()
    assert '"student"' in (entry.before or "") and '"faculty"' in (entry.after or "")
    assert any("from student to faculty" in text for text in notes)
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        admin.change_role(
            session, actor=people["admin"], user_id=people["admin"].id, role=Role.STUDENT
        )


def _login(engine, username):
    with write_transaction(engine) as session:
        return attempt_login(session, username=username, password=PASSWORD, settings=SETTINGS)


def _live(engine, user_id):
    with read_session(engine) as session:
        return session.exec(
            select(AuthSession).where(
                AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
            )
        ).all()


def test_deactivation_revokes_sessions_and_blocks_login_until_reactivated(engine, people):
    target = people["target"]
    with write_transaction(engine) as session:
        start_session(session, user=target, token="cookie-a", settings=SETTINGS)
        start_session(session, user=target, token="cookie-b", settings=SETTINGS)
    with write_transaction(engine) as session:
        revoked = admin.deactivate_user(session, actor=people["admin"], user_id=target.id)
    assert revoked == 2 and _live(engine, target.id) == []
    assert _login(engine, "target").user is None
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        admin.deactivate_user(session, actor=people["admin"], user_id=target.id)
    with write_transaction(engine) as session:
        admin.reactivate_user(session, actor=people["admin"], user_id=target.id)
    assert _login(engine, "target").user is not None


def test_an_admin_cannot_deactivate_themself(engine, people):
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        admin.deactivate_user(session, actor=people["admin"], user_id=people["admin"].id)


def test_sign_out_everywhere_ends_every_live_session(engine, people):
    target = people["target"]
    with write_transaction(engine) as session:
        start_session(session, user=target, token="cookie-a", settings=SETTINGS)
    with write_transaction(engine) as session:
        assert admin.sign_out_everywhere(session, actor=people["admin"], user_id=target.id) == 1
    assert _live(engine, target.id) == []


def test_a_reset_link_is_refused_for_a_deactivated_account(engine, people):
    with write_transaction(engine) as session:
        admin.deactivate_user(session, actor=people["admin"], user_id=people["target"].id)
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        admin.issue_reset_link(session, actor=people["admin"], user_id=people["target"].id)


def test_invites_are_listed_and_can_be_cancelled(engine, people):
    with write_transaction(engine) as session:
        link = admin.create_faculty_invite(
            session, actor=people["admin"], email="dean@example.edu", program_wide=True
        )
    with read_session(engine) as session:
        invites = admin.list_invites(session, actor=people["admin"])
    assert [(i.email, i.department, i.program_wide) for i in invites] == [
        ("dean@example.edu", None, True)
    ]
    with write_transaction(engine) as session:
        admin.cancel_invite(session, actor=people["admin"], invite_id=link.record_id)
    with pytest.raises(InvalidTransition), write_transaction(engine) as session:
        admin.cancel_invite(session, actor=people["admin"], invite_id=link.record_id)


def test_an_invite_needs_a_department_unless_program_wide(engine, people):
    with pytest.raises(ValidationFailed) as raised, write_transaction(engine) as session:
        admin.create_faculty_invite(session, actor=people["admin"], email="not an address")
    assert set(raised.value.fields) == {"email", "department"}


# ---------------------------------------------------------------------------- CSV import


def test_import_creates_accounts_with_single_use_welcome_links(engine, people):
    with read_session(engine) as session:
        preview = admin.preview_user_import(session, actor=people["admin"], csv_text=CSV_OK)
    assert preview.is_valid and [r.username for r in preview.rows] == [
        "new.student",
        "old.alum",
        "new.prof",
    ]
    with write_transaction(engine) as session:
        created = admin.import_users(session, actor=people["admin"], csv_text=CSV_OK)
    assert [(c.username, c.email) for c in created][1] == ("old.alum", "old.alum@example.edu")
    with read_session(engine) as session:
        alum = session.exec(select(User).where(User.username == "old.alum")).one()
        links = session.exec(select(PasswordReset)).all()
    assert (alum.role, alum.graduation_year, alum.department) == (Role.ALUMNI, 1999, "History")
    assert {link.purpose for link in links} == {"welcome"}
    assert all(
        timedelta(days=6) < link.expires_at - utcnow() <= timedelta(days=7) for link in links
    )
    assert _login(engine, "old.alum").user is None, "no password before the link is used"
    with write_transaction(engine) as session:
        set_password_with_link(session, token=created[1].link.token, new_password=PASSWORD)
    assert _login(engine, "old.alum").user is not None


def test_one_bad_row_means_nothing_is_written_and_every_row_error_is_named(engine, people):
    bad = (
        "username,email,display_name,role,department,graduation_year\n"
        "fine.one,fine.one@example.edu,Fine One,student,Biology,\n"
        "STUD,stud2@example.edu,Taken Name,student,Biology,\n"
        "fine.one,FINE.ONE@example.edu,Again,admin,Biology,1800\n"
        "x,not-mail,,alumni,History,abc\n"
    )
    with read_session(engine) as session:
        preview = admin.preview_user_import(session, actor=people["admin"], csv_text=bad)
    assert not preview.is_valid
    errors = {row.line: set(row.errors) for row in preview.rows}
    assert errors == {
        2: set(),
        3: {"username"},
        4: {"username", "email", "role", "graduation_year"},
        5: {"username", "email", "display_name", "graduation_year"},
    }
    assert "repeats line 2" in preview.rows[2].errors["username"]
    before = len(_users(engine))
    with (
        pytest.raises(ValidationFailed, match="Nothing was imported: 3 problems in the file"),
        write_transaction(engine) as session,
    ):
        admin.import_users(session, actor=people["admin"], csv_text=bad)
    assert len(_users(engine)) == before


def _users(engine):
    with read_session(engine) as session:
        return session.exec(select(User)).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user,email\nx,y\n", "Missing columns: username, display_name, role"),
        ("username,email,display_name\n", "Missing column: role."),
        ("username,email,display_name,role,password\n", "Unknown column: password."),
        ("username,email,display_name,role,password,pin\n", "Unknown columns: password, pin."),
        ("username,email,display_name,role\n", "holds no accounts"),
    ],
)
def test_file_level_import_problems(engine, people, text, message):
    with read_session(engine) as session:
        preview = admin.preview_user_import(session, actor=people["admin"], csv_text=text)
    assert not preview.is_valid
    assert any(message in problem for problem in preview.problems)


# ---------------------------------------------------------------------------- audit log


def test_the_audit_log_filters_by_actor_action_entity_and_date_and_pages(engine, people):
    root, target = people["admin"], people["target"]
    with write_transaction(engine) as session:
        admin.sign_out_everywhere(session, actor=root, user_id=target.id)
        admin.change_role(session, actor=root, user_id=target.id, role=Role.ALUMNI)
        admin.create_faculty_invite(session, actor=root, email="z@example.edu", department="Art")
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        admin.list_users(session, actor=people["student"])
    today = date.today()
    with read_session(engine) as session:
        query = partial(admin.query_audit_log, session, actor=root)
        mine = query(actor_username="ROOT")
        admin_actions = query(action="admin.")
        invites = query(entity="faculty_invite")
        refused = query(refused_only=True)
        yesterday = query(end=today - timedelta(days=1))
        today_only = query(start=today, end=today)
        paged = query(page=2, page_size=2)
        everything = query()
        actions = admin.list_audit_actions(session, actor=root)
    assert {row.actor_username for row in mine.rows} == {"root"}
    assert [row.entry.action for row in admin_actions.rows] == [
        "admin.list_users",
        "admin.create_invite",
        "admin.change_role",
        "admin.sign_out_everywhere",
    ]
    assert [row.entry.action for row in invites.rows] == ["admin.create_invite"]
    assert [(r.entry.action, r.actor_username) for r in refused.rows] == [
        ("admin.list_users", "stud")
    ]
    assert yesterday.total == 0 and today_only.total == everything.total
    assert len(paged.rows) == 2 and paged.page == 2 and paged.pages == (everything.total + 1) // 2
    assert "admin.change_role" in actions and "user.create" in actions


def test_the_audit_count_stops_at_its_cap_and_says_so(engine, people, monkeypatch):
    monkeypatch.setattr(audit_log, "AUDIT_COUNT_CAP", 3)
    root = people["admin"]
    with write_transaction(engine) as session:
        for _ in range(3):
            admin.sign_out_everywhere(session, actor=root, user_id=people["target"].id)
    with read_session(engine) as session:
        found = admin.query_audit_log(session, actor=root)
        few = admin.query_audit_log(session, actor=root, action="admin.sign_out")
    assert (found.total, found.more, found.total_label) == (3, True, "3+")
    assert (few.total, few.more) == (3, False)


def test_an_imported_username_that_reads_like_a_password_word_is_fine(engine, people):
    # Imported people set their password later: no placeholder password is judged for them.
    csv_text = "username,email,display_name,role\nholder,holder@example.edu,Hol Der,student\n"
    with read_session(engine) as session:
        preview = admin.preview_user_import(session, actor=people["admin"], csv_text=csv_text)
    assert preview.is_valid, [row.problems for row in preview.rows]
