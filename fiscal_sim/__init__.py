"""fiscal-sim: county–town revenue sharing, transfers and pilot assessment (县乡财政体制模拟)."""

from __future__ import annotations

from .engine import compile_model, run
from .errors import ScenarioError, SolveError
from .result import Result
from .scenario import Scenario, load_scenario

__all__ = [
    "Result",
    "Scenario",
    "ScenarioError",
    "SolveError",
    "load_scenario",
    "simulate",
    "compare",
    "montecarlo",
    "solve",
    "optimize",
]
__version__ = "0.1.0"


def simulate(scenario, overrides: dict | None = None) -> Result:
    """Run a scenario (a Scenario, a file path or a document dict) and return its Result."""
    scenario = (
        load_scenario(scenario, overrides) if not isinstance(scenario, Scenario) else scenario.with_overrides(overrides)
    )
    model = compile_model(scenario)
    return Result(model, run(model, model.growth[None]))


def __getattr__(name):
    # the edges are imported on first use, so `import fiscal_sim` stays light
    if name == "compare":
        from .compare import compare

        return compare
    if name == "montecarlo":
        from .montecarlo import montecarlo

        return montecarlo
    if name in ("solve", "optimize"):
        from . import goal_seek

        return getattr(goal_seek, name)
    raise AttributeError(name)
