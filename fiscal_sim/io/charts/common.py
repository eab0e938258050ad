"""What every chart shares: sizes, the one matplotlib lock, the words of a chart, drawing and rendering.

Each chart is drawn from the numbers behind it, so the picture and the table never disagree. Figures are
built with ``matplotlib.figure.Figure`` directly (no pyplot state, no display) inside ``rc_context(cjk_rc())``
(:func:`_drawn`); :func:`figure_bytes` renders them under the same settings. :data:`DRAWING` is the one lock
around matplotlib for every caller (CLI, API, page, workbooks). Sizes are the compare page's at
:data:`DEFAULT_DPI`: its ~1,200 px content width (:data:`PAGE_WIDTH`) or one of its two columns
(:data:`HALF_WIDTH`). The helpers here (town axes, number formats, a panel with nothing to show) are the
ones more than one kind of chart uses.
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from ... import catalogue
from ...catalogue import Unit
from ...errors import Message, ScenarioError
from ..fonts import cjk_rc

FORMATS = ("png", "svg")
DEFAULT_DPI = 100
PAGE_WIDTH = 12.0  # inches: 1,200 px at DEFAULT_DPI, the compare page's content width at 1,366 px
HALF_WIDTH = 6.2  # one of the compare page's two chart columns
MAX_HEIGHT = 30.0
# rc_context changes matplotlib's process-wide settings while it lasts: one chart at a time, so two
# threads of a web server never draw with each other's (or no) font settings.
DRAWING = threading.RLock()
THOUSANDS = "{x:,.0f}"


def _check_name(name: str, choices: tuple[str, ...]) -> None:
    if name not in choices:
        raise ScenarioError({"chart": [Message("not_a_choice", choices=", ".join(choices), value=repr(name))]})


def _town_axis(data: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Town ids in order of first appearance and their names (the id when a town has no name)."""
    first = data.drop_duplicates("town")
    names = [n if isinstance(n, str) and n else t for t, n in zip(first["town"], first["name"])]
    return first["town"].tolist(), names


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


def _no_data(ax, text: str) -> None:
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#67727e")


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
