"""A real server (waitress, subprocess) keeps answering while many clients hold half-sent requests open."""

from __future__ import annotations

import socket
import time

import pytest

from .test_server import request, start_server

HELD = 120


@pytest.mark.slow
def test_the_server_answers_with_120_slow_clients_holding_partial_headers(tmp_path):
    process, port = start_server(tmp_path / "slow.sqlite3")
    held: list[socket.socket] = []
    try:
        for n in range(HELD):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            # a request line and part of the headers, never the blank line that ends them
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + str(n).encode())
            held.append(sock)
        time.sleep(0.5)  # let the server read what they sent
        started = time.monotonic()
        status, body = request(port, "GET", "/api/v1/health")
        waited = time.monotonic() - started
        assert status == 200 and body["status"] == "ok"
        assert waited < 2.0, f"health answered after {waited:.1f} s with {HELD} slow clients"
        assert process.poll() is None
        # the held connections are still open (the server did not drop them to answer)
        alive = 0
        for sock in held:
            sock.setblocking(False)
            try:
                alive += sock.recv(1) != b""
            except BlockingIOError:
                alive += 1
        assert alive == HELD
    finally:
        for sock in held:
            sock.close()
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
