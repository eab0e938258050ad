"""GET health: the service's status."""

from __future__ import annotations

from marshmallow import fields

from .common import Open


class HealthSchema(Open):
    status = fields.String(required=True)
    version = fields.String(required=True)
    scenarios = fields.Integer(required=True, metadata={"description": "saved scenarios"})
