"""Goal seeking (目标求解, docs/model.md §1.10): which parameter value makes a result hit a target, and which
parameter values make a result best under constraints.

A parameter is a scenario path in the override syntax (``revenue_items.vat.split.town_share``); a
metric is an indicators column (``required_transfers``, ``coverage``, ``county_balance``,
``gini_after`` …), ``county.<column>`` (``county.balance``) or ``towns.<id>.<column>``
(``towns.T03.balance``), read in one year (default: the last simulated year). Every evaluation is a
full :func:`fiscal_sim.simulate` of the scenario with the override applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import catalogue
from ..errors import ScenarioError, SolveError
from ..numbers import is_integer, is_number
from ..result import COUNTY_COLUMNS, INDICATOR_COLUMNS, TOWN_COLUMNS, Result, simulate
from ..scenario import Scenario, as_scenario

SCAN_POINTS = 9  # interior values tried when the bounds do not bracket the target
NOT_NUMERIC = {"year", "town", "name"}


# ---------------------------------------------------------------------------------------------
# metrics


@dataclass(frozen=True)
class Metric:
    """A result number per simulated year: an indicator, a county column or a town's column."""

    label: str
    table: str  # "indicators" | "county" | "towns"
    column: str
    town: int | None = None  # position of the town for "towns"

    def series(self, result: Result) -> np.ndarray:
        """The metric in every simulated year, shape (T,)."""
        if self.table == "indicators":
            return result.indicators[self.column].to_numpy(np.float64)
        if self.table == "county":
            return result.county[self.column].to_numpy(np.float64)
        return np.asarray(result.town_array(self.column)[:, self.town], dtype=np.float64)


def metric_names() -> list[str]:
    """The metric names accepted (towns metrics as the pattern ``towns.<id>.<column>``)."""
    indicators = [c for c in INDICATOR_COLUMNS if c not in NOT_NUMERIC]
    county = [f"county.{c}" for c in COUNTY_COLUMNS if c not in NOT_NUMERIC]
    return indicators + county + ["towns.<id>.<column>"]


def parse_metric(scenario: Scenario, name, field: str) -> Metric:
    """The :class:`Metric` called ``name``, or a ScenarioError on ``field`` listing the valid names."""
    if not isinstance(name, str):
        raise ScenarioError({field: [f"must be a metric name, got {name!r}"]})
    if name in INDICATOR_COLUMNS and name not in NOT_NUMERIC:
        return Metric(name, "indicators", name)
    table, _, rest = name.partition(".")
    if table == "county" and rest in COUNTY_COLUMNS and rest not in NOT_NUMERIC:
        return Metric(name, "county", rest)
    if table == "towns" and rest:
        town, _, column = rest.rpartition(".")
        ids = scenario.towns["id"].astype(str).tolist()
        if town not in ids:
            raise ScenarioError({field: [f"{name}: unknown town {town!r}"]})
        numeric = [c for c in TOWN_COLUMNS if c not in NOT_NUMERIC]
        if column not in numeric:
            raise ScenarioError(
                {field: [f"{name}: unknown town column {column!r}; choose one of {', '.join(numeric)}"]}
            )
        return Metric(name, "towns", column, ids.index(town))
    raise ScenarioError({field: [f"unknown metric {name!r}; choose one of {', '.join(metric_names())}"]})


def year_index(scenario: Scenario, year, field: str = "year") -> int:
    """Position of ``year`` among the simulated years (None: the last)."""
    years = scenario.years
    if year is None:
        return len(years) - 1
    if not is_integer(year) or not years[0] <= year <= years[-1]:
        raise ScenarioError({field: [f"must be a simulated year from {years[0]} to {years[-1]}, got {year!r}"]})
    return int(year - years[0])


# ---------------------------------------------------------------------------------------------
# parameters


def parameter_bounds(path: str, bounds, field: str = "bounds") -> tuple[float, float]:
    """``(lo, hi)`` as floats; (0, 1) by default for a share (a catalogue field of unit share)."""
    if bounds is None:
        spec = catalogue.field(path)
        if spec is not None and spec.unit is catalogue.Unit.SHARE:
            return 0.0, 1.0
        raise ScenarioError({field: [f"give bounds (lo, hi) for {path}; only shares default to (0, 1)"]})
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise ScenarioError({field: [f"must be two numbers (lo, hi), got {bounds!r}"]}) from None
    for v in (lo, hi):
        if not is_number(v):
            raise ScenarioError({field: [f"must be two finite numbers (lo, hi), got {bounds!r}"]})
    if not lo < hi:
        raise ScenarioError({field: [f"lower bound {lo} must be below upper bound {hi}"]})
    return float(lo), float(hi)


class Evaluator:
    """Runs the scenario with parameter values set by path; remembers each run (SLSQP asks twice)."""

    def __init__(self, scenario: Scenario, paths: list[str], field: str = "parameter"):
        self.scenario = scenario
        self.paths = paths
        self.field = field
        self.cache: dict[tuple, Result] = {}

    def result(self, values) -> Result:
        key = tuple(float(v) for v in values)
        if key not in self.cache:
            overrides = dict(zip(self.paths, key))
            try:
                scenario = self.scenario.with_overrides(overrides)
            except ScenarioError as exc:
                shown = ", ".join(f"{p} = {v:g}" for p, v in overrides.items())
                raise ScenarioError({self.field: [f"setting {shown} fails: {exc.one_line()}"]}) from None
            self.cache[key] = simulate(scenario)
        return self.cache[key]

    def value(self, metric: Metric, values, year: int | None) -> float:
        """The metric in year index ``year``, or summed over all years when ``year`` is None."""
        series = metric.series(self.result(values))
        return float(series.sum() if year is None else series[year])


def finite_number(value, field: str) -> float:
    if not is_number(value):
        raise ScenarioError({field: [f"must be a finite number, got {value!r}"]})
    return float(value)


def shown(x: float) -> str:
    return f"{x:,.2f}" if abs(x) >= 1 else f"{x:.6g}"


# ---------------------------------------------------------------------------------------------
# what goal seeking returns


@dataclass
class SolveResult:
    """What :func:`solve` returns: the parameter value found, the metric there, and the run at that value."""

    parameter: str
    target: str
    year: int
    goal: float  # the value asked for
    value: float  # the parameter value found
    metric: float  # the metric at that value
    residual: float  # metric − goal
    exact: bool  # False when the metric jumps across the goal
    message: str
    iterations: int
    evaluations: int
    result: Result = field(repr=False)


# ---------------------------------------------------------------------------------------------
# solve


def solve(
    scenario,
    parameter: str,
    target: str,
    value: float,
    year: int | None = None,
    bounds: tuple[float, float] | None = None,
) -> SolveResult:
    """The value of ``parameter`` in ``bounds`` at which ``target`` (in ``year``) equals ``value``.

    Uses ``scipy.optimize.brentq`` on ``metric(x) − value``. When the bounds do not bracket the
    target, :data:`SCAN_POINTS` interior values are tried for a sign change first (a metric need not
    be monotone). Brent's method is run to floating-point resolution of the parameter, so a
    continuous metric hits ``value`` to rounding; a metric that jumps (project funding, pilot
    revocation) is reported at the jump, and one that is flat at the target is said to be so.

    Returns a :class:`SolveResult`; raises :class:`SolveError` (which bound comes closest, and the metric there) when no value in
    the bounds reaches the target, and :class:`ScenarioError` for a bad parameter, metric or year.
    """
    from scipy import optimize as so  # imported on use: scipy.optimize is slow to import

    scenario = as_scenario(scenario)
    if not isinstance(parameter, str) or not parameter:
        raise ScenarioError(
            {"parameter": [f"must be a scenario path such as revenue_items.vat.split.town_share, got {parameter!r}"]}
        )
    metric = parse_metric(scenario, target, "target")
    goal = finite_number(value, "value")
    t = year_index(scenario, year)
    the_year = int(scenario.years[t])
    lo, hi = parameter_bounds(parameter, bounds)
    ev = Evaluator(scenario, [parameter])

    def f(x: float) -> float:
        m = ev.value(metric, [x], t)
        if math.isnan(m):
            raise SolveError(f"{target} is undefined in {the_year} at {parameter} = {x:g}")
        return m - goal

    grid = [lo, hi]
    values = [f(lo), f(hi)]
    bracket = _bracket(grid, values)
    if bracket is None:
        grid = list(np.linspace(lo, hi, SCAN_POINTS + 2))
        values = [values[0]] + [f(x) for x in grid[1:-1]] + [values[1]]
        bracket = _bracket(grid, values)
    if bracket is None:
        raise _unreachable(parameter, target, goal, the_year, lo, hi, grid, values)

    a, b = bracket
    iterations = 0
    if f(a) == 0.0:
        root = a
    elif f(b) == 0.0:
        root = b
    else:
        scale = max(abs(a), abs(b), 1.0)
        root, info = so.brentq(
            f, a, b, xtol=4 * np.finfo(float).eps * scale, rtol=4 * np.finfo(float).eps, maxiter=400, full_output=True
        )
        iterations = info.iterations
    root = float(root)
    residual = f(root)
    result = ev.result([root])
    message, exact = _describe(f, root, residual, goal, a, b, lo, hi)
    return SolveResult(
        parameter=parameter,
        target=target,
        year=the_year,
        goal=goal,
        value=root,
        metric=ev.value(metric, [root], t),
        residual=residual,
        exact=exact,
        message=message,
        iterations=iterations,
        evaluations=len(ev.cache),
        result=result,
    )


def _bracket(grid: list[float], values: list[float]) -> tuple[float, float] | None:
    """The first pair of neighbouring values where ``metric − goal`` is zero or changes sign."""
    for (x0, v0), (x1, v1) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if v0 == 0.0:
            return x0, x0
        if v0 * v1 <= 0.0:
            return x0, x1
    return None


def _describe(f, root, residual, goal, a, b, lo, hi) -> tuple[str, bool]:
    """Say whether the metric hits the goal at ``root``, jumps across it, or is flat there."""
    tolerance = 1e-9 * max(1.0, abs(goal))
    h = 1e-6 * (hi - lo)
    left, right = max(lo, root - h), min(hi, root + h)
    if abs(residual) > tolerance:
        below, above = f(left) + goal, f(right) + goal
        return (
            f"the metric jumps across the target at {root:.10g} (from {shown(below)} to {shown(above)}): "
            f"no value hits {shown(goal)} exactly; {root:.10g} is where it crosses",
            False,
        )
    flat = [x for x in (left, right) if x != root and abs(f(x)) <= tolerance]
    if flat:
        return (
            f"the metric is flat at the target around {root:.10g} (piecewise flat): neighbouring values "
            f"also give {shown(goal)}; this is one of them",
            True,
        )
    return "target reached", True


def _unreachable(parameter, target, goal, year, lo, hi, grid, values) -> SolveError:
    """The error for a target no value in the bounds reaches, naming the bound that comes closest."""
    at_lo, at_hi = values[0] + goal, values[-1] + goal
    lower_closer = abs(values[0]) <= abs(values[-1])
    bound, x, m = ("lower", lo, at_lo) if lower_closer else ("upper", hi, at_hi)
    text = (
        f"{target} cannot reach {shown(goal)} in {year} for {parameter} in [{lo:g}, {hi:g}]: "
        f"closest is {x:g} at the {bound} bound, giving {shown(m)}"
        f" (at the {'upper' if lower_closer else 'lower'} bound {hi if lower_closer else lo:g}: "
        f"{shown(at_hi if lower_closer else at_lo)})"
    )
    best = int(np.argmin(np.abs(values)))
    if 0 < best < len(values) - 1 and abs(values[best]) < min(abs(values[0]), abs(values[-1])):
        text += f"; an inside value {grid[best]:g} comes closer, giving {shown(values[best] + goal)}"
    error = SolveError(text)
    error.bound, error.bound_value, error.bound_metric = bound, x, m
    error.parameter, error.target, error.goal, error.year = parameter, target, goal, year
    return error
