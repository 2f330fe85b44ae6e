"""`python -m core send-mail [--loop]`, `digest` and `remind`: the mail path's commands."""

from __future__ import annotations

import argparse
import logging

from sqlalchemy import Engine

from core.mail.messages import Context
from core.mail.transport import Transport, transport_from_settings
from core.platform.db import create_db_engine
from core.platform.settings import Settings, get_settings
from core.platform.wording import counted


def mail_context(settings: Settings) -> Context:
    return Context(
        base_url=settings.base_url,
        mail_from=settings.mail_from,
        signing_key=settings.signing_key(),
    )


def settings_transport(settings: Settings) -> Transport:
    return transport_from_settings(settings.smtp_url, settings.data_dir)


def _engine(settings: Settings) -> Engine:
    return create_db_engine(settings.effective_database_url)


def cmd_send_mail(args: argparse.Namespace) -> int:
    """Deliver the outbox: one pass over everything due, or keep going with --loop."""
    from core.mail.sender import send_loop, send_pass

    settings = get_settings()
    engine, context = _engine(settings), mail_context(settings)
    if args.loop:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        send_loop(engine, lambda: settings_transport(settings), context, pause_s=args.pause)
        return 0
    report = send_pass(engine, settings_transport(settings), context)
    where = "over SMTP" if settings.smtp_url else f"to {settings.data_dir / 'outbox'}"
    print(
        f"Sent {counted(report.sent, 'message')} {where}; "
        f"{report.retried} to retry later, {report.failed} failed."
    )
    return 0


def cmd_digest(_args: argparse.Namespace) -> int:
    """Queue today's digest for everyone with held updates (once per person per day)."""
    from core.mail.jobs import run_digest

    count = run_digest(_engine(get_settings()))
    print(f"Queued {counted(count, 'digest')}; `send-mail` delivers them.")
    return 0


def cmd_remind(_args: argparse.Namespace) -> int:
    """Give the reminders that are due (deadlines, milestones, sessions, feedback, approvals)."""
    from core.mail.jobs import run_reminders

    count = run_reminders(_engine(get_settings()))
    print(f"Gave {counted(count, 'reminder')}.")
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the mail commands on the CLI's sub-command parser."""
    send = commands.add_parser("send-mail", help=cmd_send_mail.__doc__)
    send.add_argument("--loop", action="store_true", help="keep delivering (for a service)")
    send.add_argument("--pause", type=float, default=15.0, help="seconds between passes")
    send.set_defaults(func=cmd_send_mail)
    commands.add_parser("digest", help=cmd_digest.__doc__).set_defaults(func=cmd_digest)
    commands.add_parser("remind", help=cmd_remind.__doc__).set_defaults(func=cmd_remind)
