"""Glue shared by the student screens: links between them, labels, one-time messages."""

from __future__ import annotations

from core.commitment import week_name as week_name
from core.models import ApplicationStatus
from core.platform.wording import day as day
from core.platform.wording import hours as hours

# has_screen, link, flash and show_flash are re-exported for the screens of this role.
from pages.components.navigation import has_screen as has_screen
from pages.components.navigation import link as link
from pages.components.ui import flash as flash
from pages.components.ui import show_flash as show_flash

BROWSE = "browse"
PROJECT = "project"
MY_APPLICATIONS = "my-applications"
MY_WEEKS = "my-weeks"
PROFILE = "profile"
# `?id=<id>` picks the project the detail screen shows.
PROJECT_ID_PARAM = "id"
# `mentor?id=<user id>` shows a mentor's profile.
MENTOR = "mentor"
MENTOR_ID_PARAM = "id"
# The mentor directory.
MENTORS = "mentors"


STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: "Submitted — waiting for the mentor",
    ApplicationStatus.ACCEPTED: "Accepted — waiting for faculty approval",
    ApplicationStatus.WAITLISTED: "Waitlisted",
    ApplicationStatus.DECLINED: "Declined",
    ApplicationStatus.APPROVED: "Approved — you have a match",
    ApplicationStatus.REJECTED: "Rejected by faculty",
    ApplicationStatus.WITHDRAWN: "Withdrawn",
    ApplicationStatus.EXPIRED: "Expired",
    ApplicationStatus.COMPLETED: "Completed",
    ApplicationStatus.ENDED_EARLY: "Ended early",
}

STATUS_ICONS = {
    ApplicationStatus.SUBMITTED: ":material/send:",
    ApplicationStatus.ACCEPTED: ":material/thumb_up:",
    ApplicationStatus.WAITLISTED: ":material/hourglass_top:",
    ApplicationStatus.DECLINED: ":material/thumb_down:",
    ApplicationStatus.APPROVED: ":material/handshake:",
    ApplicationStatus.REJECTED: ":material/block:",
    ApplicationStatus.WITHDRAWN: ":material/undo:",
    ApplicationStatus.EXPIRED: ":material/timer_off:",
    ApplicationStatus.COMPLETED: ":material/task_alt:",
    ApplicationStatus.ENDED_EARLY: ":material/stop_circle:",
}


def project_link(project_id: int, label: str = "View", *, icon: str | None = None) -> None:
    link(PROJECT, label, params={PROJECT_ID_PARAM: str(project_id)}, icon=icon)


def status_text(status: ApplicationStatus) -> str:
    return STATUS_LABELS.get(status, status.value)
