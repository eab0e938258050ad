"""The commands on single results: ``validate``, ``run``, ``explain``, ``compare``, ``template``, ``solve``."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from .. import settings_words
from .arguments import UsageError, _overrides, _scenario
from .output import atomic_write, write_csv, write_csv_tables, write_result


def _key_figures(result) -> str:
    ind = result.indicators.set_index("year")
    table = ind[["required_transfers", "general_transfers", "coverage", "special_transfers", "county_balance"]]
    table = table.assign(pilots_active=ind["pilots_active"])
    with pd.option_context("display.width", 160, "display.float_format", "{:,.2f}".format):
        return f"{result.name} ({result.unit})\n{table.to_string()}"


def cmd_validate(args) -> int:
    from ...scenario import load_scenario

    s = load_scenario(args.file, _overrides(args.set))
    cfg = s.config
    print(
        f"OK {args.file}: {s.name} — {len(s.towns)} towns ({int(s.towns['pilot'].sum())} pilots), "
        f"{len(cfg['revenue_items'])} revenue items, {len(cfg['expenditure_functions'])} expenditure functions, "
        f"{cfg['years'][0]}-{cfg['years'][1]}" + (f", {len(s.projects)} projects" if s.projects is not None else "")
    )
    return 0


def cmd_run(args) -> int:
    from ...result import simulate

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
    from ...explain import explain_project
    from ...result import simulate

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
    from ...analysis.compare import FRAMES as COMPARE_FRAMES
    from ...analysis.compare import compare
    from ...result import simulate
    from ..charts import CHARTS, chart_data, figure_bytes, make_chart
    from ..excel_results import write_workbook

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
            scenario = comparison.results[row.label].scenario
            old, new = (
                settings_words.value_text(row.path, v, scenario.unit, args.lang, scenario)
                for v in (row.baseline, row.scenario)
            )
            print(f"  {row.label}: {settings_words.label(row.path, scenario, args.lang)}: {old} → {new}")
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0


def cmd_template(args) -> int:
    from ..excel_template import write_template

    path = Path(args.out)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"template writes an .xlsx workbook, got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path)
    print(f"written: {path}")
    return 0


def cmd_solve(args) -> int:
    from ...analysis.goal_seek import solve

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
