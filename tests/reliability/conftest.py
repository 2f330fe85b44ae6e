"""Reliability tests: backup and restore, crash safety, scheduled work, scale-out."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scaleout: two streamlit processes behind nginx on PostgreSQL, driven by Chromium",
    )
