"""How a comparison's charts are drawn, from the numbers :func:`.comparison.chart_data` gives.

Horizontal bars of general transfers by town, stacked town budgets against standard expenditure, the county
balance by year (with a Monte Carlo band where there is one), Lorenz curves before and after transfers
(drawn once with each scenario's Gini when the curves nearly coincide, :func:`lorenz_distance`) and each
town's gain or loss against the baseline. Each is sized for the compare page: a wide one fits its content
width, the others one of its two columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, StrMethodFormatter

from ...catalogue import EQUALITY_LINE, LEGEND_SCENARIO, MONTECARLO_BAND, Curve
from ...catalogue import charts as words
from .common import HALF_WIDTH, PAGE_WIDTH, THOUSANDS, _decimals, _height, _no_data, _town_axis, _Words

# stacked against standard_expenditure; the parts add up to the towns' resources
BUDGET_PARTS = ("own_revenue", "returns_and_settlements", "general_transfer", "special_transfer")
LORENZ_TOLERANCE = 0.01  # curves closer than this everywhere are drawn as one (the baseline's)
GAIN_COLOUR, LOSS_COLOUR, NO_CHANGE_COLOUR = "#13795b", "#b42318", "#9aa5b1"  # the page's --pos, --neg, muted
NO_CHANGE = 0.005  # a change in resources smaller than half a cent of the unit shows as none (0.00 on the page)


def _width(n_towns: int, per_town: float = 0.55) -> float:
    """A chart with a column per town: wide enough for its names, at most the page's width."""
    return float(min(max(6.0, 2.0 + per_town * n_towns), PAGE_WIDTH))


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
