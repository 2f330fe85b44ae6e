"""The approval queue's elements alone, as at `large`: three metrics and ten cards.

`?cards=N` draws N cards and no next page instead, as a queue shorter than a page does.
"""

import streamlit as st  # noqa: TID251 (a page, like those in pages/)

from bench.elements_alone.shell import run_with_menu

STATEMENT = (
    "A student's statement of why they want the project and what they bring to it, a few "
    "sentences long, as students write them. "
) * 3
CARD = (
    "**A project title of some length** · Computer Science  \n"
    "Waiting 2 days · Mentor: Demo Mentor · Student: Demo Student\n\n"
    f"**Statement**\n\n{STATEMENT}\n\n"
    ":small[:gray[Student: 6 of 10 h/week taken at the busiest week with this match]]  \n"
    ":small[:gray[Mentor: 3 of 5 h/week taken at the busiest week with this match]]"
)
PAGE = 10
WEEKS = (
    '<table class="portal-table"><thead><tr><th scope="col">Week</th>'
    '<th scope="col">Student</th><th scope="col">Mentor</th></tr></thead><tbody>'
    + "".join(
        f'<tr><td>2027-W0{week + 1}</td><td class="number">6</td><td class="number">3</td></tr>'
        for week in range(8)
    )
    + "</tbody></table>"
)


def content(detail: st.Page) -> None:
    st.title("Approval queue")
    st.caption("Matches the mentors accepted, waiting for a faculty decision, oldest first.")
    st.container()  # the area of the last action's outcomes
    row = st.container(horizontal=True, gap="medium")
    row.metric("Items shown", "1–10 (more follow)")
    row.metric("Waiting over 3 days", 4)
    row.metric("Oldest wait (days)", 9)
    st.button("Approve selected (0)", type="primary", disabled=True, key="ap_bulk")
    cards = int(st.query_params.get("cards", PAGE))
    for number in range(cards):
        with st.container(border=True):
            st.markdown(CARD)
            weeks = st.expander("Week by week", key=f"w{number}", on_change="rerun")
            if weeks.open:  # drawn when opened, as on the screen
                with weeks:
                    st.html(WEEKS)
            controls = st.container(horizontal=True, vertical_alignment="center")
            controls.button("Approve", type="primary", icon=":material/check:", key=f"a{number}")
            controls.button("Reject…", icon=":material/close:", key=f"r{number}")
            controls.checkbox("Select for bulk approval", key=f"p{number}")
    _, forward = st.columns(2)  # the first page has no Previous; Next when more follow
    if cards == PAGE:
        forward.button("Next page", key="ap_next", icon=":material/chevron_right:")
    del detail  # the queue's cards link nowhere


run_with_menu(content, url_path="approvals", menu_size=14)
