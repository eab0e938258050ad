"""fiscal-sim: county–town revenue sharing, transfers and pilot assessment (县乡财政体制模拟).

The public surface: :func:`load_scenario`, :func:`simulate`, :func:`compare`, :func:`montecarlo`,
:func:`solve`, :func:`optimize`, :func:`sweep` and the types they return. The model is explained in docs/model.md.
"""

from __future__ import annotations

from .analysis.compare import Comparison, compare
from .analysis.goal_seek import SolveResult, solve
from .analysis.montecarlo import MonteCarloResult, montecarlo
from .analysis.optimize import OptimizeResult, optimize
from .analysis.sweep import sweep
from .errors import Message, ScenarioError, SolveError
from .result import Result, simulate
from .scenario import Scenario, load_scenario, register_reader

# the Excel scenario workbook is read by the edge's reader, registered by name (imported on first use)
register_reader((".xlsx", ".xlsm"), "fiscal_sim.io.excel_reader:read_scenario_workbook")

__all__ = [
    "Comparison",
    "Message",
    "MonteCarloResult",
    "OptimizeResult",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolveError",
    "SolveResult",
    "compare",
    "load_scenario",
    "montecarlo",
    "optimize",
    "simulate",
    "solve",
    "sweep",
]
__version__ = "0.2.0"
