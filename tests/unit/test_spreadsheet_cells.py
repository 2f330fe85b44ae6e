"""Every CSV and table download the portal produces shows user text as text in a spreadsheet:
one helper neutralises cells that start like a formula, and every producer uses it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from core import documents
from core.models import ApplicationStatus
from core.platform.text import spreadsheet_cell
from pages.admin import import_users as admin_import

FORMULAS = ["=2+5+cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_starting_like_a_formula_is_prefixed_with_an_apostrophe(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Plain", "a=b", "", "naïve – ok"])
def test_plain_text_is_left_as_it_is(text):
    assert spreadsheet_cell(text) == text


def test_numbers_and_missing_values_are_written_as_numbers_not_text():
    assert [spreadsheet_cell(v) for v in (None, -1.5, 2.0, -3, 1.234)] == [
        "",
        "-1.5",
        "2",
        "-3",
        "1.23",
    ]


def test_the_old_helper_names_are_the_same_function():
    assert documents.safe_cell is spreadsheet_cell


def test_the_passport_csv_neutralises_titles_names_and_comments():
    entry = documents.PassportEntry(
        application_id=1,
        project_title='=HYPERLINK("http://x")',
        mentor_name="@mentor",
        start_date=date(2026, 1, 5),
        end_date=date(2026, 2, 1),
        status=ApplicationStatus.COMPLETED,
        milestones_verified=1,
        milestones_total=2,
        hours_logged=3.5,
        feedback_rating=5,
        feedback_comment="-great",
    )
    row = list(csv.DictReader(io.StringIO(documents.passport_csv_text([entry]))))[0]
    assert row["project"] == '\'=HYPERLINK("http://x")'
    assert row["mentor"] == "'@mentor"
    assert row["feedback_comment"] == "'-great"


def test_the_import_links_csv_neutralises_every_cell():
    rows = [
        {
            "Username": "jdoe",
            "E-mail": "=2+5+cmd|' /C calc'!A0@example.edu",
            "Set-password link": "https://portal.example.edu/?reset=abc",
            "Valid until (UTC)": "2026-01-05 10:00",
        }
    ]
    row = list(csv.DictReader(io.StringIO(admin_import.links_csv(rows))))[0]
    assert row["E-mail"] == "'=2+5+cmd|' /C calc'!A0@example.edu"
    assert row["Username"] == "jdoe"
