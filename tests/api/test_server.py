"""A real server (waitress, subprocess) killed with SIGKILL mid-stream loses no acknowledged save.

On SQLite (WAL, synchronous=FULL) and on PostgreSQL (the throwaway server of tests/pg_server.py)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import api
from tests.pg_server import BACKENDS

REPO = Path(api.__file__).resolve().parent.parent


def start_server(database_url: str) -> tuple[subprocess.Popen, int]:
    """``api.serve`` on a free loopback port (port 0); returns the process and the port it printed."""
    code = f"import api; api.serve('127.0.0.1', 0, database_url={database_url!r})"
    env = {**os.environ, "PYTHONPATH": str(REPO), "FISCAL_SIM_LOAD_BUNDLED_SCENARIOS": "false"}
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    line = process.stdout.readline()  # the server prints its URL once it listens
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise AssertionError(f"server did not start: {line!r} {process.stderr.read()[:2000]}")
    return process, int(match.group(1))


def request(port: int, method: str, path: str, body=None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def stored_versions(database_url: str) -> set[tuple[str, int]]:
    """Every ``(scenario_id, version)`` in the table, read afresh (SQLite: after an integrity check)."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            return set(db.execute("SELECT scenario_id, version FROM scenario_versions").fetchall())
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                tuple(row) for row in connection.execute(text("SELECT scenario_id, version FROM scenario_versions"))
            }
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_loses_no_acknowledged_save(database_url, tiny):
    process, port = start_server(database_url)
    acknowledged: list[tuple[str, int]] = []
    refused: list[tuple[int, dict]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        """Create a scenario, then replace it again and again, recording every 2xx answer."""
        scenario_id, version = None, 0
        while not stop.is_set():
            try:
                if scenario_id is None:
                    status, body = request(port, "POST", "/api/v1/scenarios", {"document": tiny})
                else:
                    status, body = request(
                        port, "PUT", f"/api/v1/scenarios/{scenario_id}", {"document": tiny, "version": version}
                    )
            except (OSError, http.client.HTTPException, ValueError):  # the server is gone, mid-answer perhaps
                return
            if status not in (200, 201):
                refused.append((status, body))
                return
            scenario_id, version = body["id"], body["version"]
            with lock:
                acknowledged.append((scenario_id, version))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(4)]
    try:
        assert request(port, "GET", "/api/v1/health")[0] == 200
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 15
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # in the middle of the stream of saves
        process.wait(timeout=10)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
    for thread in threads:
        thread.join(timeout=15)
    assert refused == [] and len(acknowledged) >= 40
    stored = stored_versions(database_url)
    lost = [pair for pair in acknowledged if pair not in stored]
    assert lost == []
