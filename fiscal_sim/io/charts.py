"""Charts of results (图表), titles, axes and legends in Chinese or English from the catalogue.

Each chart is drawn from the numbers behind it (:func:`chart_data`, :func:`montecarlo_chart_data`,
:func:`solve_chart_data`), so the picture and the table never disagree. Figures are built with
``matplotlib.figure.Figure`` directly (no pyplot state, no display) inside ``rc_context(cjk_rc())``;
:func:`figure_bytes` renders them under the same settings. :data:`DRAWING` is the one lock around
matplotlib for every caller (CLI, API, page, workbooks).

A comparison's charts (:data:`CHARTS`, :func:`make_chart`) are sized for the compare page at
:data:`DEFAULT_DPI`: a wide one fits its ~1,200 px content width (:data:`PAGE_WIDTH`), the others one of
its two columns (:data:`HALF_WIDTH`). A Monte Carlo run's (:data:`MONTECARLO_CHARTS`,
:func:`montecarlo_chart`) and goal seeking's curve (:func:`solve_chart`) are the analysis page's.
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter, StrMethodFormatter

from .. import catalogue
from ..analysis.compare import town_differences
from ..analysis.curve import MetricCurve, metric_words, parameter_label, parameter_unit
from ..analysis.montecarlo import MonteCarloResult
from ..catalogue import EQUALITY_LINE, LEGEND_SCENARIO, MONTECARLO_BAND, PERCENTILES, Curve, Unit
from ..catalogue import charts as words
from ..errors import Message, ScenarioError
from ..model.indicators import lorenz_curve, per_capita
from .fonts import cjk_rc

CHARTS = tuple(catalogue.CHARTS)
MONTECARLO_CHARTS = words.MONTECARLO_CHARTS
FAN_SERIES = ("required_transfers", "county_balance")  # one panel each
FORMATS = ("png", "svg")
MONTECARLO_COLUMNS = ("year", "county_balance_p5", "county_balance_p50", "county_balance_p95")
# stacked against standard_expenditure; the parts add up to the towns' resources
BUDGET_PARTS = ("own_revenue", "returns_and_settlements", "general_transfer", "special_transfer")
SETTLEMENTS = ("tax_return", "contract_transfer", "incentive")
DEFAULT_DPI = 100
PAGE_WIDTH = 12.0  # inches: 1,200 px at DEFAULT_DPI, the compare page's content width at 1,366 px
HALF_WIDTH = 6.2  # one of the compare page's two chart columns
MAX_HEIGHT = 30.0
LORENZ_TOLERANCE = 0.01  # curves closer than this everywhere are drawn as one (the baseline's)
GAIN_COLOUR, LOSS_COLOUR, NO_CHANGE_COLOUR = "#13795b", "#b42318", "#9aa5b1"  # the page's --pos, --neg, muted
NO_CHANGE = 0.005  # a change in resources smaller than half a cent of the unit shows as none (0.00 on the page)
# rc_context changes matplotlib's process-wide settings while it lasts: one chart at a time, so two
# threads of a web server never draw with each other's (or no) font settings.
DRAWING = threading.RLock()
THOUSANDS = "{x:,.0f}"


# ---------------------------------------------------------------------------------------------
# checks


def _check_name(name: str, choices: tuple[str, ...] = CHARTS) -> None:
    if name not in choices:
        raise ScenarioError({"chart": [Message("not_a_choice", choices=", ".join(choices), value=repr(name))]})


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
    _check_name(name)
    _check_results(results)
    baseline = _check_baseline(results, baseline)
    year = chart_year(results, year)
    return _DATA[name](results, year, _check_montecarlo(results, montecarlo), baseline)


# ---------------------------------------------------------------------------------------------
# drawing


def _town_axis(data: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Town ids in order of first appearance and their names (the id when a town has no name)."""
    first = data.drop_duplicates("town")
    names = [n if isinstance(n, str) and n else t for t, n in zip(first["town"], first["name"])]
    return first["town"].tolist(), names


def _width(n_towns: int, per_town: float = 0.55) -> float:
    """A chart with a column per town: wide enough for its names, at most the page's width."""
    return float(min(max(6.0, 2.0 + per_town * n_towns), PAGE_WIDTH))


def _height(inches: float) -> float:
    return float(min(max(2.5, inches), MAX_HEIGHT))


def _decimals(values) -> int:
    """Decimals to label amounts with: none for amounts in the hundreds or more, else two."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return 0 if values.size and np.abs(values).max() >= 100 else 2


class _Words:
    """A chart's words in one language: title, axes, legends, from the catalogue; ``values`` fill them in."""

    def __init__(self, chart: catalogue.Chart, lang: str, **values):
        self.chart, self.lang, self.values = chart, lang, values

    def title(self, **values) -> str:
        return self.chart.title.label(self.lang).format(**{**self.values, **values})

    def x(self, **values) -> str:
        return self.chart.x.label(self.lang).format(**{**self.values, **values})

    def y(self, **values) -> str:
        return self.chart.y.label(self.lang).format(**{**self.values, **values})

    def column(self, key: str, table: str = "towns") -> str:
        return catalogue.column_label(key, table, self.lang)

    def text(self, text, **values) -> str:
        return text.label(self.lang).format(**values)

    @property
    def sep(self) -> str:
        return "：" if self.lang == "zh" else ": "


def _draw_transfers(data, w: _Words, dpi):
    """Horizontal bars: a row per town (names read across), a bar per scenario."""
    towns, names = _town_axis(data)
    labels = list(dict.fromkeys(data["label"]))
    table = data.pivot(index="town", columns="label", values="general_transfer").reindex(index=towns, columns=labels)
    n, k = len(towns), len(labels)
    fig = Figure(figsize=(PAGE_WIDTH, _height(1.4 + n * (0.1 + 0.11 * k))), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    y = np.arange(n)
    height = 0.8 / k
    for j, label in enumerate(labels):
        ax.barh(y + (j - (k - 1) / 2) * height, table[label].to_numpy(), height, label=str(label))
    ax.set_yticks(y, names)
    ax.invert_yaxis()  # the first town on top
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_title(w.title())
    ax.set_xlabel(w.x())
    ax.set_ylabel(w.y())
    ax.xaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    ax.grid(axis="x", color="#e3e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    handles, texts = ax.get_legend_handles_labels()  # under the bars: scenario names may be long
    fig.legend(handles, texts, title=w.text(LEGEND_SCENARIO), loc="outside lower center", ncols=min(k, 4))
    return fig


def _draw_budgets(data, w: _Words, dpi):
    labels = list(dict.fromkeys(data["label"]))
    n_towns = data.groupby("label", sort=False)["town"].size().max()
    fig = Figure(figsize=(_width(n_towns), 3.6 * len(labels)), dpi=dpi, layout="constrained")
    towns_of = [tuple(data.loc[data["label"] == label, "town"]) for label in labels]
    same_towns = len(set(towns_of)) == 1  # the panels share their x axis: town names under the last only
    axes = fig.subplots(len(labels), 1, squeeze=False, sharex=same_towns)[:, 0]
    for n, (ax, label) in enumerate(zip(axes, labels)):
        rows = data[data["label"] == label]
        towns, names = _town_axis(rows)
        x = np.arange(len(towns))
        bottom = np.zeros(len(towns))
        for column in BUDGET_PARTS:
            values = rows[column].to_numpy(np.float64)
            bars = ax.bar(x, values, 0.6, bottom=bottom, label=w.column(column))
            if bottom.any():  # a stacked part's base must not pin the axis limits
                for patch in bars:
                    patch.sticky_edges.y.clear()
            bottom = bottom + values
        ax.plot(
            x,
            rows["standard_expenditure"].to_numpy(np.float64),
            linestyle="none",
            marker="_",
            markersize=18,
            markeredgewidth=2.5,
            color="black",
            label=w.column("standard_expenditure"),
        )
        if same_towns and n < len(labels) - 1:
            ax.tick_params(axis="x", labelbottom=False)
        else:
            ax.set_xticks(x, names, rotation=45, ha="right")
        ax.set_title(w.title(label=label))
        ax.set_ylabel(w.y())
        ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=len(texts))
    return fig


def _draw_balance(data, w: _Words, dpi):
    fig = Figure(figsize=(HALF_WIDTH, 4.4), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    for label, rows in data.groupby("label", sort=False):
        (line,) = ax.plot(rows["year"], rows["county_balance"], marker="o", label=str(label))
        if "county_balance_p5" in rows and rows["county_balance_p5"].notna().any():
            ax.fill_between(
                rows["year"].to_numpy(),
                rows["county_balance_p5"].to_numpy(np.float64),
                rows["county_balance_p95"].to_numpy(np.float64),
                color=line.get_color(),
                alpha=0.2,
                label=w.text(MONTECARLO_BAND, label=label),
            )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(w.title())
    ax.set_xlabel(w.x())
    ax.set_ylabel(w.y())
    ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    ax.legend(title=w.text(LEGEND_SCENARIO))
    return fig


def _curve_points(data: pd.DataFrame, label, curve: str) -> tuple[np.ndarray, np.ndarray]:
    rows = data[(data["label"] == label) & (data["curve"] == curve)]
    return rows["population_share"].to_numpy(np.float64), rows["resource_share"].to_numpy(np.float64)


def lorenz_distance(data: pd.DataFrame, baseline) -> float:
    """The largest vertical distance between any scenario's Lorenz curve and the baseline's (before or after
    transfers), from :func:`chart_data` ``("lorenz", …)``: 0 when every curve is the baseline's.

    The curves are piecewise linear, so the largest distance is at a corner of one of them.
    """
    distance = 0.0
    for curve in (Curve.BEFORE.value, Curve.AFTER.value):
        p0, s0 = _curve_points(data, baseline, curve)
        for label in dict.fromkeys(data["label"]):
            if label != baseline:
                p, s = _curve_points(data, label, curve)
                grid = np.union1d(p0, p)
                distance = max(distance, float(np.abs(np.interp(grid, p, s) - np.interp(grid, p0, s0)).max()))
    return distance


def lorenz_gini(data: pd.DataFrame, label, curve: str) -> float:
    """A Lorenz curve's Gini coefficient: 1 − twice the area under it (trapezoids)."""
    p, s = _curve_points(data, label, curve)
    return float(1.0 - np.sum(np.diff(p) * (s[1:] + s[:-1])))


def _draw_lorenz(data, w: _Words, dpi):
    """Every scenario's curves; when they nearly coincide, the baseline's only with each scenario's Gini."""
    baseline = w.values["baseline"]
    labels = list(dict.fromkeys(data["label"]))
    distance = lorenz_distance(data, baseline)
    alike = len(labels) > 1 and distance < LORENZ_TOLERANCE
    shown = [baseline] if alike else labels
    fig = Figure(figsize=(HALF_WIDTH, 6.0 + (0.3 * (len(labels) + 1) if alike else 0.0)), dpi=dpi, layout="constrained")
    if alike:
        ax, under = fig.subplots(2, 1, height_ratios=[6.0, 0.3 * (len(labels) + 1)])
    else:
        ax, under = fig.subplots(), None
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=w.text(EQUALITY_LINE))
    for label in shown:
        (line,) = ax.plot(
            *_curve_points(data, label, Curve.AFTER.value), label=f"{label}{w.sep}{Curve.AFTER.label(w.lang)}"
        )
        ax.plot(
            *_curve_points(data, label, Curve.BEFORE.value),
            linestyle="--",
            color=line.get_color(),
            label=f"{label}{w.sep}{Curve.BEFORE.label(w.lang)}",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(w.x())
    ax.set_ylabel(w.y())
    ax.legend(fontsize="small", loc="upper left")
    if alike:
        fig.suptitle(w.title())
        ax.set_title(w.text(words.LORENZ_COINCIDE, distance=LORENZ_TOLERANCE, baseline=baseline), fontsize="small")
        under.axis("off")
        cells = [
            [str(label), *(f"{lorenz_gini(data, label, c):.4f}" for c in (Curve.BEFORE.value, Curve.AFTER.value))]
            for label in labels
        ]
        heads = [w.text(LEGEND_SCENARIO), *(w.column(c, "indicators") for c in ("gini_before", "gini_after"))]
        table = under.table(cellText=cells, colLabels=heads, loc="center", cellLoc="center", bbox=[0, 0, 1, 1])
        table.auto_set_font_size(False)
        table.set_fontsize(9)
    else:
        ax.set_title(w.title())
    return fig


def _no_data(ax, text: str) -> None:
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#67727e")


def _draw_changes(data, w: _Words, dpi):
    """A panel per scenario: a horizontal bar per town, largest gain on top, gains and losses in two colours."""
    labels = list(dict.fromkeys(data["label"]))
    if not labels:
        fig = Figure(figsize=(HALF_WIDTH, 2.5), dpi=dpi, layout="constrained")
        _no_data(fig.subplots(), w.text(words.NOTHING_TO_COMPARE))
        return fig
    sizes = [int((data["label"] == label).sum()) for label in labels]
    heights = [1.3 + 0.24 * n for n in sizes]
    fig = Figure(figsize=(HALF_WIDTH, _height(sum(heights))), dpi=dpi, layout="constrained")
    # one scale for every scenario, so their changes compare at a glance
    axes = fig.subplots(len(labels), 1, squeeze=False, sharex=True, height_ratios=heights)[:, 0]
    places = _decimals(data["resources_diff"])
    legend = [
        Patch(color=GAIN_COLOUR, label=w.text(words.GAIN)),
        Patch(color=LOSS_COLOUR, label=w.text(words.LOSS)),
    ]
    for ax, label in zip(axes, labels):
        rows = data[data["label"] == label]
        _, names = _town_axis(rows)
        change = rows["resources_diff"].to_numpy(np.float64)
        change = np.where(np.abs(change) < NO_CHANGE, 0.0, change)  # rounding noise is no change
        colours = np.where(change > 0, GAIN_COLOUR, np.where(change < 0, LOSS_COLOUR, NO_CHANGE_COLOUR))
        y = np.arange(len(rows))
        bars = ax.barh(y, change, 0.7, color=colours.tolist())
        texts = [f"{v:+,.{places}f}" if v else "0" for v in change]
        ax.bar_label(bars, labels=texts, padding=3, fontsize="small")
        ax.axvline(0.0, color="#67727e", linewidth=0.8)
        ax.set_yticks(y, names)
        ax.set_ylim(len(rows) - 0.5, -0.5)  # largest gain on top
        ax.margins(x=0.18)
        ax.set_title(w.title(label=label), fontsize="medium")
        ax.set_xlabel(w.x())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.{_decimals([v])}f}" if v else "0"))
        ax.xaxis.set_tick_params(labelbottom=True)  # on every panel, though they share the scale
        ax.grid(axis="x", color="#e3e7eb", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(handles=legend, loc="lower right", fontsize="small")
    return fig


_DRAW = {
    "transfers_by_town": _draw_transfers,
    "town_budgets": _draw_budgets,
    "county_balance": _draw_balance,
    "lorenz": _draw_lorenz,
    "changes_by_town": _draw_changes,
}


def _drawn(draw, data, words_: _Words, dpi) -> Figure:
    """``draw(data, words, dpi)`` under the CJK font settings, the font pinned on every text so the figure
    renders with it anywhere (notebooks, savefig)."""
    rc = cjk_rc()
    with DRAWING, rc_context(rc):
        fig = draw(data, words_, dpi)
    if "font.sans-serif" in rc:
        for text in fig.findobj(Text):
            text.set_fontfamily(rc["font.sans-serif"])
    return fig


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


# ---------------------------------------------------------------------------------------------
# a Monte Carlo run: the spread of required transfers and the county balance, and the pilots at risk


def _check_montecarlo_result(mc) -> MonteCarloResult:
    if not isinstance(mc, MonteCarloResult):
        raise ScenarioError({"montecarlo": [f"must be a Monte Carlo result (fiscal_sim.montecarlo), got {mc!r:.60}"]})
    return mc


def montecarlo_chart_data(mc: MonteCarloResult, name: str) -> pd.DataFrame:
    """The numbers behind a Monte Carlo chart (``fan`` or ``pilots``, :data:`MONTECARLO_CHARTS`).

    ``fan``: per year, the P5, P50 and P95 of required transfers and of the county balance over the draws
    (``mc.summary``) and the central run's value (``mc.central``), as ``<series>_p5 … <series>_central``.
    ``pilots``: per base-year pilot town, most at risk first, its probability of losing its status by the
    last year (``p_revoked``) and of being no pilot in the last year (``mc.pilots``).
    """
    _check_name(name, MONTECARLO_CHARTS)
    mc = _check_montecarlo_result(mc)
    if name == "pilots":
        pilots = mc.pilots[["town", "name", "p_revoked", "p_non_pilot_last_year"]]
        pilots = pilots.astype({"town": object, "name": object})
        return pilots.sort_values("p_revoked", ascending=False, kind="stable").reset_index(drop=True)
    central = mc.central.indicators.set_index("year")
    data = {"year": mc.summary["year"].astype(int).to_numpy()}
    for series in FAN_SERIES:
        for p in PERCENTILES:
            data[f"{series}_p{p}"] = mc.summary[f"{series}_p{p}"].to_numpy(np.float64)
        data[f"{series}_central"] = central.loc[data["year"], series].to_numpy(np.float64)
    return pd.DataFrame(data)


def _draw_fan(data, w: _Words, dpi):
    """A panel per series: the P5–P95 band, the median and the central run by year."""
    fig = Figure(figsize=(11.0, 4.4), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, len(FAN_SERIES))
    low, mid, high = (f"p{p}" for p in PERCENTILES)
    years = data["year"].to_numpy()
    for ax, series in zip(axes, FAN_SERIES):
        ax.fill_between(
            years,
            data[f"{series}_{low}"].to_numpy(np.float64),
            data[f"{series}_{high}"].to_numpy(np.float64),
            color="#1d5fa8",
            alpha=0.22,
            linewidth=0,
            label=w.text(words.MONTECARLO_RANGE),
        )
        ax.plot(years, data[f"{series}_{mid}"], color="#1d5fa8", marker="o", label=w.text(words.MONTECARLO_MEDIAN))
        ax.plot(years, data[f"{series}_central"], color="black", linestyle="--", label=w.text(words.CENTRAL_RUN))
        if series == "county_balance":
            ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set_title(w.column(series, "indicators"))
        ax.set_xlabel(w.x())
        ax.set_ylabel(w.y())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
        ax.grid(axis="y", color="#e3e7eb", linewidth=0.8)
    fig.suptitle(w.title())
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=len(texts))
    return fig


def _draw_pilots(data, w: _Words, dpi):
    """A horizontal bar per pilot town, most at risk on top, on a 0–100% scale."""
    n = len(data)
    fig = Figure(figsize=(HALF_WIDTH, _height(1.5 + 0.32 * n)), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    ax.set_title(w.title(), fontsize="medium")
    if not n:
        _no_data(ax, w.text(words.NO_PILOTS))
        return fig
    _, names = _town_axis(data)
    y = np.arange(n)
    p = data["p_revoked"].to_numpy(np.float64)
    bars = ax.barh(y, p, 0.6, color="#1d5fa8")
    ax.bar_label(bars, labels=[f"{v:.1%}" for v in p], padding=3, fontsize="small")
    ax.set_yticks(y, names)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(w.x())
    ax.set_ylabel(w.y())
    ax.grid(axis="x", color="#e3e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig


_MONTECARLO_DRAW = {"fan": _draw_fan, "pilots": _draw_pilots}


def montecarlo_chart(mc: MonteCarloResult, name: str, *, dpi: float = DEFAULT_DPI, lang: str = "zh") -> Figure:
    """A Monte Carlo chart (``fan`` or ``pilots``) of :func:`fiscal_sim.montecarlo`'s result as a Figure."""
    data = montecarlo_chart_data(mc, name)
    chart = catalogue.ANALYSIS_CHARTS[name]
    words_ = _Words(chart, lang, unit=mc.unit, draws=f"{mc.draws:,}", seed=mc.seed)
    return _drawn(_MONTECARLO_DRAW[name], data, words_, dpi)


# ---------------------------------------------------------------------------------------------
# goal seeking: the metric against the parameter over the search range, the solution marked

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


def shown_value(value: float, unit: Unit | None, money: str = "", lang: str = "zh") -> str:
    """A parameter or metric value in words: shares and rates as % to 2 decimals, amounts to 2 decimals with
    the unit, ratios to 4 decimals."""
    if value is None or not np.isfinite(value):
        return "—"
    if unit is not None and unit.percent:
        return f"{value:.2%}"
    if unit is not None and unit.money:
        return f"{value:,.2f} {money}".rstrip()
    return f"{value:,.4f}" if abs(value) < 1000 else f"{value:,.2f}"


def _axis_format(unit: Unit | None):
    if unit is not None and unit.percent:
        return PercentFormatter(1.0, decimals=None)
    if unit is not None and unit.money:
        return StrMethodFormatter(THOUSANDS)
    return None


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


# ---------------------------------------------------------------------------------------------
# rendering


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: float | None = None) -> bytes:
    """The figure rendered as PNG or SVG bytes, with the CJK font settings in force."""
    if fmt not in FORMATS:
        raise ScenarioError({"format": [Message("not_a_choice", choices=", ".join(FORMATS), value=repr(fmt))]})
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    rc = {**cjk_rc(), "svg.hashsalt": "fiscal-sim"}
    with DRAWING, rc_context(rc):
        fig.savefig(buffer, format=fmt, dpi=dpi or fig.dpi, metadata=metadata)
    return buffer.getvalue()


def warm() -> None:
    """Render a tiny figure with a Chinese label: matplotlib's font list (built on the first use of a fresh
    ``MPLCONFIGDIR``), the CJK font lookup and the font file's loading are then done, so the first real chart
    does not wait for them (a server calls it in the background at start)."""
    fig = Figure(figsize=(1.0, 0.5), dpi=DEFAULT_DPI)
    fig.text(0.1, 0.4, "乡镇 2020 0.5", fontsize="small")
    fig.text(0.1, 0.1, "标题", fontsize="large")
    figure_bytes(fig, "png")


# ---------------------------------------------------------------------------------------------
# the parameter-sweep chart (docs/model.md §1.12)


def sweep_chart_data(table: pd.DataFrame, paths: list[str], metric: str, year: int) -> pd.DataFrame:
    """The numbers behind the sweep chart: each combination's values and ``metric`` in ``year``."""
    return table.loc[table["year"] == year, [*paths, metric]].reset_index(drop=True)


def _tick(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def _value_text(value: float, unit: catalogue.Unit) -> str:
    if unit.percent:
        return f"{value:.1%}"
    return f"{value:,.0f}" if unit.money or unit is catalogue.Unit.COUNT else f"{value:.3g}"


def make_sweep_chart(
    table: pd.DataFrame,
    paths: list[str],
    metric: str,
    year: int,
    unit: str,
    *,
    dpi: float = DEFAULT_DPI,
    lang: str = "zh",
) -> Figure:
    """``metric`` (an indicator) in ``year`` over the sweep's values: a line over one parameter, a heat
    map over two (the first across, the second down), words from the catalogue."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.ticker import PercentFormatter

    data = sweep_chart_data(table, paths, metric, year)
    column = catalogue.column(metric, "indicators")
    kind = column.unit if column is not None else catalogue.Unit.NONE
    chart, name = catalogue.SWEEP_CHART, catalogue.column_label(metric, "indicators", lang)
    value_label = chart.y.label(lang).format(metric=name, unit=unit) if kind.money else name
    axis = [chart.x.label(lang).format(parameter=catalogue.path_label(p, lang)) for p in paths]
    xs = list(dict.fromkeys(data[paths[0]]))
    rc = cjk_rc()
    with DRAWING, rc_context(rc):
        if len(paths) == 1:
            fig = Figure(figsize=(7.0, 4.5), dpi=dpi, layout="constrained")
            ax = fig.subplots()
            y = data[metric].to_numpy(np.float64)
            if all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in xs):
                ax.plot(data[paths[0]].to_numpy(np.float64), y, marker="o")
            else:
                ax.plot(np.arange(len(xs)), y, marker="o")
                ax.set_xticks(np.arange(len(xs)), [_tick(v) for v in xs])
            ax.set_ylabel(value_label)
            if kind.percent:
                ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            elif kind.money:
                ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
        else:
            ys = list(dict.fromkeys(data[paths[1]]))
            grid = data.pivot(index=paths[1], columns=paths[0], values=metric).reindex(index=ys, columns=xs)
            z = grid.to_numpy(np.float64)
            fig = Figure(
                figsize=(min(max(6.0, 3.0 + 0.9 * len(xs)), 16.0), min(max(4.5, 2.0 + 0.5 * len(ys)), 12.0)),
                dpi=dpi,
                layout="constrained",
            )
            ax = fig.subplots()
            low, high = np.nanmin(z), np.nanmax(z)
            norm = TwoSlopeNorm(0.0, low, high) if low < 0.0 < high else None
            image = ax.imshow(z, cmap="RdBu" if norm else "viridis", norm=norm, aspect="auto", origin="lower")
            ax.set_xticks(np.arange(len(xs)), [_tick(v) for v in xs])
            ax.set_yticks(np.arange(len(ys)), [_tick(v) for v in ys])
            ax.set_ylabel(axis[1])
            ticks = PercentFormatter(1.0) if kind.percent else StrMethodFormatter(THOUSANDS) if kind.money else None
            fig.colorbar(image, ax=ax, label=value_label, format=ticks)
            if z.size <= 144:
                for (row, col), value in np.ndenumerate(z):
                    red, green, blue, _ = image.cmap(image.norm(value))
                    dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                    ax.text(col, row, _value_text(value, kind), ha="center", va="center", fontsize="small",
                            color="white" if dark else "black")  # fmt: skip
        ax.set_xlabel(axis[0])
        ax.set_title(chart.title.label(lang).format(metric=name, year=year))
    if "font.sans-serif" in rc:  # pinned on each text, as make_chart does
        for text in fig.findobj(Text):
            text.set_fontfamily(rc["font.sans-serif"])
    return fig
