"""The database engine: :func:`make_engine` for SQLite or PostgreSQL.

On SQLite, every connection runs in WAL mode with ``synchronous=FULL`` (an acknowledged save survives a crash
of the server) and transactions marked ``immediate`` start with ``BEGIN IMMEDIATE`` (a writer reads the
latest version under the write lock). Documents are written as JSON keeping Chinese readable, numpy scalars
as plain numbers. :class:`~api.storage.scenarios.Store` and :mod:`api.backup` both make their engine here.
"""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy import Engine, create_engine, event


def _json_default(value):
    """numpy scalars that a table reader may leave in a document."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _sqlite_setup(engine: Engine) -> None:
    """WAL + synchronous=FULL on every connection; BEGIN IMMEDIATE for transactions marked ``immediate``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, FULL sync and immediate write transactions."""
    serializer = partial(json.dumps, ensure_ascii=False, default=_json_default)
    if url.startswith("sqlite"):
        engine = create_engine(url, json_serializer=serializer, connect_args={"timeout": 30})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, json_serializer=serializer, pool_pre_ping=True)
