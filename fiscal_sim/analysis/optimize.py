"""Optimising (目标优化): which values of some parameters make a result best under constraints.

Parameters, metrics and runs are those of :mod:`fiscal_sim.analysis.goal_seek`; the search is
``scipy.optimize.minimize`` over the parameters scaled to [0, 1].
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import ScenarioError
from ..result import Result
from ..scenario import Scenario, as_scenario
from .goal_seek import Evaluator, Metric, finite_number, parameter_bounds, parse_metric, shown, year_index


@dataclass
class OptimizeResult:
    """What :func:`optimize` returns: the best parameter values, the objective there, and the run."""

    values: dict  # PATH -> value
    metric: float  # the objective at ``values``
    objective: str
    year: int | str  # a year, or "all" when summed over the years
    success: bool
    message: str
    constraints: list  # one report per constraint: metric, op, value, year, achieved, satisfied
    iterations: int
    evaluations: int
    result: Result = field(repr=False)


OPERATORS = (">=", "<=")


def optimize(
    scenario,
    parameters: dict,
    objective: str,
    *,
    year: int | None = None,
    minimize: bool = True,
    constraints=(),
    sum_over_years: bool = False,
    x0: dict | None = None,
    method: str = "SLSQP",
    tol: float = 1e-10,
    maxiter: int = 200,
) -> OptimizeResult:
    """Best values of ``parameters`` (``{PATH: (lo, hi)}``) for ``objective`` under ``constraints``.

    The objective is read in ``year`` (default: the last), or summed over all years when
    ``sum_over_years``. Each constraint is ``(METRIC, ">=" | "<=", value)`` or with a fourth element,
    the year; without one it must hold in ``year``, or in every year when ``sum_over_years``.
    ``scipy.optimize.minimize`` (SLSQP or trust-constr, bounds given) works on the parameters scaled
    to [0, 1] with finite-difference gradients; kinks (a gap reaching 0, a pool running out) can stop
    it at a corner, so check ``success`` and ``message``.

    Returns an :class:`OptimizeResult`.
    """
    from scipy import optimize as so  # imported on use: scipy.optimize is slow to import

    scenario = as_scenario(scenario)
    if not isinstance(parameters, dict) or not parameters:
        raise ScenarioError({"parameters": ["give at least one PATH: (lo, hi)"]})
    if method not in ("SLSQP", "trust-constr"):
        raise ScenarioError({"method": [f"must be SLSQP or trust-constr, got {method!r}"]})
    paths = [str(p) for p in parameters]
    box = np.array([parameter_bounds(p, b, f"parameters.{p}") for p, b in parameters.items()])
    lo, width = box[:, 0], box[:, 1] - box[:, 0]
    goal_metric = parse_metric(scenario, objective, "objective")
    t = None if sum_over_years else year_index(scenario, year)
    checks = _constraints(scenario, constraints, year, sum_over_years)
    ev = Evaluator(scenario, paths, "parameters")

    start = np.full(len(paths), 0.5)
    if x0 is not None:
        start = np.array(
            [
                (finite_number(x0.get(p, lo[j] + width[j] / 2), f"x0.{p}") - lo[j]) / width[j]
                for j, p in enumerate(paths)
            ]
        )
        start = np.clip(start, 0.0, 1.0)

    def x_of(u) -> np.ndarray:
        return lo + np.clip(u, 0.0, 1.0) * width

    sign = 1.0 if minimize else -1.0
    scale = max(1.0, abs(ev.value(goal_metric, x_of(start), t)))

    def fun(u) -> float:
        return sign * ev.value(goal_metric, x_of(u), t) / scale

    def constraint_values(u) -> np.ndarray:
        result = ev.result(x_of(u))
        return np.concatenate([c.slack(result) for c in checks]) if checks else np.zeros(0)

    bounds = so.Bounds(np.zeros(len(paths)), np.ones(len(paths)))
    if method == "SLSQP":
        cons = [{"type": "ineq", "fun": constraint_values}] if checks else []
        options = {"maxiter": maxiter, "ftol": tol}
    else:
        cons = [so.NonlinearConstraint(constraint_values, 0.0, np.inf)] if checks else []
        options = {"maxiter": maxiter * 5, "gtol": tol, "xtol": tol}
    with warnings.catch_warnings():
        # trust-constr's quasi-Newton update warns on the piecewise-linear metrics; nothing to act on
        warnings.filterwarnings("ignore", message="delta_grad == 0.0", category=UserWarning)
        found = so.minimize(fun, start, method=method, bounds=bounds, constraints=cons, options=options)

    best = x_of(found.x)
    result = ev.result(best)
    report = [c.report(result) for c in checks]
    feasible = all(r["satisfied"] for r in report)
    success = bool(found.success) and feasible
    message = str(found.message)
    if not feasible:
        broken = "; ".join(
            f"{r['metric']} {r['op']} {shown(r['value'])} in {r['year']} (is {shown(r['achieved'])})"
            for r in report
            if not r["satisfied"]
        )
        message = f"constraints not met: {broken} ({message})"
    return OptimizeResult(
        values={p: float(v) for p, v in zip(paths, best)},
        metric=ev.value(goal_metric, best, t),
        objective=objective,
        year="all" if t is None else int(scenario.years[t]),
        success=success,
        message=message,
        constraints=report,
        iterations=int(getattr(found, "nit", 0)),
        evaluations=len(ev.cache),
        result=result,
    )


@dataclass(frozen=True)
class Constraint:
    """``metric op value`` in the year positions ``years``; ``slack ≥ 0`` when it holds."""

    metric: Metric
    op: str
    value: float
    years: tuple[int, ...]
    all_years: np.ndarray
    scale: float

    def slack(self, result: Result) -> np.ndarray:
        series = self.metric.series(result)[list(self.years)]
        difference = series - self.value if self.op == ">=" else self.value - series
        return difference / self.scale

    def report(self, result: Result) -> dict:
        series = self.metric.series(result)[list(self.years)]
        worst = int(np.argmin(self.slack(result)))
        tolerance = 1e-6 * max(1.0, abs(self.value))
        ok = series >= self.value - tolerance if self.op == ">=" else series <= self.value + tolerance
        return {
            "metric": self.metric.label,
            "op": self.op,
            "value": self.value,
            "year": int(self.all_years[self.years[worst]]),
            "achieved": float(series[worst]),
            "satisfied": bool(ok.all()),
        }


def _constraints(scenario: Scenario, constraints, year, sum_over_years: bool) -> list[Constraint]:
    """Parse ``(METRIC, op, value[, year])`` tuples into :class:`Constraint`."""
    out = []
    for n, spec in enumerate(constraints or ()):
        field = f"constraints[{n}]"
        if not isinstance(spec, (list, tuple)) or len(spec) not in (3, 4):
            raise ScenarioError({field: [f"must be (METRIC, '>=' or '<=', value[, year]), got {spec!r}"]})
        metric = parse_metric(scenario, spec[0], field)
        if spec[1] not in OPERATORS:
            raise ScenarioError({field: [f"operator must be '>=' or '<=', got {spec[1]!r}"]})
        value = finite_number(spec[2], field)
        if len(spec) == 4:
            years = (year_index(scenario, spec[3], field),)
        elif sum_over_years:
            years = tuple(range(len(scenario.years)))
        else:
            years = (year_index(scenario, year),)
        out.append(Constraint(metric, spec[1], value, years, scenario.years, max(1.0, abs(value))))
    return out
