"""Old and mistyped addresses lead home: an ASGI middleware in front of the Streamlit app.

Streamlit serves its page at every address and lets the browser ask for the page named by the
path. The router's default screen is served at the root, "/", so its own name ("/home", an old
bookmark) names no page, and neither does a typo: Streamlit then shows Home under a "Page not
found" dialog. A browser's request for such an address is redirected to the root instead,
query string kept (`/home?note=3` → `/?note=3`), so the person lands on Home with no dialog.

Only page loads are touched: GET or HEAD, a single path segment that is neither a screen's
address nor one of Streamlit's own (no dot, no leading "_", not in `reserved`), asked for as
HTML. Everything else passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# Single-segment addresses Streamlit or this app answer themselves.
RESERVED = frozenset(
    {"auth", "oauth2callback", "media", "component", "static", "app", "mail", "healthz", "st"}
)


def leads_home(path: str, screens: frozenset[str], reserved: frozenset[str] = RESERVED) -> bool:
    """Return whether a page load of `path` should be sent to the root address."""
    name = path.strip("/")
    if not name or "/" in name or "." in name or name.startswith(("_", "~")):
        return False
    return name not in screens and name not in reserved


class UnknownAddressesLeadHome:
    """Redirect page loads of addresses that name no screen to "/" (see the module's note)."""

    def __init__(self, app: ASGIApp, screens: Iterable[str]) -> None:
        self.app = app
        self.screens = frozenset(screens)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and leads_home(scope.get("path", ""), self.screens)
            and "text/html" in Headers(scope=scope).get("accept", "")
        ):
            query = scope.get("query_string", b"").decode("latin-1")
            root = scope.get("root_path", "") or ""
            response = RedirectResponse(f"{root}/" + (f"?{query}" if query else ""), 302)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
