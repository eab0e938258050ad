"""Command line ``fiscal-sim`` (README "Command line"). Errors are one line on stderr with exit code 2.

The core's commands are here; other packages add theirs through the ``fiscal_sim.commands`` entry
point group (the HTTP service adds ``serve``), so the command line never imports them by name.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import yaml

from .. import catalogue
from ..errors import ScenarioError, SolveError
from . import settings_words
from .records import frame_records, montecarlo_records, result_records
from .tables import Batches, write_csv_file

FRAMES = ("towns", "county", "indicators", "revenue", "projects")
COMMAND_GROUP = "fiscal_sim.commands"
LANGS = ("zh", "en")
LANG_HELP = "language of messages, explanations, workbooks and charts (default: $FISCAL_SIM_LANG or en)"
DASK_HINT = 'pip install "fiscal-sim[dask]"'


class UsageError(Exception):
    """A command line that cannot be run as given."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def _overrides(pairs: list[str] | None) -> dict:
    """``--set PATH=VALUE`` pairs; VALUE is read as YAML (numbers, null, lists)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise UsageError(f"--set expects PATH=VALUE, got {pair!r}")
        path, value = pair.split("=", 1)
        try:
            out[path.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise UsageError(f"--set {path}: cannot read value {value!r}") from None
    return out


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp{path.suffix}"
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(path: Path, frame: pd.DataFrame | Batches) -> Path:
    """One frame as CSV (:func:`fiscal_sim.io.tables.csv_bytes`: UTF-8 with BOM, formulas kept as text)."""
    atomic_write(path, lambda p: write_csv_file(frame, p))
    return path


def write_csv_tables(out: Path, source, names) -> list[Path]:
    """``source.<name>`` frames as ``out/<name>.csv`` (a result's large tables a year at a time, never whole).

    The large tables are written side by side, each by a thread of its own: polars formats CSV and numpy
    rounds without holding the interpreter, so one table's rows are prepared while another's are written.
    """
    batched = [name for name in names if name in getattr(source, "BATCHED_TABLES", ())]
    if len(batched) < 2:
        return [write_csv(out / f"{name}.csv", _table(source, name, batched)) for name in names]
    with ThreadPoolExecutor(len(batched)) as pool:
        futures = {name: pool.submit(write_csv, out / f"{name}.csv", _table(source, name, batched)) for name in batched}
        written = {name: write_csv(out / f"{name}.csv", getattr(source, name)) for name in names if name not in futures}
        written |= {name: future.result() for name, future in futures.items()}
    return [written[name] for name in names]


def _table(source, name: str, batched):
    return Batches(source.batches(name)) if name in batched else getattr(source, name)


def write_result(result, out: Path, fmt: str, lang: str = "zh") -> list[Path]:
    """Write a result as CSV files, one JSON file or one workbook into ``out``."""
    written = []
    if fmt == "csv":
        written += write_csv_tables(out, result, FRAMES)
    elif fmt == "json":
        path = out / "result.json"
        text = json.dumps(
            {**result_records(result), "revenue": frame_records(result.revenue)}, ensure_ascii=False, indent=1
        )
        atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
        written.append(path)
    else:
        from .excel_results import write_workbook  # writes through a temporary file itself

        path = out / "result.xlsx"
        out.mkdir(parents=True, exist_ok=True)
        write_workbook(path, {result.name: result}, lang=lang)
        written.append(path)
    return written


def _key_figures(result) -> str:
    ind = result.indicators.set_index("year")
    table = ind[["required_transfers", "general_transfers", "coverage", "special_transfers", "county_balance"]]
    table = table.assign(pilots_active=ind["pilots_active"])
    with pd.option_context("display.width", 160, "display.float_format", "{:,.2f}".format):
        return f"{result.name} ({result.unit})\n{table.to_string()}"


# ---------------------------------------------------------------------------------------------
# commands


def cmd_validate(args) -> int:
    from ..scenario import load_scenario

    s = load_scenario(args.file, _overrides(args.set))
    cfg = s.config
    print(
        f"OK {args.file}: {s.name} — {len(s.towns)} towns ({int(s.towns['pilot'].sum())} pilots), "
        f"{len(cfg['revenue_items'])} revenue items, {len(cfg['expenditure_functions'])} expenditure functions, "
        f"{cfg['years'][0]}-{cfg['years'][1]}" + (f", {len(s.projects)} projects" if s.projects is not None else "")
    )
    return 0


def cmd_run(args) -> int:
    from ..result import simulate

    result = simulate(args.file, _overrides(args.set))
    out = Path(args.out) if args.out else Path("out") / Path(args.file).stem
    with ThreadPoolExecutor(1) as pool:  # what is printed is made while the files are written
        summary = pool.submit(_run_summary, result, args.lang)
        written = write_result(result, out, args.format, args.lang)
        print(summary.result())
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0


def _run_summary(result, lang: str) -> str:
    """The key figures and the revoked pilots, as ``run`` prints them."""
    text = _key_figures(result)
    if len(result.revocations):
        text += "\n\nrevoked pilots 取消试点:\n" + result.revocations_in(lang).to_string(index=False)
    return text


def cmd_explain(args) -> int:
    from ..explain import explain_project
    from ..result import simulate

    result = simulate(args.file, _overrides(args.set))
    if args.project:
        node = explain_project(result, args.project)
    else:
        if args.town is None or args.year is None:
            raise UsageError("explain needs --town and --year (or --project)")
        node = result.explain(args.town, args.year, args.column)
    print(json.dumps(node.to_dict(args.lang), ensure_ascii=False, indent=1) if args.json else node.text(args.lang))
    return 0


def _labels(files: list[str]) -> list[str]:
    """A label per scenario file: its stem, made unique."""
    labels = []
    for f in files:
        stem, n = Path(f).stem, 2
        label = stem
        while label in labels:
            label, n = f"{stem}_{n}", n + 1
        labels.append(label)
    return labels


def cmd_compare(args) -> int:
    from ..analysis.compare import FRAMES as COMPARE_FRAMES
    from ..analysis.compare import compare
    from ..result import simulate
    from .charts import CHARTS, chart_data, figure_bytes, make_chart
    from .excel_results import write_workbook

    if len(args.files) < 2:
        raise UsageError("compare needs at least two scenario files")
    labels = _labels(args.files)
    if args.baseline is not None and args.baseline not in labels:
        raise UsageError(f"--baseline {args.baseline!r} is not one of the labels {', '.join(labels)}")
    overrides = _overrides(args.set)
    results = {label: simulate(f, overrides) for label, f in zip(labels, args.files)}
    comparison = compare(results, baseline=args.baseline)
    out = Path(args.out) if args.out else Path("out") / "comparison"
    written = write_csv_tables(out, comparison, COMPARE_FRAMES)
    out.mkdir(parents=True, exist_ok=True)
    images, charts = {}, []
    for name in CHARTS:  # drawn once: as files and in the workbook
        data = images[name] = figure_bytes(
            make_chart(name, comparison.results, lang=args.lang, baseline=comparison.baseline), "png"
        )
        path = out / f"{name}.png"
        atomic_write(path, lambda p, d=data: p.write_bytes(d))
        numbers = chart_data(name, comparison.results, baseline=comparison.baseline)
        charts += [path, write_csv(out / f"{name}_data.csv", numbers)]
    write_workbook(out / "comparison.xlsx", comparison.results, comparison, lang=args.lang, chart_images=images)
    written += [out / "comparison.xlsx", *charts]
    summary = comparison.summary.set_index("label")
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:,.2f}".format):
        print(f"baseline: {comparison.baseline}\n{summary.T.to_string()}")
    if len(comparison.settings):
        print("\nsettings that differ from the baseline:")
        for row in comparison.settings.itertuples(index=False):
            config, unit = comparison.results[row.label].scenario.config, comparison.results[row.label].unit
            old, new = (
                settings_words.value_text(row.path, v, unit, args.lang, config) for v in (row.baseline, row.scenario)
            )
            print(f"  {row.label}: {settings_words.label(row.path, config, args.lang)}: {old} → {new}")
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0


def cmd_template(args) -> int:
    from .excel_template import write_template

    path = Path(args.out)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"template writes an .xlsx workbook, got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path)
    print(f"written: {path}")
    return 0


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
    from ..analysis.workers import local_cluster

    with local_cluster(workers) as client:
        yield client


def _cluster_options(p) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, metavar="N", help=f"run on N local worker processes (Dask: {DASK_HINT})")
    group.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786")


def cmd_montecarlo(args) -> int:
    from ..analysis.montecarlo import montecarlo

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
        from .excel_results import write_workbook

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
    from .charts import figure_bytes, montecarlo_chart, montecarlo_chart_data

    written = []
    for name in ("fan", "pilots") if len(mc.pilots) else ("fan",):
        data = figure_bytes(montecarlo_chart(mc, name, lang=lang), "png")
        path = out / f"{name}.png"
        atomic_write(path, lambda p, d=data: p.write_bytes(d))
        written += [path, write_csv(out / f"{name}_data.csv", montecarlo_chart_data(mc, name))]
    return written


def _scenario(args):
    from ..scenario import load_scenario

    return load_scenario(args.file, _overrides(args.set))


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
    from ..analysis.sweep import plan_sweep, run_sweep
    from ..result import INDICATOR_COLUMNS
    from .charts import figure_bytes, make_sweep_chart, sweep_chart_data

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


def cmd_solve(args) -> int:
    from ..analysis.goal_seek import solve

    bounds = tuple(args.bounds) if args.bounds else None
    found = solve(
        _scenario(args), parameter=args.parameter, target=args.target, value=args.value, year=args.year, bounds=bounds
    )
    print(
        f"{args.parameter} = {found.value:.10g}  →  {args.target} in {found.year} = {round(found.metric, 6) + 0.0:,.6f}"
    )  # no "-0.000000"
    if found.message:
        print(found.message)
    return 0


def _plugin_commands(sub) -> None:
    """Commands other packages register (entry point group ``fiscal_sim.commands``: ``add(subparsers)``)."""
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        entry.load()(sub)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; the plugins' only when ``command`` is not a core one (their imports are heavy)."""
    parser = OneLineParser(prog="fiscal-sim", description="County–town fiscal revenue-sharing simulation")
    default_lang = os.environ.get("FISCAL_SIM_LANG") if os.environ.get("FISCAL_SIM_LANG") in LANGS else "en"
    parser.add_argument("--lang", choices=LANGS, default=default_lang, help=LANG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def with_set(p):
        p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a setting (repeatable)")
        p.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=LANG_HELP)
        return p

    p = with_set(sub.add_parser("validate", help="check a scenario file"))
    p.add_argument("file")
    p.set_defaults(func=cmd_validate)

    p = with_set(sub.add_parser("run", help="simulate a scenario and write its tables"))
    p.add_argument("file")
    p.add_argument("--out", help="output folder (default out/<scenario>)")
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    p.set_defaults(func=cmd_run)

    p = with_set(sub.add_parser("explain", help="how a number was computed"))
    p.add_argument("file")
    p.add_argument("--town")
    p.add_argument("--year", type=int)
    p.add_argument("--column", default="general_transfer")
    p.add_argument("--project", help="explain a special-transfer project's outcome instead")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.set_defaults(func=cmd_explain)

    p = with_set(sub.add_parser("compare", help="compare scenarios: tables, workbook and charts"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--baseline", help="label (file stem) of the baseline; default the first file")
    p.add_argument("--out", help="output folder (default out/comparison)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("template", help="write an empty scenario workbook to fill in")
    p.add_argument("out", metavar="OUT.xlsx")
    p.set_defaults(func=cmd_template)

    p = with_set(sub.add_parser("montecarlo", help="uncertainty of required transfers and county balance"))
    p.add_argument("file")
    p.add_argument("--draws", type=int, help="number of draws (default: the scenario's uncertainty.draws)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's uncertainty.seed)")
    p.add_argument("--out", help="output folder (default out/<scenario>_montecarlo)")
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    _cluster_options(p)
    p.set_defaults(func=cmd_montecarlo)

    p = with_set(sub.add_parser("sweep", help="indicators over every combination of one or two settings' values"))
    p.add_argument("file")
    p.add_argument("--param", action="append", required=True, metavar="PATH", help="e.g. general_transfer.pool")
    p.add_argument(
        "--values",
        action="append",
        required=True,
        metavar="V1,V2,…",
        help="the values of the --param before it (a first value below 0: --values=-5,0,5)",
    )
    p.add_argument("--metric", default="county_balance", help="the indicator charted (default county_balance)")
    p.add_argument("--year", type=int, help="the year charted (default: the last simulated year)")
    p.add_argument("--out", help="output folder (default out/<scenario>_sweep)")
    _cluster_options(p)
    p.set_defaults(func=cmd_sweep)

    p = with_set(sub.add_parser("solve", help="find the setting that makes a metric hit a value"))
    p.add_argument("file")
    p.add_argument("--parameter", required=True, metavar="PATH", help="e.g. revenue_items.vat.split.town_share")
    p.add_argument("--target", required=True, metavar="METRIC", help="an indicator, or county.<column>")
    p.add_argument("--value", required=True, type=float)
    p.add_argument("--year", type=int, help="default: the last simulated year")
    p.add_argument("--bounds", nargs=2, type=float, metavar=("LO", "HI"))
    p.set_defaults(func=cmd_solve)

    if command not in sub.choices:
        _plugin_commands(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command word of a command line (after ``--lang X``), or None."""
    words = iter(argv)
    for word in words:
        if word == "--lang":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    lang = "en"
    try:
        args = build_parser(_command_of(sys.argv[1:] if argv is None else argv)).parse_args(argv)
        lang = args.lang
        return args.func(args)
    except (ScenarioError, SolveError, UsageError) as exc:
        message = exc.one_line(lang) if isinstance(exc, ScenarioError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
