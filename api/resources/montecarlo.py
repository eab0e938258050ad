"""POST /api/v1/montecarlo: GDP-growth uncertainty of a scenario (docs/model.md §1.9)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

import fiscal_sim
from fiscal_sim.io.records import montecarlo_records

from .. import runner
from ..schemas import MontecarloRequestSchema, MontecarloSchema

blp = Blueprint("montecarlo", __name__, url_prefix="/api/v1/montecarlo", description="Monte Carlo of growth (蒙特卡洛)")


@blp.route("")
class Montecarlo(MethodView):
    @blp.arguments(MontecarloRequestSchema, example={"scenario_id": "baseline", "draws": 500, "seed": 7})
    @blp.response(200, MontecarloSchema)
    def post(self, body):
        """Percentiles per year and each pilot's probability of losing its status."""
        source = runner.source(body)
        draws = body.get("draws")
        field = "draws" if draws is not None else f"{source['field']}.uncertainty.draws"
        runner.check_source_draws(source, draws, field)
        data = runner.compute(simulate_draws, source, draws, body.get("seed"), field, runner.limits())
        return runner.json_response(data)


def simulate_draws(source: dict, draws: int | None, seed: int | None, field: str, limits: dict) -> bytes:
    """(In a worker.) The Monte Carlo of a :func:`api.runner.source` as the JSON answer."""
    scenario = runner.scenario_of(source, limits)
    runner.check_draws(scenario, draws, field, limits)
    return runner.json_bytes(montecarlo_records(fiscal_sim.montecarlo(scenario, draws=draws, seed=seed)))
