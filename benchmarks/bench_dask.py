"""Dask benchmark (docs/model.md §1.12): Monte Carlo and a parameter sweep in one process and on a LocalCluster.

Cases, on the synthetic county of ``benchmarks/synthetic.py`` (8 revenue items, 10 functions, 10 years,
assessment inside every draw, GDP growth sd 0.02 with common share 0.5):

1. Monte Carlo, 1,000 draws × 1,000 towns: in one process, then on a 2-worker LocalCluster
   (single-threaded worker processes); the cluster's numbers must equal the process's exactly.
2. National size, 40,000 towns × 1,000 draws, on a 2-worker LocalCluster with a 4 GiB memory limit per
   worker (Dask pauses a worker at 80% of it and restarts it at 95%): time and each worker's peak RSS.
3. A sweep of 5 × 5 combinations (tax0 town share × pool) of the 1,000-town county, in one process and
   on the cluster; the frames must be equal.

Each cluster is started fresh for its case, so a worker's peak resident memory (``VmHWM``, read on
the worker after the run) is that case's. Timed runs follow a warm-up (imports and first calls on the
workers), and the 1,000-town cases are repeated (best and median shown). The machine is shared: the
load average is printed with each figure, and CPU time next to wall time (on a cluster: the workers'
and the client's together).

    .venv/bin/python benchmarks/bench_dask.py            # everything (a few minutes)
    .venv/bin/python benchmarks/bench_dask.py --quick    # the 1,000-town cases and the sweep only
    .venv/bin/python benchmarks/bench_dask.py --national-alone   # also the national case in one process

The script starts worker processes, which import this file again: everything runs under ``main()``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import YEARS, synthetic_scenario  # noqa: E402

WORKERS = 2
REPEATS = 3
WORKER_MEMORY = "4GiB"
SWEEP = {
    "revenue_items.tax0.split.town_share": [0.3, 0.4, 0.5, 0.6, 0.7],
    "general_transfer.pool": [100_000.0, 125_000.0, 150_000.0, 175_000.0, 200_000.0],  # base pool: 150 per town
}


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: the high-water mark of its own address space; ru_maxrss
    would count the parent's memory, which a worker process inherits at spawn)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load() -> float:
    return os.getloadavg()[0]


def timed(func, *args, **kwargs):
    start, cpu = time.perf_counter(), time.process_time()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - start, time.process_time() - cpu


class Cluster:
    """A fresh LocalCluster of single-threaded worker processes (fiscal_sim's ``local_cluster``, as
    ``--workers`` starts it) and its client, timed from the start."""

    def __init__(self, workers: int = WORKERS, memory_limit: str = WORKER_MEMORY):
        from fiscal_sim.analysis.workers import local_cluster

        start = time.perf_counter()
        self.context = local_cluster(workers, memory_limit=memory_limit)
        self.client = self.context.__enter__()
        self.client.wait_for_workers(workers)
        self.start_s = time.perf_counter() - start
        start = time.perf_counter()
        self.client.run(_import_fiscal_sim)
        self.import_s = time.perf_counter() - start

    def timed(self, func, *args, **kwargs):
        """``func(*args, **kwargs)``, its wall time, and the CPU time the workers and this process spent."""
        before = sum(self.client.run(time.process_time).values()) + time.process_time()
        out, wall, _ = timed(func, *args, **kwargs)
        return out, wall, sum(self.client.run(time.process_time).values()) + time.process_time() - before

    def worker_peaks_mb(self) -> list[float]:
        return sorted(self.client.run(peak_mb).values())

    def close(self) -> None:
        self.context.__exit__(None, None, None)


def _import_fiscal_sim() -> None:
    import fiscal_sim.analysis.montecarlo  # noqa: F401
    import fiscal_sim.analysis.sweep  # noqa: F401


def difference(a, b) -> float:
    """The largest relative difference between two Monte Carlo runs' samples and summaries; the pilots'
    revocation counts must be equal. Runs cut into the same chunks agree bit for bit; other cuts agree to
    rounding (the engine's rationing sums over the towns with a gap in any draw of a chunk)."""
    import numpy as np
    import pandas as pd

    pd.testing.assert_frame_equal(a.pilots, b.pilots, check_exact=True)
    worst = 0.0
    pairs = [(a.samples[k], b.samples[k]) for k in a.samples]
    pairs += [(a.summary[c].to_numpy(float), b.summary[c].to_numpy(float)) for c in a.summary]
    for x, y in pairs:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(x == y, 0.0, np.abs(x - y) / np.maximum(np.abs(x), np.abs(y)))
        worst = max(worst, float(rel.max()))
    assert worst <= 1e-9, f"the runs differ by {worst:.3g} (relative)"
    return worst


def montecarlo_1000(draws: int = 1_000, towns: int = 1_000) -> None:
    import fiscal_sim
    from fiscal_sim.analysis.montecarlo import BLOCK

    print(f"### Monte Carlo: {draws:,} draws × {towns:,} towns × {YEARS[1] - YEARS[0] + 1} years\n")
    scenario = fiscal_sim.load_scenario(synthetic_scenario(towns))
    fiscal_sim.montecarlo(scenario, draws=BLOCK)  # warm-up
    alone, walls, cpus = None, [], []
    for _ in range(REPEATS):
        alone, wall, cpu = timed(fiscal_sim.montecarlo, scenario, draws=draws)
        walls.append(wall)
        cpus.append(cpu)
    process_peak = peak_mb()
    rows = [
        (
            "one process",
            min(walls),
            statistics.median(walls),
            f"CPU {min(cpus):.2f} s",
            alone.chunk_size,
            f"{process_peak:,.0f}",
            load(),
        )
    ]

    cluster = Cluster()
    try:
        fiscal_sim.montecarlo(scenario, draws=BLOCK, client=cluster.client)  # warm-up: model sent, first run
        walls, cpus = [], []
        for _ in range(REPEATS):
            spread, wall, cpu = cluster.timed(fiscal_sim.montecarlo, scenario, draws=draws, client=cluster.client)
            walls.append(wall)
            cpus.append(cpu)
        worst = difference(spread, alone)
        peaks = cluster.worker_peaks_mb()
        rows.append(
            (
                f"{WORKERS}-worker LocalCluster",
                min(walls),
                statistics.median(walls),
                f"CPU {min(cpus):.2f} s (workers and client); start {cluster.start_s:.1f} s + imports "
                f"{cluster.import_s:.1f} s",
                spread.chunk_size,
                " / ".join(f"{p:,.0f}" for p in peaks),
                load(),
            )
        )
    finally:
        cluster.close()
    print("| run | best (s) | median (s) | also | chunk (draws) | peak RSS per process (MB) | load avg |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for name, best, median, also, chunk, peak, avg in rows:
        print(f"| {name} | {best:.2f} | {median:.2f} | {also} | {chunk:,} | {peak} | {avg:.1f} |")
    print(
        f"\nThe cluster's numbers against one process's (summary, pilots, all {draws:,} samples): largest relative "
        f"difference {worst:.2g} (chunks of {spread.chunk_size} against {alone.chunk_size}; ≤ 1e-9 required)\n"
    )


def national(draws: int = 1_000, towns: int = 40_000, alone: bool = False) -> None:
    import fiscal_sim
    from fiscal_sim.analysis.montecarlo import BLOCK, bytes_per_draw

    print(f"### National size: {towns:,} towns × {draws:,} draws × {YEARS[1] - YEARS[0] + 1} years\n")
    (scenario, load_s, _) = timed(fiscal_sim.load_scenario, synthetic_scenario(towns))
    cluster = Cluster()
    try:
        _, warm_s, _ = timed(fiscal_sim.montecarlo, scenario, draws=BLOCK, client=cluster.client)
        spread, wall, cpu_spread = cluster.timed(fiscal_sim.montecarlo, scenario, draws=draws, client=cluster.client)
        peaks = cluster.worker_peaks_mb()
        average = load()
    finally:
        cluster.close()
    estimate = bytes_per_draw(spread.central.model) * spread.chunk_size / 2**20
    print(
        "| run | time (s) | CPU (s) | chunk (draws) | chunks | chunk estimate (MB) | worker peak RSS (MB) | limit "
        "| load avg |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    print(
        f"| {WORKERS}-worker LocalCluster | {wall:.1f} | {cpu_spread:.1f} | {spread.chunk_size} | "
        f"{-(-draws // spread.chunk_size)} | "
        f"{estimate:,.0f} | {' / '.join(f'{p:,.0f}' for p in peaks)} | {WORKER_MEMORY} per worker | {average:.1f} |"
    )
    print(
        f"\nload {load_s:.1f} s; cluster start {cluster.start_s:.1f} s + imports {cluster.import_s:.1f} s; "
        f"warm-up ({BLOCK} draws, model sent to the workers) {warm_s:.1f} s; benchmark process peak RSS so far "
        f"{peak_mb():,.0f} MB; "
        f"within {WORKER_MEMORY} per worker: {'yes' if max(peaks) < 4096 else 'NO'}"
    )
    if alone:
        one, wall_alone, cpu = timed(fiscal_sim.montecarlo, scenario, draws=draws)
        worst = difference(one, spread)
        print(
            f"\nIn one process: {wall_alone:.1f} s (CPU {cpu:.1f} s, chunk {one.chunk_size}), "
            f"peak RSS {peak_mb():,.0f} MB; largest relative difference from the cluster's numbers {worst:.2g}"
        )
    print()


def sweep_5x5(towns: int = 1_000) -> None:
    import pandas as pd

    import fiscal_sim

    print(f"### Sweep: 5 × 5 combinations, {towns:,} towns (every combination a full simulation)\n")
    scenario = fiscal_sim.load_scenario(synthetic_scenario(towns))
    fiscal_sim.sweep(scenario, {k: v[:1] for k, v in SWEEP.items()})  # warm-up
    walls, cpus = [], []
    for _ in range(REPEATS):
        alone, wall, cpu = timed(fiscal_sim.sweep, scenario, SWEEP)
        walls.append(wall)
        cpus.append(cpu)
    rows = [("one process", min(walls), statistics.median(walls), f"CPU {min(cpus):.2f} s", load())]
    cluster = Cluster()
    try:
        fiscal_sim.sweep(scenario, {k: v[:1] for k, v in SWEEP.items()}, cluster.client)  # warm-up
        walls, cpus = [], []
        for _ in range(REPEATS):
            spread, wall, cpu = cluster.timed(fiscal_sim.sweep, scenario, SWEEP, cluster.client)
            walls.append(wall)
            cpus.append(cpu)
        pd.testing.assert_frame_equal(spread, alone, check_exact=True)
        rows.append(
            (
                f"{WORKERS}-worker LocalCluster",
                min(walls),
                statistics.median(walls),
                f"CPU {min(cpus):.2f} s (workers and client); worker peak RSS "
                f"{' / '.join(f'{p:,.0f}' for p in cluster.worker_peaks_mb())} MB",
                load(),
            )
        )
    finally:
        cluster.close()
    print("| run | best (s) | median (s) | also | load avg |")
    print("|---|---:|---:|---|---:|")
    for name, best, median, also, avg in rows:
        print(f"| {name} | {best:.2f} | {median:.2f} | {also} | {avg:.1f} |")
    print(f"\nSame frame on the cluster ({len(alone)} rows): yes\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the national-size case")
    parser.add_argument("--national-alone", action="store_true", help="also run the national case in one process")
    args = parser.parse_args(argv)

    import dask
    import numpy as np

    print(
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, dask {dask.__version__}; "
        f"{os.cpu_count()} cores; load avg {load():.1f}\n"
    )
    montecarlo_1000()
    sweep_5x5()
    if not args.quick:
        national(alone=args.national_alone)
    return 0


if __name__ == "__main__":
    sys.exit(main())
