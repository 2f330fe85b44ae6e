"""Browse's elements alone, as at `large`: three recommendations, ten filters (the term
select among them), 10 cards."""

import streamlit as st  # noqa: TID251 (a page, like those in pages/)

from bench.elements_alone.shell import card_link, run_with_menu

SUMMARY = (
    "A summary of the project written by its mentor, two or three sentences long, saying what "
    "the student will do and what they will learn on the way. "
) * 2
CARD = (
    "#### A project title of some length\n"
    "Computer Science · Remote · **4 h/week × 8 weeks** · 2 seats left\n\n"
    f"{SUMMARY}\n\n"
    ":small[:gray[Mentor: A Mentor · starts 5 Jan 2027 · apply by 12 Dec 2026 · "
    "tags: python, data]]  \n"
    ":small[:gray[• Shares 2 of your interests: python, data]]"
)


def content(detail: st.Page) -> None:
    st.title("Browse projects")
    st.container()  # the place of an outcome message (show_flash)
    strip = st.container()
    st.header("All open projects")
    st.selectbox("Term", ["Sep 2026 – Mar 2027 · current", "All terms"], key="term")
    left, right = st.columns([3, 1])
    left.text_input("Search projects", key="q", placeholder="Words in the title or tags")
    right.selectbox("Sort by", ["Best match", "Newest", "Deadline"], key="sort")
    tags_col, dept_col, mode_col = st.columns([2, 1, 1])
    tags_col.multiselect(
        "Tags",
        [f"tag {i}" for i in range(200)],
        key="tags",
        accept_new_options=True,
        placeholder="Any tag",
        help="Projects carrying any of the chosen tags.",
    )
    dept_col.selectbox("Department", [None, *(f"Department {i}" for i in range(20))], key="dept")
    mode_col.selectbox("Mode", [None, "Remote", "On site", "Hybrid"], key="mode")
    limits = ("Max hours per week", "Max duration (weeks)", "Starts within (weeks)")
    for column, label in zip(st.columns(3), limits, strict=True):
        column.number_input(label, min_value=1, max_value=40, step=1, value=None, key=label)
    with strip:
        st.header("Recommended for you")
        for number, column in enumerate(st.columns(3)):
            with column, st.container(border=True):
                st.markdown(
                    "**A project title of some length**  \n"
                    ":small[:gray[4 h/week × 8 weeks · 2 seats left · apply by 12 Dec 2026]]  \n"
                    ":small[:gray[• Shares 2 of your interests: python, data]]"
                )
                card_link(detail, "View", number)
    st.markdown("**52,310 open projects** · showing 1–10")
    for number in range(10):
        st.markdown(("" if number == 0 else "---\n") + CARD)
        card_link(detail, "View", number)
        st.button("Save for later", key=f"save_{number}", icon=":material/bookmark_add:")
    back, where, forward = st.columns([1, 2, 1])
    back.button("Previous page", disabled=True, icon=":material/chevron_left:", key="prev")
    where.caption("Page 1 of 2,093")
    forward.button("Next page", icon=":material/chevron_right:", key="next")


run_with_menu(content, url_path="browse", menu_size=10)
