"""GET /api/v1/docs: an interactive page over the OpenAPI document, with its assets served here (no CDN)."""

from __future__ import annotations

import flask

bp = flask.Blueprint("apidocs", __name__, url_prefix="/api/v1/docs")


@bp.get("")
def page():
    """Lists every operation of ``/api/v1/openapi.json`` with a form that sends it (fetch)."""
    return flask.render_template("apidocs.html", spec_url=flask.url_for("api-docs.openapi_json"))
