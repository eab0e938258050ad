"""Charts of results (图表), titles, axes and legends in Chinese or English from the catalogue.

Each chart is drawn from :func:`chart_data`, the numbers behind it, so the picture and the table
never disagree. Figures are built with ``matplotlib.figure.Figure`` directly (no pyplot state, no
display) inside ``rc_context(cjk_rc())``; :func:`figure_bytes` renders them under the same settings.
:data:`DRAWING` is the one lock around matplotlib for every caller (CLI, API, page, workbooks).
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from .. import catalogue
from ..catalogue import EQUALITY_LINE, LEGEND_SCENARIO, MONTECARLO_BAND, Curve
from ..errors import Message, ScenarioError
from ..model.indicators import lorenz_curve, per_capita
from .fonts import cjk_rc

CHARTS = tuple(catalogue.CHARTS)
FORMATS = ("png", "svg")
MONTECARLO_COLUMNS = ("year", "county_balance_p5", "county_balance_p50", "county_balance_p95")
# stacked against standard_expenditure; the parts add up to the towns' resources
BUDGET_PARTS = ("own_revenue", "returns_and_settlements", "general_transfer", "special_transfer")
SETTLEMENTS = ("tax_return", "contract_transfer", "incentive")
DEFAULT_DPI = 100
# rc_context changes matplotlib's process-wide settings while it lasts: one chart at a time, so two
# threads of a web server never draw with each other's (or no) font settings.
DRAWING = threading.RLock()
THOUSANDS = "{x:,.0f}"


# ---------------------------------------------------------------------------------------------
# checks


def _check_name(name: str) -> None:
    if name not in CHARTS:
        raise ScenarioError({"chart": [Message("not_a_choice", choices=", ".join(CHARTS), value=repr(name))]})


def _check_results(results: dict) -> None:
    if not isinstance(results, dict) or not results:
        raise ScenarioError({"scenarios": [Message("length_min", n=1)]})


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
# the numbers behind each chart


def _towns_in_year(results: dict, year: int, columns: list[str]) -> pd.DataFrame:
    """``label, year, town, name`` and ``columns`` of each scenario's towns in one year."""
    frames = []
    for label, result in results.items():
        towns = result.towns
        rows = towns.loc[towns["year"] == year, ["year", "town", "name", *columns]]
        frames.append(rows.astype({"town": object, "name": object}).assign(label=label))
    out = pd.concat(frames, ignore_index=True)
    return out[["label", "year", "town", "name", *columns]]


def _transfers_data(results, year, montecarlo):
    return _towns_in_year(results, year, ["general_transfer"])


def _budgets_data(results, year, montecarlo):
    data = _towns_in_year(results, year, ["own_revenue", *SETTLEMENTS, "general_transfer", "special_transfer"])
    data.insert(5, "returns_and_settlements", data[list(SETTLEMENTS)].sum(axis=1))
    stacked = _towns_in_year(results, year, ["standard_expenditure"])["standard_expenditure"]
    return data.drop(columns=list(SETTLEMENTS)).assign(standard_expenditure=stacked.to_numpy())


def _balance_data(results, year, montecarlo):
    frames = []
    for label, result in results.items():
        frame = result.indicators[["year", "county_balance"]].assign(label=label)
        if label in montecarlo:
            band = montecarlo[label][list(MONTECARLO_COLUMNS)]
            frame = frame.merge(band, on="year", how="left")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[["label", *[c for c in out.columns if c != "label"]]]


def _lorenz_data(results, year, montecarlo):
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


_DATA = {
    "transfers_by_town": _transfers_data,
    "town_budgets": _budgets_data,
    "county_balance": _balance_data,
    "lorenz": _lorenz_data,
}


def chart_data(
    name: str, results: dict, *, year: int | None = None, montecarlo: dict[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """The numbers behind a chart, in long form with a ``label`` column per scenario.

    ``year`` (default: the last year every scenario simulates) applies to the per-town charts;
    ``montecarlo`` maps a label to its Monte Carlo summary (``year, county_balance_p5/_p50/_p95``).
    """
    _check_name(name)
    _check_results(results)
    year = chart_year(results, year)
    return _DATA[name](results, year, _check_montecarlo(results, montecarlo))


# ---------------------------------------------------------------------------------------------
# drawing


def _town_axis(data: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Town ids in order of first appearance and their names (the id when a town has no name)."""
    first = data.drop_duplicates("town")
    names = [n if isinstance(n, str) and n else t for t, n in zip(first["town"], first["name"])]
    return first["town"].tolist(), names


def _width(n_towns: int, per_town: float = 0.55) -> float:
    return float(min(max(6.0, 2.0 + per_town * n_towns), 30.0))


class _Words:
    """A chart's words in one language: title, axes, legends, from the catalogue."""

    def __init__(self, name: str, lang: str, unit: str, year: int):
        self.chart, self.lang, self.values = catalogue.CHARTS[name], lang, {"unit": unit, "year": year}

    def title(self, **values) -> str:
        return self.chart.title.label(self.lang).format(**{**self.values, **values})

    def x(self) -> str:
        return self.chart.x.label(self.lang).format(**self.values)

    def y(self) -> str:
        return self.chart.y.label(self.lang).format(**self.values)

    def column(self, key: str) -> str:
        return catalogue.column_label(key, "towns", self.lang)

    def text(self, text, **values) -> str:
        return text.label(self.lang).format(**values)


def _draw_transfers(data, w: _Words, dpi):
    towns, names = _town_axis(data)
    labels = list(dict.fromkeys(data["label"]))
    table = data.pivot(index="town", columns="label", values="general_transfer").reindex(index=towns, columns=labels)
    fig = Figure(figsize=(_width(len(towns), 0.35 + 0.2 * len(labels)), 4.5), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(towns))
    width = 0.8 / len(labels)
    for j, label in enumerate(labels):
        ax.bar(x + (j - (len(labels) - 1) / 2) * width, table[label].to_numpy(), width, label=str(label))
    ax.set_xticks(x, names, rotation=45, ha="right")
    ax.set_title(w.title())
    ax.set_xlabel(w.x())
    ax.set_ylabel(w.y())
    ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    ax.legend(title=w.text(LEGEND_SCENARIO))
    return fig


def _draw_budgets(data, w: _Words, dpi):
    labels = list(dict.fromkeys(data["label"]))
    n_towns = data.groupby("label", sort=False)["town"].size().max()
    fig = Figure(figsize=(_width(n_towns), 3.6 * len(labels)), dpi=dpi, layout="constrained")
    axes = fig.subplots(len(labels), 1, squeeze=False)[:, 0]
    for ax, label in zip(axes, labels):
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
        ax.set_xticks(x, names, rotation=45, ha="right")
        ax.set_title(w.title(label=label))
        ax.set_ylabel(w.y())
        ax.yaxis.set_major_formatter(StrMethodFormatter(THOUSANDS))
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=len(texts))
    return fig


def _draw_balance(data, w: _Words, dpi):
    fig = Figure(figsize=(7.0, 4.5), dpi=dpi, layout="constrained")
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


def _draw_lorenz(data, w: _Words, dpi):
    fig = Figure(figsize=(6.0, 6.0), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=w.text(EQUALITY_LINE))
    sep = "：" if w.lang == "zh" else ": "
    for label, rows in data.groupby("label", sort=False):
        before = rows[rows["curve"] == Curve.BEFORE]
        after = rows[rows["curve"] == Curve.AFTER]
        (line,) = ax.plot(
            after["population_share"], after["resource_share"], label=f"{label}{sep}{Curve.AFTER.label(w.lang)}"
        )
        ax.plot(
            before["population_share"],
            before["resource_share"],
            linestyle="--",
            color=line.get_color(),
            label=f"{label}{sep}{Curve.BEFORE.label(w.lang)}",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(w.title())
    ax.set_xlabel(w.x())
    ax.set_ylabel(w.y())
    ax.legend(fontsize="small")
    return fig


_DRAW = {
    "transfers_by_town": _draw_transfers,
    "town_budgets": _draw_budgets,
    "county_balance": _draw_balance,
    "lorenz": _draw_lorenz,
}


def make_chart(
    name: str,
    results: dict,
    *,
    year: int | None = None,
    montecarlo: dict[str, pd.DataFrame] | None = None,
    dpi: float = DEFAULT_DPI,
    lang: str = "zh",
) -> Figure:
    """One of :data:`CHARTS` for ``{label: Result}`` as a matplotlib Figure (not shown anywhere)."""
    data = chart_data(name, results, year=year, montecarlo=montecarlo)
    unit = next(iter(results.values())).unit
    words = _Words(name, lang, unit, chart_year(results, year))
    rc = cjk_rc()
    with DRAWING, rc_context(rc):
        fig = _DRAW[name](data, words, dpi)
    if "font.sans-serif" in rc:  # pinned on each text, so the figure renders with it anywhere (notebooks, savefig)
        for text in fig.findobj(Text):
            text.set_fontfamily(rc["font.sans-serif"])
    return fig


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
