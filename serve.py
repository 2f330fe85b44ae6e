"""ASGI entry: the Streamlit app plus the mail's one-click unsubscribe endpoint.

`streamlit run serve.py` (same flags as app.py) serves both on one port; `app.py` alone still
works, without `/mail/unsubscribe`. See docs/email.md.
"""

import streamlit as st

from core.mail.web import mail_routes

app = st.App("app.py", routes=mail_routes())
