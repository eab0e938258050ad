"""Scenario comparison (方案比较, docs/model.md §1.6 ``compare``): summaries and differences against a baseline.

Every difference is ``scenario − baseline``: a positive ``resources_diff`` means the town has more
under the scenario. Towns and years are matched by id and year; a town or year only one side has gets
NaN on the other side (and in the difference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import catalogue
from ..catalogue import KEY_TOWN_COLUMNS, Outcome
from ..errors import Message, ScenarioError
from ..result import COUNTY_COLUMNS, INDICATOR_COLUMNS, Result, simulate
from ..scenario.variants import is_records

SUMMARY_COLUMNS = list(catalogue.RESULT_TABLES["summary"].keys)
SETTINGS_COLUMNS = list(catalogue.RESULT_TABLES["settings"].keys)
WINNERS_COLUMNS = list(catalogue.RESULT_TABLES["winners_losers"].keys)
FRAMES = ("summary", "summary_by_year", "towns", "years", "winners_losers", "settings")
NOT_SETTINGS = ("name", "description")  # top-level keys that label a scenario rather than set it
_MISSING = object()


@dataclass(eq=False)
class Comparison:
    """What :func:`compare` returns: summaries and differences against the baseline (charts: :mod:`fiscal_sim.io.charts`)."""

    results: dict[str, Result]
    baseline: str
    summary: pd.DataFrame  # one row per scenario over the whole period
    summary_by_year: pd.DataFrame  # label + Result.indicators
    towns: pd.DataFrame  # per label ≠ baseline, year and town: key columns _baseline/_scenario/_diff
    years: pd.DataFrame  # per label ≠ baseline, year and metric: baseline, scenario, difference
    winners_losers: pd.DataFrame  # per label ≠ baseline: towns ranked by the change in resources
    settings: pd.DataFrame  # per label ≠ baseline: settings (override paths) that differ
    labels: list[str] = field(init=False)

    def __post_init__(self):
        self.labels = list(self.results)


# ---------------------------------------------------------------------------------------------
# summaries


def summary_row(label: str, result: Result) -> dict:
    """One scenario over its whole period: sums of money, last-year distribution and pilots."""
    ind = result.indicators
    required = float(ind["required_transfers"].sum())
    paid = float(ind["general_transfers"].sum())
    lowest = int(ind["county_balance"].to_numpy().argmin())
    last = ind.iloc[-1]
    return {
        "label": label,
        "name": result.name,
        "unit": result.unit,
        "first_year": int(result.years[0]),
        "last_year": int(result.years[-1]),
        "required_transfers": required,
        "general_transfers": paid,
        "coverage": paid / required if required > 0 else 1.0,
        "special_transfers": float(ind["special_transfers"].sum()),
        "county_balance": float(ind["county_balance"].sum()),
        "county_balance_min": float(ind["county_balance"].iat[lowest]),
        "county_balance_min_year": int(ind["year"].iat[lowest]),
        **{k: float(last[k]) for k in ("gini_before", "gini_after", "cv_before", "cv_after")},
        "pilots_active": int(last["pilots_active"]),
    }


def summary_frame(results: dict[str, Result]) -> pd.DataFrame:
    """One row per scenario label (see :func:`summary_row`)."""
    return pd.DataFrame([summary_row(label, r) for label, r in results.items()], columns=SUMMARY_COLUMNS)


def summary_by_year(results: dict[str, Result]) -> pd.DataFrame:
    """Each scenario's indicators per year, with a ``label`` column."""
    frames = [r.indicators.assign(label=label) for label, r in results.items()]
    return pd.concat(frames, ignore_index=True)[["label", *INDICATOR_COLUMNS]]


# ---------------------------------------------------------------------------------------------
# differences


def _outer_align(base: pd.DataFrame, other: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames on the union of their keys: the baseline's order first, then rows only ``other`` has."""
    base_idx = base.set_index(keys)
    other_idx = other.set_index(keys)
    extra = other_idx.index[~other_idx.index.isin(base_idx.index)]
    index = base_idx.index.append(extra)
    base_idx, other_idx = base_idx.reindex(index), other_idx.reindex(index)
    order = np.argsort(index.get_level_values(keys[0]).to_numpy(), kind="stable")
    return base_idx.iloc[order], other_idx.iloc[order]


def _town_frame(result: Result) -> pd.DataFrame:
    frame = result.towns[["year", "town", "name", *KEY_TOWN_COLUMNS]]
    return frame.astype({"town": object, "name": object})


def town_differences(results: dict[str, Result], baseline: str) -> pd.DataFrame:
    """Per scenario, year and town: each key column's baseline value, scenario value and difference."""
    base = _town_frame(results[baseline])
    frames = []
    for label, result in results.items():
        if label == baseline:
            continue
        b, s = _outer_align(base, _town_frame(result), ["year", "town"])
        out = pd.DataFrame({"label": label, "name": s["name"].fillna(b["name"])}, index=b.index)
        for column in KEY_TOWN_COLUMNS:
            out[f"{column}_baseline"] = b[column]
            out[f"{column}_scenario"] = s[column]
            out[f"{column}_diff"] = s[column] - b[column]
        frames.append(out.reset_index())
    columns = ["label", "year", "town", "name"] + [
        f"{c}_{part}" for c in KEY_TOWN_COLUMNS for part in ("baseline", "scenario", "diff")
    ]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64" if "_" in c else object) for c in columns})
    return pd.concat(frames, ignore_index=True)[columns]


def _year_metrics(result: Result) -> pd.DataFrame:
    """Indicators and county columns per year in long form; county columns as ``county.COLUMN``."""
    county = result.county.rename(columns={c: f"county.{c}" for c in COUNTY_COLUMNS[1:]})
    wide = result.indicators.merge(county, on="year", how="outer").astype({"pilots_active": "float64"})
    return wide.melt(id_vars="year", var_name="metric", value_name="value")


def year_differences(results: dict[str, Result], baseline: str) -> pd.DataFrame:
    """Per scenario, year and metric (indicator or ``county.COLUMN``): baseline, scenario, difference."""
    base = _year_metrics(results[baseline])
    frames = []
    for label, result in results.items():
        if label == baseline:
            continue
        b, s = _outer_align(base, _year_metrics(result), ["year", "metric"])
        out = pd.DataFrame(
            {"label": label, "baseline": b["value"], "scenario": s["value"], "difference": s["value"] - b["value"]},
            index=b.index,
        )
        frames.append(out.reset_index())
    columns = ["label", "year", "metric", "baseline", "scenario", "difference"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def winners_losers(towns: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, towns ranked by the change in resources summed over the period (biggest gain first)."""
    if towns.empty:
        return pd.DataFrame(columns=WINNERS_COLUMNS)
    groups = towns.groupby(["label", "town"], sort=False, observed=True)
    parts = ["resources_baseline", "resources_scenario"]
    complete = groups[parts].count().eq(groups.size(), axis=0)  # a year missing on one side: no total
    sums = groups[parts].sum().where(complete)
    sums.insert(0, "name", groups["name"].first())
    sums = sums.reset_index()
    sums["change"] = sums["resources_scenario"] - sums["resources_baseline"]
    base = sums["resources_baseline"]
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["change_pct"] = np.where(base.abs() > 0, sums["change"] / base.abs(), np.nan)
    tolerance = 1e-9 * np.maximum(1.0, base.abs())
    sums["outcome"] = np.select(
        [sums["change"] > tolerance, sums["change"] < -tolerance, sums["change"].notna()],
        [Outcome.GAIN.value, Outcome.LOSS.value, Outcome.NO_CHANGE.value],
        default=Outcome.NOT_COMPARABLE.value,
    )
    sums = sums.sort_values(["label", "change"], ascending=[True, False], na_position="last", kind="stable")
    order = {label: n for n, label in enumerate(dict.fromkeys(towns["label"]))}
    sums = sums.sort_values("label", key=lambda s: s.map(order), kind="stable")
    sums["rank"] = sums.groupby("label", sort=False).cumcount() + 1
    return sums[WINNERS_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# settings that differ


def _lookup(tree, path: list[str]):
    """The value at an override path in a document or config (list records by id), or _MISSING."""
    node = tree
    for seg in path:
        if isinstance(node, dict) and seg in node:
            node = node[seg]
        elif is_records(node):
            node = next((r for r in node if str(r["id"]) == seg), _MISSING)
            if node is _MISSING:
                return _MISSING
        else:
            return _MISSING
    return node


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b or (_number(a) and _number(b) and a == b)


def _number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _diff(a, b, path: list[str], configs: tuple[dict, dict], out: list[tuple]) -> None:
    """Append ``(path, a, b)`` for each leaf that differs; a key one document leaves out is its default."""
    if a is _MISSING:
        a = _lookup(configs[0], path)
    if b is _MISSING:
        b = _lookup(configs[1], path)
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            if not path and key in NOT_SETTINGS:
                continue
            _diff(a.get(key, _MISSING), b.get(key, _MISSING), [*path, str(key)], configs, out)
    elif (is_records(a) or a == []) and (is_records(b) or b == []) and (a or b):  # records by id, one per row
        by_id_a = {str(r["id"]): r for r in a}
        by_id_b = {str(r["id"]): r for r in b}
        for key in dict.fromkeys([*by_id_a, *by_id_b]):
            if key in by_id_a and key in by_id_b:
                _diff(by_id_a[key], by_id_b[key], [*path, key], configs, out)
            else:  # a record only one side has
                out.append((".".join([*path, key]), by_id_a.get(key), by_id_b.get(key)))
    elif not _same(a, b):
        out.append((".".join(path), None if a is _MISSING else a, None if b is _MISSING else b))


def settings_differences(baseline, scenario) -> list[tuple[str, object, object]]:
    """``(path, baseline value, scenario value)`` for each setting that differs between two Scenarios.

    Paths use the override syntax (``revenue_items.vat.split.town_share``, ``towns.T01.population``);
    a key one document leaves out counts as its default, so only real differences show.
    """
    out: list[tuple] = []
    _diff(baseline.document, scenario.document, [], (baseline.config, scenario.config), out)
    return out


def settings_frame(results: dict[str, Result], baseline: str) -> pd.DataFrame:
    base = results[baseline].scenario
    rows = [
        (label, path, a, b)
        for label, r in results.items()
        if label != baseline
        for path, a, b in settings_differences(base, r.scenario)
    ]
    return pd.DataFrame(rows, columns=SETTINGS_COLUMNS).astype(object)


# ---------------------------------------------------------------------------------------------


def compare(results: dict[str, Result], baseline: str | None = None) -> Comparison:
    """Compare scenario results against a baseline (default: the first label).

    ``results`` maps a label to a :class:`Result`; a value that is not one (a Scenario, a file path,
    a document) is simulated first.
    """
    if not isinstance(results, dict) or not results:
        raise ScenarioError({"scenarios": [Message("length_min", n=1)]})
    if baseline is None:
        baseline = next(iter(results))
    if baseline not in results:
        known = ", ".join(map(str, results))
        raise ScenarioError({"baseline": [Message("not_a_choice", choices=known, value=repr(baseline))]})
    results = {str(label): _as_result(value) for label, value in results.items()}
    baseline = str(baseline)
    towns = town_differences(results, baseline)
    return Comparison(
        results=results,
        baseline=baseline,
        summary=summary_frame(results),
        summary_by_year=summary_by_year(results),
        towns=towns,
        years=year_differences(results, baseline),
        winners_losers=winners_losers(towns),
        settings=settings_frame(results, baseline),
    )


def _as_result(value) -> Result:
    return value if isinstance(value, Result) else simulate(value)
