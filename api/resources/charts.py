"""POST /api/v1/charts: one chart of a comparison as PNG or SVG, or the numbers behind it as CSV."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from .. import answers, runner, sources
from ..language import language
from ..limits import check_band_draws, limits
from ..schemas import ChartRequestSchema
from .comparisons import EXAMPLE as COMPARISON_EXAMPLE

blp = Blueprint("charts", __name__, url_prefix="/api/v1/charts", description="Charts of a comparison (图表)")

MIMETYPES = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv"}
TEXT = {"schema": {"type": "string"}}
CHART_CONTENT = {  # a chart's answer (png, svg) or the numbers behind it (csv), for the OpenAPI document
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "image/svg+xml": TEXT,
    "text/csv": TEXT,
}


def chart_or(schema, description: str) -> dict:
    """The OpenAPI 200 response of an endpoint answering JSON (``schema``) or, asked for a chart, a chart."""
    return {"description": description, "content": {"application/json": {"schema": schema}, **CHART_CONTENT}}


def drawn(fmt: str, numbers, figure) -> bytes:
    """(In a worker.) ``numbers()`` as CSV bytes for csv, else ``figure()`` rendered as png or svg."""
    from fiscal_sim.io.charts import figure_bytes
    from fiscal_sim.io.tables import csv_bytes

    return csv_bytes(numbers()) if fmt == "csv" else figure_bytes(figure(), fmt)


def chart_response(data: bytes, fmt: str, name: str) -> flask.Response:
    """A chart's bytes as the answer; the numbers behind it (csv) as an attachment named ``name.csv``."""
    response = flask.Response(data, mimetype=MIMETYPES[fmt])
    if fmt == "csv":
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def render(labelled: list, request: dict, limits: dict) -> tuple[bytes, str]:
    """(In a worker.) The chart's bytes (or CSV text) and its mimetype; ``request``: the body's chart,
    format, year, montecarlo and lang, and the baseline label."""
    return results_chart(sources.results_of(labelled, limits), request, limits)


def results_chart(results: dict, request: dict, limits: dict) -> tuple[bytes, str]:
    """(In a worker.) :func:`render` of results already computed (the page's comparison holds them)."""
    from fiscal_sim.io.charts import chart_data, make_chart

    options = {} if request.get("year") is None else {"year": request["year"]}
    options["baseline"] = request.get("baseline")
    if bands(request):
        options["montecarlo"] = sources.montecarlo_bands(results, limits)
    chart, fmt = request["chart"], request["format"]
    numbers = lambda: chart_data(chart, results, **options)  # noqa: E731
    figure = lambda: make_chart(chart, results, lang=request["lang"], **options)  # noqa: E731
    return drawn(fmt, numbers, figure), MIMETYPES[fmt]


def bands(body: dict) -> bool:
    """Whether the chart draws Monte Carlo bands."""
    return bool(body["montecarlo"]) and body["chart"] == "county_balance"


@blp.route("")
class Charts(MethodView):
    @blp.arguments(ChartRequestSchema, example={**COMPARISON_EXAMPLE, "chart": "county_balance", "format": "png"})
    @blp.doc(
        responses={
            "200": {"description": "the chart (png, svg) or the numbers behind it (csv)", "content": CHART_CONTENT}
        }
    )
    def post(self, body):
        """transfers_by_town | town_budgets | county_balance | lorenz | changes_by_town, as png | svg | csv.

        ``changes_by_town`` and ``lorenz`` measure against the ``baseline`` (default: the first scenario)."""
        # a Monte Carlo band may be drawn from a random seed: not cached
        body = {**body, "lang": language()}
        return answers.cached("charts", body, answer, enabled=not body["montecarlo"])


def answer(body: dict) -> flask.Response:
    labelled, baseline = sources.sources(body)
    if bands(body):
        check_band_draws(labelled)
    request = {key: body.get(key) for key in ("chart", "format", "year", "montecarlo", "lang")}
    request["baseline"] = baseline
    data, _ = runner.compute(render, labelled, request, limits())
    return chart_response(data, body["format"], body["chart"])
