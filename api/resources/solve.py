"""POST /api/v1/solve: goal seeking (docs/model.md §1.10), as JSON or as the metric's curve over the bounds."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

import fiscal_sim
from fiscal_sim.io.records import solve_records

from .. import answers, runner, sources
from ..language import language
from ..limits import limits
from ..schemas import SolveRequestSchema, SolveSchema
from .charts import chart_or, chart_response, drawn

blp = Blueprint("solve", __name__, url_prefix="/api/v1/solve", description="Goal seeking (目标求解)")

EXAMPLE = {
    "scenario_id": "baseline",
    "parameter": "revenue_items.vat.split.town_share",
    "target": "county_balance",
    "value": 0,
    "year": 2020,
    "bounds": [0, 1],
}
OPTIONS = ("parameter", "target", "value", "year", "bounds")


@blp.route("")
class Solve(MethodView):
    @blp.arguments(SolveRequestSchema, example=EXAMPLE)
    @blp.response(200, SolveSchema)
    @blp.doc(
        responses={
            "200": chart_or(
                SolveSchema, "the value found (JSON), or with chart the curve (png, svg) or the numbers behind it (csv)"
            )
        }
    )
    def post(self, body):
        """The parameter value that makes the target metric equal value in year; with ``chart`` the metric
        against the parameter over the bounds as png | svg, or the numbers behind it as csv."""
        if body.get("chart"):
            body = {**body, "format": body.get("format", "png"), "lang": language()}
            return answers.cached("solve.chart", body, curve)
        return answers.cached("solve", body, seek)


def seek(body: dict) -> flask.Response:
    options = {key: body[key] for key in OPTIONS if key in body}
    return answers.json_response(runner.compute(solved, sources.source(body), options, limits()))


def solved(source: dict, options: dict, limits: dict) -> bytes:
    """(In a worker.) The goal seeking of a :func:`api.sources.source` as the JSON answer."""
    scenario = sources.scenario_of(source, limits)
    options = dict(options)
    if "bounds" in options:
        options["bounds"] = tuple(options["bounds"])
    return answers.json_bytes(solve_records(fiscal_sim.solve(scenario, **options)))


def curve(body: dict) -> flask.Response:
    options = {key: body[key] for key in (*OPTIONS, "points") if key in body}
    request = {"format": body["format"], "lang": body["lang"]}
    data = runner.compute(drawn_curve, sources.source(body), options, request, limits())
    return chart_response(data, body["format"], "solve")


def drawn_curve(source: dict, options: dict, request: dict, limits: dict) -> bytes:
    """(In a worker.) The metric's curve of a :func:`api.sources.source` (``request``: format, lang)."""
    from fiscal_sim.analysis.curve import metric_curve
    from fiscal_sim.io.charts import solve_chart, solve_chart_data

    scenario = sources.scenario_of(source, limits)
    options = dict(options)
    if "bounds" in options:
        options["bounds"] = tuple(options["bounds"])
    found = metric_curve(scenario, **options)
    return drawn(request["format"], lambda: solve_chart_data(found), lambda: solve_chart(found, lang=request["lang"]))
