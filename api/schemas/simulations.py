"""POST simulations and POST comparisons: what to run, and a result (its frames as records) or a
comparison."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from fiscal_sim.result import COUNTY_COLUMNS, INDICATOR_COLUMNS, TOWN_COLUMNS

from .common import MAX_LABEL, Open, Strict
from .documents import ScenarioSourceSchema

# ------------------------------------------------------------------------------------------------
# requests


class SimulationRequestSchema(ScenarioSourceSchema):
    """POST simulations."""


class ComparedScenarioSchema(ScenarioSourceSchema):
    """One scenario of a comparison."""

    label = fields.String(
        validate=validate.Length(min=1, max=MAX_LABEL),
        metadata={"description": "default: the scenario_id, or the inline document's name"},
    )


class ComparisonRequestSchema(Strict):
    """POST comparisons / exports: two or more scenarios side by side."""

    scenarios = fields.List(fields.Nested(ComparedScenarioSchema), required=True, validate=validate.Length(min=1))
    baseline = fields.String(
        validate=validate.Length(min=1, max=MAX_LABEL), metadata={"description": "a label; default: the first"}
    )


# ------------------------------------------------------------------------------------------------
# responses


def _row_schema(name: str, columns, *, ints=(), strings=(), bools=()) -> type[Schema]:
    """A row of a result frame: every float may be null (a NaN, e.g. per capita of no population)."""

    def field(column):
        if column in ints:
            return fields.Integer(required=True)
        if column in strings:
            return fields.String(required=True)
        if column in bools:
            return fields.Boolean(required=True)
        return fields.Float(required=True, allow_none=True)

    return Open.from_dict({c: field(c) for c in columns}, name=name)


TownRowSchema = _row_schema("TownRow", TOWN_COLUMNS, ints={"year"}, strings={"town", "name"}, bools={"pilot"})
CountyRowSchema = _row_schema("CountyRow", COUNTY_COLUMNS, ints={"year"})
IndicatorRowSchema = _row_schema("IndicatorRow", INDICATOR_COLUMNS, ints={"year", "pilots_active"})


class ProjectRowSchema(Open):
    """One project (docs/model.md §1.6 columns required; the table's other columns may follow)."""

    id = fields.String(required=True)
    town = fields.String(required=True)
    category = fields.String(required=True)
    grant = fields.Float(required=True, allow_none=True)
    cofinancing = fields.Float(required=True, allow_none=True)
    funded = fields.Boolean(required=True)
    year_funded = fields.Integer(required=True, allow_none=True)
    reason = fields.String(
        required=True, metadata={"description": "funded | budget | category_cap | cofinancing | not_selected"}
    )


class RevocationRowSchema(Open):
    town = fields.String(required=True)
    name = fields.String(required=True)
    revoked_from = fields.Integer(required=True, metadata={"description": "the first year as a non-pilot"})
    reason = fields.String(required=True)


class SimulationSchema(Open):
    """A result (docs/model.md §1.6): each frame as a list of records."""

    name = fields.String(required=True)
    unit = fields.String(required=True)
    years = fields.List(fields.Integer(), required=True)
    towns = fields.List(fields.Nested(TownRowSchema), required=True)
    county = fields.List(fields.Nested(CountyRowSchema), required=True)
    indicators = fields.List(fields.Nested(IndicatorRowSchema), required=True)
    projects = fields.List(fields.Nested(ProjectRowSchema), required=True)
    revocations = fields.List(fields.Nested(RevocationRowSchema), required=True)


class ComparisonSchema(Open):
    """``fiscal_sim.io.records.comparison_records``: summaries and differences against the baseline."""

    baseline = fields.String(required=True, metadata={"description": "the baseline label"})
    labels = fields.List(fields.String(), required=True)
    scenarios = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={"description": "label → name, unit"})
    summary = fields.List(fields.Dict(), metadata={"description": "one row per scenario over the whole period"})
    summary_by_year = fields.List(fields.Dict(), metadata={"description": "label + the indicators per year"})
    towns = fields.List(fields.Dict(), metadata={"description": "per label, year and town: baseline, scenario, diff"})
    years = fields.List(fields.Dict(), metadata={"description": "per label, year and metric: the difference"})
    winners_losers = fields.List(fields.Dict(), metadata={"description": "towns ranked by the change in resources"})
    settings = fields.List(fields.Dict(), metadata={"description": "settings that differ from the baseline"})
