"""The browser benchmark's floor: a bare two-page Streamlit app with a sidebar menu of its own
page links, as the portal draws its menu (bench/browser.py clicks between the two pages)."""

import streamlit as st  # noqa: TID251 (a page, like those in pages/)


def _one() -> None:
    st.title("Page one")
    st.write("Hello")


def _two() -> None:
    st.title("Page two")
    st.write("World")


pages = [
    st.Page(_one, title="Page one", url_path="one", default=True),
    st.Page(_two, title="Page two", url_path="two"),
]
current = st.navigation(pages, position="hidden")
with st.sidebar:
    for page in pages:
        st.page_link(page)
current.run()
