"""POST montecarlo: the draws to run, and the percentiles (or the run drawn as a chart)."""

from __future__ import annotations

from marshmallow import fields, validate, validates_schema

from .common import MONTECARLO_CHART_NAMES, JsonInteger, Open, _only_with_chart, chart_format
from .documents import ScenarioSourceSchema


class MontecarloRequestSchema(ScenarioSourceSchema):
    """POST montecarlo: the percentiles as JSON, or with ``chart`` the run drawn (or the numbers behind it)."""

    draws = JsonInteger(validate=validate.Range(min=1), metadata={"description": "default: uncertainty.draws"})
    seed = JsonInteger(allow_none=True, metadata={"description": "default: uncertainty.seed"})
    chart = fields.String(
        validate=validate.OneOf(MONTECARLO_CHART_NAMES),
        metadata={
            "description": "fan: the P5–P95 band, the median and the central run of required transfers and of the"
            " county balance by year; pilots: each pilot town's probability of losing its status. Answers the chart"
            " (format) instead of the JSON; give the seed (the JSON answer's) to draw the same run"
        },
    )
    format = chart_format()

    @validates_schema
    def _chart_options(self, data, **kwargs):
        _only_with_chart(data, ("format",), "chart" in data)


class MontecarloSchema(Open):
    """``fiscal_sim.io.records.montecarlo_records`` (docs/model.md §1.9)."""

    summary = fields.List(fields.Dict(), metadata={"description": "per year: percentiles, p_county_deficit"})
    pilots = fields.List(fields.Dict(), metadata={"description": "per pilot town: p_revoked"})
