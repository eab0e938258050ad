"""The README's examples run as written (说明文档中的命令都能运行), so the README cannot go stale.

Conventions the README follows (what this test reads):

- A fenced block with info string ``sh`` is a list of commands, one per line, run in README order;
  a line ending in ``\\`` continues on the next. Lines starting with ``#`` are comments; a trailing
  ``# comment`` (after whitespace, outside quotes) is stripped. Blocks marked ``text``, ``yaml`` or
  anything else are not run.
- Commands run with ``bash -euo pipefail`` from a temporary folder laid out like the repository: a
  copy of ``scenarios/``, a ``.venv`` that is the test's own environment, the other top-level files
  and folders linked; ``out/`` and ``instance/`` land in the temporary folder. ``PATH`` starts with
  ``.venv/bin``, so ``fiscal-sim …`` and ``.venv/bin/fiscal-sim …`` both work. Each must exit 0.
- A line whose trailing comment is ``# exit N`` must exit N; for N ≠ 0 it must also print exactly one
  line on stderr (the CLI's one-line errors).
- Not run: ``make run``, ``make test``, ``make bench`` (what CI runs, or a server, or long benchmarks),
  ``fiscal-sim serve`` (it blocks) and ``benchmarks/`` scripts; for these the test only checks that the
  make target or the file exists. ``make compare`` and other make targets run.
- ``curl`` lines run against a real server (``api.serve`` in a subprocess, on a temporary SQLite
  database with the bundled scenarios) on a free loopback port: ``localhost:8000`` and
  ``127.0.0.1:8000`` are rewritten to it, and ``-f`` is added when the line has no fail flag, so an
  HTTP error fails the test. A line with a ``{…}`` placeholder cannot run and is skipped.
- The Quick start section has exactly the two commands ``make run`` and ``make test``; every
  subcommand ``fiscal-sim --help`` lists is shown somewhere in the README as ``fiscal-sim SUBCOMMAND``.
"""

from __future__ import annotations

import os
import re
import selectors
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

RUN_LANGUAGE = "sh"
NOT_RUN_MAKE_TARGETS = ("run", "test", "bench")
PLACEHOLDERS = ("{…}", "{...}")
DEFAULT_SERVER = re.compile(r"\b(?:localhost|127\.0\.0\.1):8000\b")
EXPECTED_EXIT = re.compile(r"^exit\s+(\d+)\b")
# top-level entries not linked into the workspace: made fresh there, or of no use to a command
NOT_LINKED = {".git", ".venv", "scenarios", "out", "instance", ".pytest_cache", ".ruff_cache", ".hypothesis"}
COMMAND_TIMEOUT = 120  # seconds, per command
SERVER_START_TIMEOUT = 60  # seconds


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info string, the README line of its first content line, its lines."""

    language: str
    line: int
    lines: tuple[str, ...]
    section: str  # the heading above it


@dataclass(frozen=True)
class Command:
    """One README command: where it is, what to run, and the exit code it must give."""

    line: int
    text: str
    expected_exit: int = 0

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"


def fenced_blocks(markdown: str) -> list[Block]:
    """The fenced blocks (``` or ~~~) of a Markdown text, with the heading each sits under."""
    blocks, section = [], ""
    fence, language, start, body = None, "", 0, []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if fence is None:
            opening = re.match(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)", line)
            if opening:
                fence, language, start, body = opening.group(1), opening.group(2).lower(), number + 1, []
            elif line.startswith("#"):
                section = line.lstrip("#").strip()
        elif re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
            blocks.append(Block(language, start, tuple(body), section))
            fence = None
        else:
            body.append(line)
    return blocks


def split_comment(line: str) -> tuple[str, str]:
    """``(command, comment)``: a ``#`` that starts a word outside quotes begins the comment."""
    quote, previous = None, " "
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"':
                previous = char
                continue
        elif char in "'\"" and previous != "\\":
            quote = char
        elif char == "#" and previous.isspace():
            return line[:index].rstrip(), line[index + 1 :].strip()
        previous = char
    return line.rstrip(), ""


def block_commands(block: Block) -> list[Command]:
    """The commands of an ``sh`` block: continuations joined, comments dropped, ``# exit N`` read."""
    commands, pending, first = [], "", 0
    for offset, raw in enumerate(block.lines):
        if not pending:
            first = block.line + offset
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        text, comment = split_comment(pending + raw)
        pending = ""
        expected = EXPECTED_EXIT.match(comment)
        commands.append(Command(first, text.strip(), int(expected.group(1)) if expected else 0))
    if pending:
        raise AssertionError(f"README.md:{first}: a command ends with a line continuation '\\'")
    return commands


def readme_blocks() -> list[Block]:
    return fenced_blocks(README.read_text(encoding="utf-8"))


def readme_commands() -> list[Command]:
    return [c for b in readme_blocks() if b.language == RUN_LANGUAGE for c in block_commands(b)]


def why_not_run(command: Command) -> str | None:
    """The reason a command is not run here, or None when it runs."""
    words = command.text.split()
    if words[:1] == ["make"] and any(target in NOT_RUN_MAKE_TARGETS for target in words[1:]):
        return "make run/test/bench are not run here"
    if re.search(r"\bfiscal-sim\s+serve\b", command.text):
        return "fiscal-sim serve blocks"
    if "benchmarks/" in command.text:
        return "benchmarks are not run here (make bench)"
    if any(p in command.text for p in PLACEHOLDERS):
        return "has a {…} placeholder"
    return None


def with_fail_flag(command: str) -> str:
    """A curl command that fails on an HTTP error: ``-f`` added after ``curl`` when it has no fail flag."""
    tokens = shlex.split(command)
    fails = any(
        t in ("--fail", "--fail-with-body") or re.fullmatch(r"-[A-Za-z]*f[A-Za-z]*", t)
        for t in tokens
        if t.startswith("-")
    )
    return command if fails else re.sub(r"\bcurl\b", "curl -f", command, count=1)


# ---------------------------------------------------------------------------------------------
# fixtures: a workspace laid out like the repository, and a server for the curl lines


def link_venv(target: Path) -> None:
    """``target`` as this test's environment (each entry linked) with a fresh ``.installed`` stamp,
    so ``make`` sees the install done and never reinstalls the package from the workspace."""
    venv = Path(sys.prefix)
    target.mkdir()
    for entry in venv.iterdir():
        if entry.name != ".installed":
            (target / entry.name).symlink_to(entry)
    (target / ".installed").touch()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder laid out like the repository: ``scenarios/`` copied, the rest linked, ``.venv`` ours."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    for entry in REPO.iterdir():
        if entry.name not in NOT_LINKED and not entry.name.endswith(".egg-info"):
            (root / entry.name).symlink_to(entry)
    link_venv(root / ".venv")
    (root / "home").mkdir()
    return root


@pytest.fixture(scope="module")
def command_env(workspace) -> dict[str, str]:
    """The commands' environment: ``.venv/bin`` first on PATH, temporary HOME and caches."""
    # not the API's settings, nor those of a make that runs this test (a nested make reads MAKEFLAGS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FISCAL_SIM_", "MAKE", "MFLAGS"))}
    env.update(
        PATH=f"{workspace / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(workspace / "home"),
        MPLBACKEND="Agg",
        MPLCONFIGDIR=str(workspace / "home" / ".mpl"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="module")
def server_port(workspace, command_env):
    """``api.serve`` on a free loopback port with a temporary SQLite database; yields the port."""
    env = {**command_env, "FISCAL_SIM_DATABASE_URL": f"sqlite:///{workspace / 'readme.sqlite3'}"}
    process = subprocess.Popen(
        [sys.executable, "-c", "import api; api.serve('127.0.0.1', 0)"],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = first_line(process, SERVER_START_TIMEOUT)  # printed once the server listens
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            process.kill()
            raise AssertionError(f"server did not start: {line!r} {process.stderr.read()[-2000:]}")
        yield int(match.group(1))
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def first_line(process: subprocess.Popen, timeout: float) -> str:
    """The first line the process prints on stdout, or '' when it prints none within ``timeout`` s."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        return process.stdout.readline() if selector.select(timeout) else ""


def run_line(text: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", text],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------------------------------------
# the convention itself (fast: these read the README only)


def test_split_comment_and_continuations():
    assert split_comment("make run    # creates .venv") == ("make run", "creates .venv")
    assert split_comment('curl -d \'{"a": "# not a comment"}\' x') == ('curl -d \'{"a": "# not a comment"}\' x', "")
    assert split_comment("echo a#b") == ("echo a#b", "")
    block = Block("sh", 10, ("# a comment", "", "fiscal-sim validate x.yaml  # exit 2", "a \\", "  b"), "")
    assert block_commands(block) == [Command(12, "fiscal-sim validate x.yaml", 2), Command(13, "a    b")]


def test_with_fail_flag():
    assert with_fail_flag("curl localhost:8000/api/v1/health") == "curl -f localhost:8000/api/v1/health"
    assert with_fail_flag("curl -sf localhost:8000/x") == "curl -sf localhost:8000/x"
    assert with_fail_flag("curl --fail -X POST x") == "curl --fail -X POST x"
    assert with_fail_flag("curl -F a=@b x").startswith("curl -f -F")  # -F is a form field, not --fail


def test_quick_start_is_make_run_and_make_test():
    blocks = [b for b in readme_blocks() if b.section.lower().startswith("quick start")]
    assert blocks, "README.md has no fenced block under a 'Quick start' heading"
    assert blocks[0].language == RUN_LANGUAGE, f"README.md:{blocks[0].line}: the quick start block must be ```sh"
    assert [c.text for c in block_commands(blocks[0])] == ["make run", "make test"]


def test_every_cli_subcommand_is_in_the_readme():
    import argparse

    from fiscal_sim.io.cli import build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert sub.choices, "fiscal-sim --help lists no subcommands"
    readme = README.read_text(encoding="utf-8")
    missing = [s for s in sub.choices if not re.search(rf"\bfiscal-sim\s+(--lang \w+\s+)?{re.escape(s)}\b", readme)]
    assert missing == [], f"README.md never shows `fiscal-sim {' / '.join(missing)}`"


def test_commands_not_run_name_real_things():
    """A line this test does not run still names a make target that exists, or a file that exists."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for command in readme_commands():
        reason = why_not_run(command)
        if reason is None:
            continue
        words = command.text.split()
        if words[0] == "make":
            for target in (w for w in words[1:] if not w.startswith("-") and "=" not in w):
                assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"{command.id}: no make target {target}"
        for path in re.findall(r"benchmarks/\S+\.py", command.text):
            assert (REPO / path).is_file(), f"{command.id}: {path} does not exist"


# ---------------------------------------------------------------------------------------------
# every README command, run


@pytest.mark.slow
@pytest.mark.parametrize("command", readme_commands(), ids=lambda c: c.id)
def test_readme_command(command: Command, workspace, command_env, request):
    reason = why_not_run(command)
    if reason:
        pytest.skip(f"{command.id}: {reason}")
    text = command.text
    if re.search(r"\bcurl\b", text):
        port = request.getfixturevalue("server_port")
        text = DEFAULT_SERVER.sub(f"127.0.0.1:{port}", with_fail_flag(text))
    done = run_line(text, workspace, command_env)
    where = f"{command.id}: `{command.text}` exited {done.returncode}"
    detail = f"\n--- stdout (end)\n{done.stdout[-1500:]}\n--- stderr (end)\n{done.stderr[-1500:]}"
    assert done.returncode == command.expected_exit, f"{where}, the README expects {command.expected_exit}{detail}"
    if command.expected_exit != 0:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, f"{where}: expected one line on stderr, got {len(lines)}{detail}"
