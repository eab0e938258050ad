"""The :class:`Store`: the append-only table of scenario versions behind the API.

Reading (the latest version or a given one, a history, the list, the deleted ones) and writing (create,
replace, delete as a tombstone, restore, seed). Races are decided by the unique constraint on
``(scenario_id, version)`` and answered as :class:`~api.storage.errors.ConflictError`. Its users, tokens and
shared settings come from :class:`~api.storage.users.UsersAndTokens`, so one object serves the whole service.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .engine import make_engine
from .errors import ConflictError, NotFoundError
from .portability import _storable, _text, _utc
from .records import ScenarioSummary, StoredScenario, VersionEntry
from .tables import LOCAL_AUTHOR, ScenarioVersion, upgrade_schema
from .users import UsersAndTokens


class Store(UsersAndTokens):
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
