"""Backup and restore of the service's database in one portable file, from any backend into any other.

:func:`backup` writes every table of :data:`api.storage.Base.metadata` (in ``sorted_tables`` order, so a
table added later is included without change here, parents before children) to one gzip-compressed
file of JSON lines::

    {"format": "fiscal-sim-backup", "version": 1, "created_at": …, "fiscal_sim": "0.2.0", "source": "sqlite",
     "tables": [{"name": "scenario_versions", "columns": ["row_id", "scenario_id", …], "rows": 42}, …]}
    {"table": "scenario_versions", "values": [1, "baseline", …]}
    …

one line per row, its values in the order of the header's columns; datetimes as ISO 8601 strings (in UTC
for time-zone-aware columns), JSON columns as JSON. The file is read in one snapshot of the database and
written atomically (a temporary file in the same folder, renamed when complete).

:func:`restore` loads such a file into an *empty* database in one transaction: it creates the tables,
checks the header, refuses a database that holds rows unless ``replace=True`` (which empties the tables
first, in the same transaction), inserts the rows, checks every table's count against the header, and
on PostgreSQL moves the id sequences past the restored ids. A backup made by an older version (fewer
columns) restores: the missing columns take their defaults. One naming a table or column this version
does not know is refused. A SQLite backup restores into PostgreSQL and the other way round.

:func:`add_db_commands` registers ``fiscal-sim db backup FILE`` and ``fiscal-sim db restore FILE``.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    Table,
    Time,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from .storage import Base, make_engine, upgrade_schema

FORMAT = "fiscal-sim-backup"
FORMAT_VERSION = 1
BATCH = 500  # rows fetched and inserted at a time

__all__ = ["BackupError", "FORMAT", "FORMAT_VERSION", "add_db_commands", "backup", "read_header", "restore"]


class BackupError(Exception):
    """A backup that cannot be written, or a file that cannot be restored (the message says why)."""


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: show it as given
        return url


# ------------------------------------------------------------------ values ⇄ JSON, by column type


def _as_utc(moment: datetime) -> datetime:
    """Aware in UTC; naive values of aware columns were written in UTC (SQLite hands them back naive)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encoder(column: Column) -> Callable:
    """A column's value → a JSON value."""
    kind = column.type
    if isinstance(kind, DateTime):
        if kind.timezone:
            return lambda v: _as_utc(v).isoformat()
        return lambda v: v.isoformat()
    if isinstance(kind, (Date, Time)):
        return lambda v: v.isoformat()
    if isinstance(kind, Interval):
        return lambda v: v.total_seconds()
    if isinstance(kind, LargeBinary):
        return lambda v: base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.asdecimal:
        return str
    return lambda v: v


def _decoder(column: Column) -> Callable:
    """A JSON value of the file → the value to insert into ``column`` (of this version's tables)."""
    kind = column.type
    if isinstance(kind, DateTime):
        if kind.timezone:
            return lambda v: _as_utc(datetime.fromisoformat(v))
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, Interval):
        return lambda v: timedelta(seconds=v)
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.asdecimal:
        return Decimal
    return lambda v: v


def _nullable(convert: Callable) -> Callable:
    return lambda v: None if v is None else convert(v)


# ------------------------------------------------------------------ backup


def _check_sqlite_file(url: str) -> None:
    """Backing up a SQLite file that is not there would create an empty one: say so instead."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not parsed.database.startswith("file:") and not Path(parsed.database).is_file():
            raise BackupError(f"no database at {parsed.database}")


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one moment of the database (PostgreSQL: REPEATABLE READ)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return connection  # SQLite in WAL mode: a read transaction sees one snapshot from its first read


def _plan(connection: Connection) -> list[tuple[Table, list[Column], int]]:
    """``(table, columns, rows)`` of each table: the columns this database has (an older one may lack some)."""
    inspector = inspect(connection)
    plan = []
    for table in _tables():
        if not inspector.has_table(table.name, schema=table.schema):
            plan.append((table, list(table.columns), 0))
            continue
        present = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
        columns = [c for c in table.columns if c.name in present]
        rows = connection.scalar(select(func.count()).select_from(table))
        plan.append((table, columns, rows))
    return plan


def _rows(connection: Connection, table: Table, columns: list[Column]) -> Iterator[list]:
    order = [c for c in table.primary_key.columns if c in columns] or columns
    encoders = [_nullable(_encoder(c)) for c in columns]
    query = select(*columns).order_by(*order).execution_options(yield_per=BATCH)  # streamed, not all in memory
    for row in connection.execute(query):
        yield [encode(value) for encode, value in zip(encoders, row)]


def _dumps(value) -> str:
    def default(item):
        if hasattr(item, "item"):  # a numpy scalar inside a document
            return item.item()
        raise TypeError(f"{type(item).__name__} is not JSON serialisable")

    return json.dumps(value, ensure_ascii=False, default=default)


def _atomic_gzip(path: Path, write: Callable[[io.TextIOBase], None]) -> None:
    """``write(text_stream)`` into ``path`` gzip-compressed, through a temporary file renamed when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as raw:
            with gzip.GzipFile(filename=path.name.removesuffix(".gz"), fileobj=raw, mode="wb") as compressed:
                with io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as stream:
                    write(stream)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    try:  # the rename itself survives a crash once the folder is synced
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


def backup(url: str, path: str | os.PathLike) -> dict[str, int]:
    """Write every table of the database at ``url`` to ``path`` (gzip-compressed JSON lines); ``{table: rows}``."""
    path = Path(path)
    _check_sqlite_file(url)
    engine = make_engine(url)
    counts: dict[str, int] = {}
    try:
        with _snapshot(engine) as connection, connection.begin():
            plan = _plan(connection)
            header = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "fiscal_sim": _fiscal_sim_version(),
                "source": engine.dialect.name,
                "tables": [
                    {"name": table.name, "columns": [c.name for c in columns], "rows": rows}
                    for table, columns, rows in plan
                ],
            }

            def write(stream):
                stream.write(_dumps(header) + "\n")
                for table, columns, rows in plan:
                    written = 0
                    if rows:
                        for values in _rows(connection, table, columns):
                            try:
                                line = _dumps({"table": table.name, "values": values})
                            except (TypeError, ValueError) as exc:
                                raise BackupError(f"{table.name}: a value cannot be written: {exc}") from None
                            stream.write(line + "\n")
                            written += 1
                    if written != rows:  # cannot happen within one snapshot; never write a file that lies
                        raise BackupError(f"{table.name}: counted {rows} rows but read {written}")
                    counts[table.name] = written

            _atomic_gzip(path, write)
    finally:
        engine.dispose()
    return counts


def _fiscal_sim_version() -> str:
    import fiscal_sim

    return fiscal_sim.__version__


# ------------------------------------------------------------------ restore


def _open_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` of each line of a backup file; BackupError when it is not one."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError:
                    raise BackupError(f"{path}: line {number} is not JSON") from None
                if not isinstance(item, dict):
                    raise BackupError(f"{path}: line {number} is not a JSON object")
                yield number, item
    except gzip.BadGzipFile:
        raise BackupError(f"{path} is not a fiscal-sim backup (not gzip-compressed)") from None
    except EOFError:
        raise BackupError(f"{path} is incomplete (the compressed data ends early)") from None
    except UnicodeDecodeError:
        raise BackupError(f"{path} is not a fiscal-sim backup (not UTF-8 text)") from None


def _check_header(path: Path, header: dict) -> list[dict]:
    """The header's table entries, after checking the format, its version and every table and column name."""
    if header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a fiscal-sim backup (its first line does not say format {FORMAT!r})")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(f"{path}: the header has no valid format version")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"{path} was written in format version {version} by fiscal-sim {header.get('fiscal_sim', '?')};"
            f" this version reads up to {FORMAT_VERSION}: restore it with a newer fiscal-sim"
        )
    entries = header.get("tables")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("name"), str)
        and isinstance(e.get("columns"), list)
        and all(isinstance(c, str) for c in e["columns"])
        and isinstance(e.get("rows"), int)
        for e in entries
    ):
        raise BackupError(f"{path}: the header's table list is malformed")
    known = {table.name: table for table in _tables()}
    for entry in entries:
        table = known.get(entry["name"])
        if table is None:
            raise BackupError(
                f"{path} holds table {entry['name']!r}, which this version of fiscal-sim does not know:"
                " restore it with the version that wrote it, or a newer one"
            )
        unknown = [c for c in entry["columns"] if c not in table.columns]
        if unknown:
            raise BackupError(
                f"{path}: table {entry['name']} has columns this version of fiscal-sim does not know:"
                f" {', '.join(unknown)}"
            )
    return entries


def read_header(path: str | os.PathLike) -> dict:
    """The header of a backup file, checked (format, version, tables and columns this version knows)."""
    path = Path(path)
    for _, header in _open_lines(path):
        _check_header(path, header)
        return header
    raise BackupError(f"{path} is empty")


def _check_columns(connection: Connection, entries: list[dict]) -> None:
    """The tables as they are in the database must have the backup's columns (an old table may lack some)."""
    inspector = inspect(connection)
    for entry in entries:
        table = Base.metadata.tables[entry["name"]]
        present = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
        missing = [c for c in entry["columns"] if c not in present]
        if missing:
            raise BackupError(
                f"the database's table {table.name} lacks columns {', '.join(missing)}: start this version of the"
                " service on it once (tables are extended at start), then restore"
            )


def _quoted(connection: Connection, table: Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: next ids after the restored ones (explicit ids do not move a serial's sequence)."""
    for table in _tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": _quoted(connection, table), "column": column.name},
            )
            if sequence is None:
                continue
            top = connection.scalar(select(func.max(column)))
            connection.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, false)"),
                {"sequence": sequence, "value": (top or 0) + 1},
            )


def restore(url: str, path: str | os.PathLike, *, replace: bool = False) -> dict[str, int]:
    """Load the backup at ``path`` into the database at ``url``, in one transaction; ``{table: rows}``.

    The database must hold no rows (BackupError otherwise) unless ``replace``: then its tables are emptied
    first, in the same transaction, so a failed restore leaves it as it was.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    entries = read_header(path)["tables"]
    expected = {entry["name"]: entry["rows"] for entry in entries}
    engine = make_engine(url)
    counts = dict.fromkeys(expected, 0)
    try:
        # SQLite: BEGIN IMMEDIATE (the write lock from the start); PostgreSQL: DDL is transactional too
        with engine.execution_options(immediate=True).begin() as connection:
            upgrade_schema(connection)  # tables and the columns this version added, in this transaction
            _check_columns(connection, entries)
            tables = _tables()
            if connection.dialect.name == "postgresql":  # no writer slips in between the check and the inserts
                names = ", ".join(_quoted(connection, table) for table in tables)
                connection.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
            held = {t.name: connection.scalar(select(func.count()).select_from(t)) for t in tables}
            held = {name: rows for name, rows in held.items() if rows}
            if held and not replace:
                listed = ", ".join(f"{name}: {rows} rows" for name, rows in held.items())
                raise BackupError(
                    f"the database {shown(url)} is not empty ({listed}); restore into an empty database,"
                    " or replace its contents (--replace)"
                )
            if replace:
                for table in reversed(tables):
                    connection.execute(table.delete())
            _insert_rows(connection, path, entries, counts)
            wrong = {name: (counts[name], rows) for name, rows in expected.items() if counts[name] != rows}
            if wrong:
                listed = ", ".join(f"{name}: {got} rows, the header says {rows}" for name, (got, rows) in wrong.items())
                raise BackupError(f"{path} is incomplete or damaged ({listed}); nothing was restored")
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
    finally:
        engine.dispose()
    return counts


def _insert_rows(connection: Connection, path: Path, entries: list[dict], counts: dict[str, int]) -> None:
    """Every row line of the file, inserted BATCH at a time into its table."""
    layouts = {}
    for entry in entries:
        table = Base.metadata.tables[entry["name"]]
        columns = [table.columns[name] for name in entry["columns"]]
        layouts[entry["name"]] = (table, [c.key for c in columns], [_nullable(_decoder(c)) for c in columns])
    batch: list[dict] = []
    current = None

    def flush():
        if batch:
            connection.execute(layouts[current][0].insert(), batch)
            batch.clear()

    lines = _open_lines(path)
    next(lines)  # the header, checked already
    for number, item in lines:
        name, values = item.get("table"), item.get("values")
        if name not in layouts or not isinstance(values, list):
            raise BackupError(f"{path}: line {number} is not a row of a table the header lists")
        table, keys, decoders = layouts[name]
        if len(values) != len(keys):
            raise BackupError(f"{path}: line {number} has {len(values)} values for {len(keys)} columns of {name}")
        if name != current:
            flush()
            current = name
        try:
            batch.append({key: decode(value) for key, decode, value in zip(keys, decoders, values)})
        except (TypeError, ValueError) as exc:
            raise BackupError(f"{path}: line {number} ({name}): {exc}") from None
        counts[name] += 1
        if len(batch) >= BATCH:
            flush()
    flush()


# ------------------------------------------------------------------ fiscal-sim db backup | restore


def configured_database_url(explicit: str | None = None) -> str:
    """The service's database: ``explicit``, else FISCAL_SIM_DATABASE_URL, else the SQLite file in the data
    dir (FISCAL_SIM_DATA_DIR, else ./instance), exactly as ``fiscal-sim serve`` finds it."""
    from flask import Config

    from .config import DEFAULTS, database_url

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
