"""Saved scenarios: save, replace, read (any version), list, the versions, and explain a result."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from fiscal_sim import catalogue

from ..storage import MAX_VERSION
from .common import MAX_LABEL, JsonInteger, Open, Strict
from .documents import DocumentField

# ------------------------------------------------------------------------------------------------
# requests


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


# ------------------------------------------------------------------------------------------------
# responses


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
