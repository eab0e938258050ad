"""Scale benchmark (issue "Scale"): load, simulate and ``fiscal-sim run`` of the synthetic county at 10,000 and
100,000 towns.

The county is ``benchmarks/synthetic.py``'s, written as YAML with its towns table as CSV (how users load it).
Times are the best of several runs; memory is the peak traced by tracemalloc for load and simulate, and the
peak resident size of the ``fiscal-sim run`` process (CSV out), which also counts the interpreter and imports.

    .venv/bin/python benchmarks/bench_scale.py                    # 10,000 and 100,000 towns
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000      # one size
    .venv/bin/python benchmarks/bench_scale.py --openfisca /tmp/ofc/bin/python

``--openfisca PYTHON`` also computes the county's base formulas with OpenFisca-core, run by PYTHON, an
interpreter of a separate throwaway environment that has ``openfisca-core`` and ``pandas`` (never the
project's: OpenFisca is no dependency of fiscal-sim)::

    python3 -m venv /tmp/ofc && /tmp/ofc/bin/pip install openfisca-core pandas

The OpenFisca system is built in this script: towns are one entity (a person entity), and its variables are
the synthetic county's GDP and revenue growth, each item's split (the pilots' own share of tax0 included),
fiscal capacity, standard expenditure, gap and a proportional general transfer, for every simulated year.
That is less than ``fiscal_sim.simulate`` does (need-adjusted rationing with priority and growth limits,
assessment, county budget), so fiscal-sim is also timed on the county cut down to those formulas
(:func:`same_formulas`; it still computes the county budget and the indicators). OpenFisca is asked for every
output of the towns frame each year (it computes only what is asked), and runs twice: in its own float32, and
in float64 as fiscal-sim keeps money (the issue's comparison). The first year's capacity, standard expenditure
and gap are checked against fiscal-sim's: in float64 they agree to about 1e-16; in float32, capacity and
standard expenditure to about 1e-7 of their size, the gap (their difference) to about 1e-3 of its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from synthetic import FUNCTIONS, ITEMS, YEARS  # noqa: E402

# the synthetic county's settings the OpenFisca system needs (benchmarks/synthetic.py)
SPLITS = [
    ("proportional", 0.5),
    ("town",),
    ("county",),
    ("base_plus_increment", 0.5, 0.7, None),
    ("tiered", [500.0, 1500.0], [0.3, 0.5, 0.7]),
    ("proportional", 0.4),
    ("base_plus_increment", 1.0, 0.5, 300.0),
    ("tiered", [200.0], [0.6, 0.8]),
]
PILOT_TAX0_SHARE = 0.7
DRIVERS = ["one", "population", "students", "area_km2", "population"] * 2
DRIVER_GROWTH = {"population": 0.003, "students": 0.01}
UNIT_COSTS = [300.0, 0.01, 0.5, 2.0, 0.005]
INPUT_COLUMNS = ["gdp", "growth_plan", "pilot", "remittance", "population", "students", "area_km2", "remoteness"]


def best_time(fn, repeat: int):
    """Best wall time over ``repeat`` runs, and the last value."""
    best, value = np.inf, None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def traced_peak(fn) -> float:
    """Peak memory traced by tracemalloc during one run (MB)."""
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def fiscal_sim_command() -> list[str]:
    """The ``fiscal-sim`` console script beside this interpreter, or the module."""
    script = Path(sys.executable).parent / "fiscal-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "fiscal_sim.io.cli"]


def run_cli(path: Path, out: Path) -> tuple[float, float]:
    """Wall time and peak resident size (MB) of ``fiscal-sim run PATH --format csv --out OUT``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*fiscal_sim_command(), "run", str(path), "--format", "csv", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"fiscal-sim run failed: {process.stderr.read().decode()}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss / 2**10  # ru_maxrss is in KiB on Linux


def measure(n: int, folder: Path, repeat: int, cli_repeat: int) -> dict:
    from bench_engine import synthetic_county

    import fiscal_sim

    path = synthetic_county(n, folder)
    best_time(lambda: fiscal_sim.simulate(fiscal_sim.load_scenario(path)).towns, 1)  # warm up: imports
    repeat = repeat if n >= 100_000 else 4 * repeat  # short runs: more of them, the machine's noise is larger
    load, scenario = best_time(lambda: fiscal_sim.load_scenario(path), repeat)
    load_peak = traced_peak(lambda: fiscal_sim.load_scenario(path))
    simulate, _ = best_time(lambda: fiscal_sim.simulate(scenario), repeat)
    with_frame, result = best_time(lambda: fiscal_sim.simulate(scenario).towns, repeat)
    simulate_peak = traced_peak(lambda: fiscal_sim.simulate(scenario).towns)
    runs = [run_cli(path, folder / "out") for _ in range(cli_repeat)]
    written = sum(p.stat().st_size for p in (folder / "out").glob("*.csv")) / 2**20
    return {
        "towns": n,
        "path": path,
        "load": load,
        "load_peak": load_peak,
        "simulate": simulate,
        "simulate_frame": with_frame,
        "simulate_peak": simulate_peak,
        "run": min(t for t, _ in runs),
        "run_rss": max(r for _, r in runs),
        "written": written,
        "result": fiscal_sim.simulate(scenario),
    }


def markdown(rows: list[dict]) -> str:
    lines = [
        "| towns | load (s) | load peak (MB) | simulate (s) | simulate + towns frame (s) | simulate peak (MB) "
        "| `fiscal-sim run`, CSV (s) | run peak RSS (MB) | CSV written (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['towns']:,} | {r['load']:.3f} | {r['load_peak']:.0f} | {r['simulate']:.3f} | "
            f"{r['simulate_frame']:.3f} | {r['simulate_peak']:.0f} | {r['run']:.2f} | {r['run_rss']:.0f} | "
            f"{r['written']:.0f} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# OpenFisca side by side (run by another interpreter: see the module's docstring)


def openfisca_inputs(n: int, folder: Path) -> Path:
    """The synthetic county's base-year inputs as arrays, for the OpenFisca worker."""
    from synthetic import synthetic_scenario

    towns = synthetic_scenario(n)["towns"]
    arrays = {c: np.array([t[c] for t in towns], dtype=np.float64) for c in INPUT_COLUMNS}
    arrays["pilot"] = arrays["pilot"].astype(bool)
    for k in range(ITEMS):
        arrays[f"tax{k}"] = np.array([t[f"tax{k}"] for t in towns], dtype=np.float64)
    path = folder / "openfisca_inputs.npz"
    np.savez(path, **arrays)
    return path


def openfisca_system(n_towns: int, dtype: str = "float32"):
    """A tax-benefit system with towns as one entity and the synthetic county's base formulas.

    ``dtype``: OpenFisca keeps a ``float`` variable in float32; ``float64`` sets its value type's dtype to
    float64 before the variables are made (every variable reads it when it is built), as fiscal-sim keeps money.
    """
    from openfisca_core import periods
    from openfisca_core.entities import build_entity
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable, config

    config.VALUE_TYPES[float]["dtype"] = np.dtype(dtype).type

    town = build_entity(key="town", plural="towns", label="town", is_person=True)
    system = TaxBenefitSystem([town])
    base_year = periods.period(str(YEARS[0] - 1))

    def variable(name, value_type=float, eternal=False, formula=None):
        attrs = {
            "value_type": value_type,
            "entity": town,
            "definition_period": periods.DateUnit.ETERNITY if eternal else periods.DateUnit.YEAR,
            "label": name,
        }
        if formula is not None:
            attrs["formula"] = formula  # a function of (towns, period): OpenFisca counts its arguments
        system.add_variable(type(name, (Variable,), attrs))

    for name in ("growth_plan", "remittance", "area_km2", "remoteness", "population_base", "students_base"):
        variable(name, eternal=True)
    variable("pilot", bool, eternal=True)
    variable("gdp", formula=lambda t, period: t("gdp", period.last_year) * (1 + t("growth_plan", period)))

    def years_since_base(period):
        return period.start.year - base_year.start.year

    def grown_driver(column):
        rate = DRIVER_GROWTH[column]
        return lambda t, period: t(f"{column}_base", period) * (1 + rate) ** years_since_base(period)

    def grown_item(k):
        elasticity = 0.9 + 0.05 * k
        return lambda t, period: t(f"tax{k}", period.last_year) * (1 + elasticity * t("growth_plan", period))

    for column in ("population", "students"):
        variable(column, formula=grown_driver(column))
    for k in range(ITEMS):
        variable(f"tax{k}", formula=grown_item(k))
        variable(f"tax{k}_town", formula=_split_formula(k, base_year))

    def own_revenue(t, period):
        return sum(t(f"tax{k}_town", period) for k in range(ITEMS)) - t("remittance", period)

    def capacity(t, period):
        kept = sum((0.75 if k % 2 else 1.0) * t(f"tax{k}_town", period) for k in range(ITEMS))
        return kept - t("remittance", period)

    def standard_expenditure(t, period):
        grown = 1.04 ** years_since_base(period)
        total = 0.0
        for f in range(FUNCTIONS):
            driver = 1.0 if DRIVERS[f] == "one" else t(DRIVERS[f], period)
            factor = t("remoteness", period) if f % 3 == 0 else 1.0
            total = total + UNIT_COSTS[f % 5] * grown * driver * factor * (0.3 + 0.05 * f)
        return total

    def gap(t, period):
        return np.maximum(t("standard_expenditure", period) - t("capacity", period), 0.0)

    def general_transfer(t, period):  # proportional rationing of the pool: min(gap, pool · gap / Σ gap)
        need = t("gap", period)
        pool = 150.0 * n_towns * 1.04 ** years_since_base(period)
        total = need.sum()
        return need if total <= pool else need * (pool / total)

    variable("own_revenue", formula=own_revenue)
    variable("capacity", formula=capacity)
    variable("standard_expenditure", formula=standard_expenditure)
    variable("gap", formula=gap)
    variable("general_transfer", formula=general_transfer)
    return system


def _split_formula(k: int, base_year):
    """Town portion of item k by the synthetic county's rule (marginal shares above thresholds)."""
    rule = SPLITS[k]

    def formula(t, period):
        collected = t(f"tax{k}", period)
        if rule[0] == "town":
            return collected
        if rule[0] == "county":
            return collected * 0.0
        if rule[0] == "proportional":
            share = rule[1]
            if k == 0:
                share = np.where(t("pilot", period), PILOT_TAX0_SHARE, share)
            return share * collected
        if rule[0] == "base_plus_increment":
            _, base_share, increment_share, base = rule
            base = t(f"tax{k}", base_year) if base is None else base
            return base_share * collected + (increment_share - base_share) * np.maximum(collected - base, 0.0)
        _, thresholds, shares = rule
        out = shares[0] * collected
        for j, threshold in enumerate(thresholds):
            out = out + (shares[j + 1] - shares[j]) * np.maximum(collected - threshold, 0.0)
        return out

    return formula


OUTPUTS = ["gdp", "own_revenue", "capacity", "standard_expenditure", "gap", "general_transfer"]


def openfisca_worker(inputs: Path, repeat: int, out: Path, dtype: str) -> None:
    """Run by the OpenFisca interpreter: time the calculation of every output and the towns frame, save the
    first year."""
    import pandas as pd
    from openfisca_core.simulation_builder import SimulationBuilder

    data = np.load(inputs)
    n = len(data["gdp"])
    system = openfisca_system(n, dtype)
    base = str(YEARS[0] - 1)
    years = [str(y) for y in range(YEARS[0], YEARS[1] + 1)]

    def calculate():
        simulation = SimulationBuilder().build_default_simulation(system, count=n)
        for name in ("growth_plan", "remittance", "area_km2", "remoteness", "pilot"):
            simulation.set_input(name, base, data[name])
        simulation.set_input("population_base", base, data["population"])
        simulation.set_input("students_base", base, data["students"])
        simulation.set_input("gdp", base, data["gdp"])
        for k in range(ITEMS):
            simulation.set_input(f"tax{k}", base, data[f"tax{k}"])
        for year in years:  # every output of the towns frame (OpenFisca computes only what is asked)
            for name in OUTPUTS:
                simulation.calculate(name, year)
        return simulation

    calc, simulation = best_time(calculate, repeat)

    def towns_frame():
        ids = np.array([f"T{i:06d}" for i in range(n)], dtype=object)
        frame = pd.DataFrame(
            {
                "year": np.repeat(np.array(years, dtype=np.int64), n),
                "town": np.tile(ids, len(years)),
                **{v: np.concatenate([simulation.calculate(v, y) for y in years]) for v in OUTPUTS},
            }
        )
        return frame

    frame_time, frame = best_time(towns_frame, repeat)
    first = frame[frame["year"] == YEARS[0]]
    np.savez(out, **{v: first[v].to_numpy(np.float64) for v in OUTPUTS})
    print(json.dumps({"calc": calc, "frame": frame_time}))


def openfisca_run(python: str, inputs: Path, repeat: int, dtype: str) -> tuple[dict, dict]:
    """Times of the OpenFisca worker in its interpreter, and its first year's outputs."""
    out = inputs.with_name(f"openfisca_first_year_{dtype}.npz")
    command = [python, __file__, "--openfisca-worker", str(inputs), str(out), "--repeat", str(repeat)]
    done = subprocess.run([*command, "--dtype", dtype], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the OpenFisca run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]), dict(np.load(out))


def largest_difference(ours, first: dict) -> str:
    """Largest difference of fiscal-sim's first year from OpenFisca's, relative to the value (at least 1)."""
    return ", ".join(
        f"{np.max(np.abs(ours[v].to_numpy() - first[v]) / np.maximum(np.abs(ours[v].to_numpy()), 1.0)):.1g}"
        for v in ("capacity", "standard_expenditure", "gap")
    )


def openfisca_side_by_side(python: str, rows: list[dict], folder: Path, repeat: int) -> str:
    import fiscal_sim

    lines = [
        "| towns | OpenFisca calc, float32 (s) | OpenFisca calc, float64 (s) | OpenFisca towns frame, float64 (s) "
        "| fiscal-sim, the same formulas (s) | fiscal-sim, full county (s) | fiscal-sim towns frame (s) "
        "| first year: largest relative difference, float64 / float32 (capacity, standard expenditure, gap) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        inputs = openfisca_inputs(r["towns"], folder / str(r["towns"]))
        runs = repeat if r["towns"] >= 100_000 else 4 * repeat  # as measure() does
        single, first32 = openfisca_run(python, inputs, runs, "float32")
        double, first64 = openfisca_run(python, inputs, runs, "float64")
        same = fiscal_sim.load_scenario(same_formulas(r["towns"]))
        same_time, same_result = best_time(lambda s=same: fiscal_sim.simulate(s), runs)
        towns = same_result.towns
        ours = towns[towns["year"] == YEARS[0]]

        frame_only, _ = best_time(lambda s=r["result"].scenario: _fresh_towns_frame(fiscal_sim, s), runs)
        lines.append(
            f"| {r['towns']:,} | {single['calc']:.3f} | {double['calc']:.3f} | {double['frame']:.3f} | "
            f"{same_time:.3f} | {r['simulate']:.3f} | {frame_only:.3f} | {largest_difference(ours, first64)} / {largest_difference(ours, first32)} |"
        )
    return "\n".join(lines)


def same_formulas(n: int) -> dict:
    """The synthetic county cut down to what the OpenFisca system computes: a proportional general transfer
    (no priority class, no growth limits) and no assessment."""
    from synthetic import synthetic_scenario

    document = synthetic_scenario(n)
    document["general_transfer"] = {"pool": 150.0 * n, "pool_growth": 0.04, "rationing": "proportional"}
    document["assessment"] = {"enabled": False}
    return document


def _fresh_towns_frame(fiscal_sim, scenario):
    """The towns frame of a result whose run is done (the frame's own cost)."""
    result = fiscal_sim.simulate(scenario)
    start = time.perf_counter()
    result.towns  # noqa: B018
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], metavar="N")
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="runs of load and simulate at 100,000 towns (4× as many below; best shown)",
    )
    parser.add_argument("--cli-repeat", type=int, default=3, help="runs of `fiscal-sim run` (best is shown)")
    parser.add_argument("--openfisca", metavar="PYTHON", help="an interpreter with openfisca-core and pandas")
    parser.add_argument("--openfisca-worker", nargs=2, metavar=("INPUTS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float64", help=argparse.SUPPRESS)  # the OpenFisca worker's floats
    args = parser.parse_args(argv)
    if args.openfisca_worker:
        openfisca_worker(Path(args.openfisca_worker[0]), args.repeat, Path(args.openfisca_worker[1]), args.dtype)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = Path(tmp) / str(n)
            folder.mkdir()
            rows.append(measure(n, folder, args.repeat, args.cli_repeat))
            print(f"measured {n:,} towns", file=sys.stderr, flush=True)
        print(markdown(rows))
        if args.openfisca:
            print()
            print(openfisca_side_by_side(args.openfisca, rows, Path(tmp), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
