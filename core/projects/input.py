"""The shape of a project as entered: input models, field help and validation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError, field_validator
from sqlmodel import Field, SQLModel

from core.commitment import project_end
from core.models import ProjectMode
from core.platform.errors import ValidationFailed
from core.platform.text import normalise_text, text_problem
from core.projects.tags import normalise_tag, tag_problem

MAX_TAGS = 8
MAX_MILESTONES = 10


_FIELD_HELP: Mapping[str, str] = {
    "title": "must be 5–120 characters",
    "summary": "must not be blank and at most 280 characters",
    "description": "must not be blank and at most 5,000 characters",
    "tags": f"choose 1–{MAX_TAGS} tags",
    "department": "must not be blank and at most 80 characters",
    "mode": "must be remote, hybrid or in person",
    "seats": "must be a whole number from 1 to 10",
    "student_hours": "must be from 1 to 20 hours per week",
    "mentor_hours": "must be from 0.5 to 10 hours per week",
    "duration_weeks": "must be a whole number of weeks from 1 to 12",
    "start_date": "must be a date",
    "deadline": "must be a date on or before the start date",
    "screening_question": "must be at most 500 characters",
    "milestones": f"add 1–{MAX_MILESTONES} milestones, each with a title and a due week",
}
_MILESTONE_HELP: Mapping[str, str] = {
    "title": "must be 1–120 characters",
    "due_week": "must be a whole week number of the project",
}


def _text(value: str, *, min_length: int, max_length: int, multiline: bool = False) -> str:
    stripped = normalise_text(value, multiline=multiline)
    problem = text_problem(
        stripped, min_length=min_length, max_length=max_length, multiline=multiline
    )
    if problem:
        raise ValueError(problem)
    return stripped


_WRONG_TYPE = "is of the wrong type"


def _not_bool(value: Any) -> Any:
    # Pydantic would read True as 1; a checkbox is never a count or an amount of hours.
    if isinstance(value, bool):
        raise ValueError(_WRONG_TYPE)
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(_WRONG_TYPE)
    return value


class MilestoneInput(SQLModel):
    """One expected milestone: a title and the project week it is due in."""

    title: str
    due_week: int = Field(ge=1, le=52)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=120)

    @field_validator("due_week", mode="before")
    @classmethod
    def _due_week_number(cls, value: Any) -> Any:
        return _not_bool(value)


class ProjectInput(SQLModel):
    """The fields a mentor types for a project; shapes and ranges only, no business rules."""

    title: str
    summary: str
    description: str
    tags: list[str]
    department: str
    mode: ProjectMode
    seats: int = Field(ge=1, le=10)
    student_hours: float = Field(ge=1, le=20)
    mentor_hours: float = Field(ge=0.5, le=10)
    duration_weeks: int = Field(ge=1, le=12)
    start_date: date
    deadline: date
    screening_question: str | None = None
    milestones: list[MilestoneInput]

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _text(value, min_length=5, max_length=120)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=280, multiline=True)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=5000, multiline=True)

    @field_validator("department")
    @classmethod
    def _department(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=80)

    @field_validator("screening_question")
    @classmethod
    def _screening_question(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _text(value, min_length=1, max_length=500, multiline=True)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        names: dict[str, None] = {}
        for name in value:
            problem = tag_problem(name)
            if problem:
                raise ValueError(problem)
            names.setdefault(normalise_tag(name), None)
        if not 1 <= len(names) <= MAX_TAGS:
            raise ValueError(f"choose 1–{MAX_TAGS} tags")
        return list(names)

    @field_validator("seats", "duration_weeks", "student_hours", "mentor_hours", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> Any:
        return _not_bool(value)

    @field_validator("student_hours", "mentor_hours")
    @classmethod
    def _finite_hours(cls, value: float) -> float:
        return _finite(value)

    @field_validator("milestones", mode="before")
    @classmethod
    def _milestone_pairs(cls, value: Any) -> Any:
        # Accept (title, due week) pairs as well as mappings.
        if isinstance(value, list | tuple):
            return [
                {"title": item[0], "due_week": item[1]}
                if isinstance(item, tuple) and len(item) == 2
                else item
                for item in value
            ]
        return value

    @field_validator("milestones")
    @classmethod
    def _milestone_count(cls, value: list[MilestoneInput]) -> list[MilestoneInput]:
        if not 1 <= len(value) <= MAX_MILESTONES:
            raise ValueError(f"add 1–{MAX_MILESTONES} milestones")
        return value

    @property
    def end_date(self) -> date:
        return project_end(self.start_date, self.duration_weeks)


def _error_messages(error: ValidationError) -> dict[str, str]:
    """Turn pydantic's errors into one human message per field."""
    fields: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        field = str(loc[0]) if loc else "project"
        if field in fields:
            continue
        custom = str(item["ctx"]["error"]) if item["type"] == "value_error" else None
        if custom == _WRONG_TYPE:
            custom = None
        if field == "milestones" and len(loc) >= 3 and isinstance(loc[1], int):
            part = str(loc[2])
            problem = custom or _MILESTONE_HELP.get(part, "is not valid")
            fields[field] = f"milestone {loc[1] + 1} {part.replace('_', ' ')} {problem}"
        elif field == "milestones" and len(loc) == 2:
            fields[field] = f"milestone {int(loc[1]) + 1} needs a title and a due week"
        else:
            fields[field] = custom or _FIELD_HELP.get(field, "is not valid")
    return fields


def _cross_field_problems(data: ProjectInput) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.deadline > data.start_date:
        problems["deadline"] = "must be on or before the start date"
    for number, milestone in enumerate(data.milestones, start=1):
        if milestone.due_week > data.duration_weeks:
            problems["milestones"] = (
                f"milestone {number} due week must be a week of the project "
                f"(1–{data.duration_weeks})"
            )
            break
    return problems


def parse_project_input(data: ProjectInput | Mapping[str, Any]) -> ProjectInput:
    """Validate raw or prepared project fields; raise ValidationFailed naming every bad field."""
    raw = data.model_dump() if isinstance(data, ProjectInput) else data
    if not isinstance(raw, Mapping):
        raise ValidationFailed.from_fields({"project": "is not a set of project fields"})
    try:
        clean = ProjectInput.model_validate(dict(raw))
    except ValidationError as error:
        raise ValidationFailed.from_fields(_error_messages(error)) from None
    problems = _cross_field_problems(clean)
    if problems:
        raise ValidationFailed.from_fields(problems)
    return clean
