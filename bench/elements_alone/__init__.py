"""Screens' elements alone: what Streamlit itself costs to draw what a screen must show.

Each page here draws the same elements, of the same kinds and in the same layout, as one of
the app's screens does at `large` (a logged-in user's menu included), with constant text of
similar length: no login check, no database, no app code. Its rerun time is the part of the
screen's time that no change to the app can remove, so its floor ratio says how far the
screen can come towards the floor budget while still showing all it shows.
"""
