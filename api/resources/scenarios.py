"""Saved scenarios (方案): list, create, read any version, replace a version, delete; explain a result.

Versions: POST stores version 1; each PUT names the version it replaces (body ``version`` or
``If-Match: <version>``) and stores the next one; a PUT naming a version that is no longer the latest gets
409, so two clients editing the same version cannot overwrite each other. DELETE stores a tombstone: the
scenario leaves the list and every GET (any version) answers 404, but no stored row is removed.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from fiscal_sim import ScenarioError
from fiscal_sim.explain import explain_project

from .. import auth, sources, state
from ..errors import ApiError
from ..language import language
from ..schemas import (
    ExplainQuerySchema,
    ExplainSchema,
    LangQuerySchema,
    SavedSchema,
    ScenarioListSchema,
    ScenarioReplaceSchema,
    ScenarioSaveSchema,
    StoredScenarioSchema,
    VersionListSchema,
    VersionQuerySchema,
)
from ..storage import MAX_ID_LENGTH, MAX_VERSION

blp = Blueprint(
    "scenarios", __name__, url_prefix="/api/v1/scenarios", description="Saved scenarios, every version kept (方案)"
)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'the version this request replaces, e.g. 3 or "3"',
}


def etag(version: int) -> dict:
    return {"ETag": f'"{version}"'}


def if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header names; None when absent or ``*`` (any current version)."""
    if header is None or header.strip() == "*":
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or not 1 <= int(value) <= MAX_VERSION:
        raise ApiError(422, {"If-Match": [f'must name a version number, e.g. "3"; got {header[:40]!r}']})
    return int(value)


def check_id(scenario_id: str) -> None:
    if len(scenario_id) > MAX_ID_LENGTH:
        raise ApiError(404, {"id": [f"no scenario {scenario_id[:MAX_ID_LENGTH]!r}…"]})


def content(body: dict):
    """Name, description and document of a save, the document validated like a run would be."""
    scenario = sources.validated(body["document"], "document")
    name = body.get("name") or scenario.name
    description = body.get("description", scenario.config.get("description") or "")
    return name, description, scenario


@blp.route("")
class Scenarios(MethodView):
    @blp.response(200, ScenarioListSchema)
    def get(self):
        """The latest version of every saved scenario, by name."""
        return {"scenarios": [asdict(s) for s in state.store().list()]}

    @blp.arguments(ScenarioSaveSchema, example={"name": "我的方案", "document": {"schema_version": 1, "...": "..."}})
    @blp.response(201, SavedSchema)
    def post(self, body):
        """Save a self-contained scenario document (towns and projects inline) as version 1."""
        name, description, scenario = content(body)
        scenario_id, version = state.store().create(name, description, scenario.document, auth.author())
        state.cache().put((scenario_id, version), scenario)
        headers = {"Location": f"{blp.url_prefix}/{scenario_id}", **etag(version)}
        return {"id": scenario_id, "version": version}, 201, headers


@blp.route("/<scenario_id>")
class ScenarioById(MethodView):
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, StoredScenarioSchema)
    def get(self, query, scenario_id):
        """The latest version, or ?version=N."""
        check_id(scenario_id)
        stored = state.store().get(scenario_id, query.get("version"))  # NotFoundError → 404 (api.errors)
        payload = {**asdict(stored), "versions": state.store().versions(scenario_id)}
        return payload, 200, etag(stored.version)

    @blp.arguments(ScenarioReplaceSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, SavedSchema)
    def put(self, body, scenario_id):
        """Store a new version; body version (or If-Match) names the one it replaces, 409 when stale."""
        check_id(scenario_id)
        header = if_match(request.headers.get("If-Match"))
        expected = body.get("version", header)
        if "version" in body and header is not None and header != body["version"]:
            raise ApiError(422, {"version": [f"the body says {body['version']} but If-Match says {header}"]})
        if expected is None and request.headers.get("If-Match", "").strip() != "*":
            raise ApiError(422, {"version": ["required: the version this replaces (or an If-Match header)"]})
        state.store().head(scenario_id)  # 404 (NotFoundError) before the costlier validation
        name, description, scenario = content(body)
        version = state.store().replace(scenario_id, expected, name, description, scenario.document, auth.author())
        state.cache().put((scenario_id, version), scenario)
        return {"id": scenario_id, "version": version}, 200, etag(version)

    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    def delete(self, scenario_id):
        """Hide the scenario (a tombstone row); its stored versions are kept in the database."""
        check_id(scenario_id)
        state.store().delete(scenario_id, if_match(request.headers.get("If-Match")), auth.author())
        return None


@blp.route("/<scenario_id>/versions")
class Versions(MethodView):
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, VersionListSchema)
    def get(self, query, scenario_id):
        """Who saved each version and when (an admin also sees a deleted scenario's history and its deletion)."""
        check_id(scenario_id)
        who = auth.current()
        admin = who is not None and who.may(auth.Role.ADMIN) and not who.local
        entries = state.store().history(scenario_id, include_deleted=admin)
        return {"versions": [asdict(e) for e in entries]}


@blp.route("/<scenario_id>/explain")
class Explain(MethodView):
    @blp.arguments(ExplainQuerySchema, location="query")
    @blp.response(200, ExplainSchema)
    def get(self, query, scenario_id):
        """How one number of the result was computed (town, year, column), or why a project was (not) funded."""
        check_id(scenario_id)
        result = sources.simulate(sources.stored_scenario(scenario_id, query.get("version"), "id"))
        try:
            if "project" in query:
                explanation = explain_project(result, query["project"])
            else:
                explanation = result.explain(query["town"], query["year"], query["column"])
        except ScenarioError as exc:
            raise ApiError(422, exc.errors) from None
        lang = language()
        return {**explanation.to_dict(lang), "text": explanation.text(lang)}
