"""POST solve (goal seeking): the parameter, target and bounds, and the value found with its run."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from fiscal_sim.analysis.curve import MAX_CURVE_POINTS, MIN_CURVE_POINTS

from .common import JsonBoolean, JsonFloat, JsonInteger, Open, _only_with_chart, chart_format
from .documents import ScenarioSourceSchema
from .simulations import SimulationSchema


class SolveRequestSchema(ScenarioSourceSchema):
    """POST solve: the parameter value that makes a metric hit a target (docs/model.md §1.10)."""

    parameter = fields.String(
        required=True, validate=validate.Length(min=1, max=500), metadata={"description": "an override PATH"}
    )
    target = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "an indicator name or county.balance"},
    )
    value = JsonFloat(required=True)
    year = JsonInteger(metadata={"description": "default: the last simulated year"})
    bounds = fields.List(JsonFloat(), validate=validate.Length(equal=2), metadata={"description": "[lo, hi]"})
    chart = JsonBoolean(
        load_default=False,
        metadata={
            "description": "true: the target metric against the parameter at evenly spaced values over the bounds,"
            " the value asked for as a line and the solution marked, as a chart (format) instead of the JSON;"
            " drawn also when no value reaches the target"
        },
    )
    format = chart_format()
    points = JsonInteger(
        validate=validate.Range(min=MIN_CURVE_POINTS, max=MAX_CURVE_POINTS),
        metadata={"description": "with chart: how many values of the parameter to run (default 21)"},
    )

    @validates_schema
    def _ordered_bounds(self, data, **kwargs):
        bounds = data.get("bounds")
        if bounds and not bounds[0] < bounds[1]:
            raise ValidationError(f"lo must be below hi, got {bounds}", "bounds")
        _only_with_chart(data, ("format", "points"), data.get("chart", False))


class SolveSchema(Open):
    """``fiscal_sim.solve``: the parameter value found, the metric there, and the run at that value."""

    parameter = fields.String(required=True)
    target = fields.String(required=True)
    year = fields.Integer(required=True)
    goal = fields.Float(required=True, metadata={"description": "the value asked for"})
    value = fields.Float(required=True, metadata={"description": "the parameter value found"})
    metric = fields.Float(required=True, allow_none=True, metadata={"description": "the metric at that value"})
    residual = fields.Float(allow_none=True)
    exact = fields.Boolean(metadata={"description": "false when the metric jumps across the goal"})
    message = fields.String()
    iterations = fields.Integer()
    evaluations = fields.Integer()
    result = fields.Nested(SimulationSchema, required=True)
