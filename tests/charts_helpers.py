"""What the chart tests share (tests/test_charts_*.py): rendering with every warning an error, a figure's
words."""

from __future__ import annotations

import warnings

from matplotlib.figure import Figure

from fiscal_sim.io.charts import figure_bytes

DPI = 80
LAST = 2020


def render(fig: Figure, fmt: str = "png") -> bytes:
    """Render with every warning an error: a "Glyph missing" or no-font warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return figure_bytes(fig, fmt)


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text())
