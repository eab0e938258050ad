"""POST /api/v1/comparisons: scenarios side by side, differences against a baseline."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from fiscal_sim import compare
from fiscal_sim.io.records import comparison_records

from .. import runner
from ..schemas import ComparisonRequestSchema, ComparisonSchema

blp = Blueprint("comparisons", __name__, url_prefix="/api/v1/comparisons", description="Compare scenarios (方案比较)")

EXAMPLE = {
    "scenarios": [
        {"label": "baseline", "scenario_id": "baseline"},
        {"label": "reform", "scenario_id": "pilot_reform"},
    ],
    "baseline": "baseline",
}


def comparison(body: dict):
    """``fiscal_sim.compare`` of the body's scenarios."""
    results, baseline = runner.labelled_results(body)
    return compare(results, baseline=baseline), results


@blp.route("")
class Comparisons(MethodView):
    @blp.arguments(ComparisonRequestSchema, example=EXAMPLE)
    @blp.response(200, ComparisonSchema)
    def post(self, body):
        """Per-scenario summaries and per-town, per-year differences against the baseline."""
        return runner.cached(
            "comparisons", body, lambda pinned: flask.jsonify(comparison_records(comparison(pinned)[0]))
        )
