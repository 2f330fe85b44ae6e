"""Mentors as people: profiles, the directory, and students following a mentor."""

from core.mentors.directory import (
    DirectoryPage,
    DirectoryRow,
    find_mentors,
    mentor_departments,
)
from core.mentors.follows import follow_mentor, is_following, tell_followers, unfollow_mentor
from core.mentors.listing import is_listed_mentor
from core.mentors.profiles import (
    About,
    MentorFacts,
    MentorPage,
    about_of,
    link_problem,
    links_problem,
    mentor_facts,
    mentor_page,
    my_about,
    update_about,
)

__all__ = [
    "About",
    "DirectoryPage",
    "DirectoryRow",
    "MentorFacts",
    "MentorPage",
    "about_of",
    "find_mentors",
    "follow_mentor",
    "is_following",
    "is_listed_mentor",
    "link_problem",
    "links_problem",
    "mentor_departments",
    "mentor_facts",
    "mentor_page",
    "my_about",
    "tell_followers",
    "unfollow_mentor",
    "update_about",
]
