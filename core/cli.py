"""Command-line tasks: migrate, ensure-key, create-admin, seed, remove-demo, expire,
flag-at-risk, backup, restore, export, refresh-figures, send-mail, digest, remind."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy import Engine

from core.accounts.demo import demo_accounts_exist, remove_demo
from core.accounts.sso_settings import is_configured, write_auth_secrets
from core.accounts.users import create_user
from core.applications.system import expire_stale
from core.models import Role, User
from core.platform.backup import BackupError
from core.platform.db import create_db_engine, write_transaction
from core.platform.errors import DomainError
from core.platform.migrate import upgrade_to_head
from core.platform.settings import WeakSecretError, generate_key_file, get_settings
from core.platform.wording import counted
from core.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, is_empty, seed_demo


def _engine() -> Engine:
    return create_db_engine(get_settings().effective_database_url)


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Apply every pending migration."""
    upgrade_to_head(_engine())
    print("Database schema is up to date.")
    return 0


def cmd_ensure_key(_args: argparse.Namespace) -> int:
    """Generate the cookie signing key (and the SSO secrets) into untracked files."""
    path = generate_key_file(get_settings())
    print(f"Cookie signing key ready ({path}).")
    secrets_path, _ = write_auth_secrets(get_settings())  # single sign-on, when configured
    print(f"Single sign-on {'on' if is_configured(get_settings()) else 'off'} ({secrets_path}).")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    """Create an administrator; the password comes from ADMIN_PASSWORD or a prompt."""
    password = os.environ.get("ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass("Password for the new admin: ")
        if password != getpass.getpass("Repeat the password: "):
            print("The two passwords differ; nothing was created.", file=sys.stderr)
            return 1
    engine = _engine()
    with write_transaction(engine) as session:
        if demo_accounts_exist(session) and not args.keep_demo:
            print(
                "Demo accounts with a public password exist. Run `python -m core remove-demo` "
                "first, or add --keep-demo to keep them (for a demo only); nothing was created.",
                file=sys.stderr,
            )
            return 1
        user = create_user(
            session,
            username=args.username,
            email=args.email,
            display_name=args.name or args.username,
            role=Role.ADMIN,
            password=password,
        )
        print(f"Created admin {user.username}.")
    return 0


def cmd_remove_demo(_args: argparse.Namespace) -> int:
    """Delete the demo accounts and everything they own (projects, matches, messages...)."""
    with write_transaction(_engine()) as session:
        removed = remove_demo(session)
    if not removed:
        print("No demo accounts found; nothing was removed.")
        return 0
    rows = ", ".join(f"{table} {count}" for table, count in sorted(removed.items()))
    print(f"Removed the demo data ({rows}).")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """Load a data profile: `demo`, or the generated `medium` / `large` benchmark profiles."""
    engine = _engine()
    if args.profile != "demo":
        from bench.bulkseed import generate

        upgrade_to_head(engine)
        generate(engine, args.profile, seed=args.seed)
        return 0
    if args.if_empty and not is_empty(engine):
        print("Database already has data; seeding skipped.")
        return 0
    seed_demo(engine)
    names = ", ".join(account.username for account in DEMO_ACCOUNTS)
    print(f"Demo data ready. Logins: {names} (password: {DEMO_PASSWORD}).")
    return 0


def cmd_expire(_args: argparse.Namespace) -> int:
    """Expire applications left undecided 14 days after the deadline or on closed projects."""
    with write_transaction(_engine()) as session:
        count = expire_stale(session)
    print(f"Expired {counted(count, 'application')}.")
    return 0


def cmd_flag_at_risk(_args: argparse.Namespace) -> int:
    """Notify both parties of matches with no session in 21 days (once per silent period)."""
    from core.workspace.at_risk import run_flag_at_risk

    count = run_flag_at_risk(_engine())
    print(f"Flagged {counted(count, 'at-risk match', 'at-risk matches')}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent backup of the database while the app keeps running."""
    from core.platform.backup import backup

    result = backup(get_settings().effective_database_url, Path(args.path))
    size = f"{result.size_bytes:,} bytes"
    print(f"Backup of the {result.kind} database written to {result.path} ({size}).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup; refuses to overwrite a database holding data unless --force."""
    from core.platform.backup import restore

    result = restore(get_settings().effective_database_url, Path(args.path), force=args.force)
    total = sum(result.rows.values())
    print(f"Restored {result.path} into the {result.kind} database ({total:,} rows).")
    return 0


def _account(engine: Engine, username: str) -> User | None:
    """Return the named account, or say there is none (on standard error)."""
    from core.accounts.users import find_user_by_username
    from core.platform.db import read_session

    with read_session(engine) as session:
        actor = find_user_by_username(session, username)
    if actor is None:
        print(f"No account named {username!r}.", file=sys.stderr)
    return actor


def cmd_export(args: argparse.Namespace) -> int:
    """Write matches or projects as CSV, in the scope of a faculty or admin account (optionally
    of one program term)."""
    from core.documents.exports import EXPORTS, write_csv
    from core.platform.db import read_session

    engine = _engine()
    actor = _account(engine, args.as_user)
    if actor is None:
        return 1
    with read_session(engine) as session:
        term_id = None
        if args.term:
            from core.program.terms import list_terms

            named = {term.name.lower(): term for term in list_terms(session, actor=actor)}
            term = named.get(args.term.strip().lower())
            if term is None:
                known = ", ".join(t.name for t in named.values()) or "none defined"
                print(f"No term named {args.term!r} (terms: {known}).", file=sys.stderr)
                return 1
            term_id = term.id
        rows = EXPORTS[args.kind](session, actor=actor, term_id=term_id)
        if args.out in (None, "-"):
            count = write_csv(rows, sys.stdout)
        else:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                count = write_csv(rows, out)
    if args.out not in (None, "-"):
        print(f"Wrote {counted(count, f'{args.kind} row')} to {args.out}.", file=sys.stderr)
    return 0


def cmd_refresh_figures(args: argparse.Namespace) -> int:
    """Count the dashboard's default figures now, for the program and each department."""
    from core.program.kept_figures import FIGURES_MAX_AGE, refresh_figures

    engine = _engine()
    actor = _account(engine, args.as_user)
    if actor is None:
        return 1
    count = refresh_figures(engine, actor=actor)
    minutes = FIGURES_MAX_AGE.seconds // 60
    print(f"Counted the figures of {counted(count, 'filter')}; they are shown for {minutes} min.")
    return 0


def _acting_account(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as", dest="as_user", required=True, metavar="USERNAME", help="faculty or admin account"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help=cmd_migrate.__doc__).set_defaults(func=cmd_migrate)
    commands.add_parser("ensure-key", help=cmd_ensure_key.__doc__).set_defaults(func=cmd_ensure_key)
    admin = commands.add_parser("create-admin", help=cmd_create_admin.__doc__)
    admin.add_argument("username")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", help="display name (defaults to the username)")
    admin.add_argument(
        "--keep-demo", action="store_true", help="create it even though demo accounts exist"
    )
    admin.set_defaults(func=cmd_create_admin)
    remove = commands.add_parser("remove-demo", help=cmd_remove_demo.__doc__)
    remove.set_defaults(func=cmd_remove_demo)
    seed = commands.add_parser("seed", help=cmd_seed.__doc__)
    seed.add_argument("profile", choices=["demo", "medium", "large"])
    seed.add_argument("--seed", type=int, default=42, help="random seed of generated profiles")
    seed.add_argument("--if-empty", action="store_true", help="only when there are no accounts")
    seed.set_defaults(func=cmd_seed)
    commands.add_parser("expire", help=cmd_expire.__doc__).set_defaults(func=cmd_expire)
    flag = commands.add_parser("flag-at-risk", help=cmd_flag_at_risk.__doc__)
    flag.set_defaults(func=cmd_flag_at_risk)
    backup = commands.add_parser("backup", help=cmd_backup.__doc__)
    backup.add_argument("path", help="file to write (SQLite copy or pg_dump custom archive)")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help=cmd_restore.__doc__)
    restore.add_argument("path", help="a file written by `backup`")
    restore.add_argument("--force", action="store_true", help="overwrite a database holding data")
    restore.set_defaults(func=cmd_restore)
    export = commands.add_parser("export", help=cmd_export.__doc__)
    export.add_argument("kind", choices=["matches", "projects"])
    _acting_account(export)
    export.add_argument("--out", help="file to write (default: standard output)")
    export.add_argument(
        "--term", metavar="NAME", help="only projects starting in this program term (by name)"
    )
    export.set_defaults(func=cmd_export)
    refresh = commands.add_parser("refresh-figures", help=cmd_refresh_figures.__doc__)
    _acting_account(refresh)
    refresh.set_defaults(func=cmd_refresh_figures)
    from core.mail.commands import add_commands

    add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 1
    except WeakSecretError as error:
        print(str(error), file=sys.stderr)
        return 1
    except BackupError as error:
        print(str(error), file=sys.stderr)
        return 1
