"""A throwaway PostgreSQL server for the test suite, started by the suite itself (no service to set up).

``postgres_server`` (session scope) runs ``initdb`` into a temporary folder and starts ``postgres`` on a
unix socket in that folder (no TCP listener), on a free port number; ``postgres_database`` gives each test
a fresh database (``CREATE DATABASE test_N``) as a SQLAlchemy URL and drops it afterwards. The server is
stopped (``pg_ctl stop -m immediate``) and its folder removed at the end of the session, also when tests
fail. PostgreSQL refuses to run as root: as root, its commands run as the ``postgres`` user (``runuser``).

The server runs with ``fsync=off``: the tests kill the *application* server, never PostgreSQL or the
machine, so what PostgreSQL has committed stays visible to the next connection either way.

When PostgreSQL cannot be found or started, tests that need it are skipped with the reason, unless
``FISCAL_SIM_REQUIRE_POSTGRES`` is set (``make test`` sets it): then they fail with that reason.
Install it with ``scripts/system-deps.sh postgres`` (Debian's ``postgresql``) and the driver with
``pip install -e '.[test]'`` (``psycopg``).
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REQUIRE_VARIABLE = "FISCAL_SIM_REQUIRE_POSTGRES"

# tests opt in with @pytest.mark.parametrize("backend", BACKENDS) (see the ``backend`` fixture in tests/conftest.py)
BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql))


class PostgresUnavailable(RuntimeError):
    """PostgreSQL (or its Python driver) cannot be found or started here."""


def _required() -> bool:
    return os.environ.get(REQUIRE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def find_bindir() -> Path:
    """The folder of ``initdb``/``pg_ctl``: ``pg_config --bindir``, else ``initdb`` on PATH, else Debian's."""
    candidates = []
    if shutil.which("pg_config"):
        try:
            found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append(Path(found.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0))
    candidates.extend(Path(p) for p in reversed(versions))
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresUnavailable("PostgreSQL is not installed (no initdb found; run scripts/system-deps.sh postgres)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One throwaway cluster: ``start()``, ``create_database()``/``drop_database()``, ``stop()``."""

    def __init__(self):
        self.folder: Path | None = None
        self.port = 0
        self.bindir: Path | None = None
        self._admin = None
        self._names = itertools.count(1)

    # the postgres user when we are root (PostgreSQL refuses to run as root), else whoever we are
    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise PostgresUnavailable(
                f"{Path(command[0]).name} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}"
            )
        return done

    def start(self) -> None:
        try:
            import psycopg
        except ImportError:
            raise PostgresUnavailable("the driver psycopg is not installed (pip install -e '.[test]')") from None
        self.bindir = find_bindir()
        if os.geteuid() == 0 and not shutil.which("runuser"):
            raise PostgresUnavailable("running as root without runuser: cannot start PostgreSQL as postgres")
        # not pytest's tmp_path: its parents are private to root, and the server runs as postgres
        self.folder = Path(tempfile.mkdtemp(prefix="fiscal-sim-pg-"))
        atexit.register(self.stop)  # should the session end without its teardown
        if os.geteuid() == 0:
            try:
                shutil.chown(self.folder, user="postgres", group="postgres")
            except (LookupError, OSError) as exc:
                raise PostgresUnavailable(f"no postgres user to run PostgreSQL as: {exc}") from None
        data = self.folder / "data"
        self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.port = _free_port()
        # timezone: a county's server in China runs at +08:00; what the service stores and answers must not
        # depend on that (timestamps are written and compared in UTC)
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
            " -c max_connections=200 -c timezone=Asia/Shanghai"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "server.log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self._admin = psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={self.port}"

    def create_database(self) -> tuple[str, str]:
        """A fresh empty database: ``(name, SQLAlchemy URL)``."""
        name = f"test_{next(self._names)}"
        # FILE_COPY (PostgreSQL 15 on) copies the small template in a few ms; the default logs it all to WAL
        strategy = " STRATEGY = FILE_COPY" if self._admin.info.server_version >= 150000 else ""
        self._admin.execute(f'CREATE DATABASE "{name}"{strategy}')
        return name, self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser ``postgres`` (autocommit), e.g. CREATE ROLE."""
        self._admin.execute(sql)

    def stop(self) -> None:
        if self.folder is None:
            return
        folder, self.folder = self.folder, None
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if (folder / "data" / "postmaster.pid").exists():
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(folder / "data"), "stop", "-m", "immediate", "-w")
            except (PostgresUnavailable, OSError, subprocess.SubprocessError):
                pass
        shutil.rmtree(folder, ignore_errors=True)


_failure: list[str] = []  # why the server could not start (tried once a session)


@pytest.fixture(scope="session")
def postgres_server():
    """The session's throwaway PostgreSQL server; skips (or fails under FISCAL_SIM_REQUIRE_POSTGRES) without it."""
    if _failure:
        _unavailable(_failure[0])
    server = PostgresServer()
    try:
        server.start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        _failure.append(f"PostgreSQL unavailable: {exc}")
        _unavailable(_failure[0])
    try:
        yield server
    finally:
        server.stop()


def _unavailable(reason: str):
    if _required():
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE} is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def postgres_database(postgres_server):
    """A SQLAlchemy URL of a fresh, empty database on the session's server (dropped after the test)."""
    name, url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(name)
