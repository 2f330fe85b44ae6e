"""What the demo people wrote about themselves, and the questions students asked before applying."""

from __future__ import annotations

from sqlmodel import Session

from core.mentors.profiles import update_about
from core.models import Project, User
from core.projects.questions import answer_question, ask_question

# What demo people wrote about themselves: headline, bio, expertise (mentors only).
DEMO_ABOUT: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "demo-alumni": (
        "Data engineer at a logistics firm, class of 2014",
        "I build data pipelines and dashboards for a living and review a lot of Python. "
        "I like short projects with a demo at the end.",
        ("python", "data-science", "web"),
    ),
    "demo-faculty": (
        "Associate professor, machine learning",
        "I run the department's reading group and supervise final-year projects.",
        ("machine-learning", "python"),
    ),
    "maria-alumna": (
        "Science journalist, class of 2011",
        "I write about research for a general audience and edit student pieces.",
        ("writing", "genomics"),
    ),
    "prof-chen": (
        "Professor of genomics",
        "My lab assembles plant genomes; students join for a few weeks at a time.",
        ("genomics", "data-science"),
    ),
    "tom-alumnus": (
        "Founder of a payments start-up, class of 2016",
        "Happy to help with market sizing and first business plans.",
        ("finance", "entrepreneurship"),
    ),
    "demo-student": (
        "Third-year computer science student",
        "I like turning messy data into something people can use.",
        (),
    ),
}


def seed_demo_profiles(session: Session, people: dict[str, User]) -> None:
    """Write what the demo people say about themselves on their profiles."""
    for username, (headline, bio, expertise) in DEMO_ABOUT.items():
        person = people[username]
        update_about(
            session,
            actor=person,
            user_id=person.id or 0,
            headline=headline,
            bio=bio,
            links=[],
            expertise=list(expertise),
        )


def seed_demo_questions(
    session: Session, people: dict[str, User], projects: dict[str, Project]
) -> None:
    """Ask the demo mentors a few questions: one answered on the project page, one waiting."""
    answered = ask_question(
        session,
        actor=people["ana-student"],
        project_id=projects["ml-reading"].id or 0,
        text="Do I need to know linear algebra already, or is the first-year course enough?",
    )
    answer_question(
        session,
        actor=people["demo-faculty"],
        question_id=answered.id or 0,
        answer="The first-year course is enough: we revise what we need in the first session.",
        public=True,
    )
    ask_question(
        session,
        actor=people["lee-student"],
        project_id=projects["ml-reading"].id or 0,
        text="Are the readings in English only, and how long is each one?",
    )
