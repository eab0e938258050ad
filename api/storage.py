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
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200  # a scenario's name
MAX_DESCRIPTION_LENGTH = 10_000
MAX_USER_LENGTH = 64
LOCAL_AUTHOR = "local"  # the author of what is saved in local mode (no users)
MAX_VERSION = 2**31 - 1  # versions are INTEGER columns: a larger number names no version


class NotFoundError(LookupError):
    """No such scenario, or no such version of it (or the scenario was deleted)."""


class ConflictError(RuntimeError):
    """The version a writer meant to replace is no longer the latest."""


class Base(DeclarativeBase):
    pass


class ScenarioVersion(Base):
    """One saved version of a scenario (方案版本); rows are only ever inserted."""

    __tablename__ = "scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "version", name="uq_scenario_versions_id_version"),)

    row: Mapped[int] = mapped_column("row_id", Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[str] = mapped_column(String(MAX_ID_LENGTH), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(MAX_USER_LENGTH), default=LOCAL_AUTHOR, server_default=LOCAL_AUTHOR)
    # a variant (另存为新方案) remembers the version it was made from, so "what changed" is always known
    parent_id: Mapped[str | None] = mapped_column(String(MAX_ID_LENGTH), nullable=True)
    parent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class User(Base):
    """A person who may sign in (用户): name, role (viewer | editor | admin) and an argon2 password hash."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(MAX_USER_LENGTH), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """An API token of a user, stored as the SHA-256 of the token (tokens are long random strings)."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(MAX_USER_LENGTH), ForeignKey("users.name", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServerSetting(Base):
    """Settings every server process on one database shares (the session signing key)."""

    __tablename__ = "server_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


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


def _utc(moment: datetime) -> datetime:
    """In UTC: SQLite hands datetimes back naive (they were written in UTC), PostgreSQL in its own time zone."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: str) -> str:
    """Without NUL characters: PostgreSQL's text cannot hold them (SQLite's can), so neither stores them."""
    return value.replace("\x00", "")


def _storable(scenario_id: str) -> bool:
    """An id with a NUL character is never stored, so never found (PostgreSQL refuses even to compare it)."""
    return "\x00" not in scenario_id


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


# columns added to scenario_versions since the first release, and their SQL (added in place at start)
ADDED_COLUMNS = {
    "author": f"VARCHAR({MAX_USER_LENGTH}) NOT NULL DEFAULT '{LOCAL_AUTHOR}'",
    "parent_id": f"VARCHAR({MAX_ID_LENGTH})",
    "parent_version": "INTEGER",
}


def upgrade_schema(connection) -> None:
    """Create missing tables and add the columns of :data:`ADDED_COLUMNS` a database lacks (in its transaction)."""
    Base.metadata.create_all(connection)
    columns = {c["name"] for c in inspect(connection).get_columns("scenario_versions")}
    for name, kind in ADDED_COLUMNS.items():
        if name not in columns:
            connection.exec_driver_sql(f"ALTER TABLE scenario_versions ADD COLUMN {name} {kind}")


class Store:
    """The scenario versions table behind the API."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(immediate=True)
        with self._writer.begin() as connection:
            upgrade_schema(connection)

    def dispose(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    # ---------------------------------------------------------------- reading

    def _latest_row(self, session: Session, scenario_id: str) -> ScenarioVersion | None:
        if not _storable(scenario_id):
            return None
        return session.scalars(
            select(ScenarioVersion)
            .where(ScenarioVersion.scenario_id == scenario_id)
            .order_by(ScenarioVersion.version.desc())
            .limit(1)
        ).first()

    def head(self, scenario_id: str, version: int | None = None) -> tuple[str, int]:
        """``(id, version)`` of the latest version (or of ``version``), without reading the document."""
        if not _storable(scenario_id):
            raise NotFoundError(f"no scenario {scenario_id!r}")
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(ScenarioVersion.version, ScenarioVersion.deleted)
                .where(ScenarioVersion.scenario_id == scenario_id)
                .order_by(ScenarioVersion.version.desc())
                .limit(1)
            ).all()
            if not rows or rows[0].deleted:
                raise NotFoundError(f"no scenario {scenario_id!r}")
            latest = rows[0].version
            if version is None or version == latest:
                return scenario_id, latest
            found = connection.execute(
                select(ScenarioVersion.deleted).where(
                    ScenarioVersion.scenario_id == scenario_id, ScenarioVersion.version == version
                )
            ).first()
            if found is None or found.deleted:
                raise NotFoundError(f"scenario {scenario_id!r} has no version {version} (the latest is {latest})")
            return scenario_id, version

    def get(self, scenario_id: str, version: int | None = None) -> StoredScenario:
        """The latest version, or version ``version``; NotFoundError when deleted or absent."""
        with Session(self.engine) as session:
            latest = self._latest_row(session, scenario_id)
            if latest is None or latest.deleted:
                raise NotFoundError(f"no scenario {scenario_id!r}")
            row = latest
            if version is not None and version != latest.version:
                row = session.scalars(
                    select(ScenarioVersion).where(
                        ScenarioVersion.scenario_id == scenario_id, ScenarioVersion.version == version
                    )
                ).first()
                if row is None or row.deleted:
                    raise NotFoundError(
                        f"scenario {scenario_id!r} has no version {version} (the latest is {latest.version})"
                    )
            return StoredScenario(
                row.scenario_id,
                row.version,
                row.name,
                row.description,
                row.document,
                _utc(row.created_at),
                row.author,
                row.parent_id,
                row.parent_version,
            )

    def history(self, scenario_id: str, *, include_deleted: bool = False) -> list[VersionEntry]:
        """Who saved each version and when, oldest first; NotFoundError for a deleted scenario unless
        ``include_deleted`` (then the deletion is the last entry)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ScenarioVersion)
                .where(ScenarioVersion.scenario_id == scenario_id)
                .order_by(ScenarioVersion.version)
            ).all()
        if not rows or (rows[-1].deleted and not include_deleted):
            raise NotFoundError(f"no scenario {scenario_id!r}")
        return [VersionEntry(r.version, r.author, _utc(r.created_at), r.name, r.deleted) for r in rows]

    def versions(self, scenario_id: str) -> list[int]:
        """Every saved version number of a scenario, oldest first (tombstones left out)."""
        if not _storable(scenario_id):
            return []
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(ScenarioVersion.version)
                    .where(ScenarioVersion.scenario_id == scenario_id, ScenarioVersion.deleted.is_(False))
                    .order_by(ScenarioVersion.version)
                )
            )

    def list(self) -> list[ScenarioSummary]:
        """The latest version of every scenario that is not deleted, by name."""
        spans = (
            select(
                ScenarioVersion.scenario_id,
                func.max(ScenarioVersion.version).label("latest"),
                func.min(ScenarioVersion.created_at).label("first_created"),
            )
            .group_by(ScenarioVersion.scenario_id)
            .subquery()
        )
        query = (
            select(ScenarioVersion, spans.c.first_created)
            .join(
                spans,
                (ScenarioVersion.scenario_id == spans.c.scenario_id) & (ScenarioVersion.version == spans.c.latest),
            )
            .where(ScenarioVersion.deleted.is_(False))
            .order_by(ScenarioVersion.name, ScenarioVersion.scenario_id)
        )
        with Session(self.engine) as session:
            return [
                ScenarioSummary(
                    row.scenario_id,
                    row.version,
                    row.name,
                    row.description,
                    _utc(first),
                    _utc(row.created_at),
                    row.author,
                    row.parent_id,
                )
                for row, first in session.execute(query)
            ]

    def row_count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(ScenarioVersion))

    # ---------------------------------------------------------------- writing

    def _insert(self, session: Session, scenario_id, version, name, description, document, author: str, parent=None):
        session.add(
            ScenarioVersion(
                scenario_id=scenario_id,
                version=version,
                name=_text(name),
                description=_text(description),
                document=document,
                deleted=document is None,
                created_at=datetime.now(UTC),
                author=author,
                parent_id=parent[0] if parent else None,
                parent_version=parent[1] if parent else None,
            )
        )

    def create(
        self,
        name: str,
        description: str,
        document: dict,
        author: str = LOCAL_AUTHOR,
        parent: tuple[str, int] | None = None,
    ) -> tuple[str, int]:
        """A new scenario at version 1 under a fresh random id (``parent``: the version it is a variant of)."""
        for _ in range(5):  # a clash of 48 random bits is next to impossible; retry anyway
            scenario_id = secrets.token_hex(6)
            try:
                with Session(self._writer) as session, session.begin():
                    self._insert(session, scenario_id, 1, name, description, document, author, parent)
                return scenario_id, 1
            except IntegrityError:
                continue
        raise ConflictError("could not allocate a scenario id")

    def _next_version(self, session: Session, scenario_id: str, expected: int | None) -> int:
        latest = self._latest_row(session, scenario_id)
        if latest is None or latest.deleted:
            raise NotFoundError(f"no scenario {scenario_id!r}")
        if expected is not None and expected != latest.version:
            raise ConflictError(
                f"version {expected} is not the latest version of {scenario_id!r} (the latest is {latest.version});"
                " read it again and apply your changes to it"
            )
        return latest.version + 1

    def replace(
        self, scenario_id: str, expected: int, name: str, description: str, document: dict, author: str = LOCAL_AUTHOR
    ) -> int:
        """Append version ``expected + 1``; ConflictError when ``expected`` is not the latest."""
        try:
            with Session(self._writer) as session, session.begin():
                version = self._next_version(session, scenario_id, expected)
                latest = self._latest_row(session, scenario_id)
                parent = (latest.parent_id, latest.parent_version) if latest.parent_id else None  # still a variant
                self._insert(session, scenario_id, version, name, description, document, author, parent)
        except IntegrityError:  # another writer inserted the same version first
            raise ConflictError(
                f"version {expected} of {scenario_id!r} was replaced by another client meanwhile"
            ) from None
        return version

    def delete(self, scenario_id: str, expected: int | None = None, author: str = LOCAL_AUTHOR) -> int:
        """Append a tombstone (its author is who deleted); returns its version. Earlier versions stay."""
        try:
            with Session(self._writer) as session, session.begin():
                version = self._next_version(session, scenario_id, expected)
                name = self._latest_row(session, scenario_id).name
                self._insert(session, scenario_id, version, name, "", None, author)
        except IntegrityError:
            raise ConflictError(f"{scenario_id!r} was changed by another client meanwhile") from None
        return version

    def restore(self, scenario_id: str, author: str = LOCAL_AUTHOR) -> int:
        """Undo a deletion: append a copy of the last version before it; NotFoundError when not deleted."""
        try:
            with Session(self._writer) as session, session.begin():
                rows = session.scalars(
                    select(ScenarioVersion)
                    .where(ScenarioVersion.scenario_id == scenario_id)
                    .order_by(ScenarioVersion.version.desc())
                    .limit(2)
                ).all()
                if len(rows) < 2 or not rows[0].deleted:
                    raise NotFoundError(f"no deleted scenario {scenario_id!r}")
                kept = rows[1]
                parent = (kept.parent_id, kept.parent_version) if kept.parent_id else None
                self._insert(
                    session,
                    scenario_id,
                    rows[0].version + 1,
                    kept.name,
                    kept.description,
                    kept.document,
                    author,
                    parent,
                )
                return rows[0].version + 1
        except IntegrityError:
            raise ConflictError(f"{scenario_id!r} was changed by another client meanwhile") from None

    def deleted(self) -> list[ScenarioSummary]:
        """Scenarios whose latest row is a deletion (to restore), newest deletion first."""
        latest = (
            select(ScenarioVersion.scenario_id, func.max(ScenarioVersion.version).label("latest"))
            .group_by(ScenarioVersion.scenario_id)
            .subquery()
        )
        query = (
            select(ScenarioVersion)
            .join(
                latest,
                (ScenarioVersion.scenario_id == latest.c.scenario_id) & (ScenarioVersion.version == latest.c.latest),
            )
            .where(ScenarioVersion.deleted.is_(True))
            .order_by(ScenarioVersion.created_at.desc())
        )
        with Session(self.engine) as session:
            return [
                ScenarioSummary(r.scenario_id, r.version, r.name, "", _utc(r.created_at), _utc(r.created_at), r.author)
                for r in session.scalars(query)
            ]

    def seed(self, entries: Iterable[tuple]) -> int:
        """Store ``(id, name, description, document[, parent id])`` as version 1 each, only into an empty table
        (a parent id makes the entry a variant of that entry's version 1)."""
        entries = list(entries)
        try:
            with Session(self._writer) as session, session.begin():
                if session.scalar(select(func.count()).select_from(ScenarioVersion)):
                    return 0
                for scenario_id, name, description, document, *parent in entries:
                    of = (parent[0], 1) if parent and parent[0] else None
                    self._insert(session, scenario_id, 1, name, description, document, LOCAL_AUTHOR, of)
        except IntegrityError:  # another process seeded at the same moment
            return 0
        return len(entries)

    # ---------------------------------------------------------------- users and tokens

    def user_count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(User))

    def users(self) -> list[UserEntry]:
        with Session(self.engine) as session:
            rows = session.scalars(select(User).order_by(User.name)).all()
            return [UserEntry(u.name, u.role, _utc(u.created_at), u.password_hash) for u in rows]

    def user(self, name: str) -> UserEntry | None:
        with Session(self.engine) as session:
            u = session.get(User, name)
            return None if u is None else UserEntry(u.name, u.role, _utc(u.created_at), u.password_hash)

    def add_user(self, name: str, role: str, password_hash: str) -> None:
        """A new user; ConflictError when the name is taken."""
        try:
            with Session(self._writer) as session, session.begin():
                session.add(User(name=name, role=role, password_hash=password_hash, created_at=datetime.now(UTC)))
        except IntegrityError:
            raise ConflictError(f"a user named {name!r} exists already") from None

    def remove_user(self, name: str) -> None:
        """Remove a user and their tokens; NotFoundError when there is none."""
        with Session(self._writer) as session, session.begin():
            user = session.get(User, name)
            if user is None:
                raise NotFoundError(f"no user {name!r}")
            session.execute(ApiToken.__table__.delete().where(ApiToken.user == name))
            session.delete(user)

    def add_token(self, name: str, token_hash: str) -> None:
        with Session(self._writer) as session, session.begin():
            if session.get(User, name) is None:
                raise NotFoundError(f"no user {name!r}")
            session.add(ApiToken(token_hash=token_hash, user=name, created_at=datetime.now(UTC)))

    def token_user(self, token_hash: str) -> UserEntry | None:
        """The user a token hash belongs to, if any."""
        with Session(self.engine) as session:
            token = session.get(ApiToken, token_hash)
            if token is None:
                return None
            u = session.get(User, token.user)
            return None if u is None else UserEntry(u.name, u.role, _utc(u.created_at), u.password_hash)

    def setting(self, key: str, make) -> str:
        """A shared server setting, created with ``make()`` by whichever process asks first."""
        with Session(self.engine) as session:
            row = session.get(ServerSetting, key)
            if row is not None:
                return row.value
        try:
            with Session(self._writer) as session, session.begin():
                session.add(ServerSetting(key=key, value=make()))
        except IntegrityError:  # another process made it first
            pass
        with Session(self.engine) as session:
            return session.get(ServerSetting, key).value
