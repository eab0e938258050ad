"""What the schemas of every endpoint share: the chart names and formats, strict JSON fields, the base
schemas of requests (:class:`Strict`) and of responses (:class:`Open`)."""

from __future__ import annotations

import numbers

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from fiscal_sim import catalogue
from fiscal_sim.catalogue.charts import MONTECARLO_CHARTS

CHART_NAMES = tuple(catalogue.CHARTS)
CHART_FORMATS = catalogue.CHART_FORMATS
MONTECARLO_CHART_NAMES = MONTECARLO_CHARTS
MAX_LABEL = 200
SCENARIO_ID = validate.Length(min=1, max=64)


# ------------------------------------------------------------------------------------------------
# requests


class JsonInteger(fields.Integer):
    """A JSON integer only (marshmallow's Integer also takes "3", 3.0 and true)."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._validated(value)


class JsonFloat(fields.Float):
    """A JSON number only (marshmallow's Float also takes "1.5" and true)."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.make_error("invalid")
        return super()._validated(value)


class JsonBoolean(fields.Boolean):
    """true or false only (marshmallow's Boolean also takes 1, "yes", "on" …)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Strict(Schema):
    """Unknown keys in a request are errors."""


def _only_with_chart(data: dict, keys: tuple[str, ...], chart_given: bool) -> None:
    errors = {key: [f"{key} goes with chart"] for key in keys if key in data and not chart_given}
    if errors:
        raise ValidationError(errors)


# ------------------------------------------------------------------------------------------------
# responses


class Open(Schema):
    """A response object that may grow new keys."""

    class Meta:
        unknown = INCLUDE


def chart_format() -> fields.String:
    """The ``format`` of an endpoint that answers a chart instead of its JSON when ``chart`` is given."""
    return fields.String(
        validate=validate.OneOf(CHART_FORMATS), metadata={"description": "with chart: png (default), svg or csv"}
    )
