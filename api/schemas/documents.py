"""The scenario document as it travels over HTTP, and which scenario a request runs (stored or inline).

A scenario document is described by the schemas of :mod:`fiscal_sim.schema` (one source of truth), with
``towns`` and ``special_transfers.projects`` as arrays of records, the form a document takes over HTTP.
The API does not validate a document with marshmallow itself: :class:`DocumentField` hands the mapping
as sent to :func:`fiscal_sim.load_scenario`, whose errors name each bad key the way a user wrote it.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from fiscal_sim.scenario.schema import ScenarioSchema, SpecialTransfersSchema

from ..storage import MAX_VERSION
from .common import SCENARIO_ID, JsonInteger, Strict

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
# which scenario a request runs


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
