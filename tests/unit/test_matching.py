"""The match score: each component as data and as a sentence a student can read."""

from __future__ import annotations

from datetime import date, timedelta

from core.catalog.matching import score

TODAY = date(2026, 3, 2)


def _score(**kw):
    args = {
        "student_tags": ["python", "data", "design"],
        "project_tags": ["python", "data", "ethics"],
        "hours_needed": 3.0,
        "free_hours": 8.0,
        "start_date": TODAY + timedelta(days=10),
        "deadline": TODAY + timedelta(days=3),
        "today": TODAY,
    }
    args.update(kw)
    return score(**args)


def test_shared_tags_are_named_and_weighted_by_the_projects_tags():
    result = _score()
    assert result.interest.shared == ("data", "python")
    assert result.interest.points == 40.0
    assert result.interest.sentence == (
        "Shares 2 of the project's 3 interest tags with you: data, python."
    )


def test_no_shared_tags_says_so_and_scores_nothing_for_interest():
    result = _score(student_tags=["music"])
    assert result.interest.shared == ()
    assert result.interest.points == 0
    assert result.interest.sentence == "Shares none of your interests."


def test_time_fit_compares_hours_needed_with_the_least_free_week():
    result = _score(hours_needed=3, free_hours=5)
    assert result.fits and result.time_fit.points == 25
    assert result.time_fit.sentence == (
        "Needs 3 h a week; you have at least 5 h free in each of its weeks."
    )


def test_exact_fit_counts_as_a_fit():
    assert _score(hours_needed=2.5, free_hours=2.5).fits


def test_too_few_free_hours_is_not_a_fit():
    result = _score(hours_needed=6, free_hours=4)
    assert not result.fits and result.time_fit.points == 0
    assert result.time_fit.sentence == (
        "Needs 6 h a week, but your busiest week in that period has only 4 h free."
    )


def test_negative_free_hours_read_as_none_free():
    assert "has only 0 h free" in _score(free_hours=-2).time_fit.sentence


def test_timing_prefers_projects_starting_soon():
    soon = _score(start_date=TODAY + timedelta(days=10))
    later = _score(start_date=TODAY + timedelta(days=30), deadline=TODAY + timedelta(days=20))
    much_later = _score(start_date=TODAY + timedelta(days=90), deadline=TODAY + timedelta(days=60))
    assert soon.timing.points > later.timing.points > much_later.timing.points > 0
    assert soon.timing.sentence == "Starts in 10 days; applications close in 3 days."


def test_timing_sentence_for_today_and_tomorrow():
    result = _score(start_date=TODAY + timedelta(days=1), deadline=TODAY)
    assert result.timing.sentence == "Starts in 1 day; applications close today."


def test_passed_deadline_scores_no_timing_points():
    result = _score(deadline=TODAY - timedelta(days=2))
    assert not result.timing.open and result.timing.points == 0
    assert result.timing.sentence == "Applications closed 2 days ago."


def test_total_is_the_sum_and_reasons_list_every_component():
    result = _score()
    assert result.total == 40 + 25 + 15
    assert result.reasons == [
        result.interest.sentence,
        result.time_fit.sentence,
        result.timing.sentence,
    ]


def test_project_without_tags_scores_no_interest():
    assert _score(project_tags=[]).interest.points == 0
