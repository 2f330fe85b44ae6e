"""The entry to serve: the Streamlit app (app.py) plus the mail's one-click unsubscribe endpoint.

`streamlit run serve.py` (same flags as app.py) serves both on one port. See docs/email.md.
"""

import gc

import altair  # noqa: F401 - loaded before the freeze below, see there
import pandas  # noqa: F401
import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

import core.models  # noqa: F401 - loaded before the freeze below, see there
from core.mail.web import mail_routes
from core.platform.addresses import UnknownAddressesLeadHome
from pages.components.navigation import DEFAULT_SCREEN, SCREENS

# pages/ holds only sub-folders of screens, routed by st.navigation in app.py. Streamlit decides
# once per process, at its first session, whether a pages/ folder means legacy pages; until the
# router's first st.navigation call it treats it so, and a fresh process then answers a deep link
# (/browse, an e-mail's /applicants?project=…) with a "Page not found" dialog over the login
# form. Saying so before any session starts keeps deep links working from the first request.
PagesManager.uses_pages_directory = False

# The default screen is served at "/": its own name ("/home") and addresses that name no screen
# are redirected there rather than answered with Streamlit's "Page not found" dialog.
SCREEN_ADDRESSES = frozenset(s.url_path for s in SCREENS if s.url_path != DEFAULT_SCREEN)

app = st.App(
    "app.py",
    routes=mail_routes(),
    middleware=[Middleware(UnknownAddressesLeadHome, screens=SCREEN_ADDRESSES)],
)

# The modules loaded above live as long as the process. Freezing them keeps Python's full
# garbage collections, which hold the interpreter while they run (and so hold back the
# messages of every session's run), to the objects the sessions themselves create.
# (.streamlit/config.toml also turns off Streamlit's collection after every run.)
gc.freeze()
