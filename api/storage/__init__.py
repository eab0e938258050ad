"""Saved scenarios (an append-only table of versions), users and API tokens (SQLAlchemy 2 ORM, SQLite by default).

Every save appends a row ``(scenario_id, version, …)``; nothing is ever updated or removed. A unique
constraint on ``(scenario_id, version)`` decides races: of two writers replacing the same version, the
database accepts one and the other gets :class:`ConflictError`. Deleting appends a *tombstone* row (the
next version, ``deleted`` set, no document): the scenario then disappears from the list and reads as not
found, while every earlier row stays in the table.

Every version records its author (a user name, or ``local`` in local mode); a tombstone's author is who
deleted. Users hold a role and a password hash, tokens only a hash: nothing stored can be used to sign in.

On SQLite, write transactions start with ``BEGIN IMMEDIATE`` so a writer reads the latest version under
the write lock (no stale read followed by a failed upgrade), and the file runs in WAL mode with
``synchronous=FULL`` so an acknowledged save survives a crash of the server.

Where things are: the tables, their column limits and the schema upgrade in :mod:`.tables`; the errors
in :mod:`.errors`; what a read hands back in :mod:`.records`; the engine (SQLite pragmas, JSON) in
:mod:`.engine`; what differs between SQLite and PostgreSQL in :mod:`.portability`; :class:`Store` (the
scenario versions) in :mod:`.scenarios`, its users, tokens and shared settings in :mod:`.users`. Every public
name is re-exported here, so ``from api.storage import …`` stays the way to import them.
"""

from __future__ import annotations

from .engine import make_engine
from .errors import ConflictError, NotFoundError
from .records import ScenarioSummary, StoredScenario, UserEntry, VersionEntry
from .scenarios import Store
from .tables import (
    ADDED_COLUMNS,
    LOCAL_AUTHOR,
    MAX_DESCRIPTION_LENGTH,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_USER_LENGTH,
    MAX_VERSION,
    ApiToken,
    Base,
    ScenarioVersion,
    ServerSetting,
    User,
    upgrade_schema,
)
from .users import UsersAndTokens

__all__ = [
    "ADDED_COLUMNS",
    "LOCAL_AUTHOR",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_USER_LENGTH",
    "MAX_VERSION",
    "ApiToken",
    "Base",
    "ConflictError",
    "NotFoundError",
    "ScenarioSummary",
    "ScenarioVersion",
    "ServerSetting",
    "Store",
    "StoredScenario",
    "User",
    "UserEntry",
    "UsersAndTokens",
    "VersionEntry",
    "make_engine",
    "upgrade_schema",
]
