"""POST /api/v1/solve: goal seeking (docs/model.md §1.10)."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

import fiscal_sim
from fiscal_sim.io.records import solve_records

from .. import runner
from ..schemas import SolveRequestSchema, SolveSchema

blp = Blueprint("solve", __name__, url_prefix="/api/v1/solve", description="Goal seeking (目标求解)")

EXAMPLE = {
    "scenario_id": "baseline",
    "parameter": "revenue_items.vat.split.town_share",
    "target": "county_balance",
    "value": 0,
    "year": 2020,
    "bounds": [0, 1],
}


@blp.route("")
class Solve(MethodView):
    @blp.arguments(SolveRequestSchema, example=EXAMPLE)
    @blp.response(200, SolveSchema)
    def post(self, body):
        """The parameter value that makes the target metric equal value in year."""
        return runner.cached("solve", body, seek)


def seek(body: dict) -> flask.Response:
    options = {key: body[key] for key in ("parameter", "target", "value", "year", "bounds") if key in body}
    return runner.json_response(runner.compute(solved, runner.source(body), options, runner.limits()))


def solved(source: dict, options: dict, limits: dict) -> bytes:
    """(In a worker.) The goal seeking of a :func:`api.runner.source` as the JSON answer."""
    scenario = runner.scenario_of(source, limits)
    options = dict(options)
    if "bounds" in options:
        options["bounds"] = tuple(options["bounds"])
    return runner.json_bytes(solve_records(fiscal_sim.solve(scenario, **options)))
