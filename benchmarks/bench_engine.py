"""Engine benchmark (issue 2): load and simulate a synthetic county of N towns.

The county is ``benchmarks/synthetic.py``'s. Reports wall time (best of several runs) and peak traced memory for
loading (from a CSV towns table) and for ``simulate`` with the towns frame built.

    .venv/bin/python benchmarks/bench_engine.py            # N = 100 … 100,000
    .venv/bin/python benchmarks/bench_engine.py --quick    # N = 100 … 10,000
    .venv/bin/python benchmarks/bench_engine.py --arrangements   # every county–town instrument switched on
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import YEARS, synthetic_scenario  # noqa: E402

import fiscal_sim  # noqa: E402


def synthetic_county(n_towns: int, folder: Path, seed: int = 0, arrangements: bool = False) -> Path:
    """Write the synthetic scenario as YAML with its towns table as CSV (how users load) and return the path."""
    document = synthetic_scenario(n_towns, seed, arrangements)
    pd.DataFrame.from_records(document["towns"]).to_csv(folder / "towns.csv", index=False)
    document["towns"] = "towns.csv"
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def measure(fn, repeat: int):
    """Best wall time over ``repeat`` runs, and peak traced memory of one more run."""
    best = np.inf
    value = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak, value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at N = 10,000")
    parser.add_argument("--arrangements", action="store_true", help="contracts, tax returns, floors … switched on")
    args = parser.parse_args(argv)
    sizes = [100, 1_000, 10_000] + ([] if args.quick else [100_000])
    print(
        "| towns | load (s) | load peak (MB) | simulate + towns frame (s) | simulate peak (MB) | per town-year (µs) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder = Path(tmp) / str(n)
            folder.mkdir()
            path = synthetic_county(n, folder, arrangements=args.arrangements)
            load_time, load_peak, scenario = measure(
                lambda p=path: fiscal_sim.load_scenario(p), 2 if n >= 100_000 else 3
            )

            def run(s=scenario):
                result = fiscal_sim.simulate(s)
                return result.towns

            repeat = 5 if n >= 100_000 else 20
            sim_time, sim_peak, towns = measure(run, repeat)
            assert len(towns) == n * (YEARS[1] - YEARS[0] + 1)
            per_cell = sim_time / (n * (YEARS[1] - YEARS[0] + 1)) * 1e6
            print(
                f"| {n:,} | {load_time:.3f} | {load_peak / 2**20:.1f} | {sim_time:.4f} | "
                f"{sim_peak / 2**20:.1f} | {per_cell:.3f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
