"""Old and mistyped addresses lead home instead of Streamlit's "Page not found" dialog."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from core.platform.addresses import UnknownAddressesLeadHome, leads_home
from pages.components.navigation import DEFAULT_SCREEN, SCREENS

SCREEN_ADDRESSES = frozenset(s.url_path for s in SCREENS if s.url_path != DEFAULT_SCREEN)
HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.mark.parametrize("path", ["/home", "/home/", "/old-inbox", "/Browse", "/nothing-here"])
def test_addresses_that_name_no_screen_lead_home(path):
    assert leads_home(path, SCREEN_ADDRESSES)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/browse",
        "/project",
        "/admin-audit",
        "/_stcore/health",
        "/favicon.png",
        "/static/js/main.js",
        "/oauth2callback",
        "/mail/unsubscribe",
        "/media/abc",
    ],
)
def test_screens_and_streamlits_own_addresses_pass(path):
    assert not leads_home(path, SCREEN_ADDRESSES)


def _client() -> TestClient:
    async def page(request):
        return PlainTextResponse(f"page {request.url.path}")

    inner = Starlette(routes=[Route("/{rest:path}", page, methods=["GET", "POST"])])
    wrapped = UnknownAddressesLeadHome(inner, screens=SCREEN_ADDRESSES)
    return TestClient(wrapped, follow_redirects=False)


def test_a_page_load_of_home_is_redirected_to_the_root_keeping_its_query():
    client = _client()
    response = client.get("/home?note=3&x=y", headers=HTML)
    assert response.status_code == 302
    assert response.headers["location"] == "/?note=3&x=y"
    assert client.get("/home", headers=HTML).headers["location"] == "/"


def test_screens_api_calls_and_other_methods_reach_the_app():
    client = _client()
    assert client.get("/browse", headers=HTML).text == "page /browse"
    assert client.get("/home", headers={"accept": "application/json"}).status_code == 200
    assert client.post("/home", headers=HTML).status_code == 200
