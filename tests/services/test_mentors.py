"""Mentors as people: profiles, the directory, following a mentor, and blind review holding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from core.applications import list_applicants
from core.mentors import (
    find_mentors,
    follow_mentor,
    link_problem,
    mentor_page,
    my_about,
    tell_followers,
    unfollow_mentor,
    update_about,
)
from core.mentors.profiles import MIN_RATINGS
from core.models import (
    ApplicationStatus,
    AuditEntry,
    MentorFollow,
    Notification,
    PersonProfile,
    ProjectStatus,
    Role,
    Verification,
)
from core.platform.db import read_session, write_transaction
from core.platform.errors import NotFound, PermissionDenied, ValidationFailed
from core.platform.types import utcnow
from core.projects import create_project, publish_project
from core.workspace.models import MatchFeedback, MatchSession
from tests.factories import TODAY, application, build, make_pair, project, project_input, user

ABOUT = {
    "headline": "Data engineer at a logistics firm, class of 2014",
    "bio": "I build pipelines.\nHappy to review code.",
    "links": ["https://example.org/me", ""],
}


def _about(engine, person, **overrides):
    fields = {**ABOUT, "expertise": ["python", "data"] if person.role.is_mentor else []}
    fields.update(overrides)
    with write_transaction(engine) as session:
        return update_about(session, actor=person, user_id=person.id, **fields)


def _rows(engine, actor, **filters):
    with read_session(engine) as session:
        return find_mentors(session, actor=actor, **filters).rows


# ---------------------------------------------------------------------------- writing


def test_a_mentor_writes_a_headline_bio_links_and_expertise(engine):
    mentor = build(engine, lambda s: user(s, Role.ALUMNI))
    _about(engine, mentor)
    with read_session(engine) as session:
        about, expertise = my_about(session, actor=mentor)
    assert about.headline == ABOUT["headline"]
    assert about.bio == "I build pipelines.\nHappy to review code."
    assert about.links == ("https://example.org/me",)
    assert expertise == ("data", "python")
    [row] = [r for r in _audit(engine) if r.action == "user.update_about"]
    assert row.entity_id == mentor.id


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("headline", "x" * 121, "at most 120"),
        ("headline", "two\nlines", "single line"),
        ("bio", "y" * 1001, "at most 1,000"),
        ("bio", "hidden \u202e direction", "text-direction"),
        ("links", ["http://example.org"], "https://"),
        ("links", ["javascript:alert(1)"], "https://"),
        ("links", ["https://user:pw@example.org"], "user name or password"),
        (
            "links",
            ["https://a.org", "https://b.org", "https://c.org", "https://d.org"],
            "at most 3",
        ),
        ("links", ["https://localhost/x"], "web site"),
        ("expertise", ["ok", "x"], "not a valid tag"),
    ],
)
def test_bad_profile_input_is_refused_and_nothing_is_written(engine, field, value, problem):
    mentor = build(engine, lambda s: user(s, Role.FACULTY))
    with pytest.raises(ValidationFailed, match=problem) as refused:
        _about(engine, mentor, **{field: value})
    assert field in refused.value.fields
    with Session(engine) as session:
        assert session.get(PersonProfile, mentor.id) is None
    assert not [r for r in _audit(engine) if r.action == "user.update_about"]


def test_a_student_lists_no_expertise_and_cannot_hide_from_a_directory(engine):
    student = build(engine, lambda s: user(s, Role.STUDENT))
    with pytest.raises(ValidationFailed, match="only mentors"):
        _about(engine, student, expertise=["python"])
    about = _about(engine, student, hidden=True)
    assert about.hidden is False


@pytest.mark.parametrize("role", [Role.STUDENT, Role.ALUMNI, Role.FACULTY])
def test_nobody_but_the_person_or_an_admin_writes_their_profile(engine, role):
    mentor, other, admin = build(
        engine, lambda s: (user(s, Role.ALUMNI), user(s, role), user(s, Role.ADMIN))
    )
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        update_about(session, actor=other, user_id=mentor.id, headline="Hacked", bio="", links=[])
    with write_transaction(engine) as session:
        update_about(session, actor=admin, user_id=mentor.id, headline="Fixed", bio="", links=[])
    with read_session(engine) as session:
        assert mentor_page(session, actor=other, mentor_id=mentor.id).about.headline == "Fixed"


# ---------------------------------------------------------------------------- links


@given(st.text(max_size=80))
def test_a_link_is_accepted_only_as_a_plain_https_address(text):
    problem = link_problem(text)
    if problem is None:
        assert text.strip().startswith("https://")
        assert not any(char.isspace() for char in text.strip())
        assert "@" not in text.strip().split("/")[2]


@pytest.mark.parametrize(
    "url",
    ["https://example.org", "https://www.linkedin.com/in/dana-ng", "https://a.b.org:8443/x?y=1"],
)
def test_ordinary_profile_addresses_are_links(url):
    assert link_problem(url) is None


# ---------------------------------------------------------------------------- reading


def test_the_profile_shows_what_the_portal_knows_never_the_email(engine):
    def setup(session):
        mentor = user(session, Role.ALUMNI, graduation_year=2014)
        pairs = [
            make_pair(session, mentor=mentor, status=ApplicationStatus.COMPLETED)
            for _ in range(MIN_RATINGS)
        ]
        for number, found in enumerate(pairs):
            session.add(
                MatchSession(
                    application_id=found.application_id,
                    author_id=found.student.id,
                    held_on=TODAY - timedelta(days=2),
                    minutes=60,
                    summary="Planned the work.",
                    confirmed_by=mentor.id,
                    confirmed_at=utcnow(),
                )
            )
            # The student's rating counts; the mentor's own rating of the match does not.
            session.add(
                MatchFeedback(
                    application_id=found.application_id,
                    author_id=found.student.id,
                    rating=4 + (number == 0),
                    comment="Helpful.",
                )
            )
            session.add(
                MatchFeedback(
                    application_id=found.application_id,
                    author_id=mentor.id,
                    rating=1,
                    comment="Fine.",
                )
            )
        open_one = project(session, mentor, title="Open now")
        reader = user(session, Role.STUDENT)
        return mentor, reader, open_one

    mentor, reader, open_one = build(engine, setup)
    with read_session(engine) as session:
        page = mentor_page(session, actor=reader, mentor_id=mentor.id)
    assert page.facts.matches_completed == MIN_RATINGS
    assert page.facts.sessions_logged == MIN_RATINGS
    assert page.facts.projects_run == MIN_RATINGS
    assert page.facts.ratings == MIN_RATINGS
    assert page.facts.average_rating == pytest.approx(4.3)
    assert [p.id for p in page.open_projects] == [open_one.id]
    assert page.graduation_year == 2014
    assert not hasattr(page, "email")
    assert mentor.email not in repr(page)


def test_fewer_than_three_ratings_show_no_average(engine):
    def setup(session):
        found = make_pair(session, status=ApplicationStatus.COMPLETED)
        session.add(
            MatchFeedback(
                application_id=found.application_id,
                author_id=found.student.id,
                rating=1,
                comment="One student's view.",
            )
        )
        return found.mentor, user(session, Role.STUDENT)

    mentor, reader = build(engine, setup)
    with read_session(engine) as session:
        facts = mentor_page(session, actor=reader, mentor_id=mentor.id).facts
    assert facts.ratings == 1
    assert facts.average_rating is None


@pytest.mark.parametrize(
    ("kind", "verification", "active"),
    [
        ("student", Verification.VERIFIED, True),
        ("admin", Verification.VERIFIED, True),
        ("alumni", Verification.PENDING, True),
        ("alumni", Verification.REFUSED, True),
        ("alumni", Verification.VERIFIED, False),
    ],
)
def test_only_listed_mentors_have_a_profile_to_read(engine, kind, verification, active):
    def setup(session):
        target = user(session, Role(kind), verification=verification, is_active=active)
        return target, user(session, Role.STUDENT)

    target, reader = build(engine, setup)
    with pytest.raises(NotFound), read_session(engine) as session:
        mentor_page(session, actor=reader, mentor_id=target.id)


def test_an_unverified_mentor_reads_their_own_profile(engine):
    mentor = build(engine, lambda s: user(s, Role.ALUMNI, verification=Verification.PENDING))
    with read_session(engine) as session:
        assert mentor_page(session, actor=mentor, mentor_id=mentor.id).display_name


# ---------------------------------------------------------------------------- directory


def test_the_directory_finds_mentors_by_name_expertise_and_department(engine):
    def setup(session):
        dana = user(session, Role.ALUMNI, display_name="Dana Ng", department="Biology")
        omar = user(session, Role.FACULTY, display_name="Omar Diaz", department="Physics")
        user(session, Role.STUDENT, display_name="Dana Student")
        return dana, omar, user(session, Role.STUDENT)

    dana, omar, student = build(engine, setup)
    _about(engine, dana, expertise=["genomics"])
    _about(engine, omar, expertise=["optics", "python"])
    assert [r.mentor_id for r in _rows(engine, student, name="dana")] == [dana.id]
    assert [r.mentor_id for r in _rows(engine, student, tag="Python")] == [omar.id]
    assert [r.mentor_id for r in _rows(engine, student, department="biology")] == [dana.id]
    assert _rows(engine, student, name="dana", tag="optics") == []
    [row] = _rows(engine, student, tag="genomics")
    assert row.headline == ABOUT["headline"]
    assert row.expertise == ("genomics",)


def test_a_hidden_or_unverified_mentor_is_absent_from_the_directory(engine):
    def setup(session):
        shown = user(session, Role.ALUMNI, display_name="Shown Mentor")
        hidden = user(session, Role.ALUMNI, display_name="Hidden Mentor")
        user(session, Role.ALUMNI, display_name="Pending Mentor", verification=Verification.PENDING)
        user(session, Role.FACULTY, display_name="Gone Mentor", is_active=False)
        return shown, hidden, user(session, Role.STUDENT)

    shown, hidden, student = build(engine, setup)
    _about(engine, hidden, hidden=True)
    names = [r.display_name for r in _rows(engine, student, name="mentor")]
    assert names == ["Shown Mentor"]
    # Hidden from the directory, not from the students who meet them on a project.
    with read_session(engine) as session:
        assert mentor_page(session, actor=student, mentor_id=hidden.id).about.hidden


def test_the_directory_counts_open_projects_and_pages(engine):
    def setup(session):
        mentors = [user(session, Role.ALUMNI, display_name=f"Mentor {n:02d}") for n in range(14)]
        project(session, mentors[0])
        project(session, mentors[0])
        project(session, mentors[0], status=ProjectStatus.DRAFT)
        return mentors, user(session, Role.STUDENT)

    mentors, student = build(engine, setup)
    with read_session(engine) as session:
        first = find_mentors(session, actor=student, name="mentor ")
        second = find_mentors(session, actor=student, name="mentor ", page=2)
    assert first.more and not second.more
    assert len(first.rows) + len(second.rows) == 14
    assert first.rows[0].mentor_id == mentors[0].id
    assert first.rows[0].open_projects == 2
    assert "%" not in "".join(r.display_name for r in _rows(engine, student, name="%"))


# ---------------------------------------------------------------------------- following


def test_a_follower_hears_when_the_mentor_publishes(engine):
    def setup(session):
        return user(session, Role.ALUMNI), user(session, Role.STUDENT), user(session, Role.STUDENT)

    mentor, follower, bystander = build(engine, setup)
    with write_transaction(engine) as session:
        assert follow_mentor(session, actor=follower, mentor_id=mentor.id) is True
        assert follow_mentor(session, actor=follower, mentor_id=mentor.id) is False
    with write_transaction(engine) as session:
        draft = create_project(session, actor=mentor, data=project_input(title="Fresh project"))
        publish_project(session, actor=mentor, project_id=draft.id)
    with Session(engine) as session:
        told = session.exec(select(Notification).where(Notification.kind == "mentor.posted")).all()
    assert [(n.user_id, n.link) for n in told] == [(follower.id, f"project:{draft.id}")]
    assert "Fresh project" in told[0].text
    assert bystander.id not in {n.user_id for n in told}


def test_unfollowing_stops_the_notes(engine):
    mentor, student = build(engine, lambda s: (user(s, Role.ALUMNI), user(s, Role.STUDENT)))
    with write_transaction(engine) as session:
        follow_mentor(session, actor=student, mentor_id=mentor.id)
    with write_transaction(engine) as session:
        unfollow_mentor(session, actor=student, mentor_id=mentor.id)
    with write_transaction(engine) as session:
        found = project(session, mentor)
        assert tell_followers(session, found, mentor) == 0
    with Session(engine) as session:
        assert session.exec(select(MentorFollow)).all() == []


@pytest.mark.parametrize("role", [Role.ALUMNI, Role.FACULTY, Role.ADMIN])
def test_only_students_follow_mentors(engine, role):
    mentor, other = build(engine, lambda s: (user(s, Role.ALUMNI), user(s, role)))
    with pytest.raises(PermissionDenied), write_transaction(engine) as session:
        follow_mentor(session, actor=other, mentor_id=mentor.id)


def test_a_student_cannot_follow_a_student_or_an_unlisted_mentor(engine):
    def setup(session):
        return (
            user(session, Role.STUDENT),
            user(session, Role.ALUMNI, verification=Verification.PENDING),
            user(session, Role.STUDENT),
        )

    other_student, pending, student = build(engine, setup)
    for target in (other_student, pending):
        with pytest.raises(NotFound), write_transaction(engine) as session:
            follow_mentor(session, actor=student, mentor_id=target.id)


# ---------------------------------------------------------------------------- blind review


def test_applicants_see_a_blind_students_words_but_not_their_name_or_links(engine):
    def setup(session):
        mentor = user(session, Role.ALUMNI)
        target = project(session, mentor)
        blind = user(session, Role.STUDENT, display_name="Bea Blind", blind_review=True)
        open_ = user(session, Role.STUDENT, display_name="Olu Open")
        application(session, blind, target)
        application(session, open_, target)
        return mentor, target, blind, open_

    mentor, target, blind, open_ = build(engine, setup)
    _about(engine, blind, links=["https://bea-blind.example.org"])
    _about(engine, open_)
    with read_session(engine) as session:
        shown = {
            a.student_id: a for a in list_applicants(session, actor=mentor, project_id=target.id)
        }
    assert shown[blind.id].name != "Bea Blind"
    assert shown[blind.id].about.bio == ABOUT["bio"]
    assert shown[blind.id].about.links == ()
    assert "bea-blind" not in repr(shown[blind.id])
    assert shown[open_.id].about.links == ("https://example.org/me",)


def _audit(engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry)).all())
