"""A Monte Carlo run's charts (:data:`MONTECARLO_CHARTS`, for the analysis page): ``fan``, the spread of
required transfers and of the county balance by year (P5–P95, the median and the central run), and
``pilots``, each pilot town's probability of losing its status, most at risk first. They show what a
single run cannot: how far GDP growth's uncertainty carries the results and which pilots it puts at risk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from ... import catalogue
from ...analysis.montecarlo import MonteCarloResult
from ...catalogue import PERCENTILES
from ...catalogue import charts as words
from ...errors import ScenarioError
from .common import DEFAULT_DPI, HALF_WIDTH, THOUSANDS, _check_name, _drawn, _height, _no_data, _town_axis, _Words

MONTECARLO_CHARTS = words.MONTECARLO_CHARTS
FAN_SERIES = ("required_transfers", "county_balance")  # one panel each


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
