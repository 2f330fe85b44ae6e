"""Entry script and router: page config, login gate, role-based navigation, then the page."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from core.applications import expire_if_due
from core.models import User
from core.platform.settings import WeakSecretError, get_settings
from core.platform.wording import counted
from core.workspace import flag_at_risk_if_due
from pages.components import sso, visitor
from pages.components.auth import LoginGate, request_logout
from pages.components.engine import get_engine, show_demo_banner
from pages.components.navigation import (
    DEFAULT_SCREEN,
    SCREENS,
    WIDE_SCREENS,
    Screen,
    has_screen,
    menu_paths,
    note_screen_run,
    screen_page,
    screens_for,
)
from pages.components.ui import escape_markdown, small, unexpected_errors
from pages.components.unread import mark_opened_note, menu_badges

# Two fixes Streamlit's theme cannot express, and the tables' look, in one style-only st.html
# (it takes no room):
# - WCAG 2.4.7 (focus visible): a focused st.page_link (the menu, the links on cards) shows
#   only a 15 % grey tint, about 1.1:1 against the sidebar; buttons and fields get a ring or a
#   coloured border. Page links get a ring in the theme's primary colour too.
# - Tables (pages/components/tables.py) wrap their cells at every width, breaking long words
#   (JSON, addresses) where they must, so no column is cut off or pushed out of view and
#   nothing scrolls sideways at phone width (WCAG 1.4.10); numbers are right-aligned.
APP_STYLE = (
    "<style>a[data-testid='stPageLink-NavLink']:focus-visible"
    "{outline:2px solid #2f6f9f;outline-offset:1px}"
    ".portal-table{width:100%;border-collapse:collapse;font-size:.875rem;margin-bottom:.5rem}"
    ".portal-table caption{text-align:left;font-weight:600;padding:.25rem 0}"
    ".portal-table :is(th,td){border:1px solid rgba(49,51,63,.2);padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}"
    # Words stay whole (a column is at least as wide as its longest word) except in cells
    # tables.py marks as holding a very long one (JSON, an address), which breaks anywhere.
    ".portal-table td{overflow-wrap:break-word}"
    ".portal-table td.long{overflow-wrap:anywhere}"
    ".portal-table th{font-weight:600;background:rgba(49,51,63,.04);overflow-wrap:break-word}"
    ".portal-table td.number{text-align:right;font-variant-numeric:tabular-nums}"
    "@media (max-width:640px){.portal-table{table-layout:fixed}"
    ".portal-table th{overflow-wrap:anywhere}}"
    "</style>"
)
# The page a visitor asked for before logging in; shown once they are in.
NEXT_PAGE = "router_next_page"


def _pages(screens: list[Screen]) -> dict[str, st.Page]:
    return {s.url_path: screen_page(s.url_path) for s in screens}


def _menu(user: User, pages: dict[str, st.Page], unread: int, messages: int) -> None:
    # Drawn here (st.navigation runs with position="hidden") for the badges in the labels and
    # the user's name and logout button beside the links.
    shown = menu_paths(user.role)
    with st.sidebar:
        st.markdown(
            f"**{escape_markdown(user.display_name)}**  \n"
            + small(f"Signed in as {user.role.value}")
        )
        for url_path, page in pages.items():
            if url_path not in shown:
                continue
            label = page.title
            if url_path == "inbox" and unread:
                label = f"{label} ({unread} unread)"
            if url_path == "matches" and messages:
                label = f"{label} ({counted(messages, 'new message')})"
            st.page_link(page, label=label)
        st.divider()
        st.button("Log out", on_click=request_logout, key="menu_logout", icon=":material/logout:")


def _screen_in_address() -> str | None:
    """Return the screen named by the address the browser shows, read before st.navigation.

    A fresh process's first session can have its first run cut short (the login gate's
    cookie component asks for a rerun while the app is still importing); the rerun it asks
    for names the entry script, not the page in the address, and st.navigation then resolves
    Home, so the deep link (/project?id=…) was lost at login. The address itself still names
    the page. (After st.navigation, st.context.url has the page's name trimmed off.)
    """
    url = st.context.url
    if not isinstance(url, str):
        return None
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return name if name != DEFAULT_SCREEN and has_screen(name) else None


def _welcome() -> None:
    st.title("Micro-mentoring portal")
    st.caption("Short projects with alumni and professors, a few hours a week.")


def main() -> None:
    """Run the app; an unexpected error shows an error id, its details go to the server log."""
    with unexpected_errors():
        _main()


def _main() -> None:
    """Gate the visitor, then route to the page they asked for among their role's pages."""
    st.set_page_config(
        page_title="Micro-mentoring", page_icon=":material/handshake:", layout="centered"
    )
    st.html(APP_STYLE)
    settings = get_settings()
    try:
        settings.signing_key()
    except WeakSecretError as error:
        st.error(str(error))
        st.stop()
    sso.prepare(settings)  # Streamlit's [auth] secrets from the OIDC_* settings
    engine = get_engine()
    show_demo_banner()
    # The gate's area comes first on every run; a visitor's screens are drawn in it too (in
    # gate.screen), so the login form, the registration form and the screen after login each
    # keep their place.
    area = st.container()
    gate = LoginGate(engine, settings, area=area)
    user = gate.current_user()
    if gate.logged_out:
        st.query_params.clear()
        st.session_state[NEXT_PAGE] = DEFAULT_SCREEN
    if user is None:
        # Visitors see no menu; the page they asked for is remembered for after login.
        typed = None if NEXT_PAGE in st.session_state else _screen_in_address()
        asked = st.navigation(list(_pages(list(SCREENS)).values()), position="hidden")
        st.session_state.setdefault(NEXT_PAGE, typed or asked.url_path)
        with gate.screen:
            # Registration, invite and password links replace the login form when asked for.
            if visitor.render_visitor_screen(engine):
                return
            user = gate.render_login(lambda: (_welcome(), visitor.show_notice()))
            if user is None:
                visitor.offer_registration()
                return
    # Deadlines pass without anyone clicking: settle due expiries before showing any state.
    expire_if_due(engine)
    flag_at_risk_if_due(engine)
    pages = _pages(screens_for(user.role))
    # Every screen is registered, so an address naming another role's screen (a forwarded
    # link, an old bookmark) leads Home instead of to Streamlit's "Page not found" dialog;
    # only the role's own screens ever run.
    current = st.navigation(list(_pages(list(SCREENS)).values()), position="hidden")
    if current.url_path and current.url_path not in pages:
        st.session_state.pop(NEXT_PAGE, None)
        st.switch_page(pages[DEFAULT_SCREEN])
    wanted = st.session_state.pop(NEXT_PAGE, None)
    if wanted in pages and wanted != current.url_path:
        # Only the page st.navigation returned may run; the link's parameters (?id=…) go along.
        st.switch_page(pages[wanted], query_params=st.query_params.to_dict())
    if current.url_path in WIDE_SCREENS:
        st.set_page_config(layout="wide")  # tables and charts side by side get the room
    mark_opened_note(engine, user)  # before the badges, so they count it read
    notes, messages = menu_badges(engine, user, messages="matches" in pages)
    _menu(user, pages, notes, messages)
    note_screen_run(current.url_path)
    current.run()


if __name__ == "__main__":
    main()
