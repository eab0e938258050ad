"""HTTP API of fiscal-sim (README): Flask + flask-smorest, scenarios saved with every version kept.

``create_app(config)`` builds the app; ``serve(host, port)`` runs it with waitress. Resources live in
:mod:`api.resources` (one blueprint each, under ``/api/v1``); the OpenAPI document is generated from
:mod:`api.schemas` at ``/api/v1/openapi.json`` and browsed at ``/api/v1/docs`` (assets served here, no
CDN). A web page module ``api.web`` exposing a blueprint ``bp`` is registered when present, at ``/``.

``import api`` stays light (the command line registers ``serve``, ``user``, ``token`` and ``db`` through it):
:func:`create_app`, :func:`serve` and the rest of :mod:`api.app` load on first use.
"""

from __future__ import annotations

import importlib

__all__ = ["NoUserError", "create_app", "serve"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    app = importlib.import_module("api.app")
    try:
        return getattr(app, name)
    except AttributeError:
        raise AttributeError(f"module 'api' has no attribute {name!r}") from None
