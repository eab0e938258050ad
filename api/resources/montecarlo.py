"""POST /api/v1/montecarlo: GDP-growth uncertainty of a scenario (docs/model.md §1.9), as JSON or as a chart."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from flask.views import MethodView
from flask_smorest import Blueprint

import fiscal_sim
from fiscal_sim.io.records import montecarlo_records

from .. import answers, runner, sources
from ..language import language
from ..limits import check_draws, check_source_draws, limits
from ..schemas import MontecarloRequestSchema, MontecarloSchema
from .charts import chart_or, chart_response, drawn

blp = Blueprint("montecarlo", __name__, url_prefix="/api/v1/montecarlo", description="Monte Carlo of growth (蒙特卡洛)")

# the last runs of stored scenarios in this (worker) process, by (version, overrides, draws, seed): the page asks
# for the JSON answer and then for its two charts with the seed of the answer, and they are drawn from one run
KEEP_RUNS = 2
_runs: OrderedDict = OrderedDict()
_runs_lock = threading.Lock()


@blp.route("")
class Montecarlo(MethodView):
    @blp.arguments(MontecarloRequestSchema, example={"scenario_id": "baseline", "draws": 500, "seed": 7})
    @blp.response(200, MontecarloSchema)
    @blp.doc(
        responses={
            "200": chart_or(
                MontecarloSchema,
                "the percentiles (JSON), or with chart the chart (png, svg) or the numbers behind it (csv)",
            )
        }
    )
    def post(self, body):
        """Percentiles per year and each pilot's probability of losing its status; with ``chart`` (fan |
        pilots) the run drawn as png | svg, or the numbers behind the chart as csv."""
        source = sources.source(body)
        draws = body.get("draws")
        field = "draws" if draws is not None else f"{source['field']}.uncertainty.draws"
        check_source_draws(source, draws, field)
        if "chart" not in body:
            data = runner.compute(simulate_draws, source, draws, body.get("seed"), field, limits())
            return answers.json_response(data)
        request = {"chart": body["chart"], "format": body.get("format", "png"), "lang": language()}
        data = runner.compute(draw_draws, source, draws, body.get("seed"), field, request, limits())
        return chart_response(data, request["format"], f"montecarlo_{request['chart']}")


def run_draws(source: dict, draws: int | None, seed: int | None, field: str, limits: dict):
    """(In a worker.) The Monte Carlo run of a :func:`api.sources.source`, limits checked; a stored scenario's
    run with the same draws and seed as one of the last ones is that run (see :data:`KEEP_RUNS`)."""
    scenario = sources.scenario_of(source, limits)
    check_draws(scenario, draws, field, limits)
    stored = source["key"] is not None
    if stored and draws is not None and seed is not None:
        with _runs_lock:
            hit = _runs.get(_run_key(source, draws, seed))
        if hit is not None:
            return hit
    mc = fiscal_sim.montecarlo(scenario, draws=draws, seed=seed)
    if stored:
        with _runs_lock:
            _runs[_run_key(source, mc.draws, mc.seed)] = mc
            while len(_runs) > KEEP_RUNS:
                _runs.popitem(last=False)
    return mc


def _run_key(source: dict, draws: int, seed: int) -> tuple:
    return (source["key"], json.dumps(source["overrides"], sort_keys=True, default=str), draws, seed)


def simulate_draws(source: dict, draws: int | None, seed: int | None, field: str, limits: dict) -> bytes:
    """(In a worker.) The Monte Carlo of a :func:`api.sources.source` as the JSON answer."""
    return answers.json_bytes(montecarlo_records(run_draws(source, draws, seed, field, limits)))


def draw_draws(source: dict, draws: int | None, seed: int | None, field: str, request: dict, limits: dict) -> bytes:
    """(In a worker.) A chart of the Monte Carlo run (``request``: chart, format, lang), or its numbers as CSV."""
    from fiscal_sim.io.charts import montecarlo_chart, montecarlo_chart_data

    mc = run_draws(source, draws, seed, field, limits)
    return drawn(
        request["format"],
        lambda: montecarlo_chart_data(mc, request["chart"]),
        lambda: montecarlo_chart(mc, request["chart"], lang=request["lang"]),
    )
