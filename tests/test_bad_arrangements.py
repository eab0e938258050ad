"""Bad arrangements are refused (docs/model.md §1.1, §1.3, §1.4, §1.7, §1.11): a ScenarioError whose
``errors`` name the key and whose message names the problem; nothing runs on an invalid scenario.
"""

from __future__ import annotations

import pytest

import fiscal_sim
from fiscal_sim.errors import ScenarioError

TOWN_IDS = ("T1", "T2", "T3")


def every_town(**columns) -> dict:
    return {t: dict(columns) for t in TOWN_IDS}


def refused(document) -> ScenarioError:
    with pytest.raises(ScenarioError) as exc:
        fiscal_sim.simulate(document)
    return exc.value


def assert_names(error: ScenarioError, key: str, *words: str) -> None:
    assert key in error.errors, error.errors
    message = " ".join(str(m) for m in error.errors[key])
    for word in words:
        assert word in message, (word, message)
    assert key in str(error)  # the one-line form names the key too


CONTRACT = {"revenue_base": 10, "expenditure_base": 20}


def test_contract_for_an_unknown_town(make_scenario):
    error = refused(make_scenario(contracts=[{"town": "T9", **CONTRACT}]))
    assert_names(error, "contracts[0].town", "unknown town", "'T9'")
    # a contract with an id is named by it
    error = refused(make_scenario(contracts=[{"id": "c1", "town": "T9", **CONTRACT}]))
    assert_names(error, "contracts[c1].town", "unknown town", "'T9'")


def test_contract_with_both_town_and_class(make_scenario):
    error = refused(make_scenario(contracts=[{"town": "T1", "class": "pilot", **CONTRACT}]))
    assert_names(error, "contracts[0]", "exactly one of 'town' or 'class'")
    error = refused(make_scenario(contracts=[dict(CONTRACT)]))  # neither
    assert_names(error, "contracts[0]", "exactly one of 'town' or 'class'")


def test_contract_for_an_unknown_class(make_scenario):
    error = refused(make_scenario(contracts=[{"class": "mountain", **CONTRACT}]))
    assert_names(error, "contracts[0].class", "unknown class", "'mountain'")


def test_contract_without_its_bases(make_scenario):
    error = refused(make_scenario(contracts=[{"town": "T1", "revenue_base": 10}]))
    assert_names(error, "contracts[0].expenditure_base", "required")


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_protected_outside_zero_one(make_scenario, value):
    functions = [{"id": "admin", "driver": "one", "unit_cost": 30, "town_share": 1.0, "protected": value}]
    error = refused(make_scenario(expenditure_functions=functions))
    assert_names(error, "expenditure_functions[admin].protected", "between 0 and 1")


def test_difficulty_weights_must_sum_to_one(make_scenario):
    difficulty = {"factors": [{"metric": "gap_rate", "weight": 0.5}, {"column": "area_km2", "weight": 0.3}]}
    error = refused(make_scenario(general_transfer={"pool": 50, "difficulty": difficulty}))
    assert_names(error, "general_transfer.difficulty.factors", "sum to 1", "0.8")


def test_difficulty_factor_needs_one_of_column_or_metric(make_scenario):
    difficulty = {"factors": [{"metric": "gap_rate", "column": "area_km2", "weight": 1.0}]}
    error = refused(make_scenario(general_transfer={"pool": 50, "difficulty": difficulty}))
    assert_names(error, "general_transfer.difficulty.factors[0]", "'column' or 'metric'")


@pytest.mark.parametrize(
    "general_transfer",
    [
        {"pool": 50, "rationing": "need_adjusted"},  # not proportional
        {"pool": None},  # no pool
        {"coefficient": 0.5},  # a coefficient is not a pool
    ],
)
def test_difficulty_needs_proportional_rationing_and_a_pool(make_scenario, general_transfer):
    difficulty = {"factors": [{"metric": "gap_rate", "weight": 1.0}]}
    error = refused(make_scenario(general_transfer={**general_transfer, "difficulty": difficulty}))
    assert_names(error, "general_transfer.difficulty", "proportional", "pool")


def test_tax_return_items_must_be_revenue_items(make_scenario):
    doc = make_scenario(towns=every_town(ret=5), tax_returns={"column": "ret", "items": ["vat", "gst"]})
    error = refused(doc)
    assert_names(error, "tax_returns.items", "unknown revenue item", "'gst'")
    assert "'vat'" not in " ".join(error.errors["tax_returns.items"])


def test_incentive_items_must_be_revenue_items(make_scenario):
    error = refused(make_scenario(incentives={"rate": 0.1, "items": ["gst"]}))
    assert_names(error, "incentives.items", "unknown revenue item", "'gst'")


def test_tax_return_column_must_exist(make_scenario):
    error = refused(make_scenario(tax_returns={"column": "ret"}))
    assert_names(error, "towns", "missing column ret")


@pytest.mark.parametrize(
    ("key", "got", "changes"),
    [
        (
            "assessment.targets.gdp_growth.benchmark",
            1,
            {"assessment": {"targets": {"gdp_growth": {"benchmark": [0.1]}}}},
        ),
        (
            "assessment.targets.collected_growth.benchmark",
            3,
            {"assessment": {"targets": {"collected_growth": {"benchmark": [0.1, 0.1, 0.1], "margin": 0.01}}}},
        ),
        ("incentives.threshold.benchmark", 3, {"incentives": {"rate": 0.1, "threshold": {"benchmark": [0.1] * 3}}}),
    ],
)
def test_benchmark_list_of_the_wrong_length(make_scenario, key, got, changes):
    # two simulated years (2021, 2022): a per-year benchmark needs 2 values
    error = refused(make_scenario(**changes))
    assert_names(error, key, "needs 2 values", f"got {got}")


def test_unknown_benchmark(make_scenario):
    error = refused(make_scenario(assessment={"targets": {"gdp_growth": {"benchmark": "province_average"}}}))
    assert_names(error, "assessment.targets.gdp_growth.benchmark", "county_average", "'province_average'")
    assert "{" not in str(error)  # a plain message, not a printed dict


def test_expenditure_override_for_an_unknown_function(make_scenario):
    error = refused(make_scenario(expenditure_overrides=[{"town": "T1", "function": "health", "town_share": 0.5}]))
    assert_names(error, "expenditure_overrides[0].function", "unknown expenditure function", "'health'")


def test_expenditure_override_for_an_unknown_town_or_class(make_scenario):
    doc = make_scenario(
        expenditure_overrides=[
            {"town": "T9", "function": "edu", "town_share": 0.5},
            {"class": "hill", "function": "edu", "town_share": 0.5},
        ]
    )
    error = refused(doc)
    assert_names(error, "expenditure_overrides[0].town", "unknown town", "'T9'")
    assert_names(error, "expenditure_overrides[1].class", "unknown class", "'hill'")


@pytest.mark.parametrize(
    ("column", "rule", "changes"),
    [
        ("gdp", "growth.gdp", {}),
        ("vat", "revenue_items.vat", {}),
        ("land", "revenue_items.land", {}),
        ("pilot", "pilot", {}),
        ("remit", "remittances", {"towns": every_town(remit=1), "remittances": {"column": "remit"}}),
        ("ret", "tax_returns", {"towns": every_town(ret=1), "tax_returns": {"column": "ret"}}),
    ],
)
def test_growth_rate_for_a_column_with_its_own_rule(make_scenario, column, rule, changes):
    doc = make_scenario(**changes, growth={"drivers": {column: 0.1}})
    error = refused(doc)
    assert_names(error, f"growth.drivers.{column}", f"'{column}'", "own rule", rule)


def test_growth_rate_for_a_missing_column(make_scenario):
    error = refused(make_scenario(growth={"drivers": {"hectares": 0.1}}))
    assert_names(error, "towns", "missing column hectares")


def test_errors_are_all_reported_at_once(make_scenario):
    doc = make_scenario(
        contracts=[{"town": "T9", **CONTRACT}],
        expenditure_overrides=[{"town": "T1", "function": "health", "town_share": 0.5}],
        incentives={"rate": 0.1, "items": ["gst"]},
    )
    error = refused(doc)
    assert {"contracts[0].town", "expenditure_overrides[0].function", "incentives.items"} <= set(error.errors)
