"""The logged-in menu every screen draws, with constant text (see the package's docstring)."""

from collections.abc import Callable

import streamlit as st  # noqa: TID251 (a page, like those in pages/)

from app import APP_STYLE


def _elsewhere() -> None:
    """Stand in for the screens the menu links to; never opened."""


def run_with_menu(content: Callable[[st.Page], None], *, url_path: str, menu_size: int) -> None:
    """Route to `content` beside a menu of `menu_size` links, as app.py does.

    `content` is handed a page of the menu to link its cards to, as the app's cards link to a
    project or an application.
    """
    # The demo banner (the bench database holds the demo accounts), then the login gate's
    # area, drawn first on every run.
    st.warning(
        "**Demo data.** This portal holds demo accounts whose password is public. Before "
        "real use, an administrator runs `python -m core remove-demo` on the server.",
        icon=":material/science:",
    )
    st.container()
    st.html(APP_STYLE)  # the router's style block (focus ring, phone-width tables)
    others = [
        st.Page(_elsewhere, title=f"Screen {i}", url_path=f"other-{i}")
        for i in range(menu_size - 1)
    ]
    main = st.Page(lambda: content(others[0]), title="Screen", url_path=url_path, default=True)
    current = st.navigation([main, *others], position="hidden")
    with st.sidebar:
        st.markdown("**Demo User**  \n:small[:gray[Signed in]]")
        for page in [main, *others]:
            st.page_link(page, label=page.title)
        st.divider()
        st.button("Log out", key="menu_logout", icon=":material/logout:")
    current.run()


def card_link(page: st.Page, label: str, number: int) -> None:
    """Draw a card's link to its detail screen, as the app's cards do."""
    st.page_link(page, label=label, icon=":material/visibility:", query_params={"id": str(number)})
