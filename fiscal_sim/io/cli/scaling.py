"""The commands that run many simulations, ``montecarlo`` and ``sweep``, with their Dask client
(``--workers N`` or ``--scheduler ADDRESS``) and progress bar."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml

from ... import catalogue
from ..records import montecarlo_records
from .arguments import UsageError, _scenario
from .output import atomic_write, write_csv, write_csv_tables

DASK_HINT = 'pip install "fiscal-sim[dask]"'


class _ProgressBar:
    """A tqdm bar on stderr that appears only once a run has taken more than a second."""

    def __init__(self, desc: str = "Monte Carlo", unit: str = "draw"):
        self.bar = None
        self.start = None
        self.desc, self.unit = desc, unit

    def __call__(self, done: int, total: int) -> None:
        import time

        now = time.monotonic()
        if self.start is None:
            self.start = now
        if self.bar is None and now - self.start > 1.0 and done < total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=self.unit, desc=self.desc, file=sys.stderr, leave=False)
            self.bar.update(done)
        elif self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def _client(args) -> Iterator:
    """A ``dask.distributed.Client`` for ``--workers N`` (a LocalCluster of N single-threaded worker
    processes, closed afterwards) or ``--scheduler ADDRESS`` (an existing cluster); None without either."""
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and scheduler is None:
        yield None
        return
    option = "--workers" if workers is not None else "--scheduler"
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"{option} needs Dask, which is not installed: {DASK_HINT}") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            raise UsageError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            yield client
        return
    from ...analysis.workers import local_cluster

    with local_cluster(workers) as client:
        yield client


def _cluster_options(p) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, metavar="N", help=f"run on N local worker processes (Dask: {DASK_HINT})")
    group.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786")


def cmd_montecarlo(args) -> int:
    from ...analysis.montecarlo import montecarlo

    bar = _ProgressBar()
    try:
        scenario = args.file if not args.set else _scenario(args)
        with _client(args) as client:
            mc = montecarlo(scenario, draws=args.draws, seed=args.seed, client=client, progress=bar)
    finally:
        bar.close()
    out = Path(args.out) if args.out else Path("out") / f"{Path(args.file).stem}_montecarlo"
    written = []
    if args.format == "csv":
        written += write_csv_tables(out, mc, ("summary", "pilots"))
    elif args.format == "json":
        path = out / "montecarlo.json"
        text = json.dumps(montecarlo_records(mc), ensure_ascii=False, indent=1)
        atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
        written.append(path)
    else:
        from ..excel_results import write_workbook

        out.mkdir(parents=True, exist_ok=True)
        path = out / "montecarlo.xlsx"
        write_workbook(path, {mc.name: mc.central}, montecarlo={mc.name: mc.summary}, lang=args.lang)
        written.append(path)
    written += _montecarlo_charts(out, mc, args.lang)
    columns = ["year", "required_transfers_p5", "required_transfers_p50", "required_transfers_p95"]
    columns += ["county_balance_p5", "county_balance_p50", "county_balance_p95", "p_county_deficit"]
    with pd.option_context("display.width", 200, "display.float_format", "{:,.2f}".format):
        print(f"{mc.name}: {mc.draws} draws, seed {mc.seed}, GDP growth sd {mc.gdp_growth_sd:g} ({mc.unit})")
        print(mc.summary[columns].to_string(index=False))
        if len(mc.pilots):
            print("\nP(pilot status revoked by the last year):")
            print(mc.pilots[["town", "name", "p_revoked"]].to_string(index=False))
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0


def _montecarlo_charts(out: Path, mc, lang: str) -> list[Path]:
    """The fan chart (and the pilots' probabilities, when there are pilots) as PNG, each with its numbers."""
    from ..charts import figure_bytes, montecarlo_chart, montecarlo_chart_data

    written = []
    for name in ("fan", "pilots") if len(mc.pilots) else ("fan",):
        data = figure_bytes(montecarlo_chart(mc, name, lang=lang), "png")
        path = out / f"{name}.png"
        atomic_write(path, lambda p, d=data: p.write_bytes(d))
        written += [path, write_csv(out / f"{name}_data.csv", montecarlo_chart_data(mc, name))]
    return written


def _sweep_values(path: str, text: str) -> list:
    """``--values V1,V2,…``: each a whole number, a number, or YAML (true, false, text)."""
    values = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise UsageError(f"--values for {path}: an empty value in {text!r}")
        for parse in (int, float):
            try:
                values.append(parse(item))
                break
            except ValueError:
                continue
        else:
            try:
                values.append(yaml.safe_load(item))
            except yaml.YAMLError:
                raise UsageError(f"--values for {path}: cannot read value {item!r}") from None
    return values


def _value_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def cmd_sweep(args) -> int:
    from ...analysis.sweep import plan_sweep, run_sweep
    from ...result import INDICATOR_COLUMNS
    from ..charts import figure_bytes, make_sweep_chart, sweep_chart_data

    if len(args.param) != len(args.values):
        raise UsageError("sweep needs one --values V1,V2,… after each --param PATH")
    parameters = {}
    for path, text in zip(args.param, args.values):
        if path in parameters:
            raise UsageError(f"--param {path} is given twice")
        parameters[path] = _sweep_values(path, text)
    metrics = [c for c in INDICATOR_COLUMNS if c != "year"]
    if args.metric not in metrics:
        raise UsageError(f"--metric must be one of {', '.join(metrics)}, got {args.metric!r}")
    scenario = _scenario(args)
    years = [int(y) for y in scenario.years]
    year = years[-1] if args.year is None else args.year
    if year not in years:
        raise UsageError(f"--year must be a simulated year from {years[0]} to {years[-1]}, got {year}")
    job = plan_sweep(scenario, parameters)  # every path, value and combination checked before anything runs

    bar = _ProgressBar("sweep", "run")
    try:
        with _client(args) as client:
            table = run_sweep(job, client, progress=bar)
    finally:
        bar.close()
    paths = list(job.paths)
    out = Path(args.out) if args.out else Path("out") / f"{Path(args.file).stem}_sweep"
    written = [write_csv(out / "sweep.csv", table)]
    figure = make_sweep_chart(table, paths, args.metric, year, scenario.unit, lang=args.lang)
    data = figure_bytes(figure, "png")
    atomic_write(out / "sweep.png", lambda p: p.write_bytes(data))
    written.append(out / "sweep.png")

    shown = sweep_chart_data(table, paths, args.metric, year)
    for path in paths:
        shown[path] = shown[path].map(_value_text)
    if len(paths) == 2:
        shown = shown.pivot(index=paths[1], columns=paths[0], values=args.metric)
        shown = shown.reindex(index=list(dict.fromkeys(shown.index)))
    kind = catalogue.column(args.metric, "indicators").unit
    number = f"{{:.{kind.digits}%}}" if kind.percent else f"{{:,.{kind.digits}f}}"
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", number.format):
        unit = f" ({scenario.unit})" if kind.money else ""
        print(f"{scenario.name}: {len(job.combinations)} combinations, {args.metric} in {year}{unit}")
        print(shown.to_string(index=len(paths) == 2))
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0
