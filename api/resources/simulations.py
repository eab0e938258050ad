"""POST /api/v1/simulations: run a stored or inline scenario, with overrides."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from .. import answers, runner, sources
from ..limits import limits
from ..schemas import SimulationRequestSchema, SimulationSchema

blp = Blueprint("simulations", __name__, url_prefix="/api/v1/simulations", description="Run a scenario (模拟测算)")

EXAMPLE = {"scenario_id": "baseline", "overrides": {"revenue_items.vat.split.town_share": 0.6}}


@blp.route("")
class Simulations(MethodView):
    @blp.arguments(SimulationRequestSchema, example=EXAMPLE)
    @blp.response(200, SimulationSchema)
    def post(self, body):
        """The result frames (towns, county, indicators, projects, revocations) as lists of records."""
        return answers.cached("simulations", body, run)


def run(body: dict) -> flask.Response:
    """The answer of a (pinned) body: limits checked here, the run in a worker."""
    return answers.json_response(runner.compute(simulation, sources.source(body), limits()))


def simulation(source: dict, limits: dict) -> bytes:
    """(In a worker.) The result of a :func:`api.sources.source` as the JSON answer."""
    return answers.json_bytes(answers.result_payload(sources.simulate(sources.scenario_of(source, limits))))
