"""Runs over HTTP: simulations, comparisons, charts, exports, Monte Carlo, goal seeking, explain."""

from __future__ import annotations

import csv
import importlib
import io

import pytest

SIM = "/api/v1/simulations"
PAIR = [{"label": "现行", "scenario_id": "baseline"}, {"label": "改革", "scenario_id": "pilot_reform"}]


# ------------------------------------------------------------------------------------------------
# simulations


def test_simulate_an_inline_scenario(client, tiny, towns_of):
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 200
    payload = response.json
    assert payload["years"] == [2021, 2022] and payload["unit"] == "万元"
    assert {"towns", "county", "indicators", "projects", "revocations"} <= set(payload)
    assert len(payload["towns"]) == 6  # 2 years × 3 towns
    towns = towns_of(payload, 2022)
    # gaps: T1 max(0, 40 − 70) = 0, T2 60 − 30 = 30, T3 50 − 5 = 45; pool null → covered in full
    assert [towns[t]["gap"] for t in ("T1", "T2", "T3")] == pytest.approx([0, 30, 45])
    assert [towns[t]["general_transfer"] for t in ("T1", "T2", "T3")] == pytest.approx([0, 30, 45])
    assert towns["T1"]["name"] == "甲镇" and towns["T1"]["pilot"] is True
    assert payload["indicators"][0]["required_transfers"] == pytest.approx(75)
    assert payload["county"][1]["balance"] == pytest.approx(240)  # 1175 − 800 − 60 − 75
    assert payload["projects"] == [] and payload["revocations"] == []


def test_an_inline_contract_and_its_errors(client, tiny, towns_of):
    # T2 keeps 0.5·40 + 10 = 30; contract bases B_R 20, B_E 50: it gets 50 − 20 = 30, pays (1 − 0.5)·(30 − 20) = 5
    # of its over-collection, keeps 25, and takes no general transfer
    contract = {"id": "C2", "town": "T2", "revenue_base": 20, "expenditure_base": 50, "over_share": 0.5}
    towns = towns_of(client.post(SIM, json={"scenario": {**tiny, "contracts": [contract]}}).json, 2021)
    t2 = towns["T2"]
    assert (t2["contract_transfer"], t2["over_collection_to_county"], t2["own_revenue"]) == pytest.approx((30, 5, 25))
    assert t2["general_transfer"] == 0
    for change, key, words in (
        ({"town": "T9"}, "town", "unknown town 'T9'"),
        ({"over_share": 1.5}, "over_share", "between 0 and 1"),
    ):
        bad = {**tiny, "contracts": [{**contract, **change}]}
        response = client.post(SIM, json={"scenario": bad})
        assert response.status_code == 422
        assert words in " ".join(response.json["errors"][f"scenario.contracts[C2].{key}"])


def test_overrides_apply_to_the_run(client, tiny, towns_of):
    body = {"scenario": tiny, "overrides": {"revenue_items.vat.split.town_share": 0.6}}
    towns = towns_of(client.post(SIM, json=body).json, 2021)
    # own revenue: T1 0.6·100 + 20 = 80, T2 0.6·40 + 10 = 34, T3 0.6·10 = 6 → gaps 0, 60 − 34 = 26, 50 − 6 = 44
    assert [towns[t]["own_revenue"] for t in ("T1", "T2", "T3")] == pytest.approx([80, 34, 6])
    assert [towns[t]["gap"] for t in ("T1", "T2", "T3")] == pytest.approx([0, 26, 44])


def test_a_stored_scenario_with_projects(client):
    payload = client.post(SIM, json={"scenario_id": "baseline"}).json
    assert len(payload["towns"]) == 5 * 16 and len(payload["projects"]) == 36
    funded = [p for p in payload["projects"] if p["funded"]]
    assert funded and all(isinstance(p["year_funded"], int) for p in funded)
    assert all(p["year_funded"] is None for p in payload["projects"] if not p["funded"])


def test_a_bad_override_path_gets_422(client):
    response = client.post(SIM, json={"scenario_id": "baseline", "overrides": {"growth.nope": 1}})
    assert response.status_code == 422
    assert response.json == {"errors": {"overrides.growth.nope": ["no such path: growth has no key 'nope'"]}}


def test_a_bad_override_value_is_named_by_its_path(client):
    body = {"scenario_id": "baseline", "overrides": {"revenue_items.vat.split.town_share": 2}}
    response = client.post(SIM, json=body)
    assert response.status_code == 422
    assert response.json["errors"] == {
        "overrides.revenue_items.vat.split.town_share": ["town share: must be a share between 0 and 1, got 2"]
    }
    # in Chinese, with the field's label from the catalogue
    chinese = client.post(SIM, json=body, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.json["errors"] == {
        "overrides.revenue_items.vat.split.town_share": ["乡镇分成比例：须为0到1之间的比例（0.5 即 50%），收到 2"]
    }


def test_an_invalid_inline_scenario_names_the_field(client, tiny):
    del tiny["towns"][1]["population"]
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 422
    (field,) = response.json["errors"]
    assert field.startswith("scenario.towns") and "population" in response.json["errors"][field][0]


def test_paths_to_files_are_refused_inline(client, tiny):
    tiny["special_transfers"] = {"budget": 10, "projects": "projects.csv"}
    response = client.post(SIM, json={"scenario": tiny})
    assert response.status_code == 422
    assert "paths to files are not accepted" in response.json["errors"]["scenario.special_transfers.projects"][0]


def test_one_source_only(client, tiny):
    both = client.post(SIM, json={"scenario": tiny, "scenario_id": "baseline"})
    assert both.status_code == 422 and both.json["errors"] == {
        "scenario": ["give exactly one of scenario_id or scenario"]
    }
    version_inline = client.post(SIM, json={"scenario": tiny, "version": 1})
    assert version_inline.status_code == 422 and "version" in version_inline.json["errors"]


def test_an_unknown_scenario_id_gets_404(client):
    response = client.post(SIM, json={"scenario_id": "nope"})
    assert response.status_code == 404 and response.json == {"errors": {"scenario_id": ["no scenario 'nope'"]}}


# ------------------------------------------------------------------------------------------------
# comparisons, charts, exports


def test_compare_two_stored_scenarios(client):
    response = client.post("/api/v1/comparisons", json={"scenarios": PAIR, "baseline": "现行"})
    assert response.status_code == 200
    payload = response.json
    assert payload["baseline"] == "现行" and payload["labels"] == ["现行", "改革"]
    assert [row["label"] for row in payload["summary"]] == ["现行", "改革"]
    assert {row["label"] for row in payload["towns"]} == {"改革"}  # differences against the baseline only


def test_compare_labels_default_and_must_be_unique(client, tiny):
    default = client.post("/api/v1/comparisons", json={"scenarios": [{"scenario_id": "baseline"}, {"scenario": tiny}]})
    assert default.status_code == 200 and default.json["labels"] == ["baseline", "小县 tiny county"]
    twice = client.post("/api/v1/comparisons", json={"scenarios": [{"scenario_id": "baseline"}] * 2})
    assert twice.status_code == 422 and "scenarios[1].label" in twice.json["errors"]
    unknown = client.post("/api/v1/comparisons", json={"scenarios": PAIR, "baseline": "x"})
    assert unknown.status_code == 422 and "baseline" in unknown.json["errors"]


def test_errors_in_a_compared_scenario_name_its_position(client, tiny):
    tiny["years"] = [2022, 2021]
    body = {"scenarios": [{"scenario_id": "baseline"}, {"label": "t", "scenario": tiny}]}
    response = client.post("/api/v1/comparisons", json=body)
    assert response.status_code == 422 and "scenarios[1].scenario.years" in response.json["errors"]


@pytest.mark.parametrize("chart", ["county_balance", "lorenz"])
def test_charts_as_png(client, chart):
    response = client.post("/api/v1/charts", json={"scenarios": PAIR, "chart": chart})
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("chart", ["transfers_by_town", "town_budgets", "county_balance", "lorenz"])
def test_the_numbers_behind_each_chart(client, chart):
    response = client.post("/api/v1/charts", json={"scenarios": PAIR, "chart": chart, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())  # UTF-8 with BOM, as every CSV fiscal-sim writes
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert {r["label"] for r in rows} == {"现行", "改革"}


def test_chart_as_svg_and_csv(client):
    svg = client.post("/api/v1/charts", json={"scenarios": PAIR, "chart": "lorenz", "format": "svg"})
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    data = client.post(
        "/api/v1/charts", json={"scenarios": PAIR, "chart": "transfers_by_town", "format": "csv", "year": 2018}
    )
    assert data.status_code == 200 and data.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(data.data.decode("utf-8-sig"))))
    assert {r["label"] for r in rows} == {"现行", "改革"} and len(rows) == 2 * 16


def test_county_balance_with_the_montecarlo_band(client):
    body = {"scenarios": PAIR[:1], "chart": "county_balance", "format": "csv", "montecarlo": True}
    rows = list(csv.DictReader(io.StringIO(client.post("/api/v1/charts", json=body).data.decode("utf-8-sig"))))
    assert "county_balance_p5" in rows[0] and rows[0]["county_balance_p5"] != ""


def test_an_unknown_chart_or_year_gets_422(client):
    unknown = client.post("/api/v1/charts", json={"scenarios": PAIR, "chart": "pie"})
    assert unknown.status_code == 422 and "chart" in unknown.json["errors"]
    year = client.post("/api/v1/charts", json={"scenarios": PAIR, "chart": "lorenz", "year": 1999})
    assert year.status_code == 422 and "year" in year.json["errors"]
    fmt = client.post("/api/v1/charts", json={"scenarios": PAIR, "chart": "lorenz", "format": "gif"})
    assert fmt.status_code == 422 and "format" in fmt.json["errors"]


def test_changes_by_town_against_the_baseline(client):
    body = {"scenarios": PAIR, "chart": "changes_by_town", "format": "csv", "baseline": "改革"}
    rows = list(csv.DictReader(io.StringIO(client.post("/api/v1/charts", json=body).data.decode("utf-8-sig"))))
    assert {r["label"] for r in rows} == {"现行"} and {r["baseline"] for r in rows} == {"改革"}
    changes = [float(r["resources_diff"]) for r in rows]
    assert len(rows) == 16 and changes == sorted(changes, reverse=True)  # largest gain first
    png = client.post("/api/v1/charts", json={**body, "format": "png"})
    assert png.status_code == 200 and png.mimetype == "image/png"


def test_export_is_an_xlsx_workbook(client):
    from openpyxl import load_workbook

    response = client.post("/api/v1/exports", json={"scenarios": PAIR, "charts": False})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert {"summary", "towns", "differences by town", "field codes"} <= set(book.sheetnames)
    chinese = client.post("/api/v1/exports?lang=zh", json={"scenarios": PAIR, "charts": False})
    assert {"方案汇总", "乡镇", "各乡镇变化", "字段说明"} <= set(load_workbook(io.BytesIO(chinese.data)).sheetnames)


# ------------------------------------------------------------------------------------------------
# Monte Carlo, solve, explain


def test_montecarlo_is_reproducible(client):
    body = {"scenario_id": "baseline", "draws": 64, "seed": 11}
    first, second = client.post("/api/v1/montecarlo", json=body), client.post("/api/v1/montecarlo", json=body)
    assert first.status_code == 200 and first.json == second.json
    assert first.json["draws"] == 64 and len(first.json["summary"]) == 5
    assert {"required_transfers_p5", "p_county_deficit"} <= set(first.json["summary"][0])


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv", response.data[:300]
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_montecarlo_charts_are_the_run_of_the_json_answer(client):
    body = {"scenario_id": "baseline", "draws": 64}  # no seed: the answer says which one was used
    answer = client.post("/api/v1/montecarlo", json=body).json
    assert set(answer) >= {"summary", "pilots", "draws", "seed"}
    same = {**body, "seed": answer["seed"]}
    fan = rows_of(client.post("/api/v1/montecarlo", json={**same, "chart": "fan", "format": "csv"}))
    for row, expected in zip(fan, answer["summary"]):
        for key in ("required_transfers_p5", "required_transfers_p50", "county_balance_p95"):
            assert float(row[key]) == pytest.approx(expected[key], rel=1e-9)  # CSV keeps 10 significant digits
    pilots = rows_of(client.post("/api/v1/montecarlo", json={**same, "chart": "pilots", "format": "csv"}))
    assert {r["town"]: float(r["p_revoked"]) for r in pilots} == {r["town"]: r["p_revoked"] for r in answer["pilots"]}
    png = client.post("/api/v1/montecarlo", json={**same, "chart": "fan"})
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    svg = client.post("/api/v1/montecarlo", json={**same, "chart": "pilots", "format": "svg"})
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    csv_answer = client.post("/api/v1/montecarlo", json={**same, "chart": "fan", "format": "csv"})
    assert csv_answer.headers["Content-Disposition"] == 'attachment; filename="montecarlo_fan.csv"'


def test_a_montecarlo_chart_is_drawn_from_the_run_just_made(app_factory, monkeypatch):
    resource = importlib.import_module(
        "api.resources.montecarlo"
    )  # the module (api.resources.montecarlo: its blueprint)
    runs = []
    real = resource.fiscal_sim.montecarlo
    monkeypatch.setattr(resource.fiscal_sim, "montecarlo", lambda *a, **k: runs.append(k) or real(*a, **k))
    client = app_factory(WORKERS=0).test_client()  # in this process, where the counting is
    seed = client.post("/api/v1/montecarlo", json={"scenario_id": "baseline", "draws": 32}).json["seed"]
    for chart in ("fan", "pilots"):
        body = {"scenario_id": "baseline", "draws": 32, "seed": seed, "chart": chart}
        assert client.post("/api/v1/montecarlo", json=body).status_code == 200
    assert len(runs) == 1
    other = {"scenario_id": "baseline", "draws": 32, "seed": seed + 1, "chart": "fan"}
    assert client.post("/api/v1/montecarlo", json=other).status_code == 200 and len(runs) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [({"chart": "pie"}, "chart"), ({"chart": "fan", "format": "gif"}, "format"), ({"format": "png"}, "format")],
)
def test_a_bad_montecarlo_chart_gets_422(client, change, field):
    response = client.post("/api/v1/montecarlo", json={"scenario_id": "baseline", "draws": 8, **change})
    assert response.status_code == 422 and list(response.json["errors"]) == [field]


def test_montecarlo_limits_name_the_field(app_factory):
    client = app_factory(MAX_DRAWS_PER_REQUEST=100).test_client()
    asked = client.post("/api/v1/montecarlo", json={"scenario_id": "baseline", "draws": 101})
    assert asked.status_code == 422 and asked.json["errors"] == {
        "draws": ["at most 100 draws per request, got 101 (FISCAL_SIM_MAX_DRAWS_PER_REQUEST)"]
    }
    scenario_default = client.post(
        "/api/v1/montecarlo", json={"scenario_id": "baseline", "overrides": {"uncertainty.draws": 5000}}
    )
    assert scenario_default.status_code == 422 and "scenario_id.uncertainty.draws" in scenario_default.json["errors"]


def test_montecarlo_needs_an_uncertainty_block_or_draws(client, tiny):
    response = client.post("/api/v1/montecarlo", json={"scenario": tiny})
    assert response.status_code == 422 and "uncertainty" in response.json["errors"]


def test_solve_hits_the_target(client, tiny):
    # required transfers depend on the VAT share s: gaps T2 60 − (40s + 10), T3 50 − 10s → 100 − 50s;
    # 100 − 50s = 80 at s = 0.4
    body = {
        "scenario": tiny,
        "parameter": "revenue_items.vat.split.town_share",
        "target": "required_transfers",
        "value": 80,
    }
    response = client.post("/api/v1/solve", json=body)
    assert response.status_code == 200, response.json
    assert response.json["value"] == pytest.approx(0.4) and response.json["metric"] == pytest.approx(80)
    assert response.json["result"]["indicators"][-1]["required_transfers"] == pytest.approx(80)


def test_solve_out_of_reach_gets_422(client, tiny):
    # at s in [0, 1] required transfers run from 100 down to 50: 10 is out of reach
    body = {
        "scenario": tiny,
        "parameter": "revenue_items.vat.split.town_share",
        "target": "required_transfers",
        "value": 10,
    }
    response = client.post("/api/v1/solve", json=body)
    assert response.status_code == 422 and "cannot reach" in response.json["errors"]["target"][0]
    bad_metric = client.post("/api/v1/solve", json={**body, "target": "nope"})
    assert bad_metric.status_code == 422 and "target" in bad_metric.json["errors"]


def test_the_solve_curve_as_csv_png_and_svg(client, tiny):
    # required transfers 120 − 100s below s = 0.2 (T1 has a gap too), 100 − 50s above: 80 at s = 0.4
    body = {
        "scenario": tiny,
        "parameter": "revenue_items.vat.split.town_share",
        "target": "required_transfers",
        "value": 80,
        "chart": True,
        "points": 5,
    }
    rows = rows_of(client.post("/api/v1/solve", json={**body, "format": "csv"}))
    assert [r["point"] for r in rows] == ["grid"] * 5 + ["solution"]
    assert [float(r["value"]) for r in rows[:5]] == [0, 0.25, 0.5, 0.75, 1]
    assert [float(r["metric"]) for r in rows[:5]] == pytest.approx([120, 87.5, 75, 62.5, 50])
    assert float(rows[-1]["value"]) == pytest.approx(0.4) and float(rows[-1]["metric"]) == pytest.approx(80)
    png = client.post("/api/v1/solve", json=body)
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = client.post("/api/v1/solve", json={**body, "format": "svg"})
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    # out of reach: the curve says how close the metric comes (the JSON answer is a 422)
    far = client.post("/api/v1/solve", json={**body, "value": 10, "format": "csv"})
    assert {r["point"] for r in rows_of(far)} == {"grid"}
    assert client.post("/api/v1/solve", json={**body, "value": 10, "chart": False, "points": None}).status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"chart": "yes"}, "chart"),
        ({"chart": True, "format": "gif"}, "format"),
        ({"chart": True, "points": 2}, "points"),
        ({"points": 5}, "points"),
        ({"format": "svg"}, "format"),
        ({"chart": True, "target": "nope"}, "target"),
    ],
)
def test_a_bad_solve_chart_gets_422(client, tiny, change, field):
    body = {"scenario": tiny, "parameter": "revenue_items.vat.split.town_share", "target": "required_transfers"}
    response = client.post("/api/v1/solve", json={**body, "value": 80, **change})
    assert response.status_code == 422 and list(response.json["errors"]) == [field], response.json


def test_explain_a_number(client, saved):
    response = client.get(f"/api/v1/scenarios/{saved}/explain?town=T3&year=2021&column=gap")
    assert response.status_code == 200
    payload = response.json
    assert payload["value"] == pytest.approx(45) and "max(0" in payload["formula"]
    assert payload["inputs"] and "standard expenditure" in payload["text"] and payload["key"] == "gap"
    chinese = client.get(f"/api/v1/scenarios/{saved}/explain?town=T3&year=2021&column=gap&lang=zh").json
    assert chinese["name"].startswith("标准财政收支缺口") and "标准财政支出" in chinese["text"]


def test_explain_defaults_and_errors(client, saved):
    default = client.get(f"/api/v1/scenarios/{saved}/explain?town=T2&year=2022")
    assert default.status_code == 200 and default.json["value"] == pytest.approx(30)  # general_transfer = gap
    town = client.get(f"/api/v1/scenarios/{saved}/explain?town=T9&year=2022")
    assert town.status_code == 422 and town.json["errors"] == {"town": ["unknown town 'T9'"]}
    column = client.get(f"/api/v1/scenarios/{saved}/explain?town=T2&year=2022&column=nope")
    assert column.status_code == 422 and "column" in column.json["errors"]
    missing = client.get(f"/api/v1/scenarios/{saved}/explain?town=T2")
    assert missing.status_code == 422 and "year" in missing.json["errors"]
    assert client.get("/api/v1/scenarios/nope/explain?town=T2&year=2022").status_code == 404


def test_explain_a_project(client):
    response = client.get("/api/v1/scenarios/baseline/explain?project=P001")
    assert response.status_code == 200 and "P001" in response.json["name"]


# ------------------------------------------------------------------------------------------------
# the response cache


def test_answers_follow_the_latest_version(client, saved, tiny):
    before = client.post(SIM, json={"scenario_id": saved})
    again = client.post(SIM, json={"scenario_id": saved})
    assert again.get_data() == before.get_data()  # the same version: the same answer
    client.put(f"/api/v1/scenarios/{saved}", json={"document": {**tiny, "county": {"own_revenue": 0}}, "version": 1})
    after = client.post(SIM, json={"scenario_id": saved})
    # v2 has no county own revenue, upper transfers or own expenditure: balance 75 − 60 − 75 = −60 (not 240)
    assert before.json["county"][0]["balance"] == pytest.approx(240)
    assert after.json["county"][0]["balance"] == pytest.approx(-60)


def test_the_cache_can_be_turned_off(app_factory, tiny):
    client = app_factory(RESPONSE_CACHE_BYTES=0, LOAD_BUNDLED_SCENARIOS=False).test_client()
    first = client.post(SIM, json={"scenario": tiny})
    assert first.status_code == 200 and client.post(SIM, json={"scenario": tiny}).json == first.json
