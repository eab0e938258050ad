"""Writing a backup (:func:`backup`): one snapshot of the database, table by table, into a gzip-compressed file
of JSON lines written atomically (the format is described in :mod:`api.backup`)."""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, Engine, Table, func, inspect, select
from sqlalchemy.engine import Connection, make_url

from ..storage import make_engine
from .format import BATCH, FORMAT, FORMAT_VERSION, BackupError, _tables
from .values import _encoder, _nullable


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
