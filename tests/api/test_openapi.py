"""The OpenAPI document, the docs page, and schemathesis against the app's own schema (in-process)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import create_app
from api.auth import hash_password, new_token
from fiscal_sim.scenario.schema import ScenarioSchema

SPEC_PATHS = {
    "/api/v1/health": {"get"},
    "/api/v1/scenarios": {"get", "post"},
    "/api/v1/scenarios/{scenario_id}": {"get", "put", "delete"},
    "/api/v1/scenarios/{scenario_id}/explain": {"get"},
    "/api/v1/simulations": {"post"},
    "/api/v1/comparisons": {"post"},
    "/api/v1/charts": {"post"},
    "/api/v1/exports": {"post"},
    "/api/v1/montecarlo": {"post"},
    "/api/v1/solve": {"post"},
    "/api/v1/scenarios/{scenario_id}/versions": {"get"},
    "/api/v1/users": {"get", "post"},
    "/api/v1/users/{name}": {"delete"},
    "/api/v1/me": {"get"},
}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_every_endpoint_of_the_spec_is_documented(spec):
    assert spec["openapi"].startswith("3.")
    documented = {path: set(item) - {"parameters"} for path, item in spec["paths"].items()}
    assert documented == SPEC_PATHS


def test_the_scenario_document_is_described_by_the_fiscal_sim_schema(spec):
    schemas = spec["components"]["schemas"]
    document = schemas["ScenarioDocument"]
    assert set(document["properties"]) == set(ScenarioSchema().fields)
    assert document["properties"]["towns"]["type"] == "array"
    assert document["properties"]["towns"]["items"] == {"$ref": "#/components/schemas/TownRecord"}
    projects = schemas["SpecialTransfersDocument"]["properties"]["projects"]
    assert projects["type"] == "array" and projects["items"]["$ref"].endswith("/ProjectRecord")
    assert schemas["Split"]["properties"]["rule"]["enum"] == [
        "town",
        "county",
        "proportional",
        "base_plus_increment",
        "tiered",
    ]


def test_errors_are_documented_as_field_messages(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["errors"]
    assert error["properties"]["errors"]["additionalProperties"]["type"] == "array"


def test_the_docs_page_needs_no_outside_asset(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/openapi.json" in page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.get_data(as_text=True))
    assert assets and all(a.startswith("/") for a in assets)  # same origin only: no CDN
    for asset in assets:
        if asset.startswith("/static/"):
            served = client.get(asset)
            assert served.status_code == 200
            assert not re.search(r"https?://", served.get_data(as_text=True))


# ------------------------------------------------------------------------------------------------
# schemathesis: generated requests against the documented operations


# schemathesis' fixture-based loader does not run under pytest 9, so the app is made at import, on a
# database in its own temporary folder (removed with the module's last test)
# database in its own temporary folder (removed with the module's last test). The app has an admin with an
# API token, so every operation is tried with the token and without credentials (401 but for health).
_FOLDER = tempfile.TemporaryDirectory(prefix="fiscal-sim-schemathesis-")
_APP = create_app({"DATABASE_URL": f"sqlite:///{Path(_FOLDER.name) / 'api.sqlite3'}", "TESTING": True})
_STORE = _APP.extensions["fiscal_sim"]["store"]
_STORE.add_user("fuzz-admin", "admin", hash_password("a long enough password"))
_TOKEN, _HASH = new_token()
_STORE.add_token("fuzz-admin", _HASH)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _APP)
# examples + fuzzing (25 per operation) by default; the coverage phase (systematic boundary and negative
# values, ~850 requests per operation, ~2 min) runs with FISCAL_SIM_SCHEMATHESIS_COVERAGE=1
schema.config.phases.coverage.enabled = os.environ.get("FISCAL_SIM_SCHEMATHESIS_COVERAGE") == "1"


@pytest.fixture(scope="module", autouse=True)
def _schemathesis_database():
    yield
    _APP.extensions["fiscal_sim"]["store"].dispose()
    _FOLDER.cleanup()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_generated_requests_with_a_token_get_no_server_error_and_match_the_schema(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {_TOKEN}"}, excluded_checks=[positive_data_acceptance])


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_generated_requests_without_credentials_are_refused_except_health(case):
    response = case.call()
    public = case.path in ("/api/v1/health",)
    assert response.status_code < 500
    if not public:
        assert response.status_code == 401, (case.method, case.path, response.status_code)
        assert response.json()["errors"]
