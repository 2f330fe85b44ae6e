"""Registration, invite and reset landings, the profile and the admin screens, through AppTest."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from core.accounts import find_user_by_username
from core.accounts.admin import issue_reset_link
from core.accounts.invites import create_faculty_invite
from core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    AuthSession,
    FacultyInvite,
    Notification,
    Project,
    ProjectStatus,
    Role,
    User,
)
from core.platform.db import read_session, write_transaction
from core.projects.tags import user_interest_names
from core.seed import DEMO_PASSWORD
from pages.shared import profile
from tests.pages.conftest import log_in, new_app
from tests.pages.screens import open_screen, open_tab, raw_texts, shown_tables, table_column, texts

NEW_PASSWORD = "a fresh passphrase 2026"
XSS = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]


def widget(at, kind: str, key: str):
    return next(w for w in at.get(kind) if w.key == key)


def fill(at, **values) -> None:
    for key, value in values.items():
        widget(at, "text_input", key).input(value)


def submit(at, label: str):
    next(b for b in at.button if b.label == label).click()
    return at.run()


def _admin(engine) -> User:
    with read_session(engine) as session:
        found = find_user_by_username(session, "demo-admin")
    assert found is not None
    return found


# ---------------------------------------------------------------------------- registration


def _registration(app_env):
    at = new_app().run()
    assert any(b.label == "Create an account" for b in at.button)
    return submit(at, "Create an account")


def test_a_visitor_registers_as_a_student_and_logs_in(app_env):
    at = _registration(app_env)
    assert "Create an account" in [t.value for t in at.title]
    fill(
        at,
        register_username="new-student",
        register_email="New@Example.edu",
        register_display_name="New Student",
        register_department="Biology",
        register_password="too short",
        register_password_confirmation="too short",
    )
    widget(at, "multiselect", "register_interests").set_value(["python"])
    at = submit(at, "Create account")
    assert not at.exception
    assert "password: must be at least 12 characters" in texts(at)
    assert widget(at, "text_input", "register_username").value == "new-student", "input kept"
    fill(at, register_password=NEW_PASSWORD, register_password_confirmation=NEW_PASSWORD)
    at = submit(at, "Create account")
    assert "new-student was created" in texts(at)
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    with read_session(app_env) as session:
        user = find_user_by_username(session, "new-student")
        assert user is not None and user.role is Role.STUDENT
        assert user_interest_names(session, user.id) == ["python"]
    at = log_in(at, "new-student", NEW_PASSWORD)
    assert "Welcome" in texts(at)


def test_an_alumna_must_give_a_graduation_year(app_env):
    at = _registration(app_env)
    widget(at, "radio", "register_role").set_value(Role.ALUMNI)
    at.run()
    fill(
        at,
        register_username="old-alum",
        register_email="old@example.edu",
        register_display_name="Old Alum",
        register_department="History",
        register_password=NEW_PASSWORD,
        register_password_confirmation=NEW_PASSWORD,
    )
    at = submit(at, "Create account")
    assert "graduation year: enter a year" in texts(at)
    widget(at, "number_input", "register_graduation_year").set_value(2001)
    at = submit(at, "Create account")
    assert "old-alum was created" in texts(at)


def test_registration_names_a_taken_username(app_env):
    at = _registration(app_env)
    fill(
        at,
        register_username="DEMO-STUDENT",
        register_email="someone@example.edu",
        register_display_name="Someone",
        register_department="Biology",
        register_password=NEW_PASSWORD,
        register_password_confirmation=NEW_PASSWORD,
    )
    at = submit(at, "Create account")
    assert "username: is already taken" in texts(at)


# ---------------------------------------------------------------------------- invite and reset


def test_a_faculty_invite_link_works_once(app_env):
    with write_transaction(app_env) as session:
        link = create_faculty_invite(
            session, actor=_admin(app_env), email="prof.new@example.edu", department="Physics"
        )
    at = new_app()
    at.query_params["invite"] = link.token
    at.run()
    assert widget(at, "text_input", "invite_email").value == "prof.new@example.edu"
    fill(
        at,
        invite_username="prof-new",
        invite_display_name="Prof. New",
        invite_password=NEW_PASSWORD,
        invite_password_confirmation=NEW_PASSWORD,
    )
    at = submit(at, "Create faculty account")
    assert "faculty account prof-new was created" in texts(at)
    at = log_in(at, "prof-new", NEW_PASSWORD)
    assert "signed in as **faculty**" in texts(at)
    again = new_app()
    again.query_params["invite"] = link.token
    again.run()
    assert "already been used" in texts(again)
    assert not any(t.key == "invite_username" for t in again.text_input)


def test_an_unknown_invite_link_is_refused(app_env):
    at = new_app()
    at.query_params["invite"] = "not-a-real-token"
    at.run()
    assert "This invite link is not valid" in texts(at)


def test_a_reset_link_sets_the_password_once(app_env):
    with read_session(app_env) as session:
        student = find_user_by_username(session, "demo-student")
    with write_transaction(app_env) as session:
        link = issue_reset_link(session, actor=_admin(app_env), user_id=student.id)
    at = new_app()
    at.query_params["reset"] = link.token
    at.run()
    assert widget(at, "text_input", "reset_username").value == "demo-student"
    fill(at, reset_password=NEW_PASSWORD, reset_password_confirmation=NEW_PASSWORD)
    at = submit(at, "Set password")
    assert "Your password was set" in texts(at)
    at = log_in(at, "demo-student", NEW_PASSWORD)
    assert "Welcome" in texts(at)
    again = new_app()
    again.query_params["reset"] = link.token
    again.run()
    assert "already been used" in texts(again)


# ---------------------------------------------------------------------------- profile


def test_the_profile_saves_and_shows_hostile_names_literally(logged_in, app_env):
    at = open_screen(logged_in("demo-student"), "profile")
    assert "Profile" in [t.value for t in at.title]
    assert widget(at, "text_input", "profile_email").disabled
    assert widget(at, "text_input", "profile_email").value == "demo-student@example.edu"
    fill(at, profile_display_name=XSS[0], profile_department=XSS[1])
    widget(at, "number_input", "profile_weekly_hours").set_value(12.0)
    widget(at, "checkbox", "profile_blind_review").check()
    widget(at, "multiselect", "profile_interests").set_value(["python", "brand new tag"])
    at = submit(at, "Save profile")
    assert not at.exception
    assert "Your profile was saved." in texts(at)
    with read_session(app_env) as session:
        user = find_user_by_username(session, "demo-student")
        assert (user.display_name, user.department, user.weekly_hours, user.blind_review) == (
            XSS[0],
            XSS[1],
            12.0,
            True,
        )
        assert user_interest_names(session, user.id) == ["brand-new-tag", "python"]
    at = open_screen(at, "home")
    assert f"Welcome, {XSS[0]}" in texts(at), "shown as typed"
    assert "<img" not in raw_texts(at).replace("\\<img", ""), "never as raw HTML"


def test_a_mentor_sees_a_budget_and_no_blind_review(logged_in):
    at = open_screen(logged_in("demo-alumni"), "profile")
    assert widget(at, "number_input", "profile_weekly_hours").label.startswith("Weekly mentoring")
    assert not any(c.key == "profile_blind_review" for c in at.checkbox)


def test_a_bad_profile_value_is_named_and_kept(logged_in):
    at = open_screen(logged_in("demo-student"), "profile")
    fill(at, profile_display_name="   ")
    at = submit(at, "Save profile")
    assert "display name:" in texts(at)


def test_the_password_change_needs_the_current_password(logged_in, app_env):
    at = open_tab(open_screen(logged_in("demo-student"), "profile"), profile.TAB, profile.PASSWORD)
    fill(
        at,
        password_current="not my password",
        password_new=NEW_PASSWORD,
        password_confirmation=NEW_PASSWORD,
    )
    at = submit(at, "Change password")
    assert "current password is not correct" in texts(at)
    fill(
        at,
        password_current=DEMO_PASSWORD,
        password_new=NEW_PASSWORD,
        password_confirmation=NEW_PASSWORD,
    )
    at = submit(at, "Change password")
    assert "Your password was changed." in texts(at)
    assert "Profile" in [t.value for t in at.title], "this session stays signed in"
    with read_session(app_env) as session:
        live = session.exec(select(AuthSession).where(AuthSession.revoked_at.is_(None))).all()
    assert len(live) == 1
    assert "Welcome" in texts(log_in(new_app().run(), "demo-student", NEW_PASSWORD))


# ---------------------------------------------------------------------------- admin screens


@pytest.mark.parametrize("username", ["demo-student", "demo-alumni", "demo-faculty"])
@pytest.mark.parametrize(
    "url_path", ["admin-users", "admin-invites", "admin-import", "admin-audit"]
)
def test_admin_screens_are_not_routed_to_other_roles(logged_in, username, url_path):
    at = open_screen(logged_in(username), url_path)
    assert "Welcome" in texts(at), "the router stays on Home"
    labels = [str(link.label) for link in at.sidebar.get("page_link")]
    assert "Users" not in labels and "Audit log" not in labels


def test_admin_users_search_deactivate_and_reset_link(logged_in, app_env):
    at = open_screen(logged_in("demo-admin"), "admin-users")
    assert not at.exception
    assert "Users" in [t.value for t in at.title]
    fill(at, admin_users_search="demo-student2")
    at.run()
    assert "1 account · page 1 of 1" in texts(at)
    at = submit(at, "Deactivate…")
    assert "will be signed out everywhere" in texts(at)
    assert "demo-student2 was deactivated" not in texts(at)  # nothing happens before yes
    at = submit(at, "Yes, deactivate")
    assert "demo-student2 was deactivated" in texts(at)
    at = submit(at, "Reactivate")
    assert "can log in again" in texts(at)
    at = submit(at, "Create reset link")
    assert "password reset link for demo-student2" in texts(at)
    assert "/?reset=" in at.code[0].value
    widget(at, "selectbox", "admin_users_new_role_2").set_value(Role.ALUMNI)
    at = submit(at, "Change role")
    assert "demo-student2 is now alumni" in texts(at)
    with read_session(app_env) as session:
        user = find_user_by_username(session, "demo-student2")
    assert user.role is Role.ALUMNI and user.is_active


def test_deactivating_a_mentor_says_what_happens_and_closes_their_projects(logged_in, app_env):
    at = open_screen(logged_in("demo-admin"), "admin-users")
    fill(at, admin_users_search="demo-alumni")
    at.run()
    at = submit(at, "Deactivate…")
    shown = texts(at)
    assert "open project" in shown and "will close" in shown, shown
    assert "will expire, and each student is told why" in shown, shown
    at = submit(at, "Keep the account")
    with read_session(app_env) as session:
        assert find_user_by_username(session, "demo-alumni").is_active
    at = submit(at, "Deactivate…")
    at = submit(at, "Yes, deactivate")
    assert "demo-alumni was deactivated" in texts(at)
    with read_session(app_env) as session:
        mentor = find_user_by_username(session, "demo-alumni")
        projects = session.exec(select(Project).where(Project.owner_id == mentor.id)).all()
        assert ProjectStatus.OPEN not in {p.status for p in projects}
        waiting = session.exec(
            select(Application).where(
                col(Application.project_id).in_([p.id for p in projects]),
                col(Application.status).in_(
                    [
                        ApplicationStatus.SUBMITTED,
                        ApplicationStatus.WAITLISTED,
                        ApplicationStatus.ACCEPTED,
                    ]
                ),
            )
        ).all()
        assert waiting == []
        told = session.exec(
            select(Notification.text).where(
                col(Notification.text).contains("no longer available on the portal")
            )
        ).all()
    assert told, "each student whose application expired is told why"


def test_admin_invites_show_a_full_link(logged_in):
    at = open_screen(logged_in("demo-admin"), "admin-invites")
    fill(at, invite_create_email="dean@example.edu", invite_create_department="Physics")
    at = submit(at, "Create invite link")
    assert "Invite created for dean@example.edu" in texts(at)
    assert at.code[0].value.startswith("http") and "/?invite=" in at.code[0].value
    assert table_column(shown_tables(at)[0], "E-mail") == ["dean@example.edu"]


def test_admin_import_previews_errors_then_imports(logged_in, app_env):
    at = open_screen(logged_in("demo-admin"), "admin-import")
    bad = "username,email,display_name,role\nok-one,ok1@example.edu,Ok One,student\nx,bad,,boss\n"
    widget(at, "text_area", "admin_import_paste").input(bad)
    at = submit(at, "Preview")
    assert "Nothing has been imported" in texts(at)
    problems = table_column(shown_tables(at)[0], "Problems")
    assert problems[0] == "" and "role: must be student, alumni or faculty" in problems[1]
    good = "username,email,display_name,role\nok-one,ok1@example.edu,Ok One,student\n"
    widget(at, "text_area", "admin_import_paste").input(good)
    at = submit(at, "Preview")
    assert "1 account is ready to import." in texts(at)
    at = submit(at, "Import 1 account")
    assert "1 account was created" in texts(at)
    assert "/?reset=" in table_column(shown_tables(at)[-1], "Set-password link")[0]
    with read_session(app_env) as session:
        assert find_user_by_username(session, "ok-one") is not None


def test_admin_audit_log_filters(logged_in, app_env):
    at = log_in(new_app().run(), "demo-student", "wrong password 123")
    at = open_screen(logged_in("demo-admin"), "admin-audit")
    assert not at.exception
    widget(at, "checkbox", "audit_refused").check()
    at.run()
    assert set(table_column(shown_tables(at)[0], "Outcome")) == {"refused"}
    assert "login.failed" in set(table_column(shown_tables(at)[0], "Action"))
    with read_session(app_env) as session:
        assert session.exec(select(AuditEntry)).first() is not None


def test_without_base_url_an_admin_is_told_and_no_invite_is_made_for_a_foreign_host(
    logged_in, app_env, monkeypatch
):
    from pages.components import links

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setattr(links, "FALLBACK_URL", "https://attacker.example.com")
    at = open_screen(logged_in("demo-admin"), "admin-invites")
    fill(at, invite_create_email="dean@example.edu", invite_create_department="Physics")
    at = submit(at, "Create invite link")
    assert "Set BASE_URL" in " ".join(error.value for error in at.error)
    assert not at.code
    with read_session(app_env) as session:
        assert session.exec(select(FacultyInvite)).all() == []


def test_faculty_see_their_department_as_set_by_an_admin_who_can_change_it(logged_in, app_env):
    at = open_screen(logged_in("demo-faculty"), "profile")
    department = widget(at, "text_input", "profile_department")
    assert department.disabled and "administrator" in department.help
    at = open_screen(logged_in("demo-admin"), "admin-users")
    fill(at, admin_users_search="demo-faculty")
    at.run()
    with read_session(app_env) as session:
        faculty_id = find_user_by_username(session, "demo-faculty").id
    widget(at, "text_input", f"admin_users_department_{faculty_id}").input("Physics")
    at = submit(at, "Set department")
    assert "demo-faculty now belongs to Physics" in texts(at)
    with read_session(app_env) as session:
        assert find_user_by_username(session, "demo-faculty").department == "Physics"


def test_every_screen_says_demo_data_while_demo_accounts_exist(app_env):
    at = new_app().run()
    assert "Demo data" in " ".join(warning.value for warning in at.warning)
    at = log_in(at, "demo-student")
    assert "Demo data" in " ".join(warning.value for warning in at.warning)
    from core.accounts.demo import remove_demo
    from pages.components.engine import _demo_data_present

    with write_transaction(app_env) as session:
        remove_demo(session)
    _demo_data_present.clear()
    fresh = new_app().run()
    assert "Demo data" not in " ".join(warning.value for warning in fresh.warning)


def test_an_sso_only_account_gets_no_password_form(logged_in, monkeypatch):
    from core.platform.settings import get_settings

    at = logged_in("demo-faculty")
    # The university now signs in everyone at the demo's domain.
    monkeypatch.setenv("OIDC_REQUIRED_DOMAINS", "example.edu")
    get_settings.cache_clear()
    at = open_tab(open_screen(at, "profile"), profile.TAB, profile.PASSWORD)
    assert "sign in with the university account" in texts(at)
    assert "Change password" not in [b.label for b in at.button]
    get_settings.cache_clear()


def test_the_profile_draws_only_its_open_tab(logged_in):
    at = open_screen(logged_in("demo-alumni"), "profile")
    assert [t.label for t in at.tabs] == [profile.DETAILS, profile.ABOUT, profile.PASSWORD]
    buttons = [b.label for b in at.button]
    assert "Save profile" in buttons and "Change password" not in buttons
    at = open_tab(at, profile.TAB, profile.PASSWORD)
    buttons = [b.label for b in at.button]
    assert "Change password" in buttons and "Save profile" not in buttons


def test_an_administrator_has_no_about_tab(logged_in):
    at = open_screen(logged_in("demo-admin"), "profile")
    assert [t.label for t in at.tabs] == [profile.DETAILS, profile.PASSWORD]
