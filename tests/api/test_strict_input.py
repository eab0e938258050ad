"""Input is strict: numbers are numbers, years whole, versions within the database's integers, no deep
nesting or broken Unicode, and results that overflow are errors naming where. Never a 500."""

from __future__ import annotations

import json

import pytest

SIM = "/api/v1/simulations"
HUGE = 99999999999999999999


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/scenarios/baseline?version={HUGE}"),
        ("get", f"/api/v1/scenarios/baseline/explain?version={HUGE}&town=T01&year=2017"),
        ("get", f"/scenarios/baseline?version={HUGE}"),
        ("get", f"/scenarios/baseline/run?version={HUGE}"),
        ("get", f"/scenarios/baseline/download.yaml?version={HUGE}"),
    ],
)
def test_a_version_beyond_the_databases_integers_names_none(client, method, path):
    assert getattr(client, method)(path).status_code in (404, 422)


def test_a_huge_version_in_a_body_or_header(client, tiny):
    assert client.post(SIM, json={"scenario_id": "baseline", "version": HUGE}).status_code == 422
    put = client.put("/api/v1/scenarios/baseline", json={"document": tiny}, headers={"If-Match": str(HUGE)})
    assert put.status_code == 422 and "If-Match" in put.json["errors"]


def test_deep_nesting_is_refused(client, tiny):
    deep: dict = {"a": 1}
    for _ in range(600):
        deep = {"x": deep}
    response = client.post(SIM, json={"scenario": tiny, "overrides": deep})
    assert response.status_code == 400 and "nested deeper than" in response.json["errors"]["_schema"][0]
    raw = '{"scenario": ' + "[" * 5000 + "]" * 5000 + "}"
    assert client.post(SIM, data=raw, content_type="application/json").status_code == 400


def test_a_lone_surrogate_is_refused_and_nothing_is_saved(client, tiny):
    before = client.get("/api/v1/scenarios").json["scenarios"]
    body = json.dumps({"document": tiny, "name": "x"}).replace('"name": "x"', '"name": "\\ud800"')
    response = client.post("/api/v1/scenarios", data=body, content_type="application/json")
    assert response.status_code == 400 and "lone surrogate" in response.json["errors"]["_schema"][0]
    assert client.get("/api/v1/scenarios").json["scenarios"] == before


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (lambda d: d.update(years=[2021.5, 2022]), "scenario.years[0]", "whole number"),
        (lambda d: d["revenue_items"][0]["split"].update(town_share="0.5"), "town_share", "must be a number"),
        (lambda d: [t.update(population="1200") for t in d["towns"]], "towns row 2 (id T1)", "not a number ('1200')"),
        (lambda d: d.update(description="x" * 20_000), "scenario.description", "at most 10000 characters"),
        (lambda d: d.update(growth={"gdp": 1e308}), "scenario.growth.gdp", "between -1 and 1"),
    ],
)
def test_strict_scenario_values(client, tiny, change, key, words):
    change(tiny)
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 422
    found = [m for k, messages in response.json["errors"].items() if key in k for m in messages]
    assert any(words in m for m in found), response.json


def test_a_result_that_overflows_is_an_error_naming_the_town_and_column(client, tiny):
    for town in tiny["towns"]:
        town["gdp"] = 1e308
    tiny["growth"] = {"gdp": 0.9}
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 422
    (key,) = response.json["errors"]
    assert key.endswith("towns[T1].gdp") and "not a finite number" in response.json["errors"][key][0]
