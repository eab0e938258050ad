"""Charts of results (图表), titles, axes and legends in Chinese or English from the catalogue.

One module per kind of chart: a comparison's (:mod:`.comparison`), a Monte Carlo run's (:mod:`.montecarlo`),
goal seeking's curve (:mod:`.solve`) and a parameter sweep's (:mod:`.sweep`); what they share, the one
matplotlib lock and :func:`figure_bytes` among it, is in :mod:`.common`. Each chart is drawn from the numbers
behind it (``*_data``), so the picture and the table never disagree.
"""

from __future__ import annotations

from .common import figure_bytes, shown_value, warm
from .comparison import CHARTS, chart_data, chart_year, make_chart
from .comparison_drawing import LORENZ_TOLERANCE, lorenz_distance
from .montecarlo import montecarlo_chart, montecarlo_chart_data
from .solve import solve_chart, solve_chart_data
from .sweep import make_sweep_chart, sweep_chart_data

__all__ = [
    "CHARTS",
    "LORENZ_TOLERANCE",
    "chart_data",
    "chart_year",
    "figure_bytes",
    "lorenz_distance",
    "make_chart",
    "make_sweep_chart",
    "montecarlo_chart",
    "montecarlo_chart_data",
    "shown_value",
    "solve_chart",
    "solve_chart_data",
    "sweep_chart_data",
    "warm",
]
