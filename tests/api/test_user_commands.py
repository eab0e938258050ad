"""``fiscal-sim user add|list|remove`` and ``fiscal-sim token create`` on the server's database."""

from __future__ import annotations

import io

import pytest

from api.auth import password_matches, token_hash
from api.storage import Store
from fiscal_sim.io.cli import main


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'users.sqlite3'}"


def run(capsys, monkeypatch, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_token_remove(capsys, monkeypatch, url):
    code, out, _ = run(capsys, monkeypatch, "user", "add", "ada", "--role", "admin", "--password-stdin",
                       "--database-url", url, stdin="a long password\n")  # fmt: skip
    assert code == 0 and out == "added user ada (admin)\n"
    store = Store(url)
    assert password_matches(store.user("ada").password_hash, "a long password")  # the newline is not part of it
    assert "a long password" not in store.user("ada").password_hash
    code, out, _ = run(capsys, monkeypatch, "user", "list", "--database-url", url)
    assert code == 0 and out.startswith("ada\tadmin\t")
    code, out, _ = run(capsys, monkeypatch, "token", "create", "ada", "--database-url", url)
    token = out.strip()
    assert code == 0 and token.startswith("fs_") and len(token) > 40 and out.count("\n") == 1
    assert store.token_user(token_hash(token)).name == "ada"
    code, out, _ = run(capsys, monkeypatch, "user", "remove", "ada", "--database-url", url)
    assert code == 0 and store.user("ada") is None and store.token_user(token_hash(token)) is None
    store.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (("user", "add", "bob", "--role", "viewer", "--password-stdin"), "short\n", "at least 8 characters"),
        (("user", "add", "local", "--role", "viewer", "--password-stdin"), "long enough\n", "reserved"),
        (("user", "remove", "nobody"), "", "no user 'nobody'"),
        (("token", "create", "nobody"), "", "no user 'nobody'"),
    ],
)
def test_bad_commands_are_one_line_exit_2(capsys, monkeypatch, url, args, stdin, words):
    code, out, err = run(capsys, monkeypatch, *args, "--database-url", url, stdin=stdin)
    assert code == 2 and out == "" and err.count("\n") == 1 and words in err


def test_a_taken_name_and_serving_a_network_without_users(capsys, monkeypatch, url):
    add = ("user", "add", "ada", "--role", "admin", "--password-stdin", "--database-url", url)
    assert run(capsys, monkeypatch, *add, stdin="a long password\n")[0] == 0
    code, _, err = run(capsys, monkeypatch, *add, stdin="a long password\n")
    assert code == 2 and "exists already" in err
    empty = url.replace("users.sqlite3", "empty.sqlite3")
    code, _, err = run(capsys, monkeypatch, "serve", "--host", "0.0.0.0", "--port", "0", "--database-url", empty)
    assert code == 2 and err.count("\n") == 1 and "fiscal-sim user add NAME --role admin --password-stdin" in err
