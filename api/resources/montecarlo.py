"""POST /api/v1/montecarlo: GDP-growth uncertainty of a scenario (docs/model.md §1.9)."""

from __future__ import annotations

import flask
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
        scenario = runner.request_scenario(body)
        draws = body.get("draws")
        source = "scenario_id" if "scenario_id" in body else "scenario"
        runner.check_draws(scenario, draws, "draws" if draws is not None else f"{source}.uncertainty.draws")
        outcome = fiscal_sim.montecarlo(scenario, draws=draws, seed=body.get("seed"))
        return flask.jsonify(montecarlo_records(outcome))
