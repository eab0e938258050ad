"""The command line: ``fiscal-sim db backup FILE`` and ``fiscal-sim db restore FILE`` (:func:`add_db_commands`,
:func:`cmd_backup`, :func:`cmd_restore`), finding the service's database as ``fiscal-sim serve`` does and turning
a BackupError or a database error into one line of usage error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from .format import BackupError, shown
from .restoring import restore
from .writing import backup

# ------------------------------------------------------------------ fiscal-sim db backup | restore


def configured_database_url(explicit: str | None = None) -> str:
    """The service's database: ``explicit``, else FISCAL_SIM_DATABASE_URL, else the SQLite file in the data
    dir (FISCAL_SIM_DATA_DIR, else ./instance), exactly as ``fiscal-sim serve`` finds it."""
    from flask import Config

    from ..config import DEFAULTS, database_url

    config = Config(str(Path.cwd()))
    config.update(DEFAULTS)
    config.from_prefixed_env("FISCAL_SIM")
    if explicit:
        config["DATABASE_URL"] = explicit
    return database_url(config)


URL_HELP = "SQLAlchemy URL (default: $FISCAL_SIM_DATABASE_URL, else the SQLite file in ./instance)"


def add_db_commands(sub) -> None:
    """Register ``db backup`` and ``db restore`` on the ``fiscal-sim`` subparsers (once)."""
    if "db" in sub.choices:
        return
    db = sub.add_parser("db", help="back up or restore the service's database")
    commands = db.add_subparsers(dest="db_command", required=True, metavar="{backup,restore}")
    p = commands.add_parser("backup", help="write every table to one file (gzip-compressed JSON lines)")
    p.add_argument("file", metavar="FILE", help="e.g. fiscal-sim-2025-01-31.jsonl.gz")
    p.add_argument("--database-url", help=URL_HELP)
    p.set_defaults(func=cmd_backup)
    p = commands.add_parser("restore", help="load a backup into an empty database")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--database-url", help=URL_HELP)
    p.add_argument("--replace", action="store_true", help="empty the database's tables first (in one transaction)")
    p.set_defaults(func=cmd_restore)


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {rows}" for name, rows in counts.items())


def _run(action: Callable[[], dict[str, int]], url: str) -> dict[str, int]:
    from fiscal_sim.io.cli import UsageError

    try:
        return action()
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise UsageError(f"database {shown(url)}: {reason}") from None


def cmd_backup(args) -> int:

    url = configured_database_url(args.database_url)
    counts = _run(lambda: backup(url, args.file), url)
    print(f"backed up {shown(url)} to {args.file}: {_summary(counts)} rows")
    return 0


def cmd_restore(args) -> int:
    url = configured_database_url(args.database_url)
    counts = _run(lambda: restore(url, args.file, replace=args.replace), url)
    print(f"restored {args.file} into {shown(url)}: {_summary(counts)} rows")
    return 0
