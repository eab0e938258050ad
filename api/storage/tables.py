"""The tables (SQLAlchemy 2 ORM), the limits of their columns, and the schema upgrade run at start.

Scenario versions are only ever inserted (see :mod:`api.storage`); users, API tokens and the shared server
settings sit beside them. :func:`upgrade_schema` creates what a database lacks, the columns added since the
first release included, so an older database keeps working. :mod:`api.backup` copies every table of
``Base.metadata``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200  # a scenario's name
MAX_DESCRIPTION_LENGTH = 10_000
MAX_USER_LENGTH = 64
LOCAL_AUTHOR = "local"  # the author of what is saved in local mode (no users)
MAX_VERSION = 2**31 - 1  # versions are INTEGER columns: a larger number names no version


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
