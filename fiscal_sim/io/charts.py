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
