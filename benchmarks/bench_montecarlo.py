"""Monte Carlo benchmark (issue 4): time and peak memory of ``fiscal_sim.montecarlo``.

A synthetic county of N towns: 8 revenue items (every split rule), 10 expenditure functions,
10 years, pilot assessment on, a general-transfer pool rationed need-adjusted with pilots first and
growth limits, GDP growth sd 0.02 with common share 0.5. Each case runs in a fresh subprocess, which
reports its wall time, CPU time and peak resident memory (``ru_maxrss``), so no case inherits another's
heap. CPU time is shown next to wall time because a busy machine (the load average is printed)
stretches wall time; "peak − before" is what the Monte Carlo run added to the process's peak.

    .venv/bin/python benchmarks/bench_montecarlo.py           # all cases (a few minutes)
    .venv/bin/python benchmarks/bench_montecarlo.py --quick   # the target case and a small subset

Target: 1,000 draws × 1,000 towns × 10 years in ≤ 3 s and ≤ 4 GB peak on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import YEARS, synthetic_scenario  # noqa: E402

import fiscal_sim  # noqa: E402
from fiscal_sim.analysis.montecarlo import BLOCK, bytes_per_draw  # noqa: E402

TARGET = {"towns": 1_000, "draws": 1_000, "seconds": 3.0, "peak_mb": 4096}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_case(n_towns: int, draws: int) -> dict:
    """In this process: load the scenario, warm up, then time one Monte Carlo run."""
    start = time.perf_counter()
    scenario = fiscal_sim.load_scenario(synthetic_scenario(n_towns))
    load_s = time.perf_counter() - start
    fiscal_sim.montecarlo(scenario, draws=BLOCK)  # warm-up: first-call costs out of the timing
    before_mb = peak_mb()
    start, cpu = time.perf_counter(), time.process_time()
    mc = fiscal_sim.montecarlo(scenario, draws=draws)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert mc.samples["required_transfers"].shape == (draws, YEARS[1] - YEARS[0] + 1)
    return {
        "towns": n_towns,
        "draws": draws,
        "load_s": load_s,
        "seconds": seconds,
        "cpu_s": cpu,
        "load": os.getloadavg()[0],
        "peak_mb": peak_mb(),
        "before_mb": before_mb,
        "chunk": mc.chunk_size,
        "estimate_mb": bytes_per_draw(mc.central.model) * mc.chunk_size / 2**20,
    }


def measure(n_towns: int, draws: int) -> dict:
    """Run one case in a fresh interpreter and return its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", str(n_towns), str(draws)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"case {n_towns} towns × {draws} draws failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(r: dict) -> str:
    cells = r["towns"] * r["draws"] * (YEARS[1] - YEARS[0] + 1)
    return (
        f"| {r['towns']:,} | {r['draws']:,} | {r['seconds']:.2f} | {r['cpu_s']:.2f} | {r['load']:.1f} | "
        f"{r['seconds'] / cells * 1e9:.0f} | "
        f"{r['peak_mb']:,.0f} | {r['peak_mb'] - r['before_mb']:,.0f} | {r['chunk']:,} | {r['estimate_mb']:,.0f} |"
    )


HEADER = (
    "| towns | draws | Monte Carlo (s) | CPU (s) | load avg | ns per draw·town·year | peak RSS (MB) "
    "| peak − before (MB) | chunk (draws) | chunk estimate (MB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the target case and a small subset")
    parser.add_argument("--case", nargs=2, type=int, metavar=("TOWNS", "DRAWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(*args.case)))
        return 0

    print(f"10 years, 8 items, 10 functions; numpy {np.__version__}; block {BLOCK} draws\n")
    print("### Target case\n")
    print(HEADER)
    target = measure(TARGET["towns"], TARGET["draws"])
    print(row(target))
    ok = target["seconds"] <= TARGET["seconds"] and target["peak_mb"] <= TARGET["peak_mb"]
    print(
        f"\ntarget ≤ {TARGET['seconds']:g} s and ≤ {TARGET['peak_mb']:,} MB: "
        f"{'met' if ok else 'NOT met'} ({target['seconds']:.2f} s, {target['peak_mb']:,.0f} MB)\n"
    )

    sizes = [100, 1_000] if args.quick else [100, 1_000, 10_000]
    print("### Scaling over draws (1,000 towns)\n")
    print(HEADER)
    for draws in sizes:
        print(row(target if draws == TARGET["draws"] else measure(1_000, draws)), flush=True)
    print("\n### Scaling over towns (1,000 draws)\n")
    print(HEADER)
    for towns in sizes:
        print(row(target if towns == TARGET["towns"] else measure(towns, 1_000)), flush=True)

    print("\n### Memory stays bounded: a small county (20 towns) from 1,000 to 100,000 draws\n")
    print(HEADER)
    for draws in [1_000, 100_000] if args.quick else [1_000, 10_000, 100_000]:
        print(row(measure(20, draws)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
