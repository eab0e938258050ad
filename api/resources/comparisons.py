"""POST /api/v1/comparisons: scenarios side by side, differences against a baseline."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from fiscal_sim import compare
from fiscal_sim.io.records import comparison_records

from .. import answers, runner, sources
from ..limits import limits
from ..schemas import ComparisonRequestSchema, ComparisonSchema

blp = Blueprint("comparisons", __name__, url_prefix="/api/v1/comparisons", description="Compare scenarios (方案比较)")

EXAMPLE = {
    "scenarios": [
        {"label": "baseline", "scenario_id": "baseline"},
        {"label": "reform", "scenario_id": "pilot_reform"},
    ],
    "baseline": "baseline",
}


def comparison(labelled: list, baseline: str, limits: dict):
    """``fiscal_sim.compare`` of :func:`api.sources.sources`' scenarios, and their results (in a worker)."""
    results = sources.results_of(labelled, limits)
    return compare(results, baseline=baseline), results


def comparison_json(labelled: list, baseline: str, limits: dict) -> bytes:
    """(In a worker.) The comparison as the JSON answer."""
    return answers.json_bytes(comparison_records(comparison(labelled, baseline, limits)[0]))


def answer(body: dict) -> flask.Response:
    labelled, baseline = sources.sources(body)
    return answers.json_response(runner.compute(comparison_json, labelled, baseline, limits()))


@blp.route("")
class Comparisons(MethodView):
    @blp.arguments(ComparisonRequestSchema, example=EXAMPLE)
    @blp.response(200, ComparisonSchema)
    def post(self, body):
        """Per-scenario summaries and per-town, per-year differences against the baseline."""
        return answers.cached("comparisons", body, answer)
