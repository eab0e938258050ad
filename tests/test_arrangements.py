"""County–town arrangements (县乡财政体制, docs/model.md §1.11) end to end through ``fiscal_sim.simulate``:
contracts (核定收支, 定额上解/定额补助, 超收分成, 短收不补/保底), tax returns (税收返还), rewards (超收奖励),
and the relative and collected-revenue assessment targets (§1.7) that decide how long a class contract lasts.

The tiny county of conftest.py, no growth unless a test says so:

===  =====  ========  ===================  =========  ===
id   pilot  retained  collected (vat+land)  county     se
===  =====  ========  ===================  =========  ===
T1   true   70        120                   50         40
T2   false  30        50                    20         60
T3   false  5         10                    5          50
===  =====  ========  ===================  =========  ===

Gaps 0, 30, 45; pool null (every gap in full); county total revenue 1175, own spending 800, town-area
functions 60, so without any instrument the county balance is 1175 − 800 − 60 − 75 = 240.
"""

from __future__ import annotations

import pytest

import fiscal_sim

TOWN_IDS = ("T1", "T2", "T3")


def county_row(result, year: int) -> dict:
    return result.county.set_index("year").loc[year].to_dict()


def indicator(result, year: int, column: str) -> float:
    return float(result.indicators.set_index("year").loc[year, column])


def column(result, name: str, year: int) -> list:
    towns = result.towns[result.towns["year"] == year].assign(town=lambda f: f["town"].astype(str))
    return towns.set_index("town").loc[list(TOWN_IDS), name].tolist()


# ---------------------------------------------------------------------------------------------
# contracts (核定收支)


def test_contract_subsidy_with_over_collection_shared(make_scenario, row):
    # T2: B_R = 25, B_E = 50, over_share 0.6; R = town_retained = 30
    #   S = 50 − 25 = 25 (定额补助); over = 30 − 25 = 5, the county takes 0.4·5 = 2
    #   own_revenue = 30 − 2 = 28; the town has 28 + 25 = 53 = B_E + 0.6·5
    doc = make_scenario(contracts=[{"town": "T2", "revenue_base": 25, "expenditure_base": 50, "over_share": 0.6}])
    result = fiscal_sim.simulate(doc)
    for year in (2021, 2022):
        t2 = row(result.towns, year, "T2")
        assert t2["contract_transfer"] == pytest.approx(25.0)
        assert t2["over_collection_to_county"] == pytest.approx(2.0)
        assert t2["own_revenue"] == pytest.approx(28.0)
        assert t2["remittance"] == 0.0
        # capacity and gap as before the contract; the gap is reported but not filled
        assert t2["capacity"] == pytest.approx(30.0) and t2["gap"] == pytest.approx(30.0)
        assert t2["general_transfer"] == 0.0
        # balance = own + contract − se = 28 + 25 − 60 = −7; resources = 28 + 25 = 53
        assert t2["balance"] == pytest.approx(-7.0) and t2["resources"] == pytest.approx(53.0)
        # the other towns are untouched: T3 still gets its gap 45, T1 nothing
        assert row(result.towns, year, "T3")["general_transfer"] == pytest.approx(45.0)
        assert row(result.towns, year, "T1")["contract_transfer"] == 0.0
        # required transfers leave the contracted town out: only T3's 45
        assert indicator(result, year, "required_transfers") == pytest.approx(45.0)
        county = county_row(result, year)
        assert county["over_collection_received"] == pytest.approx(2.0)
        assert county["contract_transfers_paid"] == pytest.approx(25.0)
        # total revenue 1175 + 2 = 1177; balance 1177 − 800 − 60 − 45 (general) − 25 (contract) = 247
        assert county["total_revenue"] == pytest.approx(1177.0)
        assert county["balance"] == pytest.approx(247.0)


@pytest.mark.parametrize(
    ("terms", "over", "own", "transfer", "has"),
    [
        # docs/model.md §1.11 example 1: B_R 800, B_E 1000, over_share 0.6, R 950
        #   S = 200, over 150, county 0.4·150 = 60, own 950 − 60 = 890, has 890 + 200 = 1090 = 1000 + 0.6·150
        ({"revenue_base": 800, "expenditure_base": 1000, "over_share": 0.6}, 60.0, 890.0, 200.0, 1090.0),
        # example 2: B_R 1200, B_E 1000, R 1100 → S = −200 (定额上解), shortfall 100
        #   短收不补 (shortfall: town): contract −200, the town has 1100 − 200 = 900
        ({"revenue_base": 1200, "expenditure_base": 1000}, 0.0, 1100.0, -200.0, 900.0),
        #   保底 (shortfall: county): contract −200 + 100 = −100, the town has 1000 = B_E
        ({"revenue_base": 1200, "expenditure_base": 1000, "shortfall": "county"}, 0.0, 1100.0, -100.0, 1000.0),
    ],
)
def test_contract_examples_of_the_model(make_scenario, row, terms, over, own, transfer, has):
    # T2 keeps vat 0.5·40 = 20 and land: land 930 → R = 950, land 1080 → R = 1100
    land = 930 if terms["revenue_base"] == 800 else 1080
    doc = make_scenario(towns={"T2": {"land": land}}, contracts=[{"town": "T2", **terms}])
    result = fiscal_sim.simulate(doc)
    t2 = row(result.towns, 2021, "T2")
    assert t2["town_retained"] == pytest.approx(950.0 if land == 930 else 1100.0)
    assert t2["over_collection_to_county"] == pytest.approx(over)
    assert t2["own_revenue"] == pytest.approx(own)
    assert t2["contract_transfer"] == pytest.approx(transfer)
    assert t2["own_revenue"] + t2["contract_transfer"] == pytest.approx(has)
    county = county_row(result, 2021)
    assert county["contract_transfers_paid"] == pytest.approx(transfer)  # signed: a 定额上解 is negative
    assert county["over_collection_received"] == pytest.approx(over)


@pytest.mark.parametrize(
    "growths",
    [
        {"base_growth": 0.5, "revenue_base_growth": 0.25},  # expenditure base follows base_growth
        {"base_growth": 0.25, "expenditure_base_growth": 0.5},  # revenue base follows base_growth
    ],
)
def test_contract_bases_grow_by_their_own_rates(make_scenario, row, growths):
    # B_R = 20·1.25 = 25 (2021), 20·1.25² = 31.25 (2022); B_E = 40·1.5 = 60, 40·1.5² = 90; R = 30
    # 2021: S = 60 − 25 = 35; over 5, the county takes 0.5·5 = 2.5; own 27.5
    # 2022: S = 90 − 31.25 = 58.75; shortfall 1.25 borne by the town (短收不补); over 0; own 30
    contract = {"town": "T2", "revenue_base": 20, "expenditure_base": 40, "over_share": 0.5, **growths}
    result = fiscal_sim.simulate(make_scenario(contracts=[contract]))
    t2 = row(result.towns, 2021, "T2")
    assert (t2["contract_transfer"], t2["over_collection_to_county"], t2["own_revenue"]) == pytest.approx(
        (35.0, 2.5, 27.5)
    )
    t2 = row(result.towns, 2022, "T2")
    assert (t2["contract_transfer"], t2["over_collection_to_county"], t2["own_revenue"]) == pytest.approx(
        (58.75, 0.0, 30.0)
    )


def test_contract_base_growth_may_be_a_per_year_list(make_scenario, row):
    # docs/model.md notation: a rate may be one number or one per simulated year.
    # B_R = 20·1.25 = 25, then 25·1.0 = 25; B_E = 40·1.25 = 50, then 50: S = 25 both years
    # (a constant 0.25 would give 2022 bases 31.25 and 62.5, S = 31.25)
    contract = {"town": "T2", "revenue_base": 20, "expenditure_base": 40, "base_growth": [0.25, 0.0]}
    result = fiscal_sim.simulate(make_scenario(contracts=[contract]))
    assert row(result.towns, 2021, "T2")["contract_transfer"] == pytest.approx(25.0)
    assert row(result.towns, 2022, "T2")["contract_transfer"] == pytest.approx(25.0)


def test_contract_shortfall_made_up_by_the_county(make_scenario, row):
    # T2: B_R 40, B_E 20, R 30 → S = −20, shortfall 10; 保底: contract −20 + 10 = −10
    contract = {"town": "T2", "revenue_base": 40, "expenditure_base": 20, "shortfall": "county"}
    result = fiscal_sim.simulate(make_scenario(contracts=[contract]))
    t2 = row(result.towns, 2021, "T2")
    assert t2["contract_transfer"] == pytest.approx(-10.0)
    assert t2["own_revenue"] + t2["contract_transfer"] == pytest.approx(20.0)  # = B_E
    # 短收不补 instead: −20 and the town has 10
    contract["shortfall"] = "town"
    t2 = row(fiscal_sim.simulate(make_scenario(contracts=[contract])).towns, 2021, "T2")
    assert t2["contract_transfer"] == pytest.approx(-20.0)
    assert t2["own_revenue"] + t2["contract_transfer"] == pytest.approx(10.0)


def test_class_pilot_contract_only_while_the_pilot_status_is_in_force(make_scenario, row):
    # T1 (the pilot) misses a 50% GDP growth target in 2021 and, with failures_to_revoke 1, is not a pilot
    # from 2022. T1 remits 10 and has 70 students (se 30 + 70 = 100); T2 remits 4.
    doc = make_scenario(
        towns={"T1": {"remit": 10, "students": 70}, "T2": {"remit": 4}, "T3": {"remit": 0}},
        remittances={"column": "remit"},
        contracts=[{"class": "pilot", "revenue_base": 60, "expenditure_base": 80, "over_share": 0.5}],
        assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1},
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "pilot", 2021) == [True, False, False]
    assert column(result, "pilot", 2022) == [False, False, False]

    # 2021, T1 a pilot under the class contract: R 70, S = 80 − 60 = 20, over 10, the county takes 5;
    # no remittance while the contract is in force; own 70 − 5 = 65; capacity 70, gap 100 − 70 = 30 (reported,
    # not filled); T2 (no contract) own and capacity 30 − 4 = 26, gap 34
    t1 = row(result.towns, 2021, "T1")
    assert t1["remittance"] == 0.0
    assert (t1["contract_transfer"], t1["over_collection_to_county"], t1["own_revenue"]) == pytest.approx(
        (20.0, 5.0, 65.0)
    )
    assert (t1["capacity"], t1["gap"], t1["general_transfer"]) == pytest.approx((70.0, 30.0, 0.0))
    assert column(result, "general_transfer", 2021) == pytest.approx([0.0, 34.0, 45.0])
    assert indicator(result, 2021, "required_transfers") == pytest.approx(34.0 + 45.0)
    county = county_row(result, 2021)
    # remittances 4 (T2 only), over-collection 5; total 1000 + 75 + 4 + 5 + 100 = 1184;
    # town-area functions 0.5·2·(70 + 30 + 20) = 120; balance 1184 − 800 − 120 − 79 − 20 = 165
    assert (county["remittances"], county["over_collection_received"]) == pytest.approx((4.0, 5.0))
    assert county["contract_transfers_paid"] == pytest.approx(20.0)
    assert county["balance"] == pytest.approx(165.0)

    # 2022, T1 no longer a pilot: no contract, its remittance 10 is charged again, its gap 100 − 60 = 40 filled
    t1 = row(result.towns, 2022, "T1")
    assert (t1["contract_transfer"], t1["over_collection_to_county"]) == (0.0, 0.0)
    assert (t1["remittance"], t1["own_revenue"], t1["gap"]) == pytest.approx((10.0, 60.0, 40.0))
    assert column(result, "general_transfer", 2022) == pytest.approx([40.0, 34.0, 45.0])
    assert indicator(result, 2022, "required_transfers") == pytest.approx(40.0 + 34.0 + 45.0)
    county = county_row(result, 2022)
    # total 1000 + 75 + 14 + 100 = 1189; balance 1189 − 800 − 120 − 119 = 150
    assert (county["remittances"], county["contract_transfers_paid"]) == pytest.approx((14.0, 0.0))
    assert county["balance"] == pytest.approx(150.0)


@pytest.mark.parametrize("town_first", [True, False])
def test_own_contract_beats_the_class_contract(make_scenario, row, town_first):
    # T1 and T2 are pilots. Class contract: B_R 60, B_E 80, over_share 0.5. T1's own: B_R 50, B_E 100.
    # T1 (own terms, whatever the order of the list): S = 50, over 20 all kept (over_share 1), own 70
    #   (under the class terms it would be S = 20 and 5 to the county)
    # T2 (class terms): R 30 < 60: S = 20, shortfall 30 borne by the town, own 30
    own = {"town": "T1", "revenue_base": 50, "expenditure_base": 100}
    klass = {"class": "pilot", "revenue_base": 60, "expenditure_base": 80, "over_share": 0.5}
    contracts = [own, klass] if town_first else [klass, own]
    result = fiscal_sim.simulate(make_scenario(towns={"T2": {"pilot": True}}, contracts=contracts))
    for year in (2021, 2022):
        t1, t2 = row(result.towns, year, "T1"), row(result.towns, year, "T2")
        assert (t1["contract_transfer"], t1["over_collection_to_county"], t1["own_revenue"]) == pytest.approx(
            (50.0, 0.0, 70.0)
        )
        assert (t2["contract_transfer"], t2["over_collection_to_county"], t2["own_revenue"]) == pytest.approx(
            (20.0, 0.0, 30.0)
        )
        assert county_row(result, year)["contract_transfers_paid"] == pytest.approx(70.0)


def test_own_contract_stays_when_the_pilot_status_goes(make_scenario, row):
    # T1 has its own contract and is revoked from 2022: its own contract does not depend on the status
    doc = make_scenario(
        contracts=[
            {"class": "pilot", "revenue_base": 60, "expenditure_base": 80},
            {"town": "T1", "revenue_base": 50, "expenditure_base": 100},
        ],
        assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1},
    )
    result = fiscal_sim.simulate(doc)
    assert not row(result.towns, 2022, "T1")["pilot"]
    assert row(result.towns, 2022, "T1")["contract_transfer"] == pytest.approx(50.0)


def test_contract_for_a_true_false_class(make_scenario, row):
    # towns marked mountain (T2, T3) share one contract: B_R 10, B_E 40 → S = 30 each;
    # T2 over 20 all kept; T3 R 5 short by 5 (borne by the town)
    doc = make_scenario(
        towns={"T1": {"mountain": "否"}, "T2": {"mountain": "是"}, "T3": {"mountain": "是"}},
        contracts=[{"class": "mountain", "revenue_base": 10, "expenditure_base": 40}],
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "contract_transfer", 2021) == pytest.approx([0.0, 30.0, 30.0])
    assert column(result, "general_transfer", 2021) == pytest.approx([0.0, 0.0, 0.0])
    assert indicator(result, 2021, "required_transfers") == 0.0


# ---------------------------------------------------------------------------------------------
# tax returns (税收返还)

RETURNS = {"T1": {"ret": 100}, "T2": {"ret": 0}, "T3": {"ret": 50}}


def test_tax_return_grows_with_its_items_and_falls_in_full(make_scenario, row):
    # GDP +10% then −5% (vat has elasticity 1); c = 0.3 on vat
    # T1: 100·(1 + 0.3·0.10) = 103, then 103·(1 − 0.05) = 97.85 (the example of §1.11)
    # T3: 50 → 51.5 → 48.925; T2: 0 stays 0
    doc = make_scenario(
        towns=RETURNS,
        growth={"gdp": [0.1, -0.05]},
        tax_returns={"column": "ret", "items": ["vat"], "coefficient": 0.3},
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "tax_return", 2021) == pytest.approx([103.0, 0.0, 51.5])
    assert column(result, "tax_return", 2022) == pytest.approx([97.85, 0.0, 48.925])
    # 2021 T1: retained 0.5·110 + 22 = 77; capacity 77 + 103 = 180; balance 77 + 103 − 40 = 140; resources 180
    t1 = row(result.towns, 2021, "T1")
    assert (t1["own_revenue"], t1["capacity"]) == pytest.approx((77.0, 180.0))
    assert (t1["balance"], t1["resources"]) == pytest.approx((140.0, 180.0))
    # T3: retained 5.5, capacity 5.5 + 51.5 = 57 > se 50, so no gap; balance 5.5 + 51.5 − 50 = 7
    t3 = row(result.towns, 2021, "T3")
    assert (t3["capacity"], t3["gap"], t3["general_transfer"], t3["balance"]) == pytest.approx((57.0, 0.0, 0.0, 7.0))
    # T2: retained 22 + 11 = 33, gap 60 − 33 = 27 (pool null)
    assert row(result.towns, 2021, "T2")["general_transfer"] == pytest.approx(27.0)
    county = county_row(result, 2021)
    # paid 103 + 51.5 = 154.5; shared 0.5·(110 + 44 + 11) = 82.5; total 1000 + 82.5 + 100 = 1182.5
    # balance 1182.5 − 800 − 60 − 27 − 154.5 = 141
    assert county["tax_returns_paid"] == pytest.approx(154.5)
    assert county["balance"] == pytest.approx(141.0)
    assert county_row(result, 2022)["tax_returns_paid"] == pytest.approx(97.85 + 48.925)


def test_tax_return_without_items_is_fixed(make_scenario):
    doc = make_scenario(towns=RETURNS, growth={"gdp": 0.1}, tax_returns={"column": "ret"})
    result = fiscal_sim.simulate(doc)
    for year in (2021, 2022):
        assert column(result, "tax_return", year) == [100.0, 0.0, 50.0]


def test_tax_return_coefficient_defaults_to_zero_but_a_fall_passes_on(make_scenario):
    # c = 0: +10% leaves 100; −5% then gives 95
    doc = make_scenario(towns=RETURNS, growth={"gdp": [0.1, -0.05]}, tax_returns={"column": "ret", "items": ["vat"]})
    result = fiscal_sim.simulate(doc)
    assert column(result, "tax_return", 2021) == pytest.approx([100.0, 0.0, 50.0])
    assert column(result, "tax_return", 2022) == pytest.approx([95.0, 0.0, 47.5])


def test_tax_return_never_below_zero_and_fixed_where_the_items_were_zero(make_scenario):
    # vat elasticity 3, GDP −40%: vat × (1 − 1.2) = −0.2, growth −120% → 100·(1 − 1.2) < 0 → 0
    # land follows GDP; T3 collected no land in the base year (growth taken as 0), so its return stays 50
    doc = make_scenario(
        towns=RETURNS,
        growth={"gdp": -0.4},
        revenue_items=[
            {"id": "vat", "elasticity": 3.0, "split": {"rule": "proportional", "town_share": 0.5}},
            {"id": "land", "split": {"rule": "town"}},
        ],
        tax_returns={"column": "ret", "items": ["vat"], "coefficient": 0.3},
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "tax_return", 2021) == [0.0, 0.0, 0.0]
    doc["tax_returns"]["items"] = ["land"]
    result = fiscal_sim.simulate(doc)
    # T1 land 20 → 12 (−40%): 100·0.6 = 60; T2 0; T3 land 0 → growth 0 → 50
    assert column(result, "tax_return", 2021) == pytest.approx([60.0, 0.0, 50.0])
    assert column(result, "tax_return", 2022) == pytest.approx([36.0, 0.0, 50.0])


# ---------------------------------------------------------------------------------------------
# rewards (超收奖励)


def test_reward_above_a_fixed_threshold(make_scenario, row):
    # GDP +15%, vat only, θ = 0.10, ρ = 0.2:
    #   T1 vat 100 → 115: 0.2·(115 − 110) = 1;  T2 40 → 46: 0.2·(46 − 44) = 0.4;  T3 10 → 11.5: 0.2·0.5 = 0.1
    # 2022 against 2021: T1 115 → 132.25: 0.2·(132.25 − 126.5) = 1.15 (and 0.46, 0.115)
    doc = make_scenario(growth={"gdp": 0.15}, incentives={"threshold": 0.1, "rate": 0.2, "items": ["vat"]})
    result = fiscal_sim.simulate(doc)
    assert column(result, "incentive", 2021) == pytest.approx([1.0, 0.4, 0.1])
    assert column(result, "incentive", 2022) == pytest.approx([1.15, 0.46, 0.115])
    assert county_row(result, 2021)["incentives_paid"] == pytest.approx(1.5)
    # rewards count in balance and resources, not in capacity: T1 2021 retained 57.5 + 23 = 80.5
    t1 = row(result.towns, 2021, "T1")
    assert t1["capacity"] == pytest.approx(80.5)
    assert t1["balance"] == pytest.approx(80.5 + 1.0 - 40.0)
    assert t1["resources"] == pytest.approx(80.5 + 1.0)
    without = fiscal_sim.simulate(make_scenario(growth={"gdp": 0.15}))
    # the county pays them: its balance is 1.5 lower than without rewards (nothing else changes)
    assert county_row(result, 2021)["balance"] == pytest.approx(county_row(without, 2021)["balance"] - 1.5)


def test_reward_class_and_budget(make_scenario):
    base = {"threshold": 0.1, "rate": 0.2, "items": ["vat"]}
    # only the pilot class: T1 alone, 1
    doc = make_scenario(growth={"gdp": 0.15}, incentives={**base, "class": "pilot"})
    assert column(fiscal_sim.simulate(doc), "incentive", 2021) == pytest.approx([1.0, 0.0, 0.0])
    # a budget of 0.5, grown 50% → 0.75 in 2021: rewards 1.5 scaled by 0.75/1.5 → 0.5, 0.2, 0.05
    doc = make_scenario(growth={"gdp": 0.15}, incentives={**base, "budget": 0.5, "budget_growth": 0.5})
    result = fiscal_sim.simulate(doc)
    assert column(result, "incentive", 2021) == pytest.approx([0.5, 0.2, 0.05])
    # 2022: budget 1.125, rewards 1.15 + 0.46 + 0.115 = 1.725 → scaled by 1.125/1.725
    assert column(result, "incentive", 2022) == pytest.approx([x * 1.125 / 1.725 for x in (1.15, 0.46, 0.115)])
    assert county_row(result, 2022)["incentives_paid"] == pytest.approx(1.125)
    # a budget above the rewards changes nothing
    doc = make_scenario(growth={"gdp": 0.15}, incentives={**base, "budget": 10})
    assert column(fiscal_sim.simulate(doc), "incentive", 2021) == pytest.approx([1.0, 0.4, 0.1])


def test_reward_class_pilot_follows_the_status_in_force(make_scenario):
    # T1 misses a 50% target in 2021 → not a pilot in 2022, so no reward then
    doc = make_scenario(
        growth={"gdp": 0.15},
        incentives={"threshold": 0.1, "rate": 0.2, "items": ["vat"], "class": "pilot"},
        assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1},
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "incentive", 2021) == pytest.approx([1.0, 0.0, 0.0])
    assert column(result, "incentive", 2022) == [0.0, 0.0, 0.0]


GROWTH_BY_TOWN = {"T1": {"g": 0.2}, "T2": {"g": 0.1}, "T3": {"g": 0.0}}


def test_reward_threshold_relative_to_the_county_average(make_scenario):
    # items: all (vat + land). C: T1 120 → 144, T2 50 → 55, T3 10 → 10; county 180 → 209, growth 29/180
    # θ = 29/180 + 0.02; ρ = 0.5: T1 0.5·(144 − 120·(1 + θ)) = 0.5·(144 − 141.7333…) = 1.1333…; T2, T3 below → 0
    theta = 29 / 180 + 0.02
    doc = make_scenario(
        towns=GROWTH_BY_TOWN,
        years=[2021, 2021],
        growth={"gdp": "g"},
        incentives={"threshold": {"benchmark": "county_average", "margin": 0.02}, "rate": 0.5},
    )
    assert column(fiscal_sim.simulate(doc), "incentive", 2021) == pytest.approx([0.5 * (144 - 120 * (1 + theta)), 0, 0])


def test_reward_threshold_with_a_per_year_benchmark(make_scenario):
    # C (vat + land): T1 120 → 144, T2 50 → 55, T3 10 → 10
    # benchmark [0.05, 0.10] + margin 0.01: 2021 θ = 0.06 → T1 0.5·(144 − 127.2) = 8.4, T2 0.5·(55 − 53) = 1, T3 0
    # 2022 θ = 0.11: T1 144 → 172.8: 0.5·(172.8 − 159.84) = 6.48; T2 55 → 60.5: 0.5·(60.5 − 61.05) < 0 → 0
    doc = make_scenario(
        towns=GROWTH_BY_TOWN,
        growth={"gdp": "g"},
        incentives={"threshold": {"benchmark": [0.05, 0.10], "margin": 0.01}, "rate": 0.5},
    )
    result = fiscal_sim.simulate(doc)
    assert column(result, "incentive", 2021) == pytest.approx([8.4, 1.0, 0.0])
    assert column(result, "incentive", 2022) == pytest.approx([6.48, 0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# relative and collected-revenue assessment targets (§1.7)


def pilot_years(result, town: str = "T1") -> list[bool]:
    rows = result.towns[result.towns["town"] == town].sort_values("year")
    return [bool(p) for p in rows["pilot"]]


def test_target_relative_to_the_county_average(make_scenario):
    # T1 grows 5%, T2 and T3 10%: county GDP (1050 + 550 + 220)/1700 − 1 = 7.06% > 5% → T1 fails, revoked from 2022
    towns = {"T1": {"g": 0.05}, "T2": {"g": 0.1}, "T3": {"g": 0.1}}
    target = {"gdp_growth": {"benchmark": "county_average"}}
    doc = make_scenario(towns=towns, growth={"gdp": "g"}, assessment={"targets": target, "failures_to_revoke": 1})
    assert pilot_years(fiscal_sim.simulate(doc)) == [True, False]
    # T1 10%, the others 5%: county (1100 + 525 + 210)/1700 − 1 = 7.94% → passes; with a margin of 0.03
    # the target is 10.94% → fails
    towns = {"T1": {"g": 0.1}, "T2": {"g": 0.05}, "T3": {"g": 0.05}}
    doc = make_scenario(towns=towns, growth={"gdp": "g"}, assessment={"targets": target, "failures_to_revoke": 1})
    assert pilot_years(fiscal_sim.simulate(doc)) == [True, True]
    doc["assessment"]["targets"]["gdp_growth"]["margin"] = 0.03
    assert pilot_years(fiscal_sim.simulate(doc)) == [True, False]


def test_target_with_a_per_year_benchmark(make_scenario):
    # GDP +5% each year; benchmark [0.03, 0.06, 0.0] + margin 0.01 → targets 4%, 7%, 1%:
    # 2021 passes, 2022 fails → not a pilot from 2023
    doc = make_scenario(
        years=[2021, 2023],
        growth={"gdp": 0.05},
        assessment={
            "targets": {"gdp_growth": {"benchmark": [0.03, 0.06, 0.0], "margin": 0.01}},
            "failures_to_revoke": 1,
        },
    )
    result = fiscal_sim.simulate(doc)
    assert pilot_years(result) == [True, True, False]
    assert result.revocations["revoked_from"].tolist() == [2023]


def test_collected_growth_is_growth_of_revenue_collected(make_scenario):
    # GDP +5%, vat elasticity 2: T1 collects vat 100 → 110 and land 20 → 21, 131/120 − 1 = 9.17%;
    # GDP growth is 5% and own revenue (55 + 21)/70 − 1 = 8.57%
    items = [
        {"id": "vat", "elasticity": 2.0, "split": {"rule": "proportional", "town_share": 0.5}},
        {"id": "land", "split": {"rule": "town"}},
    ]

    def revoked(targets) -> bool:
        doc = make_scenario(
            years=[2021, 2022],
            growth={"gdp": [0.05, 0.0]},
            revenue_items=items,
            assessment={"targets": targets, "failures_to_revoke": 1},
        )
        return not pilot_years(fiscal_sim.simulate(doc))[1]

    assert not revoked({"collected_growth": 0.09})  # 9.17% ≥ 9%
    assert revoked({"collected_growth": 0.095})  # 9.17% < 9.5%
    assert revoked({"revenue_growth": 0.09})  # own revenue grew only 8.57%
    assert revoked({"gdp_growth": 0.09})  # GDP grew only 5%
    # relative: T2 collects 44 + 10.5 = 54.5 (of 50), T3 11 (of 10): county (131 + 54.5 + 11)/180 − 1 = 9.17%,
    # the same as T1's, so a margin of 0.001 makes T1 fail and a margin of −0.001 lets it pass
    relative = {"benchmark": "county_average"}
    assert revoked({"collected_growth": {**relative, "margin": 0.001}})
    assert not revoked({"collected_growth": {**relative, "margin": -0.001}})
