"""Expenditure responsibilities and standard revenue (docs/model.md §1.2–§1.3) end to end: responsibility
overrides (扩权强镇: 明确为试点镇事权), 三保 protected need, standard revenue from a tax base (标准收入法),
and cost factors (支出成本差异系数) that grow.

The tiny county of conftest.py: admin (one per town, 30, all the town's) and edu (2 per student, half the
town's): need edu = 2·students = 20, 60, 40; se = 30 + 0.5·need = 40, 60, 50; the county bears
0.5·(20 + 60 + 40) = 60 of town-area functions. Own revenue 70, 30, 5; gaps 0, 30, 45; T1 the only pilot.
"""

from __future__ import annotations

import pytest

import fiscal_sim

TOWN_IDS = ("T1", "T2", "T3")
REVOKE_T1 = {"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1}  # T1 not a pilot from 2022


def column(result, name: str, year: int = 2021) -> list:
    towns = result.towns[result.towns["year"] == year].assign(town=lambda f: f["town"].astype(str))
    return towns.set_index("town").loc[list(TOWN_IDS), name].tolist()


def county(result, name: str, year: int = 2021) -> float:
    return float(result.county.set_index("year").loc[year, name])


def functions(admin_protected: float = 0.0, edu_protected: float = 0.0, **edu) -> list[dict]:
    return [
        {"id": "admin", "driver": "one", "unit_cost": 30, "town_share": 1.0, "protected": admin_protected},
        {"id": "edu", "driver": "students", "unit_cost": 2, "town_share": 0.5, "protected": edu_protected, **edu},
    ]


# ---------------------------------------------------------------------------------------------
# expenditure overrides


def test_town_override_moves_a_responsibility(make_scenario):
    # T2 takes on all of edu: se 30 + 60 = 90, gap 90 − 30 = 60; the county bears 0.5·(20 + 40) = 30
    doc = make_scenario(expenditure_overrides=[{"town": "T2", "function": "edu", "town_share": 1.0}])
    result = fiscal_sim.simulate(doc)
    assert column(result, "standard_expenditure") == pytest.approx([40.0, 90.0, 50.0])
    assert column(result, "gap") == pytest.approx([0.0, 60.0, 45.0])
    assert county(result, "town_function_expenditure") == pytest.approx(30.0)
    # balance 1175 − 800 − 30 − (60 + 45) = 240: the county pays the extra 30 as a transfer instead
    assert county(result, "balance") == pytest.approx(240.0)


def test_class_pilot_override_only_while_the_status_is_in_force(make_scenario):
    # pilots take on all of edu. T1, a pilot in 2021 only: se 30 + 20 = 50 in 2021, 40 in 2022.
    # admin fully protected, edu half: protected need 30 + 0.5·1.0·20 = 40 in 2021, 30 + 0.5·0.5·20 = 35 in 2022
    doc = make_scenario(
        expenditure_functions=functions(admin_protected=1.0, edu_protected=0.5),
        expenditure_overrides=[{"class": "pilot", "function": "edu", "town_share": 1.0}],
        assessment=REVOKE_T1,
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "pilot", 2022) == [False, False, False]
    assert column(result, "standard_expenditure", 2021) == pytest.approx([50.0, 60.0, 50.0])
    assert column(result, "standard_expenditure", 2022) == pytest.approx([40.0, 60.0, 50.0])
    assert column(result, "protected_need", 2021)[0] == pytest.approx(40.0)
    assert column(result, "protected_need", 2022)[0] == pytest.approx(35.0)
    # the county's part: 0.5·(60 + 40) = 50 in 2021, 60 again in 2022
    assert county(result, "town_function_expenditure", 2021) == pytest.approx(50.0)
    assert county(result, "town_function_expenditure", 2022) == pytest.approx(60.0)


@pytest.mark.parametrize("town_first", [True, False])
def test_own_override_wins_over_the_class_override(make_scenario, town_first):
    # T1 and T2 pilots; pilots bear all of edu, but T1's own override gives it none:
    # T1 se 30, T2 30 + 60 = 90, T3 50 (no override)
    own = {"town": "T1", "function": "edu", "town_share": 0.0}
    klass = {"class": "pilot", "function": "edu", "town_share": 1.0}
    doc = make_scenario(
        towns={"T2": {"pilot": True}},
        expenditure_overrides=[own, klass] if town_first else [klass, own],
    )
    result = fiscal_sim.simulate(doc)
    for year in (2021, 2022):
        assert column(result, "standard_expenditure", year) == pytest.approx([30.0, 90.0, 50.0])
    # the county bears T1's whole need 20 and T3's half 20
    assert county(result, "town_function_expenditure") == pytest.approx(40.0)


def test_own_override_stays_after_revocation(make_scenario):
    # T1's own override does not depend on its pilot status: se 30 in both years
    doc = make_scenario(
        expenditure_overrides=[
            {"class": "pilot", "function": "edu", "town_share": 1.0},
            {"town": "T1", "function": "edu", "town_share": 0.0},
        ],
        assessment=REVOKE_T1,
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "standard_expenditure", 2021)[0] == pytest.approx(30.0)
    assert column(result, "standard_expenditure", 2022)[0] == pytest.approx(30.0)


def test_override_for_a_true_false_class(make_scenario):
    # hill towns (T2, T3) bear a quarter of edu: T2 30 + 15 = 45, T3 30 + 10 = 40
    doc = make_scenario(
        towns={"T1": {"hill": "否"}, "T2": {"hill": "是"}, "T3": {"hill": "是"}},
        expenditure_overrides=[{"class": "hill", "function": "edu", "town_share": 0.25}],
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "standard_expenditure") == pytest.approx([40.0, 45.0, 40.0])
    # county: 0.5·20 + 0.75·(60 + 40) = 85
    assert county(result, "town_function_expenditure") == pytest.approx(85.0)


# ---------------------------------------------------------------------------------------------
# protected need (三保)


def test_protected_need(make_scenario):
    # Σf protected·town_share·need: admin 1·1·30; edu 0.5·0.5·(20, 60, 40) = 5, 15, 10 → 35, 45, 40
    doc = make_scenario(expenditure_functions=functions(admin_protected=1.0, edu_protected=0.5))
    result = fiscal_sim.simulate(doc)
    assert column(result, "protected_need") == pytest.approx([35.0, 45.0, 40.0])
    # without floors the protected need is reported but changes nothing: the gaps are filled as before
    assert column(result, "floor") == [0.0, 0.0, 0.0]
    assert column(result, "general_transfer") == pytest.approx([0.0, 30.0, 45.0])
    # with an override T2 bears all of edu: 30 + 0.5·1.0·60 = 60
    doc["expenditure_overrides"] = [{"town": "T2", "function": "edu", "town_share": 1.0}]
    assert column(fiscal_sim.simulate(doc), "protected_need") == pytest.approx([35.0, 60.0, 40.0])


def test_protected_need_with_a_floor(make_scenario):
    # floor = max(0, protected − own): 35 − 70 < 0, 45 − 30 = 15, 40 − 5 = 35
    doc = make_scenario(
        expenditure_functions=functions(admin_protected=1.0, edu_protected=0.5),
        general_transfer={"floor": True, "pool": 40},
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "floor") == pytest.approx([0.0, 15.0, 35.0])
    # pool 40: floors 50 > 40, so the floors alone are paid and the county overruns by 10
    assert column(result, "general_transfer") == pytest.approx([0.0, 15.0, 35.0])
    assert county(result, "pool_overrun") == pytest.approx(10.0)


# ---------------------------------------------------------------------------------------------
# standard revenue (standard_base)

TAX_BASE = {"T1": {"vbase": 600}, "T2": {"vbase": 1000}, "T3": {"vbase": 200}}


def with_standard_base(make_scenario, split=None, **changes) -> dict:
    doc = make_scenario(towns=TAX_BASE, **changes)
    doc["revenue_items"][0]["standard_base"] = {"column": "vbase", "rate": 0.1}
    if split is not None:
        doc["revenue_items"][0]["split"] = split
    return doc


def test_standard_base_counts_the_towns_share_of_rate_times_base(make_scenario):
    # standard vat = 0.1·vbase = 60, 100, 20; the town's half 30, 50, 10; plus land 20, 10, 0
    # capacity 50, 60, 10 (actual own revenue stays 70, 30, 5); gaps max(0, 40 − 50) = 0, 0, 50 − 10 = 40
    result = fiscal_sim.simulate(with_standard_base(make_scenario))
    assert column(result, "capacity") == pytest.approx([50.0, 60.0, 10.0])
    assert column(result, "own_revenue") == pytest.approx([70.0, 30.0, 5.0])
    assert column(result, "town_retained") == pytest.approx([70.0, 30.0, 5.0])
    assert column(result, "gap") == pytest.approx([0.0, 0.0, 40.0])
    assert column(result, "general_transfer") == pytest.approx([0.0, 0.0, 40.0])
    # capacity_rate applies to the standard share: 0.5·(30, 50, 10) + land
    doc = with_standard_base(make_scenario)
    doc["revenue_items"][0]["capacity_rate"] = 0.5
    assert column(fiscal_sim.simulate(doc), "capacity") == pytest.approx([35.0, 35.0, 5.0])


def test_standard_base_column_grows_when_listed(make_scenario):
    # vbase +10% a year: T3 standard vat 22 (2021), 24.2 (2022); its half 11, 12.1; gap 39, 37.9
    result = fiscal_sim.simulate(with_standard_base(make_scenario, growth={"drivers": {"vbase": 0.1}}))
    assert column(result, "capacity", 2021)[2] == pytest.approx(11.0)
    assert column(result, "capacity", 2022)[2] == pytest.approx(12.1)
    assert column(result, "gap", 2022)[2] == pytest.approx(37.9)


def test_standard_base_under_base_plus_increment_keeps_the_actual_base(make_scenario):
    # vat base_plus_increment, base share 1, increment share 0.5, base = the base-year vat actually collected
    # (100, 40, 10), not the standard amount. Standard vat 0.1·(1500, 400, 50) = 150, 40, 5:
    #   T1 100 + 0.5·(150 − 100) = 125, T2 40, T3 5 (below its base: all of it); capacity + land: 145, 50, 5
    # actual: vat 100, 40, 10 at or below the base, so the towns keep it all: own 120, 50, 10
    split = {"rule": "base_plus_increment", "base_share": 1.0, "increment_share": 0.5}
    doc = with_standard_base(make_scenario, split=split)
    for town, base in (("T1", 1500), ("T2", 400), ("T3", 50)):
        next(r for r in doc["towns"] if r["id"] == town)["vbase"] = base
    result = fiscal_sim.simulate(doc)
    assert column(result, "capacity") == pytest.approx([145.0, 50.0, 5.0])
    assert column(result, "own_revenue") == pytest.approx([120.0, 50.0, 10.0])


def test_standard_base_follows_split_overrides(make_scenario):
    # T1 keeps only 0.2 of vat by its own override: capacity 0.2·60 + 20 = 32 (actual own 0.2·100 + 20 = 40)
    doc = with_standard_base(
        make_scenario,
        split_overrides=[{"town": "T1", "item": "vat", "split": {"rule": "proportional", "town_share": 0.2}}],
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "capacity")[0] == pytest.approx(32.0)
    assert column(result, "own_revenue")[0] == pytest.approx(40.0)


# ---------------------------------------------------------------------------------------------
# cost factors (支出成本差异系数)

COST_FACTORS = {"T1": {"cf": 1.0}, "T2": {"cf": 1.5}, "T3": {"cf": 2.0}}


def test_cost_factor_scales_the_need(make_scenario):
    # edu need = 2·students·cf = 20, 90, 80; se 30 + 0.5·need = 40, 75, 70
    doc = make_scenario(towns=COST_FACTORS, expenditure_functions=functions(cost_factor="cf"))
    result = fiscal_sim.simulate(doc)
    for year in (2021, 2022):  # not listed in growth.drivers: it keeps its base-year value
        assert column(result, "standard_expenditure", year) == pytest.approx([40.0, 75.0, 70.0])


def test_cost_factor_listed_in_growth_drivers_grows(make_scenario):
    # cf +10% a year: need ×1.1 (2021), ×1.21 (2022): T2 30 + 45·1.1 = 79.5, then 30 + 45·1.21 = 84.45
    doc = make_scenario(
        towns=COST_FACTORS, expenditure_functions=functions(cost_factor="cf"), growth={"drivers": {"cf": 0.1}}
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "standard_expenditure", 2021) == pytest.approx([41.0, 79.5, 74.0])
    assert column(result, "standard_expenditure", 2022) == pytest.approx([42.1, 84.45, 78.4])
    # the county's half of edu: 0.5·(20 + 90 + 80)·1.1 = 104.5
    assert county(result, "town_function_expenditure", 2021) == pytest.approx(104.5)
    # with students growing 10% as well the factors multiply: ×1.21 in 2021
    doc["growth"]["drivers"]["students"] = 0.1
    result = fiscal_sim.simulate(doc)
    assert column(result, "standard_expenditure", 2021) == pytest.approx(
        [30 + 10 * 1.21, 30 + 45 * 1.21, 30 + 40 * 1.21]
    )
