"""E-mail: the transactional outbox, its sender, messages, preferences, digests and reminders.

Services never send mail: `core.notifications.notify` writes an outbox row in the caller's
transaction (`core.mail.outbox.enqueue`), and `python -m core send-mail` delivers due rows.
"""
