"""Projects: input validation, the lifecycle draft → open → closed → in progress → completed.

Every service takes the caller's session and the acting user, checks permission first, then
validates, then applies the rules; it writes one audit row per state change and notifies the
people concerned, and never commits (the caller owns the transaction)."""

from core.projects.editing import create_project, mentor_commitment, update_project
from core.projects.guards import ENTITY, MENTOR_ROLES, ProjectNotVisible, can_manage
from core.projects.input import (
    MAX_MILESTONES,
    MAX_TAGS,
    MilestoneInput,
    ProjectInput,
    parse_project_input,
)
from core.projects.lifecycle import (
    cancel_project,
    close_project,
    complete_project,
    expire_open_applications,
    publish_project,
    start_project,
)
from core.projects.load import (
    PREVIEW_MARGIN_WEEKS,
    BudgetPreview,
    budget_preview,
    check_mentor_budget,
    mentor_weekly_load,
)
from core.projects.reads import MyProjectRow, get_project, list_my_projects, milestone_blueprint
from core.projects.rules import (
    EDITABLE_STATUSES,
    PROJECT_TRANSITIONS,
    can_move_project,
    status_label,
    transition_refusal,
)
from core.projects.tags import (
    MAX_INTERESTS,
    TAG_PATTERN,
    get_or_create_tags,
    interests_problem,
    list_tags,
    normalise_tag,
    normalise_tags,
    project_tags,
    replace_interests,
    set_user_interests,
    tag_problem,
    user_interest_names,
    user_interests,
)

__all__ = [
    "BudgetPreview",
    "EDITABLE_STATUSES",
    "ENTITY",
    "MAX_INTERESTS",
    "MAX_MILESTONES",
    "MAX_TAGS",
    "MENTOR_ROLES",
    "MilestoneInput",
    "MyProjectRow",
    "PREVIEW_MARGIN_WEEKS",
    "PROJECT_TRANSITIONS",
    "ProjectInput",
    "ProjectNotVisible",
    "TAG_PATTERN",
    "budget_preview",
    "can_manage",
    "can_move_project",
    "cancel_project",
    "check_mentor_budget",
    "close_project",
    "complete_project",
    "create_project",
    "expire_open_applications",
    "get_or_create_tags",
    "get_project",
    "interests_problem",
    "list_my_projects",
    "list_tags",
    "mentor_commitment",
    "mentor_weekly_load",
    "milestone_blueprint",
    "normalise_tag",
    "normalise_tags",
    "parse_project_input",
    "project_tags",
    "publish_project",
    "replace_interests",
    "set_user_interests",
    "start_project",
    "status_label",
    "tag_problem",
    "transition_refusal",
    "update_project",
    "user_interest_names",
    "user_interests",
]
