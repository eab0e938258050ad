"""Restoring a backup file into a database in one transaction: :func:`restore`, the check that the database's
tables have the backup's columns, inserting the rows a batch at a time, and (PostgreSQL) moving the id
sequences past the restored ids.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Integer, Table, func, inspect, select, text
from sqlalchemy.engine import Connection

from ..storage import Base, make_engine, upgrade_schema
from .format import BATCH, BackupError, _tables, shown
from .reading import _open_lines, read_header
from .values import _decoder, _nullable

# ------------------------------------------------------------------ restore


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
