"""The service's commands, added to ``fiscal-sim`` through the ``fiscal_sim.commands`` entry point (so the
core's command line never imports the service): ``serve``, ``user add|list|remove``, ``token create``,
``db backup|restore``. Registering them imports nothing heavy; each command imports what it needs.

Every command takes ``--database-url`` (default: ``FISCAL_SIM_DATABASE_URL``, else the SQLite file in
``./instance``), so users are added to the database the server uses.
"""

from __future__ import annotations

import sys

from fiscal_sim.io.cli import UsageError


def add(sub) -> None:
    """Register the service's commands on the ``fiscal-sim`` subparsers."""
    p = sub.add_parser("serve", help="run the HTTP API and web page (waitress)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in ./instance)")
    p.set_defaults(func=serve)

    users = sub.add_parser("user", help="users who may sign in: add, list, remove").add_subparsers(
        dest="user_command", required=True, metavar="{add,list,remove}"
    )
    p = users.add_parser("add", help="add a user; the password is read from standard input")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=("viewer", "editor", "admin"))
    p.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    _database_option(p)
    p.set_defaults(func=user_add)
    p = users.add_parser("list", help="list users and their roles")
    _database_option(p)
    p.set_defaults(func=user_list)
    p = users.add_parser("remove", help="remove a user and their API tokens")
    p.add_argument("name")
    _database_option(p)
    p.set_defaults(func=user_remove)

    tokens = sub.add_parser("token", help="API tokens for scripts").add_subparsers(
        dest="token_command", required=True, metavar="{create}"
    )
    p = tokens.add_parser("create", help="create an API token for a user; prints it once")
    p.add_argument("name")
    _database_option(p)
    p.set_defaults(func=token_create)

    db = sub.add_parser("db", help="back up or restore the service's database").add_subparsers(
        dest="db_command", required=True, metavar="{backup,restore}"
    )
    p = db.add_parser("backup", help="write every table to one file (gzip-compressed JSON lines)")
    p.add_argument("file", metavar="FILE", help="e.g. fiscal-sim-2025-01-31.jsonl.gz")
    _database_option(p)
    p.set_defaults(func=db_backup)
    p = db.add_parser("restore", help="load a backup into an empty database")
    p.add_argument("file", metavar="FILE")
    _database_option(p)
    p.add_argument("--replace", action="store_true", help="empty the database's tables first (in one transaction)")
    p.set_defaults(func=db_restore)


def _database_option(p) -> None:
    p.add_argument("--database-url", help="SQLAlchemy URL (default: FISCAL_SIM_DATABASE_URL, else ./instance)")


def _store(args):
    from .config import database_url, settings
    from .storage import Store

    return Store(database_url(settings(DATABASE_URL=args.database_url)))


def db_backup(args) -> int:
    from .backup import cmd_backup  # SQLAlchemy is imported when a command needs it, not to list commands

    return cmd_backup(args)


def db_restore(args) -> int:
    from .backup import cmd_restore

    return cmd_restore(args)


def serve(args) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    from .app import NoUserError
    from .app import serve as run_server

    try:
        run_server(args.host, args.port, args.database_url)
    except NoUserError as exc:
        raise UsageError(str(exc)) from None
    return 0


def user_add(args) -> int:
    from . import auth
    from .storage import ConflictError

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        name = auth.check_user_name(args.name)
        password_hash = auth.hash_password(password)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    store = _store(args)
    try:
        store.add_user(name, args.role, password_hash)
    except ConflictError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.dispose()
    print(f"added user {name} ({args.role})")
    return 0


def user_list(args) -> int:
    store = _store(args)
    try:
        for user in store.users():
            print(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d %H:%M}")
    finally:
        store.dispose()
    return 0


def user_remove(args) -> int:
    from .storage import NotFoundError

    store = _store(args)
    try:
        store.remove_user(args.name)
    except NotFoundError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.dispose()
    print(f"removed user {args.name}")
    return 0


def token_create(args) -> int:
    from . import auth
    from .storage import NotFoundError

    token, hashed = auth.new_token()
    store = _store(args)
    try:
        store.add_token(args.name, hashed)
    except NotFoundError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.dispose()
    print(token)  # the only time it is shown: only its hash is kept
    return 0
