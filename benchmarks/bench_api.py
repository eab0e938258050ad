"""HTTP API benchmark (issue 6): the real server (waitress, 8 threads) on loopback, 8 concurrent clients.

Measures the time from starting the server process to its first answer (a fresh database, so the
bundled scenarios are loaded first), then for ``--seconds`` per phase drives it with 8 client threads
(``http.client``, loopback only) and reports requests/s and p50/p99 latency of:

- ``POST /api/v1/simulations`` on the bundled baseline (target: p50 ≤ 50 ms, p99 ≤ 200 ms): the same
  request again and again (answered from the response cache after the first), then each request with
  an override of its own (a new run every time);
- ``POST /api/v1/comparisons`` of two scenarios, and ``POST /api/v1/charts`` (png) of the same two,
  each client alternating the two (target: p99 ≤ 500 ms), the same two requests again and again;
- heavy work kept away from light work: while 2 more clients loop on the largest request the limits
  allow (a simulation of 5,000 towns × 50 years, ``MAX_TOWNS`` × ``MAX_YEARS``, a different override each
  time), the 8 clients repeat the cached baseline simulation (target: p99 ≤ 200 ms); the heavy requests'
  times are reported too. ``--workers 0`` computes in the server's threads (no isolation), for comparison.

    .venv/bin/python benchmarks/bench_api.py             # 30 s per phase
    .venv/bin/python benchmarks/bench_api.py --quick     # 5 s per phase (the heavy one 15 s)
    .venv/bin/python benchmarks/bench_api.py --no-cache  # every request computed
    .venv/bin/python benchmarks/bench_api.py --quick --only-heavy --workers 0  # the heavy phase, no isolation
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLIENTS = 8
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound besides the time limit
PAIR = [{"label": "现行", "scenario_id": "baseline"}, {"label": "改革", "scenario_id": "pilot_reform"}]


HEAVY_CLIENTS = 2
HEAVY_TOWNS, HEAVY_YEARS = 5_000, (2016, 2065)  # the default MAX_TOWNS and MAX_YEARS


def start_server(data_dir: Path, cache: bool = True, workers: int | None = None) -> tuple[subprocess.Popen, int, float]:
    """Start ``api.serve`` on a free loopback port; returns the process, its port and start → first answer."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO), "FISCAL_SIM_DATA_DIR": str(data_dir), "MPLBACKEND": "Agg"}
    if not cache:
        env["FISCAL_SIM_RESPONSE_CACHE_BYTES"] = "0"
    if workers is not None:
        env["FISCAL_SIM_WORKERS"] = str(workers)
    process = subprocess.Popen(
        [sys.executable, "-c", "import api; api.serve('127.0.0.1', 0)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline())
    if not match:
        process.kill()
        raise SystemExit("the server did not start")
    port = int(match.group(1))
    while True:
        try:
            status, _ = call(port, "GET", "/api/v1/health")
            if status == 200:
                return process, port, time.perf_counter() - started
        except OSError:
            time.sleep(0.01)


def call(port: int, method: str, path: str, body=None, connection=None) -> tuple[int, bytes]:
    """One request (on ``connection`` when given, kept alive); returns status and body."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def drive(port: int, seconds: float, requests: list) -> dict[str, list[float]]:
    """8 clients send ``requests`` ``(path, body or body(client, n))`` in turn until the time is up."""
    latencies: dict[str, list[float]] = {path: [] for path, _ in requests}
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: dict[str, list[float]] = {path: [] for path, _ in requests}
        try:
            for n in range(MAX_REQUESTS_PER_CLIENT):
                if time.perf_counter() >= deadline:
                    break
                path, body = requests[(n + offset) % len(requests)]
                body = body(offset, n) if callable(body) else body
                start = time.perf_counter()
                status, data = call(port, "POST", path, body, connection)
                mine[path].append(time.perf_counter() - start)
                if status != 200:
                    failures.append(f"{path}: {status} {data[:200]!r}")
                    return
        finally:
            connection.close()
            with lock:
                for path, values in mine.items():
                    latencies[path].extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    if failures:
        raise SystemExit("requests failed: " + "; ".join(failures[:3]))
    return latencies


def unique_run(client: int, n: int) -> dict:
    """The baseline with an override no other request has: never answered from the response cache."""
    return {"scenario_id": "baseline", "overrides": {"county.own_revenue_growth": 0.05 + (client * 100_000 + n) * 1e-9}}


def report(name: str, values: list[float], seconds: float, targets: dict[str, float]) -> None:
    ms = np.asarray(values) * 1000
    p50, p99 = np.percentile(ms, 50), np.percentile(ms, 99)
    verdict = " ".join(
        f"{key} ≤ {limit:g} ms {'ok' if {'p50': p50, 'p99': p99}[key] <= limit else 'MISSED'}"
        for key, limit in targets.items()
    )
    print(
        f"{name:<34} {len(ms):>6} req  {len(ms) / seconds:>7.1f} req/s  p50 {p50:>7.1f} ms  p99 {p99:>7.1f} ms  {verdict}"
    )


def heavy_scenario() -> dict:
    """The largest scenario the default limits allow: 5,000 towns × 50 years (250,000 cells)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic import synthetic_scenario

    document = synthetic_scenario(HEAVY_TOWNS)
    document["years"] = list(HEAVY_YEARS)
    return document


def under_heavy_load(port: int, seconds: float, scenario_id: str) -> tuple[dict[str, list[float]], list, float]:
    """The light clients' latencies while ``HEAVY_CLIENTS`` clients loop on the heavy simulation; returns them,
    the heavy requests' ``(seconds, status, bytes)`` and the time the last heavy request ended after the phase."""
    heavy: list[tuple[float, int, int]] = []
    stop = threading.Event()

    def heavy_client(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        n = 0
        try:
            while not stop.is_set():
                body = {
                    "scenario_id": scenario_id,
                    "overrides": {"county.own_revenue_growth": 0.05 + (k * 1000 + n) * 1e-9},
                }
                start = time.perf_counter()
                status, data = call(port, "POST", "/api/v1/simulations", body, connection)
                heavy.append((time.perf_counter() - start, status, len(data)))
                n += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=heavy_client, args=(k,)) for k in range(HEAVY_CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the heavy requests under way
    light = drive(port, seconds, [("/api/v1/simulations", {"scenario_id": "baseline"})])
    stop.set()
    ended = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    return light, heavy, time.perf_counter() - ended


def report_heavy(port: int, seconds: float, scenario_id: str, workers: str) -> None:
    body = {"scenario_id": scenario_id, "overrides": {"county.own_revenue_growth": 0.049}}
    start = time.perf_counter()
    status, data = call(port, "POST", "/api/v1/simulations", body)
    alone = time.perf_counter() - start
    if status != 200:
        raise SystemExit(f"the heavy request failed: {status} {data[:300]!r}")
    print(
        f"heavy request alone: POST simulations, {HEAVY_TOWNS:,} towns × {HEAVY_YEARS[1] - HEAVY_YEARS[0] + 1}"
        f" years: {alone:.1f} s, {len(data) / 2**20:.0f} MB of JSON"
    )
    light, heavy, tail = under_heavy_load(port, seconds, scenario_id)
    report(f"POST simulations (baseline), {HEAVY_CLIENTS} heavy", light["/api/v1/simulations"], seconds, {"p99": 200})
    times = np.asarray([t for t, status, _ in heavy if status == 200])
    refused = sorted({status for _, status, _ in heavy if status != 200})
    shown = f"p50 {np.percentile(times, 50):.1f} s, max {times.max():.1f} s" if len(times) else "none finished"
    print(
        f"  … heavy requests meanwhile: {len(times)} answered ({shown}), other statuses {refused or 'none'};"
        f" the last ended {tail:.1f} s after the phase (workers: {workers})"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each phase (default 30)")
    parser.add_argument("--quick", action="store_true", help="5 s per phase")
    parser.add_argument("--no-cache", action="store_true", help="turn the response cache off (every request runs)")
    parser.add_argument("--workers", type=int, help="FISCAL_SIM_WORKERS of the server (0: no worker processes)")
    parser.add_argument("--only-heavy", action="store_true", help="only the phase under heavy load")
    args = parser.parse_args(argv)
    seconds = 5.0 if args.quick else args.seconds
    from api.config import DEFAULTS

    workers = f"default ({DEFAULTS['WORKERS']})" if args.workers is None else str(args.workers)

    with tempfile.TemporaryDirectory(prefix="fiscal-sim-bench-") as folder:
        process, port, boot = start_server(Path(folder), cache=not args.no_cache, workers=args.workers)
        try:
            print(f"server start → first answer (fresh database, bundled scenarios loaded): {boot * 1000:.0f} ms")
            for path, body in (("/api/v1/simulations", {"scenario_id": "baseline"}),):  # warm-up
                call(port, "POST", path, body)
            call(port, "POST", "/api/v1/charts", {"scenarios": PAIR, "chart": "transfers_by_town"})
            status, saved = call(port, "POST", "/api/v1/scenarios", {"document": heavy_scenario()})
            if status != 201:
                raise SystemExit(f"the heavy scenario was not saved: {status} {saved[:300]!r}")
            heavy_id = json.loads(saved)["id"]
            if args.only_heavy:
                report_heavy(port, max(seconds, 15.0), heavy_id, workers)
                return

            simulations = drive(port, seconds, [("/api/v1/simulations", {"scenario_id": "baseline"})])
            report("POST simulations (baseline)", simulations["/api/v1/simulations"], seconds, {"p50": 50, "p99": 200})
            fresh = drive(port, seconds, [("/api/v1/simulations", unique_run)])
            report("  … every request a new run", fresh["/api/v1/simulations"], seconds, {"p50": 50, "p99": 200})

            mixed = drive(
                port,
                seconds,
                [
                    ("/api/v1/comparisons", {"scenarios": PAIR, "baseline": "现行"}),
                    ("/api/v1/charts", {"scenarios": PAIR, "chart": "transfers_by_town", "format": "png"}),
                ],
            )
            report("POST comparisons (2 scenarios)", mixed["/api/v1/comparisons"], seconds, {"p99": 500})
            report("POST charts (png, 2 scenarios)", mixed["/api/v1/charts"], seconds, {"p99": 500})
            if not args.no_cache:  # the light requests are cached ones
                report_heavy(port, max(seconds, 15.0), heavy_id, workers)
            cache = "off" if args.no_cache else "on"
            print(
                f"({CLIENTS} clients, {seconds:g} s per phase, {os.cpu_count()} cores, response cache {cache},"
                f" workers {workers})"
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
