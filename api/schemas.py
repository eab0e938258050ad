"""Request and response schemas of the HTTP API (marshmallow), and so of its OpenAPI document.

A scenario document is described by the schemas of :mod:`fiscal_sim.schema` (one source of truth), with
``towns`` and ``special_transfers.projects`` as arrays of records, the form a document takes over HTTP.
The API does not validate a document with marshmallow itself: :class:`DocumentField` hands the mapping
as sent to :func:`fiscal_sim.load_scenario`, whose errors name each bad key the way a user wrote it.
"""

from __future__ import annotations

import numbers

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from fiscal_sim import catalogue
from fiscal_sim.analysis.curve import MAX_CURVE_POINTS, MIN_CURVE_POINTS
from fiscal_sim.catalogue.charts import MONTECARLO_CHARTS
from fiscal_sim.result import COUNTY_COLUMNS, INDICATOR_COLUMNS, TOWN_COLUMNS
from fiscal_sim.scenario.schema import ScenarioSchema, SpecialTransfersSchema

from .auth import ROLES
from .storage import MAX_USER_LENGTH, MAX_VERSION

CHART_NAMES = tuple(catalogue.CHARTS)
CHART_FORMATS = catalogue.CHART_FORMATS
MONTECARLO_CHART_NAMES = MONTECARLO_CHARTS
MAX_LABEL = 200
SCENARIO_ID = validate.Length(min=1, max=64)


# ------------------------------------------------------------------------------------------------
# the scenario document, as it travels over HTTP


class TownRecordSchema(Schema):
    """One row of the towns table (base year); further columns are the ones items and drivers name."""

    class Meta:
        unknown = INCLUDE

    id = fields.Raw(required=True, metadata={"description": "unique town id (text or number)"})
    name = fields.String(required=True)
    pilot = fields.Raw(required=True, metadata={"description": "true/false, 1/0 or 是/否"})
    population = fields.Float(required=True)
    area_km2 = fields.Float(required=True)
    gdp = fields.Float(required=True)


class ProjectRecordSchema(Schema):
    """One special-transfer project (专项项目)."""

    class Meta:
        unknown = INCLUDE

    id = fields.Raw(required=True)
    town = fields.Raw(required=True)
    year = fields.Integer(required=True)
    category = fields.String(required=True)
    cost = fields.Float(required=True)
    grant = fields.Float(required=True)
    score = fields.Float(required=True)
    key_project = fields.Raw(required=True, metadata={"description": "true/false, 1/0 or 是/否"})
    cofinancing_rate = fields.Float(required=True)


class SpecialTransfersDocumentSchema(SpecialTransfersSchema):
    """专项转移支付 with its projects inline."""

    projects = fields.List(fields.Nested(ProjectRecordSchema), required=True)


class ScenarioDocumentSchema(ScenarioSchema):
    """A self-contained scenario (docs/scenario-format.md): towns and projects inline, no ``extends``."""

    towns = fields.List(fields.Nested(TownRecordSchema), required=True, validate=validate.Length(min=1))
    special_transfers = fields.Nested(SpecialTransfersDocumentSchema, load_default=None, allow_none=True)


class DocumentField(fields.Nested):
    """Documented as a :class:`ScenarioDocumentSchema`; loaded as the mapping sent (validated later)."""

    def __init__(self, **kwargs):
        super().__init__(ScenarioDocumentSchema, **kwargs)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("must be a scenario document (an object with towns and projects inline)")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return value


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


class ScenarioSaveSchema(Strict):
    """POST scenarios: a document to store as version 1 of a new scenario."""

    name = fields.String(
        validate=validate.Length(min=1, max=MAX_LABEL), metadata={"description": "default: the document's name"}
    )
    description = fields.String(validate=validate.Length(max=10_000))
    document = DocumentField(required=True)


class ScenarioReplaceSchema(ScenarioSaveSchema):
    """PUT scenarios/<id>: the new document and the version it replaces (or an ``If-Match`` header)."""

    version = JsonInteger(
        validate=validate.Range(min=1, max=MAX_VERSION),
        metadata={"description": "the version this replaces (or If-Match: <version>)"},
    )


class LangQuerySchema(Strict):
    lang = fields.String(
        validate=validate.OneOf(catalogue.LANGS),
        metadata={"description": "language of messages and words: zh or en (default: Accept-Language, else en)"},
    )


class VersionQuerySchema(LangQuerySchema):
    version = fields.Integer(
        validate=validate.Range(min=1, max=MAX_VERSION), metadata={"description": "default: the latest"}
    )


class ExplainQuerySchema(VersionQuerySchema):
    town = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "a town id"})
    year = fields.Integer(metadata={"description": "a simulated year"})
    column = fields.String(
        load_default="general_transfer",
        validate=validate.Length(min=1, max=100),
        metadata={"description": "a towns result column, e.g. gap, general_transfer, balance"},
    )
    project = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "explain a project instead of a town"}
    )

    @validates_schema
    def _what(self, data, **kwargs):
        if "project" in data:
            return
        errors = {key: ["required (or give project)"] for key in ("town", "year") if key not in data}
        if errors:
            raise ValidationError(errors)


class ScenarioSourceSchema(Strict):
    """Which scenario to run: a stored one (``scenario_id``, optional ``version``) or one inline."""

    scenario_id = fields.String(validate=SCENARIO_ID)
    version = JsonInteger(validate=validate.Range(min=1, max=MAX_VERSION), metadata={"description": "with scenario_id"})
    scenario = DocumentField()
    overrides = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=500)),
        values=fields.Raw(allow_none=True),
        load_default=dict,
        metadata={
            "description": "PATH: value, e.g. {'revenue_items.vat.split.town_share': 0.6} (docs/scenario-format.md)"
        },
    )

    @validates_schema
    def _one_source(self, data, **kwargs):
        if ("scenario_id" in data) == ("scenario" in data):
            raise ValidationError("give exactly one of scenario_id or scenario", "scenario")
        if "version" in data and "scenario_id" not in data:
            raise ValidationError("version goes with scenario_id", "version")


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


def _only_with_chart(data: dict, keys: tuple[str, ...], chart_given: bool) -> None:
    errors = {key: [f"{key} goes with chart"] for key in keys if key in data and not chart_given}
    if errors:
        raise ValidationError(errors)


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
    format = fields.String(
        validate=validate.OneOf(CHART_FORMATS), metadata={"description": "with chart: png (default), svg or csv"}
    )

    @validates_schema
    def _chart_options(self, data, **kwargs):
        _only_with_chart(data, ("format",), "chart" in data)


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
    format = fields.String(
        validate=validate.OneOf(CHART_FORMATS), metadata={"description": "with chart: png (default), svg or csv"}
    )
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


# ------------------------------------------------------------------------------------------------
# responses


class Open(Schema):
    """A response object that may grow new keys."""

    class Meta:
        unknown = INCLUDE


class HealthSchema(Open):
    status = fields.String(required=True)
    version = fields.String(required=True)
    scenarios = fields.Integer(required=True, metadata={"description": "saved scenarios"})


class SavedSchema(Open):
    id = fields.String(required=True)
    version = fields.Integer(required=True)


class ScenarioSummarySchema(Open):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the latest version"})
    name = fields.String(required=True)
    description = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    author = fields.String(required=True, metadata={"description": "who saved the latest version (or local)"})


class ScenarioListSchema(Open):
    scenarios = fields.List(fields.Nested(ScenarioSummarySchema), required=True)


class StoredScenarioSchema(Open):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    author = fields.String(required=True, metadata={"description": "who saved this version (or local)"})
    versions = fields.List(fields.Integer(), required=True, metadata={"description": "every saved version"})
    document = DocumentField(required=True)


class VersionEntrySchema(Open):
    version = fields.Integer(required=True)
    author = fields.String(required=True, metadata={"description": "a user name, or local"})
    created_at = fields.DateTime(required=True)
    name = fields.String(required=True)
    deleted = fields.Boolean(required=True, metadata={"description": "true for the deletion (admins only)"})


class VersionListSchema(Open):
    versions = fields.List(fields.Nested(VersionEntrySchema), required=True)


class UserSchema(Open):
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    created_at = fields.DateTime(required=True)


class UserListSchema(Open):
    users = fields.List(fields.Nested(UserSchema), required=True)


class UserAddSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_USER_LENGTH))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(required=True, validate=validate.Length(min=8, max=1000), load_only=True)


class MeSchema(Open):
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    local_mode = fields.Boolean(required=True, metadata={"description": "no users: everything open (loopback)"})


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


class MontecarloSchema(Open):
    """``fiscal_sim.io.records.montecarlo_records`` (docs/model.md §1.9)."""

    summary = fields.List(fields.Dict(), metadata={"description": "per year: percentiles, p_county_deficit"})
    pilots = fields.List(fields.Dict(), metadata={"description": "per pilot town: p_revoked"})


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


class ExplanationSchema(Open):
    """How a number was computed: formula, inputs and their own explanations."""

    key = fields.String(required=True, metadata={"description": "the result column or input it explains"})
    name = fields.String(required=True)
    value = fields.Raw(required=True, metadata={"description": "a number, text or true/false"})
    formula = fields.String(required=True)
    note = fields.String(required=True)
    unit = fields.String(required=True)
    inputs = fields.List(fields.Nested(lambda: ExplanationSchema()), required=True)


class ExplainSchema(ExplanationSchema):
    text = fields.String(required=True, metadata={"description": "the same as readable text"})
