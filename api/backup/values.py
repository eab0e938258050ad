"""Values ⇄ JSON, by column type: how a column's value is written into a backup file and read back from it
(datetimes as ISO 8601, in UTC for time-zone-aware columns; intervals as seconds; binary as base64; exact
numerics as strings). Used by writing (:mod:`api.backup`) and by :mod:`api.backup.restoring`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Column, Date, DateTime, Float, Interval, LargeBinary, Numeric, Time

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
