"""Goal seeking's chart (for the analysis page): the metric against the parameter over the search range
(:func:`fiscal_sim.analysis.curve.metric_curve`), the goal as a line and the solution marked, so one sees
how the answer was found and how sensitive the metric is around it (or that the goal is out of reach).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ... import catalogue
from ...analysis.curve import MetricCurve, metric_words, parameter_label, parameter_unit
from ...catalogue import charts as words
from ...errors import ScenarioError
from .common import DEFAULT_DPI, _axis_format, _drawn, _Words, shown_value

SOLVE_COLUMNS = ["parameter", "target", "year", "goal", "value", "metric", "point"]


def _check_curve(curve) -> MetricCurve:
    if not isinstance(curve, MetricCurve):
        raise ScenarioError({"curve": [f"must be a metric curve (fiscal_sim.analysis.curve), got {curve!r:.60}"]})
    return curve


def solve_chart_data(curve: MetricCurve) -> pd.DataFrame:
    """The numbers behind :func:`solve_chart`: a row per parameter value tried (``point`` = ``grid``) and
    the solution (``solution``) when the goal was reached, with the goal asked for."""
    curve = _check_curve(curve)
    rows = pd.DataFrame({"value": curve.values, "metric": curve.metrics, "point": "grid"})
    if curve.solution is not None:
        found = pd.DataFrame({"value": [curve.solution.value], "metric": [curve.solution.metric], "point": "solution"})
        rows = pd.concat([rows, found], ignore_index=True)
    rows = rows.assign(parameter=curve.parameter, target=curve.target, year=curve.year, goal=curve.goal)
    return rows[SOLVE_COLUMNS]


def _draw_solve(data, w: _Words, dpi):
    curve: MetricCurve = w.values["curve"]
    fig = Figure(figsize=(8.0, 4.6), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    grid = data[data["point"] == "grid"]
    tried = w.text(words.SOLVE_CURVE, target=w.values["target"], points=len(grid))
    ax.plot(grid["value"], grid["metric"], marker="o", markersize=4, color="#1d5fa8", label=tried)
    if curve.goal is not None:
        goal = w.text(words.SOLVE_GOAL, goal=shown_value(curve.goal, w.values["metric_unit"], w.values["unit"]))
        ax.axhline(curve.goal, color="#67727e", linestyle="--", linewidth=1.0, label=goal)
    found = data[data["point"] == "solution"]
    if len(found):
        x, m = float(found["value"].iloc[0]), float(found["metric"].iloc[0])
        text = w.text(words.SOLVE_SOLUTION, value=shown_value(x, w.values["parameter_unit"], w.values["unit"]))
        ax.plot([x], [m], linestyle="none", marker="D", markersize=9, color="#b42318", label=text, zorder=3)
        ax.axvline(x, color="#b42318", linewidth=0.8, linestyle=":")
    fig.suptitle(w.title())
    if curve.goal is not None and not len(found):
        ax.set_title(w.text(words.SOLVE_NOT_REACHED), fontsize="small", color="#b42318")
    ax.set_xlabel(w.x())
    money = w.values["metric_unit"] is not None and w.values["metric_unit"].money
    ax.set_ylabel(w.text(words.WITH_UNIT, label=w.y(), unit=w.values["unit"]) if money else w.y())
    for axis, unit in ((ax.xaxis, w.values["parameter_unit"]), (ax.yaxis, w.values["metric_unit"])):
        formatter = _axis_format(unit)
        if formatter is not None:
            axis.set_major_formatter(formatter)
    ax.grid(color="#e3e7eb", linewidth=0.8)
    ax.legend(fontsize="small")
    return fig


def solve_chart(curve: MetricCurve, *, dpi: float = DEFAULT_DPI, lang: str = "zh") -> Figure:
    """The metric against the parameter (:func:`fiscal_sim.analysis.curve.metric_curve`), the goal as a line
    and the solution marked, as a Figure; the parameter and metric named by the catalogue."""
    data = solve_chart_data(curve)
    scenario = curve.scenario
    config = scenario.config if scenario is not None else {}
    target, metric_unit = metric_words(scenario, curve.target, lang) if scenario is not None else (curve.target, None)
    words_ = _Words(
        catalogue.ANALYSIS_CHARTS["solve"],
        lang,
        unit=config.get("unit", ""),
        year=curve.year,
        parameter=parameter_label(curve.parameter, config, lang),
        target=target,
        parameter_unit=parameter_unit(curve.parameter),
        metric_unit=metric_unit,
        curve=curve,
    )
    return _drawn(_draw_solve, data, words_, dpi)
