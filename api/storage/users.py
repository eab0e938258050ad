"""Users, their API tokens and the settings server processes share: the sign-in side of the :class:`Store`.

A user holds a role and a password hash, a token only its hash: nothing stored can be used to sign in. The
shared settings hold the session signing key, so every process on one database accepts the same sessions.
:class:`UsersAndTokens` is mixed into :class:`~api.storage.scenarios.Store` and uses its ``engine`` (reads)
and ``_writer`` (write transactions, ``BEGIN IMMEDIATE`` on SQLite).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import ConflictError, NotFoundError
from .portability import _utc
from .records import UserEntry
from .tables import ApiToken, ServerSetting, User


class UsersAndTokens:
    """The users, API tokens and shared server settings of a :class:`~api.storage.scenarios.Store`."""

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
