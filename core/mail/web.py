"""The one-click unsubscribe endpoint (RFC 8058), a Starlette route beside the app.

`POST /mail/unsubscribe?t=…` with `List-Unsubscribe=One-Click` (what mail clients send) turns
the kind off at once. `GET` only shows a page with a button that posts the same form: link
scanners that open every URL in a message change nothing.
"""

from __future__ import annotations

import html
from functools import cache

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.mail.unsubscribe import (
    PATH,
    TOKEN_PARAM,
    UnsubscribeRefused,
    apply_unsubscribe,
    read_token,
)
from core.platform.db import create_db_engine, write_transaction
from core.platform.settings import get_settings


@cache
def _engine(url: str) -> Engine:
    return create_db_engine(url)


def _page(title: str, text: str, *, form_token: str | None = None, status: int = 200) -> Response:
    form = ""
    if form_token is not None:
        action = html.escape(f"{PATH}?{TOKEN_PARAM}={form_token}")
        form = (
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Turn these e-mails off</button></form>'
        )
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{form}</main></body></html>"
    )
    return HTMLResponse(body, status_code=status)


async def unsubscribe(request: Request) -> Response:
    settings = get_settings()
    token = request.query_params.get(TOKEN_PARAM, "")
    key = settings.signing_key()
    if request.method == "GET":
        try:
            read_token(key, token)
        except UnsubscribeRefused as error:
            return _page("Link not usable", error.message, status=400)
        return _page("Unsubscribe", "Stop this kind of e-mail from the portal?", form_token=token)
    form = await request.form()
    if form.get("List-Unsubscribe") != "One-Click":
        return PlainTextResponse("Expected List-Unsubscribe=One-Click.", status_code=400)
    try:
        with write_transaction(_engine(settings.effective_database_url)) as session:
            label = apply_unsubscribe(session, key, token)
    except UnsubscribeRefused as error:
        return _page("Link not usable", error.message, status=400)
    return _page("Unsubscribed", f"You will no longer get e-mail for “{label}”.")


def mail_routes() -> list[Route]:
    """Routes to mount beside the Streamlit app (see serve.py)."""
    return [Route(PATH, unsubscribe, methods=["GET", "POST"])]
