"""A comparison's charts (:data:`CHARTS`): general transfers by town, town budgets, the county balance,
Lorenz curves and each town's change in resources, for ``{label: Result}``.

:func:`chart_data` gives the numbers behind each chart in long form (a ``label`` column per scenario) and
:func:`make_chart` draws exactly those numbers (:mod:`.comparison_drawing`), so a chart and its CSV never
disagree. A bad chart name, year, baseline or Monte Carlo band is a :class:`~fiscal_sim.errors.ScenarioError`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ... import catalogue
from ...analysis.compare import town_differences
from ...catalogue import Curve
from ...errors import Message, ScenarioError
from ...model.indicators import lorenz_curve, per_capita
from .common import DEFAULT_DPI, _check_name, _drawn, _Words
from .comparison_drawing import _draw_balance, _draw_budgets, _draw_changes, _draw_lorenz, _draw_transfers

CHARTS = tuple(catalogue.CHARTS)
MONTECARLO_COLUMNS = ("year", "county_balance_p5", "county_balance_p50", "county_balance_p95")
SETTLEMENTS = ("tax_return", "contract_transfer", "incentive")


# ---------------------------------------------------------------------------------------------
# checks


def _check_results(results: dict) -> None:
    if not isinstance(results, dict) or not results:
        raise ScenarioError({"scenarios": [Message("length_min", n=1)]})


def _check_baseline(results: dict, baseline: str | None) -> str:
    """The baseline label: the given one (a label of ``results``), else the first."""
    if baseline is None:
        return next(iter(results))
    if baseline not in results:
        known = ", ".join(map(str, results))
        raise ScenarioError({"baseline": [Message("not_a_choice", choices=known, value=repr(baseline))]})
    return baseline


def chart_year(results: dict, year: int | None) -> int:
    """The year to chart: the given one if every scenario simulates it, else the last common year."""
    firsts = [int(r.years[0]) for r in results.values()]
    lasts = [int(r.years[-1]) for r in results.values()]
    first, last = max(firsts), min(lasts)
    if first > last:
        raise ScenarioError({"year": ["the scenarios have no simulated year in common"]})
    if year is None:
        return last
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not first <= year <= last:
        raise ScenarioError({"year": [f"{year!r} is not a simulated year of every scenario ({first}-{last})"]})
    return int(year)


def _check_montecarlo(results: dict, montecarlo: dict | None) -> dict:
    if montecarlo is None:
        return {}
    if not isinstance(montecarlo, dict):
        raise ScenarioError({"montecarlo": ["must map scenario labels to Monte Carlo summary frames"]})
    for label, frame in montecarlo.items():
        if label not in results:
            raise ScenarioError({"montecarlo": [f"unknown scenario label {label!r}"]})
        missing = [c for c in MONTECARLO_COLUMNS if not isinstance(frame, pd.DataFrame) or c not in frame]
        if missing:
            raise ScenarioError(
                {f"montecarlo.{label}": [f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}"]}
            )
    return montecarlo


# ---------------------------------------------------------------------------------------------
# the numbers behind each chart of a comparison


def _towns_in_year(results: dict, year: int, columns: list[str]) -> pd.DataFrame:
    """``label, year, town, name`` and ``columns`` of each scenario's towns in one year."""
    frames = []
    for label, result in results.items():
        towns = result.towns
        rows = towns.loc[towns["year"] == year, ["year", "town", "name", *columns]]
        frames.append(rows.astype({"town": object, "name": object}).assign(label=label))
    out = pd.concat(frames, ignore_index=True)
    return out[["label", "year", "town", "name", *columns]]


def _transfers_data(results, year, montecarlo, baseline):
    return _towns_in_year(results, year, ["general_transfer"])


def _budgets_data(results, year, montecarlo, baseline):
    data = _towns_in_year(results, year, ["own_revenue", *SETTLEMENTS, "general_transfer", "special_transfer"])
    data.insert(5, "returns_and_settlements", data[list(SETTLEMENTS)].sum(axis=1))
    stacked = _towns_in_year(results, year, ["standard_expenditure"])["standard_expenditure"]
    return data.drop(columns=list(SETTLEMENTS)).assign(standard_expenditure=stacked.to_numpy())


def _balance_data(results, year, montecarlo, baseline):
    frames = []
    for label, result in results.items():
        frame = result.indicators[["year", "county_balance"]].assign(label=label)
        if label in montecarlo:
            band = montecarlo[label][list(MONTECARLO_COLUMNS)]
            frame = frame.merge(band, on="year", how="left")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[["label", *[c for c in out.columns if c != "label"]]]


def _lorenz_data(results, year, montecarlo, baseline):
    """Population-weighted Lorenz points of per-capita own revenue (before) and resources (after)."""
    frames = []
    for label, result in results.items():
        towns = result.towns
        rows = towns[towns["year"] == year]
        population = rows["population"].to_numpy(np.float64)
        weights = np.where(population > 0, population, 0.0)
        for curve, column in ((Curve.BEFORE.value, "own_revenue"), (Curve.AFTER.value, "resources")):
            values = np.nan_to_num(per_capita(rows[column].to_numpy(np.float64), population))
            p, share = lorenz_curve(values, weights)
            frames.append(
                pd.DataFrame(
                    {
                        "label": label,
                        "year": year,
                        "curve": curve,
                        "point": np.arange(len(p)),
                        "population_share": p,
                        "resource_share": share,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


CHANGES_COLUMNS = [
    "label",
    "baseline",
    "year",
    "town",
    "name",
    "resources_baseline",
    "resources_scenario",
    "resources_diff",
]


def _changes_data(results, year, montecarlo, baseline):
    """Per scenario other than the baseline, each town's change in resources in ``year``, largest gain first
    (towns only one side has are left out: they have no change)."""
    towns = town_differences(results, baseline)
    rows = towns[(towns["year"] == year) & towns["resources_diff"].notna()].assign(baseline=baseline)
    order = rows.assign(_label=pd.Categorical(rows["label"], categories=list(results)))
    order = order.sort_values(["_label", "resources_diff"], ascending=[True, False], kind="stable")
    return order[CHANGES_COLUMNS].reset_index(drop=True)


_DATA = {
    "transfers_by_town": _transfers_data,
    "town_budgets": _budgets_data,
    "county_balance": _balance_data,
    "lorenz": _lorenz_data,
    "changes_by_town": _changes_data,
}


def chart_data(
    name: str,
    results: dict,
    *,
    year: int | None = None,
    montecarlo: dict[str, pd.DataFrame] | None = None,
    baseline: str | None = None,
) -> pd.DataFrame:
    """The numbers behind a chart, in long form with a ``label`` column per scenario.

    ``year`` (default: the last year every scenario simulates) applies to the per-town charts;
    ``montecarlo`` maps a label to its Monte Carlo summary (``year, county_balance_p5/_p50/_p95``);
    ``baseline`` (default: the first label) is what ``changes_by_town`` measures against.
    """
    _check_name(name, CHARTS)
    _check_results(results)
    baseline = _check_baseline(results, baseline)
    year = chart_year(results, year)
    return _DATA[name](results, year, _check_montecarlo(results, montecarlo), baseline)


# ---------------------------------------------------------------------------------------------
# drawing (.comparison_drawing)


_DRAW = {
    "transfers_by_town": _draw_transfers,
    "town_budgets": _draw_budgets,
    "county_balance": _draw_balance,
    "lorenz": _draw_lorenz,
    "changes_by_town": _draw_changes,
}


def make_chart(
    name: str,
    results: dict,
    *,
    year: int | None = None,
    montecarlo: dict[str, pd.DataFrame] | None = None,
    baseline: str | None = None,
    dpi: float = DEFAULT_DPI,
    lang: str = "zh",
) -> Figure:
    """One of :data:`CHARTS` for ``{label: Result}`` as a matplotlib Figure (not shown anywhere);
    ``baseline`` (default: the first label) is the comparison's."""
    data = chart_data(name, results, year=year, montecarlo=montecarlo, baseline=baseline)
    unit = next(iter(results.values())).unit
    baseline = _check_baseline(results, baseline)
    words_ = _Words(catalogue.CHARTS[name], lang, unit=unit, year=chart_year(results, year), baseline=baseline)
    return _drawn(_DRAW[name], data, words_, dpi)
