"""Every error leaves the API as ``{"errors": {field: [messages]}}`` with a 4xx status, never a traceback.

Field names follow the request: ``scenario.revenue_items[vat].split.town_share``,
``overrides.growth.gdp``, ``scenarios[1].label``; ``_schema`` is a problem with the request as a whole.
"""

from __future__ import annotations

import logging

import flask
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from fiscal_sim.errors import ScenarioError, SolveError

from .language import language, localized
from .storage import ConflictError, NotFoundError

log = logging.getLogger(__name__)


class ErrorSchema(Schema):
    """The error body of every 4xx/5xx answer."""

    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "field → messages; `_schema` for the request as a whole"},
    )


class ApiError(Exception):
    """An answer other than success, with the fields at fault."""

    def __init__(self, status: int, errors: dict[str, list[str]] | str):
        super().__init__(errors)
        self.status = status
        self.errors = {"_schema": [errors]} if isinstance(errors, str) else errors


def prefixed(errors: dict[str, list[str]], prefix: str) -> dict[str, list[str]]:
    """``{"towns": [...]}`` under ``scenario`` → ``{"scenario.towns": [...]}`` (``_schema`` → the prefix)."""
    if not prefix:
        return dict(errors)
    return {(prefix if key == "_schema" else f"{prefix}.{key}"): list(messages) for key, messages in errors.items()}


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow/webargs nested messages → flat ``{"a.b[0].c": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, (list, tuple)):
        flat = [m for m in messages if not isinstance(m, (dict, list))]
        if flat:
            out[prefix or "_schema"] = [str(m) for m in flat]
        for m in messages:
            if isinstance(m, (dict, list)):
                for k, v in flatten_messages(m, prefix).items():
                    out.setdefault(k, []).extend(v)
        return out
    if not isinstance(messages, dict):
        return {prefix or "_schema": [str(messages)]}
    for key, sub in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for k, v in flatten_messages(sub, path).items():
            out.setdefault(k, []).extend(v)
    return out


def _webargs_messages(data: dict) -> dict[str, list[str]]:
    """webargs keys messages by location (``json``, ``query``, ``headers``); clients know fields."""
    messages = data.get("messages") or data.get("errors")
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "view_args", "form", "files"}:
        out: dict[str, list[str]] = {}
        for sub in messages.values():
            for k, v in flatten_messages(sub).items():
                out.setdefault(k, []).extend(v)
        return out
    return flatten_messages(messages)


def error_response(status: int, errors: dict[str, list[str]], headers=None) -> flask.Response:
    """The JSON error body, each message in the request's language after the words of its key."""
    response = flask.jsonify({"errors": localized(errors, language())})
    response.status_code = status
    for key, value in headers or ():
        response.headers[key] = value
    return response


def http_exception_body(error: HTTPException) -> tuple[int, dict[str, list[str]], list]:
    """The status, fields and headers of a werkzeug HTTPException (incl. webargs' 422s)."""
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    data = getattr(error, "data", None) or {}
    if data.get("messages") or data.get("errors"):
        errors = _webargs_messages(data)
    elif isinstance(error, RequestEntityTooLarge):
        limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
        size = f"{limit / 2**20:g} MB" if limit and limit >= 2**20 else f"{limit:,} bytes" if limit else "the limit"
        errors = {"_schema": [f"the request body is larger than {size} (MAX_CONTENT_LENGTH)"]}
    else:
        errors = {"_schema": [data.get("message") or error.description or error.name]}
    headers += list((data.get("headers") or {}).items())
    return error.code or 500, errors, headers


def register_error_handlers(app: flask.Flask) -> None:
    """Map every failure to the JSON error shape (flask-smorest's own handler is replaced, see Api)."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.errors)

    @app.errorhandler(ScenarioError)
    def _scenario_error(error: ScenarioError):
        return error_response(422, error.errors)

    @app.errorhandler(SolveError)
    def _solve_error(error: SolveError):
        return error_response(422, {"target": [str(error)]})

    @app.errorhandler(NotFoundError)
    def _not_found(error: NotFoundError):
        return error_response(404, {"id": [str(error)]})

    @app.errorhandler(ConflictError)
    def _conflict(error: ConflictError):
        return error_response(409, {"version": [str(error)]})

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            status, errors, headers = http_exception_body(error)
            return error_response(status, errors, headers)
        log.exception("unexpected error on %s %s", flask.request.method, flask.request.path)
        return error_response(500, {"_schema": ["internal error: the server could not answer this request"]})
