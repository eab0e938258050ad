"""What a read of the store hands back: frozen dataclasses, detached from the database session.

A scenario's version (:class:`StoredScenario`), a line of its history (:class:`VersionEntry`), a line of the
scenario list (:class:`ScenarioSummary`) and a user (:class:`UserEntry`). Times are in UTC
(:func:`api.storage.portability._utc`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .tables import LOCAL_AUTHOR


@dataclass(frozen=True)
class StoredScenario:
    """A version as read back: what GET returns."""

    id: str
    version: int
    name: str
    description: str
    document: dict
    created_at: datetime
    author: str = LOCAL_AUTHOR
    parent_id: str | None = None
    parent_version: int | None = None


@dataclass(frozen=True)
class VersionEntry:
    """One line of a scenario's history: who saved which version when (a deletion included)."""

    version: int
    author: str
    created_at: datetime
    name: str
    deleted: bool


@dataclass(frozen=True)
class UserEntry:
    name: str
    role: str
    created_at: datetime
    password_hash: str = field(repr=False, default="")


@dataclass(frozen=True)
class ScenarioSummary:
    """One line of the scenario list: the latest version of a scenario that is not deleted."""

    id: str
    version: int
    name: str
    description: str
    created_at: datetime  # of version 1
    updated_at: datetime  # of the latest version
    author: str = LOCAL_AUTHOR  # of the latest version
    parent_id: str | None = None  # the scenario it is a variant of (its first version's parent)
