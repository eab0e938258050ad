"""The answers: a task's payload as the app's JSON bytes and response, and the answer cache of the
deterministic endpoints (simulations, comparisons, charts, exports, solve, the page's runs), keyed by the
body with its ``scenario_id``s pinned to a version, so a repeated request never reaches a worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import flask

import fiscal_sim
from fiscal_sim.io.records import result_records

from .cache import CachedResponse
from .errors import ApiError
from .json_provider import JSONProvider, finite
from .state import responses, store
from .storage import NotFoundError

# ------------------------------------------------------------------------------------------------
# JSON answers


def json_bytes(payload) -> bytes:
    """``payload`` as the app's JSON answer would be (Chinese readable, numpy numbers, NaN as null), in bytes."""
    options = {"default": JSONProvider.default, "ensure_ascii": False, "separators": (",", ":"), "allow_nan": False}
    try:
        text = json.dumps(payload, **options)
    except ValueError:  # a NaN or inf somewhere
        text = json.dumps(finite(payload), **options)
    return (text + "\n").encode()


def json_response(data: bytes) -> flask.Response:
    """A JSON answer from :func:`json_bytes`."""
    return flask.Response(data, mimetype="application/json")


# ------------------------------------------------------------------------------------------------
# answers of deterministic endpoints, cached


def pinned(body: dict) -> dict:
    """The body with every ``scenario_id`` given the version it resolves to now (404 when unknown)."""

    def pin(entry: dict, field: str) -> dict:
        if "scenario_id" not in entry:
            return entry
        try:
            _, version = store().head(entry["scenario_id"], entry.get("version"))
        except NotFoundError as exc:
            raise ApiError(404, {field: [str(exc)]}) from None
        return {**entry, "version": version}

    body = pin(body, "scenario_id")
    if isinstance(body.get("scenarios"), list):
        body = {**body, "scenarios": [pin(e, f"scenarios[{n}].scenario_id") for n, e in enumerate(body["scenarios"])]}
    return body


def cached(endpoint: str, body: dict, compute: Callable[[dict], flask.Response], *, enabled: bool = True):
    """``compute(pinned body)``, or the same answer computed before for the same pinned body."""
    body = pinned(body)
    cache_ = responses()
    if not enabled or not cache_.max_bytes:
        return compute(body)
    key = cache_.key(endpoint, body)
    hit = cache_.get(key)
    if hit is None:
        with cache_.key_lock(key):  # the same request arriving meanwhile waits here, then finds the answer
            hit = cache_.get(key)
            if hit is None:
                try:
                    response = compute(body)
                    if response.status_code != 200 or response.is_streamed:
                        return response
                    hit = CachedResponse(
                        response.get_data(),
                        response.mimetype,
                        tuple((k, v) for k, v in response.headers.items() if k in ("Content-Disposition",)),
                    )
                    cache_.put(key, hit)
                finally:
                    cache_.release_key(key)
    return flask.Response(hit.data, mimetype=hit.mimetype, headers=list(hit.headers))


# ------------------------------------------------------------------------------------------------
# payloads


def result_payload(result: fiscal_sim.Result) -> dict:
    """The result frames as lists of records (docs/model.md §1.6)."""
    return result_records(result)
