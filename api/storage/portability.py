"""What differs between SQLite and PostgreSQL, smoothed over so the API answers the same on both.

PostgreSQL hands timestamps back in its own time zone (SQLite naive), and its text cannot hold NUL
characters (a query naming one fails instead of finding nothing); tests/api/test_storage_portability.py
checks both on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(moment: datetime) -> datetime:
    """In UTC: SQLite hands datetimes back naive (they were written in UTC), PostgreSQL in its own time zone."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: str) -> str:
    """Without NUL characters: PostgreSQL's text cannot hold them (SQLite's can), so neither stores them."""
    return value.replace("\x00", "")


def _storable(scenario_id: str) -> bool:
    """An id with a NUL character is never stored, so never found (PostgreSQL refuses even to compare it)."""
    return "\x00" not in scenario_id
