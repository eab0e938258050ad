"""A metric against a parameter over a search range (目标求解曲线): what goal seeking searches, as a curve.

:func:`metric_curve` runs the scenario at evenly spaced values of a parameter and reads a metric in one
year (the parameters, metrics and bounds of :func:`fiscal_sim.analysis.goal_seek.solve`), and, given a
goal, solves for it so the curve can show where the metric reaches it. Drawn by
:func:`fiscal_sim.io.charts.solve_chart`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .. import catalogue
from ..errors import ScenarioError, SolveError
from ..numbers import is_integer
from ..scenario import Scenario, as_scenario
from .goal_seek import Evaluator, SolveResult, finite_number, parameter_bounds, parse_metric, solve, year_index

CURVE_POINTS = 21  # evenly spaced values by default, both bounds included
MIN_CURVE_POINTS, MAX_CURVE_POINTS = 3, 101


@dataclass
class MetricCurve:
    """What :func:`metric_curve` returns: the metric at each parameter value, and the solution if asked for."""

    parameter: str
    target: str
    year: int
    bounds: tuple[float, float]
    values: np.ndarray  # parameter values, evenly spaced from lo to hi
    metrics: np.ndarray  # the metric at each value (NaN where it is undefined)
    goal: float | None = None
    solution: SolveResult | None = field(default=None, repr=False)  # None without a goal or when out of reach
    unreachable: str = ""  # why no value reaches the goal (SolveError's message)
    scenario: Scenario | None = field(default=None, repr=False)


def metric_curve(
    scenario,
    parameter: str,
    target: str,
    value: float | None = None,
    year: int | None = None,
    bounds: tuple[float, float] | None = None,
    points: int = CURVE_POINTS,
) -> MetricCurve:
    """``target`` in ``year`` at ``points`` evenly spaced values of ``parameter`` over ``bounds``.

    Arguments as :func:`~fiscal_sim.analysis.goal_seek.solve` (``bounds`` default to (0, 1) for a share);
    with a ``value`` the goal is also solved for: ``solution`` is the :class:`SolveResult`, or None with
    ``unreachable`` saying why when no value in the bounds reaches it. A bad parameter, metric, year,
    bounds or number of points is a :class:`ScenarioError`.
    """
    scenario = as_scenario(scenario)
    if not isinstance(parameter, str) or not parameter:
        raise ScenarioError({"parameter": [f"must be a scenario path, got {parameter!r}"]})
    metric = parse_metric(scenario, target, "target")
    t = year_index(scenario, year)
    lo, hi = parameter_bounds(parameter, bounds)
    if not is_integer(points) or not MIN_CURVE_POINTS <= points <= MAX_CURVE_POINTS:
        raise ScenarioError(
            {"points": [f"must be a whole number from {MIN_CURVE_POINTS} to {MAX_CURVE_POINTS}, got {points!r}"]}
        )
    goal = None if value is None else finite_number(value, "value")
    evaluator = Evaluator(scenario, [parameter])
    values = np.linspace(lo, hi, int(points))
    metrics = np.array([evaluator.value(metric, [x], t) for x in values])
    solution, unreachable = None, ""
    if goal is not None:
        try:
            solution = solve(scenario, parameter, target, goal, year=year, bounds=(lo, hi))
        except SolveError as exc:
            unreachable = str(exc)
    return MetricCurve(
        parameter=parameter,
        target=target,
        year=int(scenario.years[t]),
        bounds=(lo, hi),
        values=values,
        metrics=metrics,
        goal=goal,
        solution=solution,
        unreachable=unreachable,
        scenario=scenario,
    )


# ---------------------------------------------------------------------------------------------
# words of a parameter and a metric (for a chart's axes and the page's sentence)

_INDEX = re.compile(r"\[([^\]]*)\]")
_NAMED_RECORDS = ("revenue_items", "expenditure_functions")


def parameter_unit(path: str) -> catalogue.Unit | None:
    """The catalogue's unit of a parameter path (share, rate, money …), None when the catalogue lacks it."""
    spec = catalogue.field(path)
    return None if spec is None else spec.unit


def _free_key(segment: str, lang: str) -> str | None:
    """A map's free key in words (an assessment indicator, a towns column), None for a structural key."""
    if segment in catalogue.AssessmentIndicator.codes():
        return catalogue.AssessmentIndicator(segment).label(lang)
    if catalogue.column(segment, "towns") is not None:
        return catalogue.column_label(segment, "towns", lang)
    return None


def parameter_label(path: str, config: dict | None = None, lang: str = "zh") -> str:
    """A parameter path in a few words: what it belongs to (a revenue item by its name) and the field.

    >>> parameter_label("revenue_items.vat.split.town_share", {"revenue_items": [{"id": "vat", "name": "增值税"}]})
    '增值税 — 乡镇分成比例'
    >>> parameter_label("assessment.targets.gdp_growth", lang="en")
    'pilot assessment — GDP growth'
    >>> parameter_label("no.such.path")
    'no.such.path'
    """
    spec = catalogue.field(path)
    segments = _INDEX.sub(r".\1", str(path)).split(".")
    if spec is None or segments[0] not in catalogue.SCENARIO:
        return str(path)
    top = catalogue.SCENARIO[segments[0]]
    rest = segments[1:]
    if top.kind == "records" and rest:
        names = {}
        if segments[0] in _NAMED_RECORDS:
            names = {str(r.get("id")): str(r["name"]) for r in (config or {}).get(segments[0]) or [] if r.get("name")}
        parts, rest = [names.get(rest[0], rest[0])], rest[1:]
    else:
        parts = [top.label(lang)]
    last = rest[-1] if rest else segments[0]
    parts += [w for w in (_free_key(s, lang) for s in rest[:-1]) if w]
    parts.append(spec.label(lang) if spec.key == last else (_free_key(last, lang) or last))
    return " — ".join(dict.fromkeys(parts))


def _metric_column(target: str) -> tuple[str, str, str]:
    """``(table, column, town)`` of a metric name: ``county.balance`` → ``("county", "balance", "")``."""
    table, _, rest = str(target).partition(".")
    if table == "county" and rest:
        return "county", rest, ""
    if table == "towns" and rest:
        town, _, column = rest.rpartition(".")
        return "towns", column, town
    return "indicators", str(target), ""


def metric_unit(target: str) -> catalogue.Unit | None:
    """The catalogue's unit of a goal-seeking metric (money, share, ratio …), None when it lacks it."""
    table, column, _ = _metric_column(target)
    col = catalogue.column(column, table)
    return None if col is None else col.unit


def metric_words(scenario: Scenario, target: str, lang: str = "zh") -> tuple[str, catalogue.Unit | None]:
    """A goal-seeking metric's label and unit (``county_balance``, ``county.balance``, ``towns.T03.gap``)."""
    table, column, town = _metric_column(target)
    label = catalogue.column_label(column, table, lang)
    if table == "towns":
        names = dict(zip(scenario.towns["id"].astype(str), scenario.towns["name"].astype(str)))
        label = f"{names.get(town, town)}{'' if lang == 'zh' else ' '}{label}"
    return label, metric_unit(target)
