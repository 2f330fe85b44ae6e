"""The floor of the benchmark: a bare Streamlit page measured like the app's screens."""

import streamlit as st  # noqa: TID251 (a page, like those in pages/)

st.write("Hello")
