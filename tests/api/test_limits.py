"""Work is bounded: MAX_CELLS (towns × years × scenarios) and Excel's rows are refused with a 422 naming the
setting, before any work starts: no worker is asked (``api.workers.pool`` is a trap here)."""

from __future__ import annotations

import pytest

from api import workers

CELLS = "FISCAL_SIM_MAX_CELLS"


@pytest.fixture
def no_workers(monkeypatch):
    """The worker pool replaced by a trap: a refused request must not reach it."""

    def trap(count):
        raise AssertionError("a request over the limits reached the worker pool")

    monkeypatch.setattr(workers, "pool", trap)


def one(tiny) -> dict:
    return {"scenario": tiny}


def pair(tiny) -> dict:
    return {"scenarios": [{"label": "a", "scenario": tiny}, {"label": "b", "scenario": tiny}]}


# (path, body of the tiny scenario (3 towns × 2 years = 6 cells), the field named)
ENDPOINTS = [
    ("/api/v1/simulations", one, "scenario"),
    ("/api/v1/montecarlo", lambda tiny: {"scenario": tiny, "draws": 10}, "scenario"),
    (
        "/api/v1/solve",
        lambda tiny: {"scenario": tiny, "parameter": "revenue_items.vat.split.town_share", "target": "county.balance", "value": 0},
        "scenario",
    ),
    ("/api/v1/comparisons", pair, "scenarios"),
    ("/api/v1/charts", lambda tiny: {**pair(tiny), "chart": "county_balance"}, "scenarios"),
    ("/api/v1/exports", pair, "scenarios"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "field"), ENDPOINTS, ids=[e[0].rsplit("/", 1)[1] for e in ENDPOINTS])
def test_max_cells_is_checked_before_any_work(app_factory, tiny, no_workers, path, body, field):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_CELLS=5).test_client()
    response = client.post(path, json=body(tiny))
    assert response.status_code == 422
    ((key, (message,)),) = response.json["errors"].items()
    assert message.endswith(f"are more than one request may compute: {CELLS} is 5")
    if field == "scenario":  # the scenario itself is over the limit
        assert key == "scenario" and message.startswith("6 cells (towns × years)")
    else:  # the first is already over
        assert key == "scenarios[0].scenario" and message.startswith("6 cells (towns × years)")


def test_cells_add_up_over_the_scenarios_of_a_request(app_factory, tiny, no_workers):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_CELLS=10).test_client()
    response = client.post("/api/v1/comparisons", json=pair(tiny))
    assert response.status_code == 422 and response.json == {
        "errors": {
            "scenarios": [
                f"12 cells (towns × years over 2 scenarios) are more than one request may compute: {CELLS} is 10"
            ]
        }
    }


def test_overrides_that_add_years_count_before_any_work(app_factory, tiny, no_workers):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_CELLS=20).test_client()
    scenario_id = client.post("/api/v1/scenarios", json={"document": tiny}).json["id"]
    body = {"scenario_id": scenario_id, "overrides": {"years": [2021, 2030]}}  # 3 towns × 10 years
    response = client.post("/api/v1/simulations", json=body)
    assert response.status_code == 422 and response.json == {
        "errors": {"scenario_id": [f"30 cells (towns × years) are more than one request may compute: {CELLS} is 20"]}
    }


def test_a_draws_limit_is_checked_before_any_work(app_factory, tiny, no_workers):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_MONTECARLO_CELLS=100).test_client()
    response = client.post("/api/v1/montecarlo", json={"scenario": tiny, "draws": 20})  # 20 × 6 cells
    assert response.status_code == 422 and response.json == {
        "errors": {
            "draws": [
                "20 draws of 3 towns × 2 years are too many for one request: at most 16 for this scenario"
                " (FISCAL_SIM_MAX_MONTECARLO_CELLS is 100)"
            ]
        }
    }


def test_an_export_past_excel_rows_gets_422(app_factory, tiny, monkeypatch):
    from fiscal_sim.io import excel_results

    monkeypatch.setattr(excel_results, "EXCEL_MAX_ROWS", 10)  # in this process: computed inline
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, WORKERS=0).test_client()
    response = client.post("/api/v1/exports?lang=en", json={**pair(tiny), "charts": False})
    assert response.status_code == 422
    ((message,),) = response.json["errors"].values()
    assert list(response.json["errors"]) == ["scenarios"]
    assert message.startswith("too large for Excel: a sheet holds at most 10 rows and this workbook's would have more")


@pytest.mark.parametrize("path", ["/api/v1/charts", "/api/v1/exports"])
def test_the_draws_of_monte_carlo_bands_are_checked_before_any_work(app_factory, tiny, no_workers, path):
    client = app_factory(LOAD_BUNDLED_SCENARIOS=False, MAX_MONTECARLO_CELLS=100).test_client()
    uncertain = {**tiny, "uncertainty": {"draws": 50, "seed": 1, "gdp_growth_sd": 0.02}}
    body = {"scenarios": [{"label": "a", "scenario": tiny}, {"label": "b", "scenario": uncertain}], "montecarlo": True}
    response = client.post(path, json={**body, "chart": "county_balance"} if "charts" in path else body)
    assert response.status_code == 422 and list(response.json["errors"]) == ["scenarios[1].uncertainty.draws"]
    assert "FISCAL_SIM_MAX_MONTECARLO_CELLS is 100" in response.json["errors"]["scenarios[1].uncertainty.draws"][0]
