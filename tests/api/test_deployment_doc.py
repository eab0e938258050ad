"""docs/deployment.md: its SQL creates a role that can run the service, and its command blocks parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import fiscal_sim.io.cli as cli_module
from api.backup import add_db_commands
from api.storage import Store

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.postgresql
def test_the_documented_role_and_database_can_run_the_service(postgres_server):
    (sql,) = blocks("sql")
    statements = [s.strip() for s in re.sub(r"^\s+", "", sql, flags=re.M).split(";") if s.strip()]
    assert [s.split()[:2] for s in statements] == [["CREATE", "ROLE"], ["CREATE", "DATABASE"]]
    try:
        for statement in statements:
            postgres_server.execute(statement)
        # the documented URL form, on the test server's socket (it trusts local connections: no password check)
        url = f"postgresql+psycopg://fiscal_sim:change-me@/fiscal_sim?host={postgres_server.folder}&port={postgres_server.port}"
        store = Store(url)  # creates the tables as the role, not as a superuser
        try:
            scenario_id, _ = store.create("县", "", {"a": 1})
            assert store.get(scenario_id).document == {"a": 1}
            with store.engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT current_user").scalar() == "fiscal_sim"
                assert connection.exec_driver_sql("SHOW server_encoding").scalar() == "UTF8"
        finally:
            store.dispose()
    finally:
        postgres_server.execute("DROP DATABASE IF EXISTS fiscal_sim WITH (FORCE)")
        postgres_server.execute("DROP ROLE IF EXISTS fiscal_sim")


def test_the_documented_commands_parse(monkeypatch):
    parser_commands = []
    for block in blocks("sh") + blocks("cron"):
        for line in block.splitlines():
            words = shlex.split(re.sub(r"\$\([^)]*\)", "DATE", line), comments=True)
            if "db" in words and any(w.endswith("fiscal-sim") for w in words):
                start = next(i for i, w in enumerate(words) if w.endswith("fiscal-sim"))
                parser_commands.append(words[start + 1 : words.index("&&") if "&&" in words else None])
    assert {c[1] for c in parser_commands} == {"backup", "restore"}
    registered = cli_module._plugin_commands
    monkeypatch.setattr(cli_module, "_plugin_commands", lambda sub: (registered(sub), add_db_commands(sub)))
    parser = cli_module.build_parser()  # add_db_commands is a no-op once api/cli.py registers db itself
    for words in parser_commands:
        args = parser.parse_args(words)
        assert args.func.__name__ in ("db_backup", "db_restore"), words
