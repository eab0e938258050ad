"""Saved scenarios: create, read versions, replace (409 when stale), delete (tombstone), errors.

The tests of what is stored run on SQLite and on PostgreSQL (``on_both``); those of validation on SQLite.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.storage import ScenarioVersion
from tests.pg_server import BACKENDS

URL = "/api/v1/scenarios"

on_both = pytest.mark.parametrize("backend", BACKENDS)


@on_both
def test_bundled_scenarios_are_loaded_on_first_start(client):
    ids = {s["id"] for s in client.get(URL).json["scenarios"]}
    assert {"baseline", "pilot_reform", "limited_pool", "factor_method"} <= ids
    baseline = client.get(f"{URL}/baseline").json
    assert baseline["version"] == 1 and baseline["versions"] == [1]
    # stored self-contained: towns inline (16 towns in scenarios/towns.csv), no extends
    assert len(baseline["document"]["towns"]) == 16 and "extends" not in baseline["document"]


@on_both
def test_bundled_scenarios_are_not_loaded_again_into_a_used_database(app_factory):
    client = app_factory().test_client()
    assert client.delete(f"{URL}/baseline").status_code == 204
    again = app_factory().test_client()  # second start on the same file
    assert "baseline" not in {s["id"] for s in again.get(URL).json["scenarios"]}


@on_both
def test_an_empty_database_without_bundled_scenarios(app_factory):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False).test_client()
    assert client.get(URL).json == {"scenarios": []}


@on_both
def test_create_then_read(client, tiny):
    response = client.post(URL, json={"document": tiny, "description": "试算"})
    assert response.status_code == 201
    scenario_id = response.json["id"]
    assert response.json["version"] == 1
    assert response.headers["Location"] == f"{URL}/{scenario_id}"
    assert response.headers["ETag"] == '"1"'
    stored = client.get(f"{URL}/{scenario_id}")
    assert stored.status_code == 200
    assert stored.json["document"] == tiny
    assert stored.json["name"] == "小县 tiny county"  # the document's name by default
    assert stored.json["description"] == "试算"
    assert "小县" in stored.get_data(as_text=True)  # Chinese stays readable (no \u escapes)
    listed = {s["id"]: s for s in client.get(URL).json["scenarios"]}
    assert listed[scenario_id]["version"] == 1


@on_both
def test_replace_keeps_every_version(client, saved, tiny):
    changed = {**tiny, "years": [2021, 2023]}
    response = client.put(f"{URL}/{saved}", json={"document": changed, "version": 1, "name": "三年"})
    assert response.status_code == 200 and response.json == {"id": saved, "version": 2}
    latest = client.get(f"{URL}/{saved}").json
    assert latest["version"] == 2 and latest["versions"] == [1, 2] and latest["name"] == "三年"
    assert latest["document"]["years"] == [2021, 2023]
    first = client.get(f"{URL}/{saved}?version=1").json
    assert first["version"] == 1 and first["document"]["years"] == [2021, 2022]


@on_both
def test_a_stale_version_gets_409(client, saved, tiny):
    assert client.put(f"{URL}/{saved}", json={"document": tiny, "version": 1}).status_code == 200
    stale = client.put(f"{URL}/{saved}", json={"document": tiny, "version": 1})
    assert stale.status_code == 409
    assert "latest is 2" in stale.json["errors"]["version"][0]
    assert client.get(f"{URL}/{saved}").json["versions"] == [1, 2]


@pytest.mark.parametrize("header", ["1", '"1"', 'W/"1"'])
def test_if_match_names_the_version(client, saved, tiny, header):
    response = client.put(f"{URL}/{saved}", json={"document": tiny}, headers={"If-Match": header})
    assert response.status_code == 200 and response.json["version"] == 2
    assert client.put(f"{URL}/{saved}", json={"document": tiny}, headers={"If-Match": header}).status_code == 409


def test_replace_needs_the_version_it_replaces(client, saved, tiny):
    missing = client.put(f"{URL}/{saved}", json={"document": tiny})
    assert missing.status_code == 422 and "version" in missing.json["errors"]
    disagree = client.put(f"{URL}/{saved}", json={"document": tiny, "version": 1}, headers={"If-Match": "2"})
    assert disagree.status_code == 422 and "version" in disagree.json["errors"]
    garbage = client.put(f"{URL}/{saved}", json={"document": tiny}, headers={"If-Match": "abc"})
    assert garbage.status_code == 422 and "If-Match" in garbage.json["errors"]


@on_both
def test_delete_hides_the_scenario_but_keeps_its_rows(app, client, saved, tiny):
    client.put(f"{URL}/{saved}", json={"document": tiny, "version": 1})
    assert client.delete(f"{URL}/{saved}").status_code == 204
    assert client.get(f"{URL}/{saved}").status_code == 404
    assert client.get(f"{URL}/{saved}?version=1").status_code == 404
    assert saved not in {s["id"] for s in client.get(URL).json["scenarios"]}
    assert client.put(f"{URL}/{saved}", json={"document": tiny, "version": 3}).status_code == 404
    assert client.delete(f"{URL}/{saved}").status_code == 404
    assert client.post("/api/v1/simulations", json={"scenario_id": saved}).status_code == 404
    # versions 1 and 2 and the tombstone (3) are all still in the table
    query = (
        select(ScenarioVersion.version, ScenarioVersion.deleted, ScenarioVersion.document.is_(None))
        .where(ScenarioVersion.scenario_id == saved)
        .order_by(ScenarioVersion.version)
    )
    with app.extensions["fiscal_sim"]["store"].engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(query)]
    assert rows == [(1, False, False), (2, False, False), (3, True, True)]


@on_both
def test_delete_with_a_stale_if_match_gets_409(client, saved, tiny):
    client.put(f"{URL}/{saved}", json={"document": tiny, "version": 1})
    assert client.delete(f"{URL}/{saved}", headers={"If-Match": "1"}).status_code == 409
    assert client.delete(f"{URL}/{saved}", headers={"If-Match": "2"}).status_code == 204


@on_both
def test_unknown_ids_and_versions_get_404(client, saved):
    response = client.get(f"{URL}/no-such-id")
    assert response.status_code == 404 and response.json == {"errors": {"id": ["no scenario 'no-such-id'"]}}
    missing_version = client.get(f"{URL}/{saved}?version=7")
    assert missing_version.status_code == 404
    assert "no version 7 (the latest is 1)" in missing_version.json["errors"]["id"][0]
    assert client.get(f"{URL}/{'x' * 500}").status_code == 404


def test_an_invalid_document_gets_422_naming_the_field(client, tiny):
    tiny["revenue_items"][0]["split"]["town_share"] = 1.5
    response = client.post(URL, json={"document": tiny})
    assert response.status_code == 422
    assert response.json == {
        "errors": {
            "document.revenue_items[vat].split.town_share": ["town share: must be a share between 0 and 1, got 1.5"]
        }
    }


def test_a_path_to_a_file_is_refused(client, tiny):
    tiny["towns"] = "towns.csv"
    response = client.post(URL, json={"document": tiny})
    assert response.status_code == 422
    assert "paths to files are not accepted" in response.json["errors"]["document.towns"][0]


def test_extends_is_refused_in_a_document(client, tiny):
    response = client.post(URL, json={"document": {**tiny, "extends": "baseline.yaml"}})
    assert response.status_code == 422 and "document.extends" in response.json["errors"]


def test_unknown_and_missing_body_fields(client, tiny):
    unknown = client.post(URL, json={"document": tiny, "colour": "red"})
    assert unknown.status_code == 422 and unknown.json["errors"] == {"colour": ["Unknown field."]}
    missing = client.post(URL, json={"name": "x"})
    assert missing.status_code == 422 and missing.json["errors"] == {"document": ["Missing data for required field."]}
    not_object = client.post(URL, json={"document": [1, 2]})
    assert not_object.status_code == 422 and "document" in not_object.json["errors"]


@on_both
def test_a_saved_scenario_runs_by_id_and_version(client, saved, tiny, towns_of):
    client.put(f"{URL}/{saved}", json={"document": {**tiny, "county": {"own_revenue": 0}}, "version": 1})
    v1 = client.post("/api/v1/simulations", json={"scenario_id": saved, "version": 1}).json
    v2 = client.post("/api/v1/simulations", json={"scenario_id": saved}).json
    # v1: 1175 − 800 − 60 − 75 = 240 (conftest). v2's county block is only own_revenue 0, so upper transfers
    # and own expenditure are 0 too: total revenue 0 + 75 = 75, balance 75 − 0 − 60 − 75 = −60
    assert v1["county"][0]["balance"] == pytest.approx(240)
    assert v2["county"][0]["balance"] == pytest.approx(-60)
    assert towns_of(v1, 2021)["T3"]["gap"] == towns_of(v2, 2021)["T3"]["gap"] == pytest.approx(45)
