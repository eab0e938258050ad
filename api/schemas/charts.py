"""POST charts and POST exports: a comparison drawn as a chart, or written as a workbook."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import CHART_FORMATS, CHART_NAMES, JsonBoolean, JsonInteger
from .simulations import ComparisonRequestSchema


class ChartRequestSchema(ComparisonRequestSchema):
    """POST charts: a comparison drawn as one chart, or the numbers behind it."""

    chart = fields.String(required=True, validate=validate.OneOf(CHART_NAMES))
    format = fields.String(load_default="png", validate=validate.OneOf(CHART_FORMATS))
    year = JsonInteger(metadata={"description": "the year of the per-town charts; default: the last common one"})
    montecarlo = JsonBoolean(
        load_default=False,
        metadata={"description": "county_balance: add the Monte Carlo band of each scenario with an uncertainty block"},
    )


class ExportRequestSchema(ComparisonRequestSchema):
    """POST exports: the comparison as a workbook."""

    charts = JsonBoolean(load_default=True, metadata={"description": "add a sheet with the charts"})
    montecarlo = JsonBoolean(
        load_default=False, metadata={"description": "the Monte Carlo band in the county_balance chart"}
    )
