"""Deployment defaults: the Secure cookie flag and where invite and reset links point."""

from __future__ import annotations

import pytest

from core.registration import LinksUnavailable, link_base_url
from core.settings import Settings


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [
        ("https://mentoring.example.edu", True),
        ("HTTPS://mentoring.example.edu/portal/", True),
        ("http://localhost:8501", False),
        ("", False),
    ],
)
def test_the_login_cookie_is_secure_whenever_the_portal_is_served_over_https(base_url, secure):
    assert Settings(cookie_key="", base_url=base_url).cookie_secure is secure


@pytest.mark.parametrize(
    "request_url",
    [
        "https://evil.example.com/admin_users",
        "http://mentoring.example.edu/",
        "http://localhost.evil.example.com:8501/",
        "",
        None,
    ],
)
def test_links_never_take_their_host_from_a_request_when_base_url_is_unset(request_url):
    with pytest.raises(LinksUnavailable, match="Set BASE_URL"):
        link_base_url("", request_url)


def test_links_use_base_url_whatever_host_the_request_names():
    base = link_base_url("https://mentoring.example.edu/", "https://evil.example.com/x")
    assert base == "https://mentoring.example.edu"


@pytest.mark.parametrize(
    ("request_url", "base"),
    [
        ("http://localhost:8501/admin_users", "http://localhost:8501"),
        ("http://127.0.0.1:8600/", "http://127.0.0.1:8600"),
    ],
)
def test_a_demo_on_this_machine_makes_links_to_itself(request_url, base):
    assert link_base_url("", request_url) == base
