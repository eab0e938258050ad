"""A real server (waitress, subprocess): it keeps answering while many clients hold half-sent requests open,
and no worker process outlives it, even when it is SIGKILLed in the middle of a computation."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .test_server import REPO, request

HELD = 120
# 100,000 draws of the baseline's 16 towns over 50 years: far longer than the test waits
SLOW = {"scenario_id": "baseline", "draws": 100_000, "seed": 1, "overrides": {"years": [2016, 2065]}}


def start(data_dir: Path) -> tuple[subprocess.Popen, int]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "FISCAL_SIM_DATA_DIR": str(data_dir),
        "FISCAL_SIM_MAX_DRAWS_PER_REQUEST": "100000",
        "FISCAL_SIM_MAX_MONTECARLO_CELLS": "1000000000",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "import api; api.serve('127.0.0.1', 0)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise AssertionError(f"server did not start: {line!r}")
    return process, int(match.group(1))


def descendants(pid: int) -> set[int]:
    """The live processes below ``pid`` (zombies excluded), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def post_and_forget(port: int, path: str, body: dict) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass  # the server is killed meanwhile
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_slow_clients_do_not_starve_the_server_and_no_worker_outlives_it(tmp_path):
    process, port = start(tmp_path)
    held: list[socket.socket] = []
    children: set[int] = set()
    try:
        # a long computation, in a worker process (started meanwhile)
        threading.Thread(target=post_and_forget, args=(port, "/api/v1/montecarlo", SLOW), daemon=True).start()

        # 1. 120 clients send a request line and part of the headers, never the blank line that ends them
        for n in range(HELD):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + str(n).encode())
            held.append(sock)
        time.sleep(0.5)  # the server has read what they sent
        started = time.monotonic()
        status, body = request(port, "GET", "/api/v1/health")
        waited = time.monotonic() - started
        assert status == 200 and body["status"] == "ok"
        assert waited < 2.0, f"health answered after {waited:.1f} s with {HELD} slow clients"
        still_open = 0
        for sock in held:
            sock.setblocking(False)
            try:
                still_open += sock.recv(1) != b""
            except BlockingIOError:
                still_open += 1
        assert still_open == HELD  # not dropped to make room

        # 2. the server is killed in the middle of the computation: its worker processes go with it
        deadline = time.monotonic() + 30
        while len(descendants(process.pid)) < 3 and time.monotonic() < deadline:  # forkserver, tracker, worker
            time.sleep(0.1)
        time.sleep(0.5)
        children = descendants(process.pid)
        assert len(children) >= 3
    finally:
        for sock in held:
            sock.close()
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in children if alive(pid)] == []
