"""Browse: search open projects with facets and sorts, 10 per page, under a strip of projects
recommended for the student. Every filter lives in the query string, so a view can be
bookmarked: `?q=…&tags=a,b&dept=…&mode=remote&max_hours=4&max_weeks=6&starts_within=4&sort=
newest&page=2`; with program terms defined, `term=<id>` or `term=all` (no `term`: the current
term)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import streamlit as st

from core.catalog import (
    MAX_STARTS_WITHIN,
    MAX_WEEKS,
    SORT_LABELS,
    SORTS,
    CatalogRow,
    SearchPage,
    departments,
    search_projects,
)
from core.catalog.matching import Recommendation, recommend
from core.catalog.ranking import RANKINGS
from core.catalog.saved_projects import saved_projects
from core.models import ProjectMode, User
from core.platform.db import read_session
from core.platform.errors import DomainError
from core.platform.settings import get_settings
from core.platform.wording import MODE_LABELS, counted
from core.projects.tags import list_tags
from pages.components.auth import signed_in_user
from pages.components.engine import get_engine
from pages.components.saved import save_button, saved_list
from pages.components.student import (
    PROFILE,
    day,
    has_screen,
    hours,
    link,
    project_link,
    show_flash,
    status_text,
)
from pages.components.terms import ALL_TERMS, by_choice, default_choice, term_label
from pages.components.terms import terms as program_terms
from pages.components.ui import escape_markdown, literal, show_error, small, tinted

# Cards per page of results: every card is a text, a link and a button to draw; 25 a page
# settled 372 ms after the click at `large`, 10 a page 208 ms.
CARDS_PER_PAGE = 10

RECOMMENDED = 3
MAX_HOURS_FILTER = 20
TAG_OPTIONS = 200
FACET_TTL_SECONDS = 60

# Widget keys.
K_QUERY = "browse_q"
K_TAGS = "browse_tags"
K_DEPT = "browse_dept"
K_MODE = "browse_mode"
K_HOURS = "browse_max_hours"
K_WEEKS = "browse_max_weeks"
K_STARTS = "browse_starts"
K_SORT = "browse_sort"
K_TERM = "browse_term"
K_PAGE = "browse_page"
# The filters last written to (or read from) the URL, and the filters the page number is for.
URL_SEEN = "browse_url_seen"
FILTERS_SEEN = "browse_filters_seen"


@dataclass(frozen=True)
class Filters:
    """What the student asked for; the URL and the widgets both hold it."""

    q: str = ""
    tags: tuple[str, ...] = ()
    dept: str | None = None
    mode: ProjectMode | None = None
    max_hours: int | None = None
    max_weeks: int | None = None
    starts_within: int | None = None
    sort: str = "best"
    page: int = 1
    # A term's id as text, ALL_TERMS, or None for the current term (the default).
    term: str | None = None

    def without_page(self) -> Filters:
        return replace(self, page=1)

    @property
    def narrowed(self) -> bool:
        """Whether a facet or words narrow the search (the term is told apart: see _results)."""
        return replace(self.without_page(), term=None) != replace(Filters(), sort=self.sort)


@dataclass(frozen=True)
class TermChoices:
    """The term select's choices: ALL_TERMS and each term's id, and the default one."""

    labels: dict[str, str]
    default: str | None
    ranges: dict[str, tuple[date, date]]

    def valid(self, choice: str | None) -> str | None:
        """Return a choice the select holds (None, the default, for anything else)."""
        return choice if choice in self.labels and choice != self.default else None

    def chosen(self, term: str | None) -> str | None:
        """Return the select's value for a filter's term."""
        return self.valid(term) or self.default

    def range_of(self, term: str | None) -> tuple[date, date] | None:
        """Return the start dates a filter's term keeps (None: every start date)."""
        choice = self.chosen(term)
        return self.ranges.get(choice) if choice is not None else None


NO_TERMS = TermChoices(labels={}, default=None, ranges={})


def term_choices() -> TermChoices:
    """Return the term select's choices (none when no term is defined)."""
    found = program_terms()
    if not found:
        return NO_TERMS
    default = default_choice(found)
    current = next((t for t in found if str(t.id) == default), None)
    terms = by_choice(found)
    labels = {ALL_TERMS: "All terms"} | {
        choice: term_label(term, current=current) for choice, term in terms.items()
    }
    ranges = {choice: (term.start_date, term.end_date) for choice, term in terms.items()}
    return TermChoices(labels=labels, default=default, ranges=ranges)


# ---------------------------------------------------------------------------- URL


def _whole(raw: str | None, low: int, high: int) -> int | None:
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


def filters_from_params(params: Mapping[str, str]) -> Filters:
    """Read filters from a query string, ignoring values that make no sense."""
    tags = tuple(
        dict.fromkeys(t.strip().lower() for t in params.get("tags", "").split(",") if t.strip())
    )
    mode_raw = params.get("mode")
    mode = ProjectMode(mode_raw) if mode_raw in {m.value for m in ProjectMode} else None
    sort = params.get("sort", "best")
    return Filters(
        q=params.get("q", "")[:200],
        tags=tags[:20],
        dept=(params.get("dept") or "").strip()[:80] or None,
        mode=mode,
        max_hours=_whole(params.get("max_hours"), 1, MAX_HOURS_FILTER),
        max_weeks=_whole(params.get("max_weeks"), 1, MAX_WEEKS),
        starts_within=_whole(params.get("starts_within"), 1, MAX_STARTS_WITHIN),
        sort=sort if sort in SORTS else "best",
        page=_whole(params.get("page"), 1, 1_000_000) or 1,
        term=(params.get("term") or "").strip()[:12] or None,
    )


def params_of(filters: Filters) -> dict[str, str]:
    """The query string of a view: only what differs from the defaults."""
    found: dict[str, str] = {}
    if filters.q.strip():
        found["q"] = filters.q.strip()
    if filters.tags:
        found["tags"] = ",".join(filters.tags)
    if filters.dept:
        found["dept"] = filters.dept
    if filters.mode:
        found["mode"] = filters.mode.value
    for name in ("max_hours", "max_weeks", "starts_within"):
        value = getattr(filters, name)
        if value is not None:
            found[name] = str(value)
    if filters.sort != "best":
        found["sort"] = filters.sort
    if filters.page > 1:
        found["page"] = str(filters.page)
    if filters.term is not None:
        found["term"] = filters.term
    return found


def _widget_values(filters: Filters, choices: TermChoices) -> dict[str, Any]:
    return {
        K_TERM: choices.chosen(filters.term),
        K_QUERY: filters.q,
        K_TAGS: list(filters.tags),
        K_DEPT: filters.dept,
        K_MODE: filters.mode,
        K_HOURS: filters.max_hours,
        K_WEEKS: filters.max_weeks,
        K_STARTS: filters.starts_within,
        K_SORT: filters.sort,
        K_PAGE: filters.page,
    }


def _sync_from_url(choices: TermChoices) -> None:
    """A new URL (first visit, a bookmark, a shared link) sets the widgets; otherwise the
    widgets keep what the student chose (and get the URL's values back if they were dropped)."""
    from_url = filters_from_params({k: st.query_params[k] for k in st.query_params})
    from_url = replace(from_url, term=choices.valid(from_url.term))
    values = _widget_values(from_url, choices)
    if st.session_state.get(URL_SEEN) != from_url:
        st.session_state.update(values)
        st.session_state[URL_SEEN] = from_url
        st.session_state[FILTERS_SEEN] = from_url.without_page()
        return
    for key, value in values.items():
        st.session_state.setdefault(key, value)


def _write_url(filters: Filters) -> None:
    wanted = params_of(filters)
    current = {k: st.query_params[k] for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[URL_SEEN] = filters


def _clear_filters(choices: TermChoices) -> None:
    """Clear every facet and the words; with terms, show every term."""
    cleared = Filters(sort=st.session_state.get(K_SORT, "best"), term=choices.valid(ALL_TERMS))
    st.session_state.update(_widget_values(cleared, choices))


def _show_all_terms() -> None:
    st.session_state[K_TERM] = ALL_TERMS


def _go_to(page: int) -> None:
    st.session_state[K_PAGE] = max(1, page)


# ---------------------------------------------------------------------------- widgets


def _filter_widgets(
    department_options: list[str], tag_options: list[str], choices: TermChoices
) -> Filters:
    if choices.labels:
        st.selectbox(
            "Term",
            list(choices.labels),
            key=K_TERM,
            format_func=lambda choice: choices.labels.get(choice, choice),
            help="Projects whose start date falls in the term.",
        )
    left, right = st.columns([3, 1])
    left.text_input(
        "Search projects",
        key=K_QUERY,
        placeholder="Words in the title, summary, description or tags",
    )
    right.selectbox("Sort by", SORTS, key=K_SORT, format_func=lambda s: SORT_LABELS[s])
    chosen_tags = list(st.session_state.get(K_TAGS) or [])
    departments_shown = list(dict.fromkeys([*department_options, st.session_state.get(K_DEPT)]))
    tags_col, dept_col, mode_col = st.columns([2, 1, 1])
    tags_col.multiselect(
        "Tags",
        list(dict.fromkeys([*tag_options, *chosen_tags])),
        key=K_TAGS,
        accept_new_options=True,
        placeholder="Any tag",
        help="Projects carrying any of the chosen tags.",
    )
    dept_col.selectbox(
        "Department",
        [None, *(d for d in departments_shown if d)],
        key=K_DEPT,
        format_func=lambda d: "Any department" if d is None else d,
        # A None value shows the placeholder, not its label ("Choose an option" by default).
        placeholder="Any department",
    )
    mode_col.selectbox(
        "Mode",
        [None, *ProjectMode],
        key=K_MODE,
        format_func=lambda m: "Any mode" if m is None else MODE_LABELS[m],
        placeholder="Any mode",
    )
    hours_col, weeks_col, starts_col = st.columns(3)
    hours_col.number_input(
        "Max hours per week",
        min_value=1,
        max_value=MAX_HOURS_FILTER,
        step=1,
        value=None,
        key=K_HOURS,
        placeholder="Any",
    )
    weeks_col.number_input(
        "Max duration (weeks)",
        min_value=1,
        max_value=MAX_WEEKS,
        step=1,
        value=None,
        key=K_WEEKS,
        placeholder="Any",
    )
    starts_col.number_input(
        "Starts within (weeks)",
        min_value=1,
        max_value=MAX_STARTS_WITHIN,
        step=1,
        value=None,
        key=K_STARTS,
        placeholder="Any",
    )
    state = st.session_state

    def number(key: str) -> int | None:
        value = state.get(key)
        return int(value) if value is not None else None

    chosen = Filters(
        q=str(state.get(K_QUERY) or ""),
        tags=tuple(dict.fromkeys(str(t).strip().lower() for t in state.get(K_TAGS) or [])),
        dept=state.get(K_DEPT),
        mode=state.get(K_MODE),
        max_hours=number(K_HOURS),
        max_weeks=number(K_WEEKS),
        starts_within=number(K_STARTS),
        sort=str(state.get(K_SORT) or "best"),
        term=choices.valid(state.get(K_TERM)),
    )
    if state.get(FILTERS_SEEN) != chosen:
        # New filters start from the first page.
        state[FILTERS_SEEN] = chosen
        state[K_PAGE] = 1
    return replace(chosen, page=int(state.get(K_PAGE) or 1))


# ---------------------------------------------------------------------------- cards


def _reason_lines(reasons: list[str]) -> list[str]:
    return [f"• {escape_markdown(reason)}" for reason in reasons]


def _facts(
    department: str, mode: ProjectMode, hours_needed: float, weeks: int, seats_left: int
) -> str:
    seats = "no seats left (waitlist)" if seats_left == 0 else f"{counted(seats_left, 'seat')} left"
    return (
        f"{escape_markdown(department)} · {MODE_LABELS[mode]} · "
        f"**{hours(hours_needed)} h/week × {counted(weeks, 'week')}** · {seats}"
    )


def _card_text(row: CatalogRow) -> str:
    """Return a card's Markdown: title, facts, summary, dates and tags, reasons, warnings."""
    facts = _facts(row.department, row.mode, row.student_hours, row.duration_weeks, row.seats_left)
    lines = [f"### {escape_markdown(row.title)}", facts]
    if row.summary:
        lines += ["", literal(row.summary), ""]
    when = (
        f"Mentor: {escape_markdown(row.mentor_name)} · starts {day(row.start_date)} · "
        f"apply by {day(row.deadline)}"
        + (f" · tags: {escape_markdown(', '.join(row.tags))}" if row.tags else "")
    )
    reasons = _reason_lines(row.reasons) if row.score is not None else []
    lines += [small(line) for line in (when, *reasons)]
    if row.score is not None and not row.score.fits:
        lines.append(tinted("orange", escape_markdown(row.score.time_fit.sentence), "schedule"))
    if row.my_status is not None:
        lines.append(tinted("blue", f"You applied: {status_text(row.my_status)}.", "send"))
    return "  \n".join(lines)


def _card(row: CatalogRow, *, first: bool, saved: bool = False) -> None:
    # One Markdown element and a link per card, a rule between cards instead of a bordered box
    # (see the card note in pages/components/ui.py).
    st.markdown(("" if first else "---\n") + _card_text(row))
    project_link(row.project_id, "View", icon=":material/visibility:")
    save_button(row.project_id, saved=saved)


def _recommendations(recommended: list[Recommendation]) -> None:
    st.header("Recommended for you")
    if not recommended:
        st.caption(
            "Nothing to recommend right now: every open project either does not fit your free "
            "hours, is full or already has your application. Browse everything below."
        )
        return
    columns = st.columns(len(recommended))
    for column, item in zip(columns, recommended, strict=True):
        with column, st.container(border=True):
            facts = (
                f"{hours(item.student_hours)} h/week × {counted(item.duration_weeks, 'week')} · "
                f"{counted(max(item.seats - item.filled, 0), 'seat')} left · "
                f"apply by {day(item.deadline)}"
            )
            lines = [f"**{escape_markdown(item.title)}**", small(facts)]
            st.markdown("  \n".join(lines + [small(line) for line in _reason_lines(item.reasons)]))
            project_link(item.project_id, "View", icon=":material/visibility:")


def _pager(found: SearchPage) -> None:
    if found.pages <= 1:
        return
    back, where, forward = st.columns([1, 2, 1])
    back.button(
        "Previous page",
        disabled=found.page <= 1,
        on_click=_go_to,
        args=(found.page - 1,),
        icon=":material/chevron_left:",
        key="browse_prev",
    )
    where.caption(f"Page {found.page} of {found.pages}")
    forward.button(
        "Next page",
        disabled=found.page >= found.pages,
        on_click=_go_to,
        args=(found.page + 1,),
        icon=":material/chevron_right:",
        key="browse_next",
    )


def _results(
    found: SearchPage,
    filters: Filters,
    saved: frozenset[int] = frozenset(),
    choices: TermChoices = NO_TERMS,
) -> None:
    if found.total == 0:
        term = choices.chosen(filters.term)
        if term is not None and term != ALL_TERMS and not filters.narrowed:
            st.info(
                f"No open project starts in {escape_markdown(choices.labels[term])}. "
                "Projects of other terms may still take applications."
            )
            st.button("Show all terms", on_click=_show_all_terms, icon=":material/event:")
        elif filters.narrowed:
            st.info(
                "No open project matches these filters. Widen them: remove a tag, clear the "
                "search words, or raise the maximum hours or weeks."
            )
            st.button(
                "Clear all filters",
                on_click=_clear_filters,
                args=(choices,),
                icon=":material/filter_alt_off:",
            )
        else:
            st.info(
                "No project is taking applications right now. New projects are posted every "
                "week: come back soon, and keep your interests up to date so they are "
                "recommended to you."
            )
        return
    noun = "project" if found.total == 1 else "projects"
    shown = f" · showing {found.first_index}–{found.last_index}" if found.pages > 1 else ""
    st.markdown(f"**{found.total:,} open {noun}**{shown}")
    for index, row in enumerate(found.rows):
        _card(row, first=index == 0, saved=row.project_id in saved)
    _pager(found)


# ---------------------------------------------------------------------------- page


@st.cache_data(ttl=FACET_TTL_SECONDS, show_spinner=False)
def _facet_options(database_url: str) -> tuple[list[str], list[str]]:
    """Departments with open projects and the tag vocabulary: the same for every student and
    slow to change, so they are kept for a minute instead of being read on every rerun."""
    with read_session(get_engine()) as session:
        return departments(session), list_tags(session, limit=TAG_OPTIONS)


def _interests_hint(recommended: list[Recommendation], found: SearchPage | None) -> None:
    shared = any(item.score.interest.shared for item in recommended) or any(
        row.shared_tags for row in (found.rows if found else [])
    )
    if shared:
        return
    st.info(
        "Nothing is recommended for you yet: recommendations follow your interests, and none "
        "of yours matches an open project that fits your hours. Add or change interests in your "
        "profile (for example python, writing or policy), or browse everything below."
    )
    if has_screen(PROFILE):
        link(PROFILE, "Add interests in your profile", icon=":material/person:")


def render() -> None:
    """Show recommendations, the filters (bound to the URL) and one page of matching projects."""
    user: User = signed_in_user()
    st.title("Browse projects")
    show_flash()
    strip = st.container()
    department_options, tag_options = _facet_options(get_settings().effective_database_url)
    choices = term_choices()
    _sync_from_url(choices)
    st.header("All open projects")
    filters = _filter_widgets(department_options, tag_options, choices)
    starts = choices.range_of(filters.term)
    found: SearchPage | None = None
    refusal: DomainError | None = None
    with read_session(get_engine()) as session:
        recommended = recommend(session, actor=user, limit=RECOMMENDED, memo=RANKINGS)
        saved = saved_projects(session, actor=user)
        try:
            found = search_projects(
                session,
                actor=user,
                query=filters.q,
                tags=filters.tags,
                department=filters.dept,
                mode=filters.mode,
                max_hours=filters.max_hours,
                max_weeks=filters.max_weeks,
                starts_within_weeks=filters.starts_within,
                starts_from=starts[0] if starts else None,
                starts_until=starts[1] if starts else None,
                sort=filters.sort,
                page=filters.page,
                per_page=CARDS_PER_PAGE,
                memo=RANKINGS,
            )
        except DomainError as error:
            refusal = error
    with strip:
        saved_list(saved)
        fitting = [item for item in recommended if item.shares_interests]
        if fitting:
            _recommendations(fitting)
        _interests_hint(recommended, found)
    if found is None:
        assert refusal is not None
        show_error(refusal)
        _write_url(filters)
        return
    if found.page != filters.page:
        st.session_state[K_PAGE] = found.page
        filters = replace(filters, page=found.page)
    _write_url(filters)
    _results(found, filters, frozenset(row.project_id for row in saved), choices)
