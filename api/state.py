"""The app's per-app state, kept in ``app.extensions["fiscal_sim"]`` by :func:`api.app.create_app`: its store of
scenario versions, its cache of validated scenarios, its cache of answers.

Read through these functions (in a request or an app context) so no module reaches into the extensions itself.
"""

from __future__ import annotations

import flask

from .cache import ResponseCache, ScenarioCache
from .storage import Store

# ------------------------------------------------------------------------------------------------
# per-app state


def store() -> Store:
    return flask.current_app.extensions["fiscal_sim"]["store"]


def cache() -> ScenarioCache:
    return flask.current_app.extensions["fiscal_sim"]["cache"]


def responses() -> ResponseCache:
    return flask.current_app.extensions["fiscal_sim"]["responses"]
