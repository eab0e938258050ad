"""Backup and restore (api/backup/): one portable file, from SQLite into PostgreSQL and back, in one transaction.

The commands are run through ``fiscal_sim.io.cli.main`` with ``db`` registered by the ``cli`` fixture
(until api/cli.py registers it itself, after which the fixture changes nothing).
"""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    create_engine,
    func,
    select,
)

import fiscal_sim.io.cli as cli_module
from api.backup import FORMAT, BackupError, add_db_commands, backup, read_header, restore
from api.storage import Base, ScenarioVersion, Store
from tests.pg_server import BACKENDS

PG = pytest.mark.postgresql
PAIRS = [
    pytest.param("sqlite", "sqlite", id="sqlite-to-sqlite"),
    pytest.param("sqlite", "postgresql", id="sqlite-to-postgresql", marks=PG),
    pytest.param("postgresql", "sqlite", id="postgresql-to-sqlite", marks=PG),
    pytest.param("postgresql", "postgresql", id="postgresql-to-postgresql", marks=PG),
]


@pytest.fixture
def new_database(request, tmp_path):
    """``new_database(backend) -> URL`` of a fresh empty database (several per test; dropped afterwards)."""
    numbers = itertools.count(1)
    created = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'db{next(numbers)}.sqlite3'}"
        server = request.getfixturevalue("postgres_server")
        name, url = server.create_database()
        created.append((server, name))
        return url

    yield make
    for server, name in created:
        server.drop_database(name)


def fill(url: str) -> dict[str, str]:
    """Scenarios with several versions, one deleted (tombstone), Chinese text, nested JSON and a null."""
    store = Store(url)
    try:
        kept, _ = store.create("小县现行体制", "试算 · 2025", {"towns": [{"id": "T1", "name": "甲镇", "vat": 1.5}]})
        store.replace(kept, 1, "小县 v2", "", {"towns": [], "note": None, "deep": {"a": [1, 2, {"b": "乙"}]}})
        gone, _ = store.create("to delete", "", {"x": 1})
        store.replace(gone, 1, "to delete", "", {"x": 2})
        store.delete(gone)
        return {"kept": kept, "gone": gone}
    finally:
        store.dispose()


def table_rows(url: str, table: Table) -> list[dict]:
    """Every row as a dict, by primary key; datetimes of aware columns as UTC (SQLite hands them back naive)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(select(table).order_by(*table.primary_key))]
    finally:
        engine.dispose()
    for row in rows:
        for column in table.columns:
            value = row[column.name]
            if isinstance(column.type, DateTime) and column.type.timezone and value is not None:
                row[column.name] = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return rows


def every_row(url: str) -> dict[str, list[dict]]:
    return {table.name: table_rows(url, table) for table in Base.metadata.sorted_tables}


def lines_of(path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def write_lines(path, items: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for item in items:
            stream.write(json.dumps(item, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------ the file


def test_the_file_is_gzip_json_lines_with_a_header_naming_every_table(tmp_path, new_database):
    url = new_database("sqlite")
    ids = fill(url)
    path = tmp_path / "backup.jsonl.gz"
    assert stored(backup(url, path)) == {"scenario_versions": 5}
    header, *rows = lines_of(path)
    assert header["format"] == FORMAT and header["version"] == 1 and header["source"] == "sqlite"
    assert [t["name"] for t in header["tables"]] == [t.name for t in Base.metadata.sorted_tables]
    (entry,) = [t for t in header["tables"] if t["name"] == "scenario_versions"]
    assert entry["columns"] == [c.name for c in ScenarioVersion.__table__.columns] and entry["rows"] == 5
    assert len(rows) == 5 and all(r["table"] == "scenario_versions" for r in rows)
    first = dict(zip(entry["columns"], rows[0]["values"]))
    assert first["scenario_id"] == ids["kept"] and first["name"] == "小县现行体制"
    assert first["document"] == {"towns": [{"id": "T1", "name": "甲镇", "vat": 1.5}]}
    assert datetime.fromisoformat(first["created_at"]).utcoffset().total_seconds() == 0  # ISO, in UTC
    tombstone = dict(zip(entry["columns"], rows[-1]["values"]))
    assert tombstone["deleted"] is True and tombstone["document"] is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_failed_backup_leaves_the_previous_file_as_it_was(tmp_path, new_database, monkeypatch):
    url = new_database("sqlite")
    fill(url)
    path = tmp_path / "backup.jsonl.gz"
    path.write_bytes(b"yesterday's backup")

    def broken(*_args):
        yield [1]
        raise RuntimeError("disk gone")

    monkeypatch.setattr("api.backup.writing._rows", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        backup(url, path)
    assert path.read_bytes() == b"yesterday's backup"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_backing_up_a_missing_sqlite_file_is_an_error(tmp_path):
    with pytest.raises(BackupError, match="no database at"):
        backup(f"sqlite:///{tmp_path / 'nothing.sqlite3'}", tmp_path / "b.jsonl.gz")
    assert not (tmp_path / "nothing.sqlite3").exists()


# ------------------------------------------------------------------ restore, across backends


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_restore_gives_back_every_row_on_either_backend(tmp_path, new_database, source, target):
    origin = new_database(source)
    ids = fill(origin)
    path = tmp_path / "backup.jsonl.gz"
    backup(origin, path)
    copy = new_database(target)
    assert stored(restore(copy, path)) == {"scenario_versions": 5}
    assert every_row(copy) == every_row(origin)
    store = Store(copy)
    try:
        assert store.versions(ids["kept"]) == [1, 2] and store.get(ids["kept"], 1).name == "小县现行体制"
        assert [s.id for s in store.list()] == [ids["kept"]]  # the deleted one stays deleted
        assert store.versions(ids["gone"]) == [1, 2]
        # the service goes on writing: new ids after the restored ones (PostgreSQL's sequences moved)
        fresh, _ = store.create("after", "", {"y": 1})
        assert store.replace(ids["kept"], 2, "v3", "", {"z": 3}) == 3
        assert store.get(fresh).document == {"y": 1}
    finally:
        store.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_refuses_a_database_with_rows_unless_replace(tmp_path, new_database, backend):
    origin = new_database("sqlite")
    fill(origin)
    path = tmp_path / "backup.jsonl.gz"
    backup(origin, path)
    target = new_database(backend)
    store = Store(target)
    other, _ = store.create("already here", "", {"a": 1})
    store.dispose()
    with pytest.raises(BackupError, match=r"is not empty \(scenario_versions: 1 rows\).*--replace"):
        restore(target, path)
    assert [r["scenario_id"] for r in table_rows(target, ScenarioVersion.__table__)] == [other]
    assert stored(restore(target, path, replace=True)) == {"scenario_versions": 5}
    assert every_row(target) == every_row(origin)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_damaged_file_restores_nothing(tmp_path, new_database, backend):
    origin = new_database("sqlite")
    fill(origin)
    path = tmp_path / "backup.jsonl.gz"
    backup(origin, path)
    header, *rows = lines_of(path)
    short = tmp_path / "short.jsonl.gz"
    write_lines(short, [header, *rows[:-1]])  # a row missing: the header's count catches it
    target = new_database(backend)
    with pytest.raises(BackupError, match=r"incomplete or damaged \(scenario_versions: 4 rows, the header says 5\)"):
        restore(target, short)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(path.read_bytes()[:-20])  # the compressed stream ends early
    with pytest.raises(BackupError, match="incomplete"):
        restore(target, cut)
    # nothing stayed behind, not even the tables (created in the same transaction)
    engine = create_engine(target)
    try:
        with engine.connect() as connection:
            assert not engine.dialect.has_table(connection, "scenario_versions")
    finally:
        engine.dispose()
    assert stored(restore(target, path)) == {"scenario_versions": 5}  # the good file still restores into it


def test_the_header_is_checked(tmp_path, new_database):
    origin = new_database("sqlite")
    fill(origin)
    path = tmp_path / "backup.jsonl.gz"
    backup(origin, path)
    header, *rows = lines_of(path)
    target = new_database("sqlite")
    cases = {
        "plain.txt": (None, "not gzip-compressed"),
        "other.jsonl.gz": ({**header, "format": "something-else"}, "not a fiscal-sim backup"),
        "newer.jsonl.gz": ({**header, "version": 2, "fiscal_sim": "9.0"}, "format version 2 by fiscal-sim 9.0"),
        "table.jsonl.gz": (
            {**header, "tables": [*header["tables"], {"name": "rockets", "columns": ["id"], "rows": 0}]},
            "table 'rockets', which this version of fiscal-sim does not know",
        ),
        "column.jsonl.gz": (
            {**header, "tables": [{**header["tables"][0], "columns": [*header["tables"][0]["columns"], "colour"]}]},
            "columns this version of fiscal-sim does not know: colour",
        ),
    }
    for name, (first, message) in cases.items():
        damaged = tmp_path / name
        if first is None:
            damaged.write_text("not a backup\n")
        else:
            write_lines(damaged, [first, *rows])
        with pytest.raises(BackupError, match=message):
            restore(target, damaged)
    with pytest.raises(BackupError, match="no backup file"):
        restore(target, tmp_path / "absent.jsonl.gz")
    assert read_header(path)["tables"][0]["rows"] == 5


def test_a_backup_without_a_later_column_restores_with_its_default(tmp_path, new_database):
    """A backup written before ``description`` existed: the restored rows take the column's default."""
    origin = new_database("sqlite")
    fill(origin)
    path = tmp_path / "backup.jsonl.gz"
    backup(origin, path)
    header, *rows = lines_of(path)
    columns = header["tables"][0]["columns"]
    at = columns.index("description")
    header["tables"][0]["columns"] = [c for c in columns if c != "description"]
    older = tmp_path / "older.jsonl.gz"
    write_lines(older, [header, *({**r, "values": r["values"][:at] + r["values"][at + 1 :]} for r in rows)])
    target = new_database("sqlite")
    assert stored(restore(target, older)) == {"scenario_versions": 5}
    assert {r["description"] for r in table_rows(target, ScenarioVersion.__table__)} == {""}


# ------------------------------------------------------------------ tables added later


@pytest.fixture
def extra_tables():
    """Two tables added to ``Base.metadata`` for one test (a child referring to a parent), removed after."""
    parent = Table(
        "backup_test_parent",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False),
        Column("born", Date),
        Column("amount", Numeric(12, 2)),
        Column("blob", LargeBinary),
        Column("seen", DateTime),  # naive: kept as written
    )
    child = Table(
        "backup_test_child",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("backup_test_parent.id"), nullable=False),
        Column("at", DateTime(timezone=True)),
    )
    yield parent, child
    Base.metadata.remove(child)
    Base.metadata.remove(parent)


@pytest.mark.parametrize(("source", "target"), PAIRS[1:3])
def test_a_table_added_later_is_backed_up_and_restored_without_change(
    tmp_path, new_database, extra_tables, source, target
):
    parent, child = extra_tables
    origin = new_database(source)
    fill(origin)
    engine = create_engine(origin)
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        connection.execute(
            parent.insert(),
            [
                {"id": 7, "name": "县财政局", "born": datetime(2024, 2, 29).date(), "amount": Decimal("1234.50"),
                 "blob": b"\x00\xffbytes", "seen": datetime(2025, 1, 2, 3, 4, 5)},
                {"id": 9, "name": "乡", "born": None, "amount": None, "blob": None, "seen": None},
            ],
        )  # fmt: skip
        connection.execute(child.insert(), [{"id": 1, "parent_id": 9, "at": datetime(2025, 6, 1, 12, tzinfo=UTC)}])
    engine.dispose()
    path = tmp_path / "backup.jsonl.gz"
    assert stored(backup(origin, path)) == {"scenario_versions": 5, "backup_test_parent": 2, "backup_test_child": 1}
    copy = new_database(target)
    restore(copy, path)
    assert every_row(copy) == every_row(origin)
    assert table_rows(copy, parent)[0]["amount"] == Decimal("1234.50")
    engine = create_engine(copy)
    with engine.begin() as connection:  # the next ids follow the restored ones
        connection.execute(parent.insert(), [{"name": "new"}])
        assert connection.scalar(select(func.max(parent.c.id))) == 10
    engine.dispose()


# ------------------------------------------------------------------ the commands


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*argv) -> (exit code, stdout, stderr)`` of ``fiscal-sim`` with ``db`` registered."""
    registered = cli_module._plugin_commands

    def with_db(sub):
        registered(sub)
        add_db_commands(sub)  # no-op once api/cli.py registers db itself

    monkeypatch.setattr(cli_module, "_plugin_commands", with_db)
    monkeypatch.delenv("FISCAL_SIM_DATABASE_URL", raising=False)

    def run(*argv):
        code = cli_module.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def stored(counts: dict[str, int]) -> dict[str, int]:
    """The tables that hold rows (users, tokens and settings are empty in these databases)."""
    return {name: rows for name, rows in counts.items() if rows}


@pytest.mark.parametrize("backend", BACKENDS)
def test_db_backup_and_restore_commands(tmp_path, new_database, cli, backend):
    origin = new_database("sqlite")
    fill(origin)
    path = tmp_path / "nightly.jsonl.gz"
    code, out, err = cli("db", "backup", path, "--database-url", origin)
    assert (code, err) == (0, "") and f"to {path}: scenario_versions 5, " in out
    target = new_database(backend)
    code, out, err = cli("db", "restore", path, "--database-url", target)
    assert (code, err) == (0, "") and "scenario_versions 5, " in out
    code, out, err = cli("db", "restore", path, "--database-url", target)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: the database ") and "is not empty" in err and "--replace" in err
    code, out, err = cli("db", "restore", path, "--database-url", target, "--replace")
    assert code == 0 and every_row(target) == every_row(origin)


def test_db_commands_find_the_database_like_serve(tmp_path, new_database, cli, monkeypatch):
    url = new_database("sqlite")
    fill(url)
    monkeypatch.setenv("FISCAL_SIM_DATABASE_URL", url)
    assert cli("db", "backup", tmp_path / "env.jsonl.gz")[0] == 0
    assert lines_of(tmp_path / "env.jsonl.gz")[0]["tables"][0]["rows"] == 5
    # without a URL: the SQLite file in the data dir, as `fiscal-sim serve` uses it
    monkeypatch.delenv("FISCAL_SIM_DATABASE_URL")
    monkeypatch.setenv("FISCAL_SIM_DATA_DIR", str(tmp_path / "data"))
    assert cli("db", "restore", tmp_path / "env.jsonl.gz")[0] == 0
    assert len(table_rows(f"sqlite:///{tmp_path / 'data' / 'fiscal_sim.sqlite3'}", ScenarioVersion.__table__)) == 5


def test_db_command_errors_are_one_line(tmp_path, cli):
    code, out, err = cli("db", "restore", tmp_path / "absent.jsonl.gz", "--database-url", "sqlite://")
    assert (code, out) == (2, "") and err == f"error: no backup file {tmp_path / 'absent.jsonl.gz'}\n"
    code, _, err = cli("db", "backup", tmp_path / "b.jsonl.gz", "--database-url", f"sqlite:///{tmp_path / 'no.db'}")
    assert code == 2 and err == f"error: no database at {tmp_path / 'no.db'}\n"
    code, _, err = cli("db")
    assert code == 2 and err.startswith("error: fiscal-sim db: ") and err.count("\n") == 1
    unreachable = "postgresql+psycopg://someone:secret@/nowhere?host=/nonexistent&port=1"
    pytest.importorskip("psycopg")
    code, _, err = cli("db", "backup", tmp_path / "b.jsonl.gz", "--database-url", unreachable)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: database postgresql+psycopg://someone:***@")
    assert "secret" not in err
