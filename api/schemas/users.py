"""Users and who is signed in: GET/POST users, GET me."""

from __future__ import annotations

from marshmallow import fields, validate

from ..auth import ROLES
from ..storage import MAX_USER_LENGTH
from .common import Open, Strict


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
