"""Goal seeking (docs/model.md §1.10): ``solve`` by root finding and ``optimize`` under constraints.

The hand-worked county: one town T1 collecting vat = 1000 and cit = 1000 (proportional shares s_vat
and s_cit, cit counted at capacity_rate 0.5), standard expenditure 2000 (town_share 1, so the county
bears nothing), a general-transfer pool of 300, county own revenue 100, one year, no growth.

    capacity          = 1000·s_vat + 0.5·1000·s_cit
    required (gap)    = 2000 − 1000·s_vat − 500·s_cit            (≥ 750 > 300 for shares in [0, 1])
    general paid      = min(300, gap) = 300
    county balance    = 100 + 1000·(1 − s_vat) + 1000·(1 − s_cit) − 300 = 1800 − 1000·(s_vat + s_cit)
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import fiscal_sim
from fiscal_sim.errors import ScenarioError, SolveError

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
VAT = "revenue_items.vat.split.town_share"
CIT = "revenue_items.cit.split.town_share"


def county(**changes) -> dict:
    document = {
        "schema_version": 1,
        "name": "one town",
        "years": [2020, 2020],
        "towns": [
            {
                "id": "T1",
                "name": "甲",
                "pilot": False,
                "population": 1000,
                "area_km2": 1,
                "gdp": 100,
                "vat": 1000,
                "cit": 1000,
            }
        ],
        "revenue_items": [
            {"id": "vat", "split": {"rule": "proportional", "town_share": 0.5}},
            {"id": "cit", "capacity_rate": 0.5, "split": {"rule": "proportional", "town_share": 0.5}},
        ],
        "expenditure_functions": [{"id": "admin", "driver": "one", "unit_cost": 2000, "town_share": 1.0}],
        "county": {"own_revenue": 100},
        "general_transfer": {"pool": 300},
    }
    return document | changes


# ---------------------------------------------------------------------------------------------
# solve


def test_solve_linear_target():
    # s_cit = 0.5: required = 2000 − 1000·s − 250 = 1234.5  →  s = 515.5/1000 = 0.5155
    out = fiscal_sim.solve(county(), VAT, "required_transfers", 1234.5)
    assert out.value == pytest.approx(0.5155, abs=1e-12)
    assert abs(out.metric - 1234.5) <= 1e-6
    assert out.exact and out.message == "target reached"
    assert out.year == 2020
    assert out.result.indicators["required_transfers"].iloc[0] == out.metric


def test_solve_county_balance():
    # balance = 1800 − 1000·(s + 0.5) = 777  →  s = 0.523
    out = fiscal_sim.solve(county(), VAT, "county.balance", 777.0)
    assert out.value == pytest.approx(0.523, abs=1e-12)
    assert abs(out.result.county["balance"].iloc[0] - 777.0) <= 1e-6


def test_solve_nonlinear_growth_rate():
    # two years of growth g (elasticity 1): in 2021 collected = 1000·(1+g)², so
    # required = 2000 − 0.5·1000·(1+g)² − 0.5·0.5·1000·(1+g)² = 2000 − 750·(1+g)² = 1000
    #   → (1+g)² = 4/3 → g = √(4/3) − 1 = 0.15470053837925…
    out = fiscal_sim.solve(
        county(years=[2020, 2021]), "growth.gdp", "required_transfers", 1000.0, year=2021, bounds=(0, 0.5)
    )
    assert out.value == pytest.approx(math.sqrt(4 / 3) - 1, abs=1e-12)
    assert abs(out.metric - 1000.0) <= 1e-6
    # the first year is untouched by the year asked for: 2000 − 750·(1+g)
    assert out.result.indicators["required_transfers"].iloc[0] == pytest.approx(2000 - 750 * math.sqrt(4 / 3))


def test_solve_on_the_bundled_baseline():
    # no closed form here: check the answer by simulating it again
    out = fiscal_sim.solve(SCENARIOS / "baseline.yaml", VAT, "county.balance", 0.0, year=2018)
    assert 0 <= out.value <= 1
    again = fiscal_sim.simulate(SCENARIOS / "baseline.yaml", {VAT: out.value})
    assert abs(again.county.set_index("year").loc[2018, "balance"]) <= 1e-6


def test_solve_a_contracts_over_share():
    # T1 under a 核定收支 contract: retained R = 500 + 500 = 1000, bases B_R = 600, B_E = 1500 → it gets
    # B_E − B_R = 900 and no general transfer, and pays (1 − ρ)·(R − B_R) = (1 − ρ)·400 of its over-collection:
    #   balance = 100 + 1000 (county shares) + (1 − ρ)·400 − 900 = 200 + 400·(1 − ρ) = 300  →  ρ = 0.75
    contract = {"id": "C1", "town": "T1", "revenue_base": 600, "expenditure_base": 1500, "over_share": 0.5}
    out = fiscal_sim.solve(county(contracts=[contract]), "contracts.C1.over_share", "county.balance", 300.0)
    assert out.value == pytest.approx(0.75, abs=1e-12)
    assert out.result.county["over_collection_received"].iloc[0] == pytest.approx(100.0)


def test_solve_the_assessment_margin_at_which_a_pilot_keeps_its_status():
    # relative targets (GDP growth ≥ county average + margin): the margin at which a third pilot fails
    path = SCENARIOS / "relative_assessment.yaml"
    margin = "assessment.targets.gdp_growth.margin"
    out = fiscal_sim.solve(path, margin, "pilots_active", 2.5, bounds=(-0.02, 0.03))
    assert not out.exact  # a step: reported where it crosses
    active = [
        fiscal_sim.simulate(path, {margin: out.value + d}).indicators["pilots_active"].iloc[-1] for d in (-1e-6, 1e-6)
    ]
    assert active == [3, 2]


def test_unreachable_target_names_the_closest_bound():
    # required runs from 1750 (s = 0) down to 750 (s = 1): 2000 cannot be reached, 0 is closest
    with pytest.raises(SolveError) as info:
        fiscal_sim.solve(county(), VAT, "required_transfers", 2000.0)
    text = str(info.value)
    assert text.startswith(
        "required_transfers cannot reach 2,000.00 in 2020 for revenue_items.vat.split.town_share in [0, 1]: "
        "closest is 0 at the lower bound, giving 1,750.00"
    )
    assert info.value.bound == "lower" and info.value.bound_metric == 1750.0
    with pytest.raises(SolveError) as info:
        fiscal_sim.solve(county(), VAT, "county.balance", -500.0)  # balance ≥ 1300 − 1000 = 300
    assert "closest is 1 at the upper bound, giving 300.00" in str(info.value)
    assert info.value.bound == "upper"


def test_jump_is_reported():
    # Two projects in 2020, funded by priority (score): P1 grant 100, P2 grant 50. With budget B,
    # special transfers are 0 (B < 50), 50 (P1 does not fit, P2 does), 100, or 150 (B ≥ 150).
    # A target of 120 is never hit: the metric jumps from 100 to 150 at B = 150.
    projects = [
        {"id": "P1", "town": "T1", "year": 2020, "category": "road", "cost": 100, "grant": 100, "score": 9, "key_project": False, "cofinancing_rate": 0},
        {"id": "P2", "town": "T1", "year": 2020, "category": "road", "cost": 50, "grant": 50, "score": 5, "key_project": False, "cofinancing_rate": 0},
    ]  # fmt: skip
    document = county(special_transfers={"budget": 10, "projects": projects})
    out = fiscal_sim.solve(document, "special_transfers.budget", "special_transfers", 120.0, bounds=(0, 200))
    assert out.value == pytest.approx(150.0, abs=1e-6)  # the allocator lets a grant fit within 1e-9
    assert not out.exact
    assert out.metric in (100.0, 150.0)
    assert "jumps" in out.message and "100.00" in out.message and "150.00" in out.message


def test_flat_metric_is_reported():
    # vat only, standard expenditure 800: required = max(0, 800 − 1000·s) is 0 for every s ≥ 0.8
    document = county(
        towns=[{"id": "T1", "name": "甲", "pilot": False, "population": 1, "area_km2": 1, "gdp": 1, "vat": 1000}],
        revenue_items=[{"id": "vat", "split": {"rule": "proportional", "town_share": 0.5}}],
        expenditure_functions=[{"id": "admin", "driver": "one", "unit_cost": 800, "town_share": 1.0}],
    )
    out = fiscal_sim.solve(document, VAT, "required_transfers", 0.0)
    assert 0.8 <= out.value <= 1.0 and out.metric == 0.0
    assert out.exact and "flat" in out.message
    # a target on the sloping part is still found exactly: 800 − 1000·s = 300 → s = 0.5
    assert fiscal_sim.solve(document, VAT, "required_transfers", 300.0).value == pytest.approx(0.5, abs=1e-12)


def test_town_metric():
    # T1's balance = own revenue + transfer − standard expenditure = 1000·s + 500 + 300 − 2000 = −400 → s = 0.8
    out = fiscal_sim.solve(county(), VAT, "towns.T1.balance", -400.0)
    assert out.value == pytest.approx(0.8, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"parameter": "revenue_items.nope.split.town_share"}, "parameter", "no element with id 'nope'"),
        ({"parameter": ""}, "parameter", "scenario path"),
        ({"target": "surplus"}, "target", "unknown metric 'surplus'"),
        ({"target": "county.nope"}, "target", "county.balance"),
        ({"target": "towns.T9.balance"}, "target", "unknown town 'T9'"),
        ({"target": "towns.T1.nope"}, "target", "unknown town column 'nope'"),
        ({"year": 2031}, "year", "from 2020 to 2020"),
        ({"value": float("nan")}, "value", "finite number"),
        ({"parameter": "growth.gdp"}, "bounds", "give bounds"),
        ({"bounds": (1, 0)}, "bounds", "must be below"),
        ({"bounds": (0, 2)}, "parameter", "must be a share between 0 and 1"),
    ],
)
def test_bad_input_names_the_field(kwargs, field, words):
    args = {"parameter": VAT, "target": "required_transfers", "value": 1000.0} | kwargs
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.solve(county(), **args)
    assert field in info.value.errors, info.value.errors
    assert words in info.value.one_line()


# ---------------------------------------------------------------------------------------------
# optimize


def test_optimize_two_shares_under_a_balance_constraint():
    # minimise required = 2000 − 1000·s_vat − 500·s_cit subject to balance = 1800 − 1000·(s_vat + s_cit) ≥ 0:
    # a linear programme; each unit of s_vat lowers the gap twice as much as s_cit for the same revenue
    # given up, so s_vat = 1 first, then s_cit = 0.8 uses the rest: required = 2000 − 1000 − 400 = 600.
    out = fiscal_sim.optimize(
        county(), {VAT: (0, 1), CIT: (0, 1)}, "required_transfers", constraints=[("county.balance", ">=", 0)]
    )
    assert out.success, out.message
    assert out.values[VAT] == pytest.approx(1.0, abs=1e-6)
    assert out.values[CIT] == pytest.approx(0.8, abs=1e-6)
    assert out.metric == pytest.approx(600.0, abs=1e-4)
    assert out.constraints[0]["satisfied"]
    assert out.result.county["balance"].iloc[0] == pytest.approx(0.0, abs=1e-4)


def test_optimize_maximise_with_an_upper_constraint():
    # maximise balance = 1300 − 1000·s_vat (s_cit 0.5) subject to required = 1750 − 1000·s_vat ≤ 1250
    #   → s_vat ≥ 0.5; balance is largest at s_vat = 0.5: 800
    out = fiscal_sim.optimize(
        county(), {VAT: (0, 1)}, "county.balance", minimize=False, constraints=[("required_transfers", "<=", 1250)]
    )
    assert out.success, out.message
    assert out.values[VAT] == pytest.approx(0.5, abs=1e-6)
    assert out.metric == pytest.approx(800.0, abs=1e-3)


def test_optimize_sum_over_years_and_trust_constr():
    # the same county over two identical years: the sum doubles (1200), the optimum is unchanged,
    # and the balance constraint holds in both years
    out = fiscal_sim.optimize(
        county(years=[2020, 2021]),
        {VAT: (0, 1), CIT: (0, 1)},
        "required_transfers",
        constraints=[("county.balance", ">=", 0)],
        sum_over_years=True,
    )
    assert out.year == "all"
    assert out.metric == pytest.approx(1200.0, abs=1e-3)
    assert out.values[CIT] == pytest.approx(0.8, abs=1e-5)
    found = fiscal_sim.optimize(
        county(),
        {VAT: (0, 1), CIT: (0, 1)},
        "required_transfers",
        constraints=[("county.balance", ">=", 0)],
        method="trust-constr",
    )
    assert found.metric == pytest.approx(600.0, abs=0.1)  # interior-point: close, not to the last digit


def test_optimize_reports_infeasible_constraints():
    # balance ≤ 1800 whatever the shares: ≥ 5000 cannot hold
    out = fiscal_sim.optimize(
        county(), {VAT: (0, 1)}, "required_transfers", constraints=[("county.balance", ">=", 5000)]
    )
    assert not out.success
    assert "constraints not met" in out.message and "county.balance" in out.message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"objective": "nope"}, "objective"),
        ({"constraints": [("county.balance", ">", 0)]}, "constraints[0]"),
        ({"constraints": [("county.balance", ">=")]}, "constraints[0]"),
        ({"constraints": [("county.balance", ">=", 0, 1999)]}, "constraints[0]"),
        ({"parameters": {}}, "parameters"),
        ({"parameters": {"growth.gdp": None}}, "parameters.growth.gdp"),
        ({"method": "nelder-mead"}, "method"),
    ],
)
def test_optimize_bad_input_names_the_field(kwargs, field):
    args = {"parameters": {VAT: (0, 1)}, "objective": "required_transfers"} | kwargs
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.optimize(county(), **args)
    assert field in info.value.errors, info.value.errors
