"""E-mail in a real browser: a student applies; the mentor's e-mail (delivered to a real SMTP
server) holds a link that, opened in a fresh browser, leads through login to Applicants."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from core.mail.messages import Context
from core.mail.sender import send_pass
from core.mail.transport import SmtpTransport
from core.models import Application, Project, ProjectStatus, User
from core.platform.db import create_db_engine
from tests.e2e.helpers import log_in, open_page, settle, wait_for_app

pytestmark = pytest.mark.e2e
WAIT = 30_000
STATEMENT = (
    "I have wanted to work on exactly this kind of project for a while, and I can give it three "
    "steady hours every week for the whole term."
)


def _open_project_without_application(database_url: str) -> tuple[Project, User]:
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        student = session.exec(select(User).where(User.username == "demo-student")).one()
        applied = select(Application.project_id).where(Application.student_id == student.id)
        project = session.exec(
            select(Project)
            .where(
                Project.status == ProjectStatus.OPEN,
                col(Project.id).not_in(applied),
            )
            .order_by(col(Project.id))
        ).first()
        mentor = session.get(User, project.owner_id) if project else None
    engine.dispose()
    assert project is not None and mentor is not None, "no open project left to apply to"
    return project, mentor


def _deliver(server, smtp) -> None:
    engine = create_db_engine(server.database_url)
    context = Context(
        base_url=server.url,
        mail_from="Portal <portal@example.edu>",
        signing_key="x" * 8 + "abcdefghijklmnopqrstuvwxyz012345",
    )
    send_pass(engine, SmtpTransport(smtp.url), context)
    engine.dispose()


def test_the_mentors_email_link_opens_the_applicants_screen_after_login(server, browser, smtp):
    project, mentor = _open_project_without_application(server.database_url)
    _deliver(server, smtp)  # what the demo data queued goes first
    smtp.recorder.clear()
    student_view = browser.new_context(viewport={"width": 1280, "height": 900})
    page = student_view.new_page()
    open_page(page, f"{server.url}/project?id={project.id}")
    log_in(page, "demo-student")
    expect(page.get_by_role("heading", name=project.title)).to_be_visible(timeout=WAIT)
    page.get_by_label("Your statement", exact=True).fill(STATEMENT)
    answer = page.get_by_label("Your answer", exact=True)
    if answer.count():
        answer.fill("Yes, I can: I have done this kind of work before and enjoyed it.")
    page.get_by_role("button", name="Apply").click()
    settle(page)
    expect(page.get_by_text(f"Application sent for “{project.title}”").first).to_be_visible(
        timeout=WAIT
    )
    student_view.close()

    _deliver(server, smtp)
    mine = [
        m
        for m in smtp.recorder.messages()
        if mentor.email in str(m["To"]) and project.title in str(m["Subject"])
    ]
    assert len(mine) == 1
    plain = mine[0].get_body(preferencelist=("plain",)).get_content()
    found = re.search(rf"{re.escape(server.url)}/applicants\?project={project.id}", plain)
    assert found is not None, plain

    mentor_view = browser.new_context(viewport={"width": 1280, "height": 900})
    page = mentor_view.new_page()
    try:
        open_page(page, found.group(0))
        log_in(page, mentor.username)
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Applicants").first).to_be_visible(timeout=WAIT)
        # The applicants of exactly that project: it is the one chosen in the project picker.
        picker = page.get_by_role("combobox", name="Project")
        expect(picker).to_have_value(re.compile(re.escape(project.title)), timeout=WAIT)
        assert "/applicants" in page.url
    finally:
        mentor_view.close()
