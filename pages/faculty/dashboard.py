"""Program dashboard: the program's health for a department and a term (or a range of project
start dates), each chart with its numbers beside it, and a term compared with the one before."""

from __future__ import annotations

from contextlib import closing
from datetime import date, datetime, timedelta
from typing import Any

import streamlit as st

from core.commitment import week_label
from core.models import ProgramTerm, User
from core.platform.db import read_session
from core.platform.errors import DomainError
from core.platform.types import utcnow
from core.platform.wording import counted, local_clock
from core.program import (
    COMPARED_PARTS,
    DASHBOARD_PARTS,
    FIGURES_MAX_AGE,
    OVERDUE_DAYS,
    DashboardFilter,
    DashboardPart,
    DepartmentHours,
    Funnel,
    TagDemand,
    TimingFigures,
    WorkspaceFigures,
    compare_terms,
    current_term,
    dashboard_parts,
    default_filter,
    departments,
    previous_term,
    term_filter,
)
from core.program.oversight import at_risk_list
from core.workspace import AT_RISK_DAYS
from pages.components import charts
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.navigation import screen_page
from pages.components.tables import rows_table
from pages.components.terms import by_choice, term_label, today
from pages.components.terms import terms as program_terms
from pages.components.times import viewer_zone
from pages.components.ui import (
    escape_markdown,
    metric_row,
    show_error,
)

ALL = "All departments"
# The term select's last choice: the date range of the dashboard without terms.
OTHER_DATES = "dates"


# The figures are kept in the database for every viewer (core.program.FIGURES_MAX_AGE); a
# browser session also holds the parts it showed until they are that old, so a rerun reads
# nothing. The key holds the user and what decides their scope, so nothing outlives a change
# of role.
KEPT = "db_kept_figures"
MAX_KEPT = 32  # filters kept per session; the oldest goes first
# The dashboard's tabs; the open one is kept in the session (and drawn alone).
TAB = "db_tab"
OVERVIEW = "Funnel and time to match"
DEMAND = "Demand by tag"
HOURS = "Mentor hours"
SESSIONS = "Sessions and at risk"
GROWTH = "Self-efficacy"
COMPARED = "Compared with the term before"
TABS = (OVERVIEW, DEMAND, HOURS, SESSIONS, GROWTH, COMPARED)


def _clock() -> datetime:
    return utcnow()


def _kept(key: tuple[Any, ...]) -> dict[str, DashboardPart]:
    """Return this session's parts for the key still young enough (dropping every old entry)."""
    store: dict[tuple[Any, ...], dict[str, DashboardPart]] = st.session_state.setdefault(KEPT, {})
    oldest = _clock() - FIGURES_MAX_AGE
    for old in [
        k for k, parts in store.items() if any(p.computed_at <= oldest for p in parts.values())
    ]:
        del store[old]
    if key not in store:
        while len(store) >= MAX_KEPT:
            del store[next(iter(store))]
        store[key] = {}
    return store[key]


@st.cache_data(ttl=60, show_spinner=False)
def _department_names(database: str, role: str) -> list[str]:
    """Return the departments for the filter, kept a minute per role (the same for everyone).

    Only roles that passed the service's check on a miss ever have an entry.
    """
    del database, role  # part of the cache key only
    with read_session(get_engine()) as session:
        return departments(session, actor=signed_in_user())


def render() -> None:
    """Read the filters, then compute and show the figures part by part (kept briefly)."""
    user = signed_in_user()
    st.title("Program dashboard")
    engine = get_engine()
    assert user.id is not None
    scope = (user.role.value, user.department, user.program_wide)
    try:
        terms = program_terms()
        filters, term = _filters(_department_names(str(engine.url), user.role.value), terms)
        key = (str(engine.url), user.id, scope, filters.department, filters.start, filters.end)

        left, right = st.columns([3, 1])
        refresh = right.button("Refresh figures", icon=":material/refresh:")
        if refresh:
            st.session_state.pop(KEPT, None)
        kept = _kept(key)
        # The parts not kept are read or computed side by side and shown in order as they come.
        missing = [part for part in DASHBOARD_PARTS if part not in kept]
        with closing(
            dashboard_parts(
                engine,
                actor=user,
                filters=filters,
                parts=missing,
                now=_clock(),
                max_age=timedelta(0) if refresh else FIGURES_MAX_AGE,
            )
        ) as arriving:

            def figures(part: str, what: str) -> Any:
                if part not in kept:
                    with st.spinner(f"Counting {what}…"):
                        arrived = next(arriving)
                    assert arrived.name == part, (arrived.name, part)
                    kept[part] = arrived
                return kept[part].figures

            notice = st.empty()
            funnel: Funnel = figures("funnel", "applications")
            left.caption(
                f"Figures as of {local_clock(kept['funnel'].computed_at, viewer_zone())}, counted "
                "again once "
                f"{FIGURES_MAX_AGE.seconds // 60} minutes old or when you refresh them."
            )
            timing: TimingFigures = figures("timing", "days to match")
            demand: list[TagDemand] = figures("demand", "applications and seats per tag")
            hours: list[DepartmentHours] = figures("hours", "mentor hours")
            workspace: WorkspaceFigures = figures("workspace", "sessions")
        previous = previous_term(terms, term) if term is not None else None
        compared = term is not None and previous is not None
        # Only the open tab is drawn: six charts and their tables at once took the browser
        # several times longer than any other screen to draw.
        labels = [label for label in TABS if compared or label != COMPARED]
        opened = dict(zip(labels, st.tabs(labels, key=TAB, on_change="rerun"), strict=True))
        draw = {
            OVERVIEW: lambda: (_funnel(funnel), _timing(timing)),
            DEMAND: lambda: _demand(demand),
            HOURS: lambda: _hours(hours),
            SESSIONS: lambda: (_sessions(workspace), _at_risk_matches(user, filters.department)),
            GROWTH: lambda: _self_efficacy(workspace),
            COMPARED: lambda: _comparison(user, term, previous, filters, kept, key, refresh),
        }
        for label, tab in opened.items():
            if tab.open:
                with tab:
                    draw[label]()
    except DomainError as error:
        show_error(error)
        return
    if funnel.submitted == 0 and not hours and not workspace.sessions:
        notice.info(
            "Nothing to show for these filters yet: no published project starts in this range. "
            "Widen the dates or choose another department."
        )


def _filters(
    names: list[str], terms: list[ProgramTerm]
) -> tuple[DashboardFilter, ProgramTerm | None]:
    """Read the department and the term (or, without terms or by choice, a date range)."""
    default = default_filter()
    if not terms:
        left, right = st.columns([1, 2])
    else:
        left, middle, right = st.columns([1, 1, 1])
    department = left.selectbox("Department", [ALL, *names], key="db_department")
    chosen_department = None if department == ALL else department
    term: ProgramTerm | None = None
    if terms:
        current = current_term(terms, today=today())
        choices = by_choice(terms)
        labels = {choice: term_label(t, current=current) for choice, t in choices.items()}
        labels[OTHER_DATES] = "Other dates…"
        options = list(labels)
        choice = middle.selectbox(
            "Term",
            options,
            index=options.index(str(current.id)) if current is not None else 0,
            key="db_term",
            format_func=lambda c: labels.get(c, c),
            help="Projects whose start date falls in the term.",
        )
        term = choices.get(str(choice))
        if term is not None:
            right.caption(
                escape_markdown(
                    f"Projects starting {term.start_date:%d %b %Y} – {term.end_date:%d %b %Y}."
                )
            )
            return term_filter(term, chosen_department), term
    picked = right.date_input(
        "Projects starting between",
        value=(default.start, default.end),
        key="db_range",
        format="DD/MM/YYYY",
    )
    start, end = _range(picked)
    return DashboardFilter(department=chosen_department, start=start, end=end), None


def _range(picked: object) -> tuple[date | None, date | None]:
    """A date_input range: both ends, or one while the user is still choosing."""
    if isinstance(picked, date):
        return picked, picked
    values = [v for v in picked if isinstance(v, date)] if isinstance(picked, tuple) else []
    if len(values) == 2:
        return values[0], values[1]
    if len(values) == 1:
        return values[0], None
    return None, None


def every_week(weeks: list[Any]) -> list[tuple[date, int, float]]:
    """Return (Monday, sessions, hours) for every week from the first to the last, quiet ones
    included: a week without sessions is a zero on the chart, not a missing bar."""
    found = {w.week: (w.sessions, w.hours) for w in weeks}
    first, last = min(found), max(found)
    count = (last - first).days // 7 + 1
    mondays = [first + timedelta(weeks=n) for n in range(count)]
    return [(monday, *found.get(monday, (0, 0.0))) for monday in mondays]


def _hours_text(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _funnel(funnel: Funnel) -> None:
    st.header("Application funnel")
    chart_col, numbers_col = st.columns([3, 2])
    with chart_col:
        charts.draw(charts.funnel_chart(funnel.stages()), "Applications reaching each stage")
    with numbers_col:
        rows_table(funnel.stages(), ["stage", "applications"])
        st.caption(f"Ended early: {funnel.ended_early}. A later stage counts the earlier ones.")


def _timing(board: TimingFigures) -> None:
    st.header("Time to match and approval age")
    median = board.median_days_to_match
    row = metric_row()
    row.metric(
        "Median days to match",
        "–" if median is None else _hours_text(median),
        help="submission → approval",
    )
    row.metric("Matches", board.matches)
    waiting_late = sum(b.waiting for b in board.approval_ages[2:])
    row.metric(f"Waiting over {counted(OVERDUE_DAYS, 'day')} now", waiting_late)
    chart_col, numbers_col = st.columns([3, 2])
    rows = [(b.label, b.decided, b.waiting) for b in board.approval_ages]
    with chart_col:
        charts.draw(
            charts.approval_age_chart(rows), "Days accepted applications waited for faculty"
        )
    with numbers_col:
        rows_table(rows, ["days waited", "decided", "still waiting"])


def _demand(demand: list[TagDemand]) -> None:
    st.header("Demand and supply by interest tag")
    if not demand:
        st.caption("No tagged projects in this range.")
        return
    st.caption(
        "Applications to projects with the tag against the seats those projects offer; "
        "tags at the top lack mentors the most."
    )
    rows = [(d.tag, d.applications, d.seats) for d in demand]
    chart_col, numbers_col = st.columns(2)
    with chart_col:
        charts.draw(charts.demand_supply_chart(rows), "Applications and seats per interest tag")
    with numbers_col:
        rows_table(
            [(d.tag, d.applications, d.seats, d.gap) for d in demand],
            ["tag", "applications", "seats", "applications − seats"],
        )


def _hours(hours: list[DepartmentHours]) -> None:
    st.header("Mentor hours offered and used")
    if not hours:
        st.caption("No live or finished projects in this range.")
        return
    offered = sum(h.offered for h in hours)
    matched = sum(h.matched for h in hours)
    logged = sum(h.logged for h in hours)
    row = metric_row()
    row.metric("Offered (h)", _hours_text(offered), help="mentor hours/week × weeks")
    row.metric("On matched projects (h)", _hours_text(matched))
    row.metric("Logged in sessions (h)", _hours_text(logged))
    rows = [(h.department, h.offered, h.matched, h.logged) for h in hours]
    chart_col, numbers_col = st.columns(2)
    with chart_col:
        charts.draw(charts.mentor_hours_chart(rows), "Mentor hours per department")
    with numbers_col:
        rows_table(
            [(d, _hours_text(o), _hours_text(m), _hours_text(lg)) for d, o, m, lg in rows],
            ["department", "offered h", "matched h", "logged h"],
        )


def _at_risk_matches(user: User, department: str | None) -> None:
    """List the matches at risk (not only their count), each opening a read-only view."""
    with read_session(get_engine()) as session:
        rows = at_risk_list(session, actor=user, department=department)
    if not rows:
        return
    with st.expander(f"Matches at risk ({len(rows)})", expanded=len(rows) <= 5):
        for row in rows[:50]:
            st.page_link(
                screen_page("match-overview"),
                label=escape_markdown(
                    f"{row.project_title} · {row.student_name} with {row.mentor_name} · "
                    f"{row.days_silent} days without a session"
                ),
                query_params={"match": str(row.application_id)},
                icon=":material/warning:",
            )
        if len(rows) > 50:
            st.caption(f"The 50 longest silent of {len(rows)}.")


def _sessions(board: WorkspaceFigures) -> None:
    st.header("Sessions and matches at risk")
    risk = board.at_risk
    row = metric_row()
    row.metric("Sessions logged", sum(w.sessions for w in board.sessions))
    row.metric("Running matches (today)", risk.running)
    row.metric(
        f"At risk: no session in {AT_RISK_DAYS} days",
        risk.at_risk,
        help="counted from the latest of project start, approval and last session",
    )
    if board.sessions:
        weeks = every_week(board.sessions)
        chart_col, numbers_col = st.columns([3, 2])
        with chart_col:
            charts.draw(
                charts.sessions_per_week_chart([(week, count) for week, count, _ in weeks]),
                "Sessions logged per week",
            )
        with numbers_col:
            rows_table(
                [(week_label(week), count, _hours_text(hours)) for week, count, hours in weeks],
                ["week", "sessions", "hours"],
            )
    else:
        st.caption("No sessions logged in this range yet.")


def _self_efficacy(board: WorkspaceFigures) -> None:
    st.header("Leadership self-efficacy")
    change = board.self_efficacy
    if change.start_mean is None or change.close_mean is None or change.change is None:
        st.caption(
            "Shown once students have answered the five-item scale both at match start and at "
            "close."
        )
        return
    row = metric_row()
    row.metric("Students with both answers", change.pairs)
    row.metric("Mean score at close", f"{change.close_mean:.2f}", delta=f"{change.change:+.2f}")
    row.metric(
        "Improved / same / lower", f"{change.improved} / {change.unchanged} / {change.declined}"
    )
    charts.draw(
        charts.self_efficacy_chart(change.start_mean, change.close_mean),
        f"Mean self-efficacy {change.start_mean:.2f} at start, {change.close_mean:.2f} at close",
    )
    st.caption(escape_markdown(f"Mean at start: {change.start_mean:.2f} (scale 1–5)."))


def _comparison(
    user: User,
    term: ProgramTerm | None,
    previous: ProgramTerm | None,
    filters: DashboardFilter,
    kept: dict[str, DashboardPart],
    key: tuple[Any, ...],
    refresh: bool,
) -> None:
    """Show the term's figures beside the term before it (counted and kept like any filter)."""
    assert term is not None and previous is not None
    st.header("Compared with the term before")
    before = term_filter(previous, filters.department)
    before_key = (*key[:3], before.department, before.start, before.end)
    earlier = _kept(before_key)
    missing = [part for part in COMPARED_PARTS if part not in earlier]
    if missing:
        with (
            st.spinner(f"Counting {escape_markdown(previous.name)}…"),
            closing(
                dashboard_parts(
                    get_engine(),
                    actor=user,
                    filters=before,
                    parts=missing,
                    now=_clock(),
                    max_age=timedelta(0) if refresh else FIGURES_MAX_AGE,
                )
            ) as arriving,
        ):
            for part in arriving:
                earlier[part.name] = part
    rows = compare_terms(
        {part: kept[part].figures for part in COMPARED_PARTS},
        {part: earlier[part].figures for part in COMPARED_PARTS},
    )
    st.caption(
        escape_markdown(
            f"{term.name} against {previous.name}: the same figures for the projects starting "
            "in each term; the change is this term minus the one before."
        )
    )
    rows_table(
        [(r.label, r.text(r.this_term), r.text(r.previous), r.change_text) for r in rows],
        ["figure", term.name, previous.name, "change"],
    )
