"""Engine benchmark (issue 2): load and simulate a synthetic county of N towns.

8 revenue items (all split rules), 10 expenditure functions, 10 years, a pool with need-adjusted
rationing and growth limits. Reports wall time (best of several runs) and peak traced memory for
loading (from a CSV towns table) and for ``simulate`` with the towns frame built.

    .venv/bin/python benchmarks/bench_engine.py            # N = 100 … 100,000
    .venv/bin/python benchmarks/bench_engine.py --quick    # N = 100 … 10,000
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

import fiscal_sim  # noqa: E402

ITEMS = 8
FUNCTIONS = 10
YEARS = (2016, 2025)


def synthetic_county(n_towns: int, folder: Path, seed: int = 0) -> Path:
    """Write a synthetic scenario (YAML + towns CSV) and return the YAML path."""
    rng = np.random.default_rng(seed)
    towns = pd.DataFrame(
        {
            "id": [f"T{i:06d}" for i in range(n_towns)],
            "name": [f"镇{i}" for i in range(n_towns)],
            "pilot": rng.random(n_towns) < 0.2,
            "population": rng.integers(5_000, 90_000, n_towns).astype(float),
            "area_km2": rng.uniform(20, 400, n_towns).round(1),
            "gdp": rng.uniform(5e4, 9e5, n_towns).round(0),
            "remittance": rng.uniform(0, 500, n_towns).round(1),
            "students": rng.integers(500, 12_000, n_towns).astype(float),
            "remoteness": rng.uniform(1.0, 1.4, n_towns).round(2),
            "growth_plan": rng.uniform(0.03, 0.1, n_towns).round(3),
        }
    )
    for k in range(ITEMS):
        towns[f"tax{k}"] = (towns["gdp"] * rng.uniform(0.002, 0.006, n_towns)).round(2)
    towns.to_csv(folder / "towns.csv", index=False)
    rules = [
        {"rule": "proportional", "town_share": 0.5},
        {"rule": "town"},
        {"rule": "county"},
        {"rule": "base_plus_increment", "base_share": 0.5, "increment_share": 0.7},
        {"rule": "tiered", "thresholds": [500, 1500], "town_shares": [0.3, 0.5, 0.7]},
        {"rule": "proportional", "town_share": 0.4},
        {"rule": "base_plus_increment", "base_share": 1.0, "increment_share": 0.5, "base": 300},
        {"rule": "tiered", "thresholds": [200], "town_shares": [0.6, 0.8]},
    ]
    drivers = ["one", "population", "students", "area_km2", "population"] * 2
    scenario = {
        "schema_version": 1,
        "name": f"synthetic {n_towns}",
        "unit": "万元",
        "years": list(YEARS),
        "towns": "towns.csv",
        "revenue_items": [
            {"id": f"tax{k}", "elasticity": 0.9 + 0.05 * k, "capacity_rate": 0.75 if k % 2 else 1.0, "split": rules[k]}
            for k in range(ITEMS)
        ],
        "split_overrides": [{"class": "pilot", "item": "tax0", "split": {"rule": "proportional", "town_share": 0.7}}],
        "remittances": {"column": "remittance"},
        "expenditure_functions": [
            {
                "id": f"f{f}",
                "driver": drivers[f],
                "unit_cost": [300.0, 0.01, 0.5, 2.0, 0.005][f % 5],
                "cost_factor": "remoteness" if f % 3 == 0 else None,
                "town_share": 0.3 + 0.05 * f,
                "growth": 0.04,
            }
            for f in range(FUNCTIONS)
        ],
        "county": {"own_revenue": 1e5 * n_towns / 100, "own_expenditure": 1e5 * n_towns / 100},
        "growth": {"gdp": "growth_plan", "drivers": {"population": 0.003, "students": 0.01}},
        "general_transfer": {
            "pool": 150.0 * n_towns,
            "pool_growth": 0.04,
            "rationing": "need_adjusted",
            "priority": ["pilot"],
            "growth_limits": {"min": 0.0, "max": 0.2},
        },
        "assessment": {"enabled": True, "targets": {"gdp_growth": 0.05}},
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
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
            path = synthetic_county(n, folder)
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
