"""Users (用户) for admins: list, add, remove; and ``GET me`` for anyone signed in (who am I, which role).

The command line does the same (``fiscal-sim user add|list|remove``, ``fiscal-sim token create``), and
is the way to add the first user.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from .. import auth, state
from ..errors import ApiError
from ..schemas import MeSchema, UserAddSchema, UserListSchema, UserSchema

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and roles (admins only)")
me_blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="Who is asking")


def _public(user) -> dict:
    return {"name": user.name, "role": user.role, "created_at": user.created_at}


@blp.route("")
class Users(MethodView):
    @blp.response(200, UserListSchema)
    def get(self):
        """Every user and their role (never a password or token)."""
        return {"users": [_public(u) for u in state.store().users()]}

    @blp.arguments(UserAddSchema)
    @blp.response(201, UserSchema)
    def post(self, body):
        """Add a user (name, role, password); 409 when the name is taken."""
        try:
            name = auth.check_user_name(body["name"])
            password_hash = auth.hash_password(body["password"])
        except ValueError as exc:
            raise ApiError(422, {"name" if "name" in str(exc) else "password": [str(exc)]}) from None
        state.store().add_user(name, body["role"], password_hash)  # ConflictError → 409
        return _public(state.store().user(name)), 201


@blp.route("/<name>")
class UserByName(MethodView):
    @blp.response(204)
    def delete(self, name):
        """Remove a user and their API tokens (their saved versions keep their name as author)."""
        who = auth.current()
        if who is not None and who.name == name:
            raise ApiError(422, {"name": ["you cannot remove yourself; ask another admin"]})
        state.store().remove_user(name)  # NotFoundError → 404
        return None


@me_blp.route("")
class Me(MethodView):
    @me_blp.response(200, MeSchema)
    def get(self):
        """The user this request is made as (``local`` in local mode)."""
        who = auth.current()
        return {"name": who.name, "role": who.role.code, "local_mode": who.local}
