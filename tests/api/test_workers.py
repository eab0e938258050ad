"""Heavy work runs in worker processes (api.workers through api.runner.compute); the server stays light.

These use the default path, real worker processes: a request past REQUEST_TIMEOUT is stopped with a 503
and its worker replaced, a busy pool answers 503 after the wait, a dead worker is replaced, a client
error raised in a worker keeps its fields, and a cached answer never reaches a worker.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from api import runner, workers
from api.errors import ApiError

MC = "/api/v1/montecarlo"
# 100,000 draws of the baseline's 16 towns over 20 years: seconds of work (killed after 1 s here)
SLOW = {"scenario_id": "baseline", "draws": 100_000, "seed": 1, "overrides": {"years": [2016, 2035]}}
SLOW_LIMITS = {"REQUEST_TIMEOUT": 1, "MAX_DRAWS_PER_REQUEST": 100_000, "MAX_MONTECARLO_CELLS": 10**9, "WORKERS": 1}


def worker_pid(app) -> int:
    with app.test_request_context():
        return runner.compute(os.getpid)


def test_requests_are_computed_in_a_worker_process(app_factory):
    app = app_factory(WORKERS=1)
    pid = worker_pid(app)
    assert pid != os.getpid()
    assert worker_pid(app) == pid  # the same worker, kept


def test_workers_0_computes_in_the_request_thread(app_factory):
    assert worker_pid(app_factory(WORKERS=0)) == os.getpid()


def test_a_request_past_the_timeout_gets_503_and_its_worker_is_replaced(app_factory):
    app = app_factory(**SLOW_LIMITS)
    client = app.test_client()
    before = worker_pid(app)
    started = time.monotonic()
    response = client.post(MC, json=SLOW)
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json == {
        "errors": {
            "_request": [
                "the computation was stopped after 1 s (FISCAL_SIM_REQUEST_TIMEOUT): ask for less (fewer towns,"
                " years, scenarios or draws), or try again when the server is less busy"
            ]
        }
    }
    assert worker_pid(app) != before  # killed, another started
    after = client.post(MC, json={"scenario_id": "baseline", "draws": 100, "seed": 1})
    assert after.status_code == 200 and after.json["draws"] == 100


def test_a_cached_answer_never_reaches_a_worker(client, monkeypatch):
    body = {"scenario_id": "baseline", "overrides": {"county.own_revenue_growth": 0.0437}}
    first = client.post("/api/v1/simulations", json=body)
    assert first.status_code == 200

    def trap(count):
        raise AssertionError("a cached answer reached the worker pool")

    monkeypatch.setattr(workers, "pool", trap)
    again = client.post("/api/v1/simulations", json=body)
    assert again.status_code == 200 and again.get_data() == first.get_data()


def test_booting_the_app_starts_no_worker(app_factory, monkeypatch):
    def trap(count):
        raise AssertionError("the app started workers before a request needed them")

    monkeypatch.setattr(workers, "pool", trap)
    client = app_factory().test_client()
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/scenarios").status_code == 200


def test_the_answer_is_the_same_computed_inline_or_in_a_worker(app_factory):
    body = {"scenarios": [{"scenario_id": "baseline"}, {"scenario_id": "pilot_reform"}], "baseline": "baseline"}
    inline = app_factory(WORKERS=0, RESPONSE_CACHE_BYTES=0).test_client().post("/api/v1/comparisons", json=body)
    pooled = app_factory(RESPONSE_CACHE_BYTES=0).test_client().post("/api/v1/comparisons", json=body)
    assert inline.status_code == pooled.status_code == 200
    assert inline.get_data() == pooled.get_data()
    assert inline.mimetype == pooled.mimetype == "application/json"


# ------------------------------------------------------------------------------------------------
# the pool itself (a pool of its own, so the tests above keep theirs)


@pytest.fixture
def pool():
    own = workers.Pool(1)
    yield own
    own.close()


def test_a_busy_pool_refuses_after_the_wait_and_a_stopped_task_frees_it(pool):
    assert isinstance(pool.call(os.getpid, (), {}, timeout=5, wait=5), int)  # started
    outcome = {}

    def slow():
        try:
            pool.call(time.sleep, (30,), {}, timeout=1, wait=5)
        except workers.Stopped:
            outcome["slow"] = "stopped"

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    with pytest.raises(workers.Busy):
        pool.call(os.getpid, (), {}, timeout=5, wait=0.2)
    thread.join(timeout=10)
    assert outcome == {"slow": "stopped"}
    assert isinstance(pool.call(os.getpid, (), {}, timeout=5, wait=5), int)


def test_a_dead_worker_is_reported_and_replaced(pool):
    first = pool.call(os.getpid, (), {}, timeout=5, wait=5)
    with pytest.raises(workers.Crashed) as crashed:
        pool.call(os._exit, (3,), {}, timeout=5, wait=5)
    assert crashed.value.exitcode == 3
    assert pool.call(os.getpid, (), {}, timeout=5, wait=5) not in (first, None)


def test_client_errors_come_back_with_their_fields_and_others_are_raised(pool, make_scenario):
    import fiscal_sim

    document = make_scenario(towns={"T2": {"vat": -5}})
    with pytest.raises(fiscal_sim.ScenarioError) as here:
        fiscal_sim.load_scenario(document)
    failure = pool.call(fiscal_sim.load_scenario, (document,), {}, timeout=5, wait=5)
    assert failure == workers.Failure(422, here.value.errors)  # the fields kept (a ScenarioError would lose them)
    with pytest.raises(ValueError, match="invalid literal"):
        pool.call(int, ("not a number",), {}, timeout=5, wait=5)


def test_compute_turns_pool_outcomes_into_api_errors(app_factory, monkeypatch):
    app = app_factory(REQUEST_TIMEOUT=2, WORKERS=1)

    class Stuck:
        def call(self, fn, args, kwargs, *, timeout, wait):
            raise workers.Busy()

    monkeypatch.setattr(workers, "pool", lambda count: Stuck())
    with app.test_request_context(), pytest.raises(ApiError) as busy:
        runner.compute(os.getpid)
    assert busy.value.status == 503 and busy.value.errors == {
        "_request": [
            "the server is busy: its 1 worker process (FISCAL_SIM_WORKERS) stayed busy for 2 s"
            " (FISCAL_SIM_REQUEST_TIMEOUT); try again later"
        ]
    }


# ------------------------------------------------------------------------------------------------
# the page's views go the same way


def test_the_page_computes_in_a_worker_and_its_views_share_one_run(app, monkeypatch):
    client = app.test_client()
    calls = []
    original = runner.compute

    def counted(fn, *args, **kwargs):
        calls.append(fn.__name__)
        return original(fn, *args, **kwargs)

    monkeypatch.setattr(runner, "compute", counted)
    assert client.get("/scenarios/baseline/run").status_code == 200
    assert calls == ["pickled_results"]
    explain = client.get("/scenarios/baseline/explain?town=T01&year=2020&column=general_transfer")
    assert explain.status_code == 200
    assert client.get("/scenarios/baseline/results.xlsx").status_code == 200
    # the explanation and the workbook read the run the page made; the workbook is written in a worker
    assert calls == ["pickled_results", "results_workbook_bytes"]
    calls.clear()
    compare = "/compare?ids=baseline&ids=pilot_reform"
    assert client.get(compare).status_code == 200
    assert client.get(compare.replace("/compare?", "/compare/workbook.xlsx?")).status_code == 200
    assert client.get(compare).status_code == 200  # again: from the cache
    # one comparison for the page and its workbook; the workbook's charts, the workbook itself in workers
    assert calls.count("pickled_comparison") == 1 and calls.count("comparison_workbook") == 1
    assert set(calls) == {"pickled_comparison", "page_chart", "comparison_workbook"}


def test_a_heavy_page_is_stopped_like_a_heavy_request(app_factory):
    app = app_factory(REQUEST_TIMEOUT=0.05, RESPONSE_CACHE_BYTES=0)
    client = app.test_client()
    document = dict(client.get("/api/v1/scenarios/baseline").json["document"])
    towns = document["towns"]  # the baseline's 16 towns, 300 times over, for 50 years: seconds of work
    document["towns"] = [{**town, "id": f"{town['id']}-{n}" if n else town["id"]} for n in range(300) for town in towns]
    document["years"] = [2016, 2065]
    saved = client.post("/api/v1/scenarios", json={"document": document})
    assert saved.status_code == 201, saved.json
    response = client.get(f"/scenarios/{saved.json['id']}/run")
    assert response.status_code == 503
    assert "FISCAL_SIM_REQUEST_TIMEOUT" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"  # the page's error page, not a traceback
