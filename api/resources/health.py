"""GET /api/v1/health: the service answers and its database is reachable."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import SQLAlchemyError

import fiscal_sim

from ..errors import ApiError
from ..schemas import HealthSchema
from ..state import store

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Is the service up?")


@blp.route("")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    def get(self):
        """Service status and the number of saved scenarios."""
        try:
            count = len(store().list())
        except SQLAlchemyError as exc:
            raise ApiError(503, {"database": [f"unreachable: {exc.__class__.__name__}"]}) from None
        return {"status": "ok", "version": fiscal_sim.__version__, "scenarios": count}
