"""Bad input never gets a 500 or a traceback: the JSON error shape, 4xx codes and per-request limits."""

from __future__ import annotations

import json

import numpy as np
import pytest

SIM = "/api/v1/simulations"


def test_a_body_over_the_limit_gets_413(app_factory, tiny):
    client = app_factory(MAX_CONTENT_LENGTH=2000).test_client()
    tiny["description"] = "说明" * 2000
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 413
    assert response.json == {
        "errors": {"_schema": ["the request body is larger than 2,000 bytes (MAX_CONTENT_LENGTH)"]}
    }


@pytest.mark.parametrize(
    ("limit", "field", "message"),
    [
        ({"MAX_TOWNS": 2}, "scenario.towns", "at most 2 towns per request, got 3 (FISCAL_SIM_MAX_TOWNS)"),
        ({"MAX_YEARS": 1}, "scenario.years", "at most 1 simulated years per request, got 2 (FISCAL_SIM_MAX_YEARS)"),
    ],
)
def test_limits_per_request_name_the_field(app_factory, tiny, limit, field, message):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, **limit).test_client()
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 422 and response.json == {"errors": {field: [message]}}
    saved = client.post("/api/v1/scenarios", json={"document": tiny})
    assert saved.status_code == 422 and saved.json == {"errors": {field.replace("scenario.", "document."): [message]}}


def test_project_limit(app_factory, tiny):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_PROJECTS=1).test_client()
    project = {
        "town": "T2",
        "year": 2021,
        "category": "road",
        "cost": 10,
        "grant": 5,
        "score": 1,
        "key_project": 0,
        "cofinancing_rate": 0,
    }
    tiny["special_transfers"] = {"budget": 10, "projects": [{"id": "P1", **project}, {"id": "P2", **project}]}
    response = client.post(SIM, json={"scenario": tiny})
    assert response.json == {
        "errors": {
            "scenario.special_transfers.projects": ["at most 1 projects per request, got 2 (FISCAL_SIM_MAX_PROJECTS)"]
        }
    }


def test_overrides_cannot_grow_past_the_limits(app_factory, tiny):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_YEARS=5).test_client()
    scenario_id = client.post("/api/v1/scenarios", json={"document": tiny}).json["id"]
    response = client.post(SIM, json={"scenario_id": scenario_id, "overrides": {"years": [2021, 2040]}})
    assert response.status_code == 422
    assert response.json == {
        "errors": {"scenario_id.years": ["at most 5 simulated years per request, got 20 (FISCAL_SIM_MAX_YEARS)"]}
    }


def test_comparison_size_limit(app_factory):
    client = app_factory(MAX_SCENARIOS_PER_REQUEST=1).test_client()
    body = {"scenarios": [{"scenario_id": "baseline"}, {"scenario_id": "limited_pool"}]}
    response = client.post("/api/v1/comparisons", json=body)
    assert response.status_code == 422 and response.json == {
        "errors": {"scenarios": ["at most 1 scenarios per request, got 2 (FISCAL_SIM_MAX_SCENARIOS_PER_REQUEST)"]}
    }


def test_invalid_json_gets_400(client):
    response = client.post(SIM, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "errors": {"_schema": ["invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"]}
    }


def test_wrong_types_get_422(client):
    response = client.post(SIM, json={"scenario_id": 5, "overrides": [1]})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"scenario_id", "overrides"}


def test_unknown_route_and_method(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and list(missing.json) == ["errors"]
    method = client.delete("/api/v1/simulations")
    assert method.status_code == 405 and list(method.json) == ["errors"]
    assert set(method.headers["Allow"].split(", ")) >= {"POST", "OPTIONS"}


def test_nan_is_null_in_json(client, tiny, towns_of):
    tiny["towns"][2]["population"] = 0  # T3: resources per capita of no population is NaN
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 200
    assert "NaN" not in response.get_data(as_text=True)
    towns = towns_of(response.json, 2021)
    assert towns["T3"]["resources_per_capita"] is None
    assert towns["T1"]["resources_per_capita"] == pytest.approx(0.7)  # (70 + 0) / 100


def test_the_json_provider_writes_plain_json(app):
    text = app.json.dumps({"a": float("nan"), "b": np.float64(1.5), "c": [float("inf"), np.int64(2)], "中": "文"})
    assert json.loads(text) == {"a": None, "b": 1.5, "c": [None, 2], "中": "文"}
    assert "文" in text


def test_an_unexpected_failure_is_a_json_500_without_traceback(app_factory, monkeypatch):
    import fiscal_sim

    client = app_factory(WORKERS=0).test_client()  # computed in this process, where the patch is

    def broken(scenario, overrides=None):
        raise RuntimeError("engine exploded at /secret/path.py")

    monkeypatch.setattr(fiscal_sim, "simulate", broken)
    response = client.post(SIM, json={"scenario_id": "baseline"})
    assert response.status_code == 500
    assert response.json == {"errors": {"_schema": ["internal error: the server could not answer this request"]}}
