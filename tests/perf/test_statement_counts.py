"""Regression guard: the SQL statements a screen sends must not grow with the number of rows.

Every screen of SCREENS is rendered, for every role that may open it, on a small generated
database and on a larger one where the same demo users own more projects, applications and
notifications. A query per row (N+1) shows up as a higher count on the larger database.
The dashboard is also rendered as a browser session opening it on figures the database keeps.
The cases come from SCREENS at collection time, so new screens are guarded automatically.
The same renders check that bench/elements_alone still draws what its screens draw.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine, event
from streamlit.util import calc_hash

from bench.bulkseed import generate
from bench.run import (
    ELEMENTS_ALONE,
    ROLE_USERS,
    element_kinds,
    kind_differences,
    log_in,
    new_app,
    page_params,
)
from core.models import Role
from core.platform.db import create_db_engine
from core.platform.migrate import upgrade_to_head
from core.platform.settings import get_settings
from pages.components.navigation import SCREENS, screens_for
from pages.faculty.dashboard import KEPT

MAX_STATEMENTS = 15  # DESIGN §6
CASES = [(screen.url_path, role) for screen in SCREENS for role in Role if role in screen.roles]


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1


FIRST_VIEW_ON_KEPT_FIGURES = "(first view on kept figures)"
# A screen, a role, and the names of the query parameters it was opened with.
Render = tuple[str, Role, tuple[str, ...]]
# What a screen drew (by kind of element), for the screens measured alone by `make bench`.
KINDS: dict[str, dict[str, Counter[str]]] = {}


def _render_all(engine: Engine, url: str, data_dir: Path, profile: str) -> dict[Render, int]:
    """Log in as each role's demo user and count the statements of a warm render per screen.

    A screen that takes a query parameter is rendered without it and, when the database has
    a row for it, with it: a user's match list and a match's workspace are different renders,
    and only like may be compared with like across the two databases.
    """
    import importlib

    os.environ["DATABASE_URL"] = url
    os.environ["DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    counter = _Counter()
    event.listen(Engine, "before_cursor_execute", counter)
    counts: dict[Render, int] = {}
    try:
        for role in Role:
            username = ROLE_USERS[role.value]
            at = log_in(username)
            for screen in screens_for(role):
                importlib.import_module(screen.module)
                params = page_params(engine, screen.url_path, role.value, username)
                for variant in [{}, params] if params else [{}]:
                    at.query_params.clear()
                    at.query_params.update(variant)
                    at._page_hash = calc_hash(screen.url_path)
                    at.run()
                    assert not at.exception, f"{screen.url_path} as {role}: {at.exception}"
                    seen = []
                    for _ in range(2):  # the fewer of two warm renders: no periodic housekeeping
                        counter.count = 0
                        at.run()
                        seen.append(counter.count)
                    counts[(screen.url_path, role, tuple(sorted(variant)))] = min(seen)
                    # Named as bench/run.py names results: the role only when several open it.
                    for name in (screen.url_path, f"{screen.url_path}@{role.value}"):
                        if not variant and name in ELEMENTS_ALONE:
                            KINDS.setdefault(profile, {})[name] = element_kinds(at)
                    if screen.url_path == "dashboard":
                        # The dashboard opened by a browser session holding no figures yet,
                        # while the database keeps them: they are read back, not counted.
                        seen = []
                        for _ in range(2):
                            del at.session_state[KEPT]
                            counter.count = 0
                            at.run()
                            seen.append(counter.count)
                        counts[(screen.url_path, role, (FIRST_VIEW_ON_KEPT_FIGURES,))] = min(seen)
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
    return counts


@pytest.fixture(scope="module")
def statement_counts(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, dict[Render, int]]]:
    """Counts per (screen, role) on the small and on the larger generated database."""
    found: dict[str, dict[Render, int]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COOKIE_KEY", secrets.token_urlsafe(48))
        patch.setenv("DATABASE_URL", "sqlite://")
        patch.setenv("DATA_DIR", "")
        patch.chdir(Path(__file__).resolve().parents[2])
        for profile in ("guard-small", "guard-big"):
            folder = tmp_path_factory.mktemp(profile)
            url = f"sqlite:///{folder / 'app.db'}"
            engine = create_db_engine(url)
            upgrade_to_head(engine)
            generate(engine, profile, seed=7, log=None, analyze=False)
            found[profile] = _render_all(engine, url, folder, profile)
            engine.dispose()
    get_settings.cache_clear()
    st.cache_resource.clear()
    yield found


@pytest.mark.parametrize(("url_path", "role"), CASES, ids=[f"{u}-{r.value}" for u, r in CASES])
def test_statements_do_not_grow_with_rows(statement_counts, url_path, role):
    def renders(profile: str) -> dict[tuple[str, ...], int]:
        found = statement_counts[profile].items()
        return {names: n for (path, who, names), n in found if (path, who) == (url_path, role)}

    small, big = renders("guard-small"), renders("guard-big")
    assert () in small and () in big, "the screen was not rendered without parameters"
    for names in small.keys() & big.keys():
        shown = f"{url_path}{'?' + '&'.join(names) if names else ''} as {role.value}"
        assert big[names] <= small[names], (
            f"{shown}: {small[names]} statements on the small database, {big[names]} on the "
            "larger one — a query per row?"
        )
    for names, count in {**small, **big}.items():
        assert count <= MAX_STATEMENTS, f"{url_path} {names} as {role.value}: {count} per render"


def test_every_role_has_screens_to_guard():
    assert {role for _, role in CASES} == set(Role)


# The stand-ins draw a full page (as at `large`); the generated database fills a page of browse
# but not the approval queue's, whose stand-in then draws as many cards as the queue holds.
CARDS = {"approvals@faculty": lambda drawn: drawn["Expander"]}


@pytest.mark.parametrize("screen", sorted(ELEMENTS_ALONE))
def test_a_screen_measured_alone_draws_what_its_page_draws(statement_counts, screen):
    # `make bench` reads the gap between a screen and its elements alone as the app's own cost;
    # that only holds while the stand-in draws the same elements as the screen.
    drawn = KINDS["guard-big"][screen]
    alone = new_app(ELEMENTS_ALONE[screen])
    if screen in CARDS:
        alone.query_params["cards"] = str(CARDS[screen](drawn))
    alone.run()
    assert not alone.exception, alone.exception
    assert kind_differences(drawn, element_kinds(alone)) == ""
