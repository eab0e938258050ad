"""A scenario's history (版本记录): who saved which version when and what it changed, any two versions side
by side, restoring an old version as a new one; deleting a scenario and restoring it."""

from __future__ import annotations

import flask
from flask import request

from .. import auth, sources, state
from ..errors import ApiError
from ..storage import MAX_VERSION
from .base import bp, render, stored_version
from .changes import changes_between, summary
from .words import t

HISTORY_ROWS = 50  # versions shown, newest first


def _version_arg(name: str) -> int | None:
    value = request.values.get(name, type=int)
    if value is not None and not 1 <= value <= MAX_VERSION:
        raise ApiError(404, {name: [t("not_found")]})
    return value


@bp.get("/scenarios/<scenario_id>/history")
def history_page(scenario_id: str):
    """Every version (newest first) with what it changed from the one before; ``?a=N&b=M`` compares two."""
    stored, scenario = stored_version(scenario_id, None)
    entries = [e for e in state.store().history(scenario_id) if not e.deleted][-HISTORY_ROWS:]
    scenarios = {e.version: sources.stored_scenario(scenario_id, e.version, "version") for e in entries}
    rows = []
    for n, entry in enumerate(entries):
        before = scenarios[entries[n - 1].version] if n else None
        changes = changes_between(before, scenarios[entry.version]) if before is not None else []
        rows.append({"entry": entry, "summary": summary(changes) if n else t("first_version")})
    a, b = _version_arg("a"), _version_arg("b")
    pair = None
    if a is not None and b is not None:
        left = scenarios.get(a) or sources.stored_scenario(scenario_id, a, "a")
        right = scenarios.get(b) or sources.stored_scenario(scenario_id, b, "b")
        pair = {"a": a, "b": b, "changes": changes_between(left, right)}
    return render(
        "history.html",
        stored=stored,
        scenario=scenario,
        latest=stored.version,
        rows=list(reversed(rows)),
        pair=pair,
        tab="history",
    )


@bp.post("/scenarios/<scenario_id>/restore-version")
def restore_version(scenario_id: str):
    """Save an old version's settings as the newest version (nothing is overwritten)."""
    version = _version_arg("version")
    if version is None:
        raise ApiError(400, {"version": [t("bad_version")]})
    old, scenario = stored_version(scenario_id, version)
    latest = state.store().head(scenario_id)[1]
    new = state.store().replace(scenario_id, latest, old.name, old.description, old.document, auth.author())
    state.cache().put((scenario_id, new), scenario)
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=new), 303)


@bp.post("/scenarios/<scenario_id>/delete")
def delete(scenario_id: str):
    """Hide a scenario (its versions are kept; it can be restored from the list)."""
    version = _version_arg("version")
    state.store().delete(scenario_id, version, auth.author())  # a stale version: 409 (ConflictError)
    return flask.redirect(flask.url_for("web.index", deleted=scenario_id), 303)


@bp.post("/scenarios/<scenario_id>/restore")
def restore(scenario_id: str):
    version = state.store().restore(scenario_id, auth.author())
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=version), 303)
