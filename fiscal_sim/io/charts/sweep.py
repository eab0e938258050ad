"""The parameter-sweep chart (docs/model.md §1.12): an indicator in one year over the values swept, a line
over one parameter or a heat map over two, so the sweep's table can be read at a glance; words from the
catalogue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import StrMethodFormatter

from ... import catalogue
from ..fonts import cjk_rc
from .common import DEFAULT_DPI, DRAWING, THOUSANDS


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
