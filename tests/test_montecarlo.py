"""Monte Carlo of GDP growth (docs/model.md §1.9): exactness at sd = 0, reproducibility, an analytic case, and the
same numbers on a Dask cluster (§1.12)."""

from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fiscal_sim
from fiscal_sim.analysis.montecarlo import (
    BLOCK,
    MAX_CHUNK_DRAWS,
    DrawPlan,
    bytes_per_draw,
    chunk_draws,
    growth_draws,
    run_chunk,
)
from fiscal_sim.catalogue import MAX_DRAWS
from fiscal_sim.engine import compile_model
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.records import montecarlo_records

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SERIES = {
    "required_transfers": "required_transfers",
    "general_transfers": "general_transfers",
    "county_balance": "county_balance",
}


def with_uncertainty(document: dict, **block) -> dict:
    return document | {"uncertainty": {"draws": 64, "seed": 7, "gdp_growth_sd": 0.02, "common_share": 0.5} | block}


# ---------------------------------------------------------------------------------------------
# sd = 0: every draw is the central run


@pytest.mark.parametrize("name", ["baseline", "limited_pool", "factor_method", "pilot_reform", "pilot_assessment"])
def test_zero_sd_equals_the_central_run_exactly(name):
    scenario = fiscal_sim.load_scenario(SCENARIOS / f"{name}.yaml", {"uncertainty.gdp_growth_sd": 0.0})
    mc = fiscal_sim.montecarlo(scenario, draws=70, seed=1, chunk_size=32)  # three chunks, the last short
    central = fiscal_sim.simulate(scenario).indicators
    for prefix, column in SERIES.items():
        for p in ("p5", "p50", "p95"):
            np.testing.assert_array_equal(
                mc.summary[f"{prefix}_{p}"].to_numpy(), central[column].to_numpy(), err_msg=f"{prefix}_{p}"
            )
        # the mean divides a sum of 70 equal numbers by 70: equal to rounding only
        np.testing.assert_allclose(mc.summary[f"{prefix}_mean"].to_numpy(), central[column].to_numpy(), rtol=1e-14)
        np.testing.assert_array_equal(
            mc.samples[prefix], np.broadcast_to(central[column].to_numpy(), (70, len(central)))
        )
    np.testing.assert_array_equal(
        mc.summary["p_county_deficit"].to_numpy(), (central["county_balance"] < 0).to_numpy(float)
    )
    revoked = set(fiscal_sim.simulate(scenario).revocations["town"])
    expected = [1.0 if t in revoked else 0.0 for t in mc.pilots["town"]]
    assert mc.pilots["p_revoked"].tolist() == expected


def test_no_uncertainty_block_needs_draws(make_scenario):
    document = make_scenario()
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.montecarlo(document)
    assert "uncertainty" in info.value.errors
    # with draws given it runs without noise (sd defaults to 0): every draw is the central run
    mc = fiscal_sim.montecarlo(document, draws=5, seed=0)
    central = fiscal_sim.simulate(document).indicators
    np.testing.assert_array_equal(mc.summary["required_transfers_p95"], central["required_transfers"])


# ---------------------------------------------------------------------------------------------
# reproducibility


def test_same_seed_same_numbers_whatever_the_chunk_size():
    scenario = fiscal_sim.load_scenario(SCENARIOS / "baseline.yaml")
    runs = [fiscal_sim.montecarlo(scenario, draws=200, seed=11, chunk_size=size) for size in (32, 64, 96, None)]
    assert [r.chunk_size for r in runs] == [32, 64, 96, 224]
    first = runs[0]
    for other in runs[1:] + [fiscal_sim.montecarlo(scenario, draws=200, seed=11, chunk_size=32)]:
        pd.testing.assert_frame_equal(other.summary, first.summary, check_exact=True)
        pd.testing.assert_frame_equal(other.pilots, first.pilots, check_exact=True)
        for name, values in first.samples.items():
            np.testing.assert_array_equal(other.samples[name], values)
    different = fiscal_sim.montecarlo(scenario, draws=200, seed=12)
    assert not np.array_equal(different.samples["county_balance"], first.samples["county_balance"])


def test_seed_and_draws_default_to_the_scenario():
    scenario = fiscal_sim.load_scenario(SCENARIOS / "baseline.yaml")
    block = scenario.config["uncertainty"]
    mc = fiscal_sim.montecarlo(scenario)
    assert (mc.draws, mc.seed, mc.gdp_growth_sd, mc.common_share) == (
        block["draws"], block["seed"], block["gdp_growth_sd"], block["common_share"]
    )  # fmt: skip
    assert mc.samples["county_balance"].shape == (block["draws"], len(scenario.years))
    again = fiscal_sim.montecarlo(SCENARIOS / "baseline.yaml", draws=block["draws"], seed=block["seed"])
    pd.testing.assert_frame_equal(again.summary, mc.summary, check_exact=True)


def test_without_a_seed_one_is_chosen_and_recorded(make_scenario):
    document = with_uncertainty(make_scenario(), seed=None)
    mc = fiscal_sim.montecarlo(document)
    again = fiscal_sim.montecarlo(document, seed=mc.seed)
    np.testing.assert_array_equal(again.samples["required_transfers"], mc.samples["required_transfers"])


def test_growth_draws_follow_the_formula():
    # g + sd·(√c·z_t + √(1−c)·e_i,t), z then e from block 0's generator, 3 draws (a short block)
    central = np.array([[0.05, 0.08], [0.06, 0.07]])  # (T=2, N=2)
    sd, c, seed = 0.03, 0.25, 5
    got = growth_draws(central, sd, c, seed, 0, 3, 3)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    z = rng.standard_normal((3, 2))
    e = rng.standard_normal((3, 2, 2))
    expected = central + sd * (math.sqrt(c) * z[:, :, None] + math.sqrt(1 - c) * e)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-17)
    # the second block comes from its own generator: draws 32…39 of a 40-draw run
    second = growth_draws(central, sd, c, seed, BLOCK, 40, 40)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    z = rng.standard_normal((40 - BLOCK, 2))
    e = rng.standard_normal((40 - BLOCK, 2, 2))
    expected = central + sd * (math.sqrt(c) * z[:, :, None] + math.sqrt(1 - c) * e)
    np.testing.assert_allclose(second, expected, rtol=1e-15, atol=1e-17)


# ---------------------------------------------------------------------------------------------
# an analytic case


def analytic_county(common_share: float, draws: int) -> dict:
    """Two towns A, B, each collecting land = 1000 (town keeps all, elasticity 1), standard expenditure
    3000, gaps covered in full; the county has own revenue 3900 and nothing else.

    Year 1: gap_i = 3000 − 1000·(1 + g_i) = 2000 − 1000·g_i, never truncated at 0 (g ≈ 0.05 ± 0.02).
      required = 4000 − 1000·(g_A + g_B); E = 4000 − 2·50 = 3900;
      Var = 1000²·sd²·(2 + 2c)  (Cov(g_A, g_B) = sd²·c through the common shock) → c = 0.5: σ = 34.641.
      county balance = 3900 − required, so P(deficit) = P(required > 3900) = 0.5.
    Year 2: gap_i = 3000 − 1000·(1 + g_i1)(1 + g_i2), years independent:
      E[required] = 2·(3000 − 1000·1.05²) = 3795.
    """
    towns = [
        {"id": tid, "name": name, "pilot": False, "population": 100, "area_km2": 1, "gdp": 100, "land": 1000}
        for tid, name in (("A", "甲"), ("B", "乙"))
    ]
    return {
        "schema_version": 1,
        "name": "analytic",
        "years": [2021, 2022],
        "towns": towns,
        "revenue_items": [{"id": "land", "split": {"rule": "town"}}],
        "expenditure_functions": [{"id": "admin", "driver": "one", "unit_cost": 3000, "town_share": 1.0}],
        "county": {"own_revenue": 3900},
        "growth": {"gdp": 0.05},
        "uncertainty": {"draws": draws, "seed": 20210101, "gdp_growth_sd": 0.02, "common_share": common_share},
    }


def test_mean_and_spread_match_the_closed_form():
    draws = 20_000
    mc = fiscal_sim.montecarlo(analytic_county(0.5, draws))
    required = mc.samples["required_transfers"]
    assert (required > 0).all()  # each gap is 2000 − 1000·g_i > 0 unless g_i > 2: never truncated at 0
    # mean within 4 standard errors; SE = σ/√n (σ = 34.641 in year 1, the sample σ in year 2)
    for t, expected in enumerate((3900.0, 3795.0)):
        se = required[:, t].std() / math.sqrt(draws)
        assert abs(required[:, t].mean() - expected) < 4 * se, (t, required[:, t].mean(), se)
    assert 4 * 34.641 / math.sqrt(draws) < 1.0  # the year-1 tolerance is under 1 万元
    # the spread pins the common share: σ = 1000·0.02·√(2 + 2c): 28.28 at c = 0, 34.64 at 0.5, 40 at 1;
    # SE of a sample σ is about σ/√(2n) = 0.17, tolerance 4·SE = 0.7
    assert required[:, 0].std() == pytest.approx(34.641, abs=0.7)
    # percentiles of a normal: p5 = 3900 − 1.6449·34.641 = 3843.02 (SE of a 5% quantile ≈ 0.52)
    row = mc.summary.iloc[0]
    assert row["required_transfers_p5"] == pytest.approx(3843.02, abs=2.1)
    assert row["required_transfers_p50"] == pytest.approx(3900.0, abs=1.0)
    assert row["required_transfers_p95"] == pytest.approx(3956.98, abs=2.1)
    # P(deficit) = 0.5 ± 4·0.5/√n
    assert row["p_county_deficit"] == pytest.approx(0.5, abs=4 * 0.5 / math.sqrt(draws))
    # full coverage: general transfers equal required ones draw by draw; balance = 3900 − required
    np.testing.assert_array_equal(mc.samples["general_transfers"], required)
    np.testing.assert_allclose(mc.samples["county_balance"], 3900.0 - required, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(("common_share", "sigma"), [(0.0, 28.284), (1.0, 40.0)])
def test_common_share_sets_the_correlation(common_share, sigma):
    mc = fiscal_sim.montecarlo(analytic_county(common_share, 20_000))
    assert mc.samples["required_transfers"][:, 0].std() == pytest.approx(sigma, abs=0.7)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    sd=st.floats(0.0, 0.1),
    common_share=st.floats(0.0, 1.0),
)
def test_percentiles_are_ordered(make_scenario, seed, sd, common_share):
    document = with_uncertainty(make_scenario(), seed=seed, gdp_growth_sd=sd, common_share=common_share, draws=40)
    mc = fiscal_sim.montecarlo(document)
    s = mc.summary
    for prefix in SERIES:
        assert (s[f"{prefix}_p5"] <= s[f"{prefix}_p50"]).all()
        assert (s[f"{prefix}_p50"] <= s[f"{prefix}_p95"]).all()
    assert s["p_county_deficit"].between(0, 1).all()
    assert mc.pilots["p_revoked"].between(0, 1).all()


# ---------------------------------------------------------------------------------------------
# pilots


def test_pilot_revocation_probability(make_scenario):
    # T1 (the only pilot) grows 5% a year against a 7% target; sd 0.001 cannot lift it above 7%.
    # Four years: revoked from 2019 in every draw. Three years: the third failure is in the last
    # year, so the status is lost (p_revoked 1) but T1 is still a pilot in 2018 (p_non_pilot 0).
    def run(years):
        document = make_scenario(
            years=[2016, 2015 + years],
            growth={"gdp": 0.05},
            assessment={"targets": {"gdp_growth": 0.07}},
            uncertainty={"draws": 50, "seed": 3, "gdp_growth_sd": 0.001},
        )
        return fiscal_sim.montecarlo(document).pilots

    four = run(4)
    assert four["town"].tolist() == ["T1"] and four["name"].tolist() == ["甲镇"]
    assert four[["p_revoked", "p_non_pilot_last_year", "mean_revoked_from"]].iloc[0].tolist() == [1.0, 1.0, 2019.0]
    three = run(3)
    assert three[["p_revoked", "p_non_pilot_last_year", "mean_revoked_from"]].iloc[0].tolist() == [1.0, 0.0, 2019.0]


# ---------------------------------------------------------------------------------------------
# bounds, chunks, progress, output


@pytest.mark.parametrize("draws", [MAX_DRAWS + 1, 0, -5, 2.5, "100", True])
def test_bad_draws_are_rejected(make_scenario, draws):
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.montecarlo(with_uncertainty(make_scenario()), draws=draws)
    assert "draws" in info.value.errors
    assert "100000" in info.value.one_line()


def test_bad_seed_and_chunk_size_are_rejected(make_scenario):
    document = with_uncertainty(make_scenario())
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.montecarlo(document, seed=-1)
    assert "seed" in info.value.errors
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.montecarlo(document, chunk_size=0)
    assert "chunk_size" in info.value.errors


def test_chunks_are_whole_blocks_within_the_budget():
    model = compile_model(fiscal_sim.load_scenario(SCENARIOS / "baseline.yaml"))
    assert chunk_draws(model, 10_000, 100) == 96  # rounded down to whole blocks of 32
    assert chunk_draws(model, 10_000, 5) == BLOCK  # at least one block
    assert chunk_draws(model, 10_000, 5000) == 4992  # a chunk size given is honoured
    assert chunk_draws(model, 50) == 64  # never more than the draws need (rounded up to a block)
    assert chunk_draws(model, 100_000) == MAX_CHUNK_DRAWS  # a small county: the cap, not memory, binds
    per_draw = bytes_per_draw(model)
    assert chunk_draws(model, 100_000, budget=BLOCK * 3 * per_draw) == 3 * BLOCK
    assert chunk_draws(model, 100_000, budget=per_draw) == BLOCK  # over budget: still one block


def test_progress_is_reported_per_chunk(make_scenario):
    calls = []
    fiscal_sim.montecarlo(
        with_uncertainty(make_scenario(), draws=100), chunk_size=32, progress=lambda d, n: calls.append((d, n))
    )
    assert calls == [(32, 100), (64, 100), (96, 100), (100, 100)]


def test_records_are_json(make_scenario):
    mc = fiscal_sim.montecarlo(with_uncertainty(make_scenario()))
    data = json.loads(json.dumps(montecarlo_records(mc), allow_nan=False, ensure_ascii=False))
    assert data["draws"] == 64 and data["seed"] == 7
    assert [row["year"] for row in data["summary"]] == [2021, 2022]
    assert set(data["summary"][0]) >= {
        "required_transfers_p5", "required_transfers_p50", "required_transfers_p95",
        "general_transfers_p5", "general_transfers_p50", "general_transfers_p95",
        "county_balance_p5", "county_balance_p50", "county_balance_p95", "p_county_deficit",
    }  # fmt: skip
    assert data["pilots"][0]["town"] == "T1" and data["pilots"][0]["name"] == "甲镇"
    assert data["pilots"][0]["mean_revoked_from"] is None  # never revoked: no mean year


# ---------------------------------------------------------------------------------------------
# on a Dask cluster (docs/model.md §1.12)


@pytest.fixture(scope="module")
def client():
    """A 2-worker LocalCluster (single-threaded worker processes) for this module's tests, closed at the end."""
    pytest.importorskip("distributed")
    from fiscal_sim.analysis.workers import local_cluster

    with local_cluster(2, memory_limit="2GiB") as client:
        yield client


def assert_same_run(got, expected):
    pd.testing.assert_frame_equal(got.summary, expected.summary, check_exact=True)
    pd.testing.assert_frame_equal(got.pilots, expected.pilots, check_exact=True)
    assert got.samples.keys() == expected.samples.keys()
    for name, values in expected.samples.items():
        np.testing.assert_array_equal(got.samples[name], values, err_msg=name)


@pytest.mark.parametrize("name", ["baseline", "pilot_assessment"])
def test_a_cluster_gives_the_numbers_of_one_process_whatever_the_chunk_size(client, name):
    scenario = fiscal_sim.load_scenario(SCENARIOS / f"{name}.yaml", {"uncertainty.gdp_growth_sd": 0.03})
    alone = fiscal_sim.montecarlo(scenario, draws=200, seed=11)
    assert alone.chunk_size == 224  # one chunk in process
    spread = fiscal_sim.montecarlo(scenario, draws=200, seed=11, client=client)
    assert spread.chunk_size == 64  # about two chunks per worker thread: 4 chunks, the last short
    assert_same_run(spread, alone)
    for size in (32, 96):
        assert_same_run(fiscal_sim.montecarlo(scenario, 200, 11, client, chunk_size=size), alone)
    if name == "pilot_assessment":  # the revocation counts of the chunks add up
        assert 0 < alone.pilots["p_revoked"].max() and alone.pilots["p_revoked"].min() < 1


def large_county(n_towns: int = 300) -> dict:
    """Short of money, need-adjusted: most of 300 towns have a gap and share a pool of half the need."""
    rng = np.random.default_rng(0)
    towns = [
        {
            "id": f"T{i:03d}", "name": f"镇{i}", "pilot": i % 5 == 0, "population": float(rng.integers(5000, 50000)),
            "area_km2": 10.0, "gdp": float(rng.uniform(1e4, 1e5)), "vat": float(rng.uniform(50, 500)),
            "students": float(rng.integers(100, 3000)),
        }
        for i in range(n_towns)
    ]  # fmt: skip
    return {
        "schema_version": 1,
        "name": "large",
        "years": [2021, 2025],
        "towns": towns,
        "revenue_items": [{"id": "vat", "split": {"rule": "proportional", "town_share": 0.5}}],
        "expenditure_functions": [
            {"id": "admin", "driver": "one", "unit_cost": 200, "town_share": 1.0},
            {"id": "edu", "driver": "students", "unit_cost": 0.1, "town_share": 0.5},
        ],
        "county": {"own_revenue": 1e5},
        "general_transfer": {"pool": 20000, "rationing": "need_adjusted"},
        "growth": {"gdp": 0.05},
        "uncertainty": {"draws": 192, "seed": 5, "gdp_growth_sd": 0.05, "common_share": 0.3},
    }


def test_a_large_county_agrees_to_rounding_however_the_draws_are_cut(client):
    """The rationing sums over the towns with a gap in any draw of a chunk; past 128 such towns numpy's pairwise
    sums group them differently for a different cut, so the last bit of a transfer may differ: runs cut alike
    agree bit for bit, others to rounding (docs/model.md §1.12: 1e-9 relative)."""
    scenario = fiscal_sim.load_scenario(large_county())
    alone = fiscal_sim.montecarlo(scenario)
    assert alone.chunk_size == 192
    assert_same_run(fiscal_sim.montecarlo(scenario, client=client, chunk_size=192), alone)
    for other in (fiscal_sim.montecarlo(scenario, client=client), fiscal_sim.montecarlo(scenario, chunk_size=32)):
        assert other.chunk_size in (64, 32)
        pd.testing.assert_frame_equal(other.pilots, alone.pilots, check_exact=True)
        pd.testing.assert_frame_equal(other.summary, alone.summary, check_exact=False, rtol=1e-9, atol=0.0)
        for name, values in alone.samples.items():
            np.testing.assert_allclose(other.samples[name], values, rtol=1e-9, atol=0.0, err_msg=name)


def test_progress_on_a_cluster_counts_the_draws_done(client, make_scenario):
    calls = []
    fiscal_sim.montecarlo(
        with_uncertainty(make_scenario(), draws=100),
        client=client,
        chunk_size=32,
        progress=lambda d, n: calls.append((d, n)),
    )
    assert len(calls) == 4 and calls[-1] == (100, 100)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and {n for _, n in calls} == {100}


def test_local_workers_keep_the_adaptive_malloc_threshold(client):
    # Dask's default MALLOC_TRIM_THRESHOLD_ doubles the engine's CPU time on a worker (local_cluster's docstring)
    assert set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {None}


def test_a_client_must_be_a_dask_client(make_scenario):
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.montecarlo(with_uncertainty(make_scenario()), client="tcp://127.0.0.1:8786")
    assert "client" in info.value.errors and "dask.distributed.Client" in info.value.one_line()


def test_what_travels_is_the_model_once_and_draw_ranges(make_scenario):
    # a chunk is the plan (pickled once per worker) plus two integers; it returns (draws, years) samples
    scenario = fiscal_sim.load_scenario(with_uncertainty(make_scenario()))
    central = fiscal_sim.simulate(scenario)
    plan = DrawPlan(central.model, None, np.flatnonzero(central.model.pilot0), 7, 0.02, 0.5, 64)
    chunk = pickle.loads(pickle.dumps(run_chunk(pickle.loads(pickle.dumps(plan)), 32, 64)))
    assert (chunk.start, chunk.stop) == (32, 64)
    assert {name: v.shape for name, v in chunk.samples.items()} == {name: (32, 2) for name in SERIES}
    whole = fiscal_sim.montecarlo(scenario)
    for name, values in chunk.samples.items():
        np.testing.assert_array_equal(values, whole.samples[name][32:64])


def test_importing_fiscal_sim_does_not_import_dask():
    code = "import sys, fiscal_sim, fiscal_sim.io.cli; print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_montecarlo_command_on_local_workers_and_on_a_scheduler(capsys, monkeypatch, tmp_path, client):
    from contextlib import contextmanager

    from fiscal_sim.analysis import workers
    from fiscal_sim.io.cli import main

    started = []

    @contextmanager
    def local_cluster(n_workers):  # the fixture's cluster stands in for a new one (local_cluster starts it)
        started.append(n_workers)
        yield client
        started.append("closed")

    monkeypatch.setattr(workers, "local_cluster", local_cluster)
    argv = ["montecarlo", str(SCENARIOS / "baseline.yaml"), "--draws", "96", "--seed", "5", "--out"]
    runs = {"alone": [], "scheduler": ["--scheduler", client.scheduler.address], "workers": ["--workers", "3"]}
    for name, option in runs.items():
        assert main([*argv, str(tmp_path / name), *option]) == 0, name
        _, err = capsys.readouterr()
        assert err == "", (name, err)
    assert started == [3, "closed"]
    for name in ("scheduler", "workers"):
        for table in ("summary.csv", "pilots.csv"):
            assert (tmp_path / name / table).read_bytes() == (tmp_path / "alone" / table).read_bytes(), (name, table)
