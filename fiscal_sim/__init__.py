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


# the functions named like their modules are bound after those modules are imported, so that
# `fiscal_sim.compare` and `fiscal_sim.montecarlo` stay the functions whatever imports the modules
from .compare import compare  # noqa: E402
from .goal_seek import optimize, solve  # noqa: E402
from .montecarlo import montecarlo  # noqa: E402
