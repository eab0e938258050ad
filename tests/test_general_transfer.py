"""General transfers 一般性转移支付 (docs/model.md §1.4): pools, rationing, priority, growth limits.

The tiny county of conftest.py: gaps T1 0, T2 30, T3 45 (required 75); standard expenditure
40, 60, 50; population 100, 200, 100; area 10, 20, 30; T1 is the only pilot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim.model.general_transfer import (
    allocate,
    factor_shares,
    fiscal_gap,
    limit_growth,
    need_adjusted_rate,
    ration_need_adjusted,
    ration_proportional,
)

# ---------------------------------------------------------------------------------------------
# module functions


def test_fiscal_gap():
    # max(0, se − capacity): 60 − 30 = 30, 40 − 70 < 0 → 0
    np.testing.assert_array_equal(fiscal_gap(np.array([60.0, 40.0]), np.array([30.0, 70.0])), [30.0, 0.0])


def test_ration_proportional():
    # pool 50 over gaps 30, 45: coefficient 50/75 = 2/3 → 20, 30
    transfer, coefficient = ration_proportional(np.array([0.0, 30.0, 45.0]), np.array(50.0))
    np.testing.assert_allclose(transfer, [0.0, 20.0, 30.0])
    assert float(coefficient) == pytest.approx(2 / 3)
    # pool 100 ≥ 75: gaps in full, coefficient 1
    transfer, coefficient = ration_proportional(np.array([0.0, 30.0, 45.0]), np.array(100.0))
    np.testing.assert_allclose(transfer, [0.0, 30.0, 45.0])
    assert float(coefficient) == 1.0


def test_ration_need_adjusted_one_rate():
    # T = G − r·se over gaps 30, 45 with se 60, 50; Σ = 75 − 110·r = 50 → r = 25/110
    gaps, need = np.array([0.0, 30.0, 45.0]), np.array([40.0, 60.0, 50.0])
    transfer, rate = ration_need_adjusted(gaps, need, np.array(50.0))
    assert float(rate) == pytest.approx(25 / 110, rel=1e-12)
    # T2 = 30 − 60·25/110 = 16.3636…, T3 = 45 − 50·25/110 = 33.6363…; T1 has no gap and gets 0
    np.testing.assert_allclose(transfer, [0.0, 30 - 60 * 25 / 110, 45 - 50 * 25 / 110], rtol=1e-12)
    assert transfer.sum() == pytest.approx(50.0, rel=1e-12)


def test_ration_need_adjusted_town_driven_below_zero_is_dropped_and_rate_solved_again():
    gaps, need = np.array([0.0, 30.0, 45.0]), np.array([40.0, 60.0, 50.0])
    # pool 10: with both, r = 65/110 = 0.59 puts T2 at 30 − 35.45 < 0; without T2, 45 − 50·r = 10 → r = 0.7
    transfer, rate = ration_need_adjusted(gaps, need, np.array(10.0))
    assert float(rate) == pytest.approx(0.7, rel=1e-12)
    np.testing.assert_allclose(transfer, [0.0, 0.0, 10.0], atol=1e-12)


def test_ration_need_adjusted_pool_covers_all():
    gaps, need = np.array([0.0, 30.0, 45.0]), np.array([40.0, 60.0, 50.0])
    transfer, rate = ration_need_adjusted(gaps, need, np.array(75.0))
    assert float(rate) == 0.0
    np.testing.assert_array_equal(transfer, gaps)


def test_need_adjusted_rate_per_case_on_a_leading_axis():
    # two cases (e.g. Monte Carlo draws) at once: pool 50 → r = 25/110; pool 10 → r = 0.7
    gaps = np.array([[30.0, 45.0], [30.0, 45.0]])
    need = np.array([60.0, 50.0])
    rate = need_adjusted_rate(gaps, need, np.array([50.0, 10.0]))
    np.testing.assert_allclose(rate, [25 / 110, 0.7], rtol=1e-12)


def test_ration_need_adjusted_zero_need_towns_share_a_pool_they_exhaust():
    # a town with a gap but no need cannot be adjusted (r would be infinite): it is rationed on its own
    transfer, rate = ration_need_adjusted(np.array([10.0, 30.0]), np.array([0.0, 60.0]), np.array(5.0))
    assert np.isinf(rate)
    np.testing.assert_allclose(transfer, [5.0, 0.0])


def test_factor_shares():
    # one factor (population 100, 200, 100), all eligible: 0.25, 0.5, 0.25
    x = np.array([[100.0], [200.0], [100.0]])
    np.testing.assert_allclose(factor_shares(x, np.array([1.0]), np.array([True, True, True])), [0.25, 0.5, 0.25])
    # only T2, T3 eligible: 200/300, 100/300
    np.testing.assert_allclose(factor_shares(x, np.array([1.0]), np.array([False, True, True])), [0, 2 / 3, 1 / 3])
    # two factors: population (0.6) and area·population (0.4): 1000, 4000, 3000 → 0.125, 0.5, 0.375
    # T1: 0.6·0.25 + 0.4·0.125 = 0.2; T2: 0.6·0.5 + 0.4·0.5 = 0.5; T3: 0.6·0.25 + 0.4·0.375 = 0.3
    x2 = np.array([[100.0, 1000.0], [200.0, 4000.0], [100.0, 3000.0]])
    np.testing.assert_allclose(factor_shares(x2, np.array([0.6, 0.4]), np.ones(3, bool)), [0.2, 0.5, 0.3])


def test_limit_growth():
    previous = np.array([20.0, 30.0, 0.0, 20.0])
    gap = np.array([60.0, 65.0, 50.0, 10.0])
    transfer = np.array([24.0, 26.0, 40.0, 5.0])
    # min 0, max 0.1: T1 ≤ 22 (cut), T2 ≥ min(65, 30) = 30 (raised), T3 had nothing last year (untouched),
    # T4 ≥ min(gap 10, 20) = 10 (raised to its gap only)
    np.testing.assert_allclose(limit_growth(transfer, previous, gap, 0.0, 0.1), [22.0, 30.0, 40.0, 10.0])


def test_allocate_priority_covered_first_then_the_rest():
    gap, se = np.array([0.0, 30.0, 45.0]), np.array([40.0, 60.0, 50.0])
    priority = np.array([False, True, False])
    # pool 50: T2 (priority) 30 in full, the 20 left to T3
    out = allocate(gap, se, pool=np.array(50.0), coefficient=None, rationing="proportional", priority=priority)
    np.testing.assert_allclose(out.transfer, [0.0, 30.0, 20.0])
    # pool 20: T2 rationed alone to 20, T3 nothing
    out = allocate(gap, se, pool=np.array(20.0), coefficient=None, rationing="proportional", priority=priority)
    np.testing.assert_allclose(out.transfer, [0.0, 20.0, 0.0])


# ---------------------------------------------------------------------------------------------
# end to end


def transfers(doc, year=2021) -> list[float]:
    towns = fiscal_sim.simulate(doc).towns
    return towns[towns["year"] == year].sort_values("town")["general_transfer"].tolist()


def test_pool_null_covers_every_gap(make_scenario):
    assert transfers(make_scenario(general_transfer={"pool": None})) == [0.0, 30.0, 45.0]


def test_numeric_pool_larger_than_required_covers_gaps_only(make_scenario):
    assert transfers(make_scenario(general_transfer={"pool": 100})) == [0.0, 30.0, 45.0]


def test_proportional_pool(make_scenario):
    # 50/75 of each gap: 20, 30
    np.testing.assert_allclose(transfers(make_scenario(general_transfer={"pool": 50})), [0.0, 20.0, 30.0])


def test_pool_growth(make_scenario):
    # pool 50 grown 20% a year: 60 in 2021, 72 in 2022 (still below the 75 required)
    doc = make_scenario(general_transfer={"pool": 50, "pool_growth": 0.2})
    result = fiscal_sim.simulate(doc)
    np.testing.assert_allclose(result.indicators["general_transfers"], [60.0, 72.0])
    # 2021: 30·60/75 = 24, 45·60/75 = 36
    np.testing.assert_allclose(transfers(doc, 2021), [0.0, 24.0, 36.0])


def test_coefficient(make_scenario):
    # φ = 0.6: 0.6·30 = 18, 0.6·45 = 27
    np.testing.assert_allclose(transfers(make_scenario(general_transfer={"coefficient": 0.6})), [0.0, 18.0, 27.0])


def test_need_adjusted(make_scenario):
    doc = make_scenario(general_transfer={"pool": 50, "rationing": "need_adjusted"})
    # r = 25/110 (see test_ration_need_adjusted_one_rate)
    np.testing.assert_allclose(transfers(doc), [0.0, 30 - 60 * 25 / 110, 45 - 50 * 25 / 110], rtol=1e-12)
    doc = make_scenario(general_transfer={"pool": 10, "rationing": "need_adjusted"})
    np.testing.assert_allclose(transfers(doc), [0.0, 0.0, 10.0], atol=1e-12)  # T2 driven below 0


def test_factor_eligible_gap(make_scenario):
    gt = {"pool": 50, "rationing": "factor", "factors": [{"column": "population", "weight": 1.0}]}
    # eligible: T2, T3 (population 200, 100): 50·2/3, 50·1/3 — whatever the gaps (33.3 > 30)
    np.testing.assert_allclose(transfers(make_scenario(general_transfer=gt)), [0.0, 100 / 3, 50 / 3])


def test_factor_eligible_all_with_a_product_factor(make_scenario):
    gt = {
        "pool": 100,
        "rationing": "factor",
        "eligible": "all",
        "factors": [{"column": "population", "weight": 0.6}, {"columns": ["area_km2", "population"], "weight": 0.4}],
    }
    # shares 0.2, 0.5, 0.3 (see test_factor_shares): T1 gets 20 though it has no gap
    np.testing.assert_allclose(transfers(make_scenario(general_transfer=gt)), [20.0, 50.0, 30.0])


def test_factor_with_priority(make_scenario):
    gt = {
        "pool": 50,
        "rationing": "factor",
        "priority": ["pilot"],
        "factors": [{"column": "population", "weight": 1.0}],
    }
    # T2 a pilot: its gap 30 in full; the 20 left by factors over the other eligible town, T3
    doc = make_scenario(towns={"T2": {"pilot": True}}, general_transfer=gt)
    np.testing.assert_allclose(transfers(doc), [0.0, 30.0, 20.0])


def test_factor_pool_goes_out_in_full_when_only_priority_towns_are_eligible(make_scenario):
    gt = {
        "pool": 100,
        "rationing": "factor",
        "priority": ["pilot"],
        "factors": [{"column": "population", "weight": 1.0}],
    }
    # T2 and T3 both pilots with gaps 30 + 45 = 75 ≤ 100: the gaps in full, and the 25 left must still go out
    doc = make_scenario(towns={"T2": {"pilot": True}, "T3": {"pilot": True}}, general_transfer=gt)
    assert sum(transfers(doc)) == pytest.approx(100.0)


@pytest.mark.parametrize("rationing", ["proportional", "need_adjusted"])
def test_priority_pilot_covered_in_full_first(make_scenario, rationing):
    # T2 a pilot, pool 50: T2 30 in full, 20 left for T3
    doc = make_scenario(
        towns={"T2": {"pilot": True}}, general_transfer={"pool": 50, "priority": ["pilot"], "rationing": rationing}
    )
    np.testing.assert_allclose(transfers(doc), [0.0, 30.0, 20.0], rtol=1e-12)


@pytest.mark.parametrize("rationing", ["proportional", "need_adjusted"])
def test_priority_pool_too_small_others_get_nothing(make_scenario, rationing):
    # pool 20 < T2's gap 30: T2 gets all 20 (rationed among the priority class alone), T3 nothing
    doc = make_scenario(
        towns={"T2": {"pilot": True}}, general_transfer={"pool": 20, "priority": ["pilot"], "rationing": rationing}
    )
    np.testing.assert_allclose(transfers(doc), [0.0, 20.0, 0.0], atol=1e-12)


def test_priority_follows_pilot_status_in_force(make_scenario):
    # T2 a pilot, revoked from 2022 (misses a 50% GDP growth target in 2021): first in line only in 2021
    doc = make_scenario(
        towns={"T2": {"pilot": True}},
        general_transfer={"pool": 50, "priority": ["pilot"]},
        assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1},
    )
    np.testing.assert_allclose(transfers(doc, 2021), [0.0, 30.0, 20.0])
    np.testing.assert_allclose(transfers(doc, 2022), [0.0, 20.0, 30.0])  # 50/75 of each gap again


def test_county_surplus_pool(make_scenario):
    # total revenue 1175; own spending 1075 + town functions 60 → surplus 40 = pool: 30·40/75, 45·40/75
    doc = make_scenario(
        county={"own_revenue": 1000, "own_expenditure": 1075, "upper_transfers": 100},
        general_transfer={"pool": "county_surplus"},
    )
    np.testing.assert_allclose(transfers(doc), [0.0, 16.0, 24.0])
    balance = fiscal_sim.simulate(doc).county["balance"]
    np.testing.assert_allclose(balance, [0.0, 0.0], atol=1e-9)  # the county spends exactly its surplus


def test_county_surplus_deducts_special_budget_and_is_never_negative(make_scenario):
    county = {"own_revenue": 1000, "own_expenditure": 1075, "upper_transfers": 100}
    # the special-transfer budget 10 comes off the surplus: 40 − 10 = 30 → 12, 18
    doc = make_scenario(
        county=county, general_transfer={"pool": "county_surplus"}, special_transfers={"budget": 10, "projects": []}
    )
    np.testing.assert_allclose(transfers(doc), [0.0, 12.0, 18.0])
    # a county in deficit has no surplus: pool 0, nothing paid
    county["own_expenditure"] = 2000
    doc = make_scenario(county=county, general_transfer={"pool": "county_surplus"})
    assert transfers(doc) == [0.0, 0.0, 0.0]


def test_growth_limits_clip_then_scale_to_the_pool(make_scenario):
    # students grow by half in 2022 (per-year driver growth [0, 0.5]): se T2 = 30 + 45 = 75 (gap 45),
    # T3 = 30 + 30 = 60 (gap 55), T1 = 30 + 15 = 45 < 70 (no gap); required 100
    doc = make_scenario(
        growth={"drivers": {"students": [0.0, 0.5]}},
        general_transfer={"pool": 50, "growth_limits": {"min": 0.0, "max": 0.1}},
    )
    # 2021 (no limit in the first year): 20, 30
    np.testing.assert_allclose(transfers(doc, 2021), [0.0, 20.0, 30.0])
    # 2022 rationed: 45·50/100 = 22.5, 55·50/100 = 27.5; clipped: T2 ≤ 20·1.1 = 22, T3 ≥ min(55, 30·1.0) = 30;
    # 22 + 30 = 52 > 50, so both are scaled by 50/52
    np.testing.assert_allclose(transfers(doc, 2022), [0.0, 22 * 50 / 52, 30 * 50 / 52], rtol=1e-12)


def test_growth_limits_without_pool_only_clip(make_scenario):
    doc = make_scenario(
        growth={"drivers": {"students": [0.0, 0.5]}},
        general_transfer={"pool": None, "growth_limits": {"max": 0.1}},
    )
    # 2021 gaps in full 30, 45; 2022 gaps 45, 55 cut to 33, 49.5
    np.testing.assert_allclose(transfers(doc, 2022), [0.0, 33.0, 49.5])


# ---------------------------------------------------------------------------------------------
# real-world check: Japan's FY2020 Local Allocation Tax (普通交付税), 1,718 municipalities
#
# Measured on this data (thousand yen): with P = Σ max(shortfall − r₀·need, 0) at r₀ = 0.000510886 the
# solved r equals r₀ to 9e-14 relative; 746 allocations match the published ones exactly after rounding
# to the thousand yen and 993 within 0.1% (the rest carry merger provisions and error corrections that
# the tables lack). With P = the published total Σ allocation = 7,096,107,173, the pool exceeds the sum
# of shortfalls (7,050,726,425) by 45,380,748 (0.64%): every shortfall is covered and r = 0, so the
# published total alone cannot recover r₀.

JAPAN_CSV = Path(__file__).parent / "fixtures" / "validation" / "japan_lat_municipal_fy2020.csv"
R_FY2020 = 0.000510886


@pytest.fixture(scope="module")
def japan():
    data = pd.read_csv(JAPAN_CSV, dtype={"code": str})
    assert len(data) == 1718
    need = data["need"].to_numpy(np.float64)
    shortfall = np.maximum(need - data["revenue"].to_numpy(np.float64), 0.0)
    return data, need, shortfall, data["allocation"].to_numpy(np.float64)


def test_japan_statutory_pool_recovers_the_adjustment_rate(japan):
    data, need, shortfall, allocation = japan
    pool = np.maximum(shortfall - R_FY2020 * need, 0.0).sum()
    transfer, rate = ration_need_adjusted(shortfall, need, np.array(pool))
    assert float(rate) == pytest.approx(R_FY2020, rel=1e-12)
    assert transfer.sum() == pytest.approx(pool, rel=1e-12)
    exact = np.round(transfer) == allocation
    close = np.abs(transfer - allocation) <= 1e-3 * allocation
    assert exact.sum() >= 746
    assert close.sum() >= 993
    osaka = (data["code"] == "271004").to_numpy()
    assert exact[osaka].all()  # Osaka City: 654,898,101 − 621,727,850 − 0.000510886·654,898,101 ≈ 32,835,673


def test_japan_published_total_exceeds_the_shortfalls_so_every_one_is_covered(japan):
    _, need, shortfall, allocation = japan
    pool = allocation.sum()
    assert pool == 7_096_107_173
    assert shortfall.sum() == 7_050_726_425  # below the pool: the tables lack merger provisions
    transfer, rate = ration_need_adjusted(shortfall, need, np.array(pool))
    assert float(rate) == 0.0  # |r − r₀| = r₀: the published total cannot pin r₀ down
    np.testing.assert_array_equal(transfer, shortfall)


def test_japan_end_to_end_through_simulate():
    """The same rule through a scenario: need as standard expenditure, revenue as capacity (already 75%)."""
    data = pd.read_csv(JAPAN_CSV, dtype={"code": str})
    need = data["need"].to_numpy(np.float64)
    shortfall = np.maximum(need - data["revenue"].to_numpy(np.float64), 0.0)
    pool = np.maximum(shortfall - R_FY2020 * need, 0.0).sum()
    towns = pd.DataFrame(
        {
            "id": data["code"],
            "name": data["name"],
            "pilot": False,
            "population": 1.0,
            "area_km2": 1.0,
            "gdp": 1.0,
            "revenue": data["revenue"].astype(float),
            "need": data["need"].astype(float),
        }
    ).to_dict("records")
    doc = {
        "schema_version": 1,
        "name": "普通交付税 FY2020",
        "unit": "千円",
        "years": [2020, 2020],
        "towns": towns,
        "revenue_items": [{"id": "revenue", "split": {"rule": "town"}}],
        "expenditure_functions": [{"id": "need", "driver": "need", "unit_cost": 1.0, "town_share": 1.0}],
        "general_transfer": {"pool": float(pool), "rationing": "need_adjusted"},
    }
    result = fiscal_sim.simulate(doc)
    got = result.towns["general_transfer"].to_numpy()
    assert (np.round(got) == data["allocation"].to_numpy()).sum() >= 746
    assert got.sum() == pytest.approx(pool, rel=1e-12)
    assert f"{R_FY2020:.9g}" in result.explain("271004", 2020).to_dict()["formula"]


def test_priority_by_a_boolean_towns_column(make_scenario):
    # T3 is mountainous (是): its gap 45 in full first, the 5 left of pool 50 to T2
    doc = make_scenario(
        towns={"T1": {"mountain": "否"}, "T2": {"mountain": "否"}, "T3": {"mountain": "是"}},
        general_transfer={"pool": 50, "priority": ["mountain"]},
    )
    np.testing.assert_allclose(transfers(doc), [0.0, 5.0, 45.0])
