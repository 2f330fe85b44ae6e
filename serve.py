"""The entry to serve: the Streamlit app (app.py) plus the mail's one-click unsubscribe endpoint.

`streamlit run serve.py` (same flags as app.py) serves both on one port. See docs/email.md.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from core.mail.web import mail_routes

# pages/ holds only sub-folders of screens, routed by st.navigation in app.py. Streamlit decides
# once per process, at its first session, whether a pages/ folder means legacy pages; until the
# router's first st.navigation call it treats it so, and a fresh process then answers a deep link
# (/browse, an e-mail's /applicants?project=…) with a "Page not found" dialog over the login
# form. Saying so before any session starts keeps deep links working from the first request.
PagesManager.uses_pages_directory = False

app = st.App("app.py", routes=mail_routes())
