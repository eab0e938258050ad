"""Revenue division 收入划分 (docs/model.md §1.2): every split rule, overrides, remittances and capacity.

End-to-end examples use the tiny county of conftest.py with GDP growth 0.5 (elasticity 1), so T1's
VAT collected is 100 in the base year, 150 in 2021 and 225 in 2022.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fiscal_sim
from fiscal_sim.model.revenue_division import (
    assign_rules,
    bands,
    compile_table,
    fiscal_capacity,
    own_revenue,
    town_portion,
)

# ---------------------------------------------------------------------------------------------
# module functions


def town_part(split, collected, base=None):
    """Town portion of ``collected`` (one town) under ``split``, through ``bands`` and ``town_portion``."""
    thresholds, shares = bands(split, np.array([0.0 if base is None else float(base)]))
    return float(town_portion(np.array([float(collected)]), thresholds, shares)[0])


@pytest.mark.parametrize(
    ("split", "collected", "base", "expected"),
    [
        ({"rule": "town"}, 150, None, 150.0),
        ({"rule": "county"}, 150, None, 0.0),
        ({"rule": "proportional", "town_share": 0.3}, 150, None, 45.0),  # 0.3·150
        # base plus increment, base 100: 0.8·min(150, 100) + 0.4·max(150 − 100, 0) = 80 + 20
        ({"rule": "base_plus_increment", "base_share": 0.8, "increment_share": 0.4}, 150, 100, 100.0),
        # below the base: 0.8·min(60, 100) + 0.4·0 = 48
        ({"rule": "base_plus_increment", "base_share": 0.8, "increment_share": 0.4}, 60, 100, 48.0),
        # tiered [50, 120] shares [0.2, 0.5, 0.8] on 150: 0.2·50 + 0.5·70 + 0.8·30 = 10 + 35 + 24
        ({"rule": "tiered", "thresholds": [50, 120], "town_shares": [0.2, 0.5, 0.8]}, 150, None, 69.0),
        # on 60: 0.2·50 + 0.5·10 = 15
        ({"rule": "tiered", "thresholds": [50, 120], "town_shares": [0.2, 0.5, 0.8]}, 60, None, 15.0),
        # on 15 (first band only): 0.2·15 = 3
        ({"rule": "tiered", "thresholds": [50, 120], "town_shares": [0.2, 0.5, 0.8]}, 15, None, 3.0),
        # exactly on a threshold: 0.2·50 + 0.5·70 = 45
        ({"rule": "tiered", "thresholds": [50, 120], "town_shares": [0.2, 0.5, 0.8]}, 120, None, 45.0),
    ],
)
def test_town_portion_of_each_rule(split, collected, base, expected):
    assert town_part(split, collected, base) == pytest.approx(expected, rel=1e-12)


def test_bands_of_base_plus_increment_per_town():
    # two towns with bases 100 and 40 (the base is the rule's one threshold)
    split = {"rule": "base_plus_increment", "base_share": 1.0, "increment_share": 0.5}
    thresholds, shares = bands(split, np.array([100.0, 40.0]))
    # R = 150 in both: 100 + 0.5·50 = 125 and 40 + 0.5·110 = 95
    np.testing.assert_allclose(town_portion(np.array([150.0, 150.0]), thresholds, shares), [125.0, 95.0])


def test_capacity_and_own_revenue():
    to_town = np.array([[50.0, 20.0], [20.0, 10.0]])
    # own = Σk town − remittance: 70 − 10 = 60, 30 − 0 = 30
    np.testing.assert_allclose(own_revenue(to_town, np.array([10.0, 0.0])), [60.0, 30.0])
    # capacity = 0.75·50 + 1·20 − 10 = 47.5; 0.75·20 + 10 − 0 = 25
    np.testing.assert_allclose(fiscal_capacity(to_town, np.array([0.75, 1.0]), np.array([10.0, 0.0])), [47.5, 25.0])


def test_assign_rules_town_override_wins_over_class_whatever_the_order():
    items = [{"id": "vat", "split": {"rule": "proportional", "town_share": 0.5}}]
    town_rule = {"rule": "county"}
    class_rule = {"rule": "proportional", "town_share": 0.8}
    overrides = [  # the town's override is listed first on purpose
        {"town": "T2", "item": "vat", "split": town_rule},
        {"class": "pilot", "item": "vat", "split": class_rule},
    ]
    position = {"T1": 0, "T2": 1, "T3": 2}
    as_pilot = assign_rules(items, overrides, position, {}, as_pilot=True)
    assert [as_pilot.rule(0, i) for i in range(3)] == [class_rule, town_rule, class_rule]
    not_pilot = assign_rules(items, overrides, position, {}, as_pilot=False)
    assert [not_pilot.rule(0, i) for i in range(3)] == [items[0]["split"], town_rule, items[0]["split"]]


shares = st.floats(0.0, 1.0)
amounts = st.floats(0.0, 1e6)
split_rules = st.one_of(
    st.just({"rule": "town"}),
    st.just({"rule": "county"}),
    st.builds(lambda s: {"rule": "proportional", "town_share": s}, shares),
    st.builds(lambda a, b: {"rule": "base_plus_increment", "base_share": a, "increment_share": b}, shares, shares),
    st.builds(
        lambda a, b, base: {"rule": "base_plus_increment", "base_share": a, "increment_share": b, "base": base},
        shares,
        shares,
        amounts,
    ),
    st.builds(
        lambda t, s: {"rule": "tiered", "thresholds": sorted(t), "town_shares": s},
        st.lists(amounts, min_size=2, max_size=2, unique=True),
        st.lists(shares, min_size=3, max_size=3),
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    rules=st.lists(split_rules, min_size=1, max_size=4),
    exceptions=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), split_rules), max_size=4),
    collected=st.lists(amounts, min_size=5 * 4, max_size=5 * 4),
)
def test_compiled_table_keeps_each_towns_rule(rules, exceptions, collected):
    """The compiled table (an item's rule kept once when every town shares it, else a row per town) gives
    each town what its own rule gives it, and the county keeps the rest: nothing is lost or made."""
    n_towns = 5
    items = [{"id": f"i{k}", "split": rule} for k, rule in enumerate(rules)]
    overrides = [
        {"town": f"T{i}", "item": f"i{k % len(items)}", "split": rule} for k, i, rule in exceptions
    ]  # a town's own rule for an item (split_overrides)
    position = {f"T{i}": i for i in range(n_towns)}
    assignment = assign_rules(items, overrides, position, {}, as_pilot=False)
    base_year = np.arange(1.0, 1.0 + len(items) * n_towns).reshape(len(items), n_towns) * 100.0

    def base_of(k, split):
        return np.full(n_towns, float(split["base"])) if split.get("base") is not None else base_year[k]

    table = compile_table(assignment, base_of)
    amounts_ = np.array(collected[: len(items) * n_towns]).reshape(len(items), n_towns)
    got = table.town_portion(amounts_)
    for k in range(len(items)):
        for i in range(n_towns):
            rule = assignment.rule(k, i)
            thresholds, split_shares = bands(rule, base_of(k, rule)[i : i + 1])
            expected = town_portion(amounts_[k, i : i + 1], thresholds, split_shares)[0]
            assert got[k, i] == pytest.approx(expected, rel=1e-12, abs=1e-9)
            # shares in [0, 1]: the town keeps between nothing and all of it, to rounding
            assert -1e-9 <= got[k, i] <= amounts_[k, i] * (1 + 1e-12) + 1e-9


# ---------------------------------------------------------------------------------------------
# end to end, one example per rule


def vat_to_town(make_scenario, split, **changes):
    """Simulate with GDP growth 0.5 and ``split`` on VAT; VAT to_town by (year, town)."""
    changes.setdefault("growth", {"gdp": 0.5})
    doc = make_scenario(**changes)
    doc["revenue_items"][0]["split"] = split
    revenue = fiscal_sim.simulate(doc).revenue
    vat = revenue[revenue["item"] == "vat"]
    np.testing.assert_allclose(vat["to_town"] + vat["to_county"], vat["collected"], rtol=1e-12)
    return {(int(y), str(t)): float(v) for y, t, v in zip(vat["year"], vat["town"], vat["to_town"])}


def test_collected_grows_with_gdp(make_scenario):
    # R = 100·1.5 = 150, then 150·1.5 = 225 (elasticity 1)
    revenue = fiscal_sim.simulate(make_scenario(growth={"gdp": 0.5})).revenue
    t1 = revenue[(revenue["town"] == "T1") & (revenue["item"] == "vat")]
    np.testing.assert_allclose(t1["collected"], [150.0, 225.0])


def test_rule_town(make_scenario):
    got = vat_to_town(make_scenario, {"rule": "town"})
    assert got[(2021, "T1")] == pytest.approx(150.0)  # all of it
    assert got[(2022, "T2")] == pytest.approx(90.0)  # 40·1.5²


def test_rule_county(make_scenario):
    got = vat_to_town(make_scenario, {"rule": "county"})
    assert all(v == 0.0 for v in got.values())


def test_rule_proportional(make_scenario):
    got = vat_to_town(make_scenario, {"rule": "proportional", "town_share": 0.3})
    assert got[(2021, "T1")] == pytest.approx(45.0)  # 0.3·150
    assert got[(2022, "T1")] == pytest.approx(67.5)  # 0.3·225


def test_rule_base_plus_increment_default_base_is_base_year_amount(make_scenario):
    got = vat_to_town(make_scenario, {"rule": "base_plus_increment", "base_share": 0.8, "increment_share": 0.4})
    # base = the base-year amount 100: 0.8·100 + 0.4·(150 − 100) = 80 + 20 = 100
    assert got[(2021, "T1")] == pytest.approx(100.0)
    # 2022: 0.8·100 + 0.4·(225 − 100) = 80 + 50 = 130 (the base stays the base-year amount)
    assert got[(2022, "T1")] == pytest.approx(130.0)
    # T2, base 40: 2021 R = 60: 0.8·40 + 0.4·20 = 40
    assert got[(2021, "T2")] == pytest.approx(40.0)


def test_rule_base_plus_increment_fixed_base_does_not_grow(make_scenario):
    split = {"rule": "base_plus_increment", "base_share": 0.8, "increment_share": 0.4, "base": 120}
    got = vat_to_town(make_scenario, split, growth={"gdp": 0.5, "drivers": {"population": 0.3}})
    assert got[(2021, "T1")] == pytest.approx(108.0)  # 0.8·120 + 0.4·(150 − 120) = 96 + 12
    assert got[(2022, "T1")] == pytest.approx(138.0)  # 0.8·120 + 0.4·(225 − 120) = 96 + 42
    assert got[(2021, "T3")] == pytest.approx(12.0)  # R = 15 < 120: 0.8·15


def test_rule_base_plus_increment_base_column_grows_with_drivers(make_scenario):
    split = {"rule": "base_plus_increment", "base_share": 0.8, "increment_share": 0.4, "base_column": "vat_base"}
    towns = {"T1": {"vat_base": 80}, "T2": {"vat_base": 40}, "T3": {"vat_base": 0}}
    got = vat_to_town(make_scenario, split, towns=towns, growth={"gdp": 0.5, "drivers": {"vat_base": 0.25}})
    # T1 base 80·1.25 = 100 in 2021: 0.8·100 + 0.4·(150 − 100) = 100
    assert got[(2021, "T1")] == pytest.approx(100.0)
    # 2022 base 80·1.25² = 125: 0.8·125 + 0.4·(225 − 125) = 100 + 40 = 140
    assert got[(2022, "T1")] == pytest.approx(140.0)
    # T3 base 0: all is increment, 0.4·15 = 6
    assert got[(2021, "T3")] == pytest.approx(6.0)


def test_rule_tiered(make_scenario):
    split = {"rule": "tiered", "thresholds": [50, 120], "town_shares": [0.2, 0.5, 0.8]}
    got = vat_to_town(make_scenario, split)
    assert got[(2021, "T1")] == pytest.approx(69.0)  # 150: 0.2·50 + 0.5·70 + 0.8·30
    assert got[(2022, "T1")] == pytest.approx(129.0)  # 225: 10 + 35 + 0.8·105
    assert got[(2021, "T2")] == pytest.approx(15.0)  # 60: 0.2·50 + 0.5·10
    assert got[(2021, "T3")] == pytest.approx(3.0)  # 15: 0.2·15


# ---------------------------------------------------------------------------------------------
# overrides (no growth: VAT collected T1 100, T2 40, T3 10; default split 0.5)


def vat_by_town(doc) -> dict:
    revenue = fiscal_sim.simulate(doc).revenue
    vat = revenue[revenue["item"] == "vat"]
    return {(int(y), str(t)): float(v) for y, t, v in zip(vat["year"], vat["town"], vat["to_town"])}


def test_override_by_town(make_scenario):
    doc = make_scenario(split_overrides=[{"town": "T2", "item": "vat", "split": {"rule": "town"}}])
    got = vat_by_town(doc)
    assert got[(2021, "T2")] == 40.0  # T2 keeps all its 40
    assert got[(2021, "T1")] == 50.0 and got[(2021, "T3")] == 5.0  # the others keep the item's 0.5


def test_override_by_class_pilot(make_scenario):
    doc = make_scenario(
        split_overrides=[{"class": "pilot", "item": "vat", "split": {"rule": "proportional", "town_share": 0.8}}]
    )
    got = vat_by_town(doc)
    assert got[(2021, "T1")] == pytest.approx(80.0)  # pilot: 0.8·100
    assert got[(2021, "T2")] == pytest.approx(20.0)  # not a pilot: 0.5·40


def test_override_by_town_wins_over_class(make_scenario):
    doc = make_scenario(
        towns={"T2": {"pilot": True}},
        split_overrides=[
            {"town": "T2", "item": "vat", "split": {"rule": "county"}},
            {"class": "pilot", "item": "vat", "split": {"rule": "proportional", "town_share": 0.8}},
        ],
    )
    got = vat_by_town(doc)
    assert got[(2021, "T1")] == pytest.approx(80.0)  # class rule
    assert got[(2021, "T2")] == 0.0  # its own rule, although a pilot
    assert got[(2021, "T3")] == pytest.approx(5.0)


def test_class_override_only_while_pilot_status_is_in_force(make_scenario):
    # T1 misses the 50% GDP growth target in 2021 (growth 0) and loses pilot status from 2022
    doc = make_scenario(
        split_overrides=[{"class": "pilot", "item": "vat", "split": {"rule": "proportional", "town_share": 0.8}}],
        assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1},
    )
    got = vat_by_town(doc)
    assert got[(2021, "T1")] == pytest.approx(80.0)  # pilot in 2021: 0.8·100
    assert got[(2022, "T1")] == pytest.approx(50.0)  # not a pilot in 2022: 0.5·100


def test_override_by_boolean_column_class(make_scenario):
    doc = make_scenario(
        towns={"T1": {"mountain": "否"}, "T2": {"mountain": "是"}, "T3": {"mountain": "1"}},
        split_overrides=[{"class": "mountain", "item": "vat", "split": {"rule": "town"}}],
    )
    got = vat_by_town(doc)
    assert (got[(2021, "T1")], got[(2021, "T2")], got[(2021, "T3")]) == (50.0, 40.0, 10.0)


# ---------------------------------------------------------------------------------------------
# remittances and capacity


def test_remittance_moves_fixed_amount_to_county(make_scenario, row):
    doc = make_scenario(
        towns={"T1": {"remit": 10}, "T2": {"remit": 0}, "T3": {"remit": 0}},
        remittances={"column": "remit"},
        growth={"gdp": 0.1},
    )
    result = fiscal_sim.simulate(doc)
    for year in (2021, 2022):
        t1 = row(result.towns, year, "T1")
        assert t1["remittance"] == 10.0  # fixed: not grown with GDP
        assert t1["own_revenue"] == pytest.approx(t1["town_retained"] - 10.0)
        assert t1["capacity"] == pytest.approx(t1["town_retained"] - 10.0)
    # 2021: town keeps 0.5·110 + 22 = 77, own revenue 77 − 10 = 67
    assert row(result.towns, 2021, "T1")["own_revenue"] == pytest.approx(67.0)
    county = result.county.set_index("year")
    assert county.loc[2021, "remittances"] == 10.0
    # total = 1000 + shared (0.5·(110 + 44 + 11) = 82.5) + 10 + 100
    assert county.loc[2021, "total_revenue"] == pytest.approx(1192.5)


def test_capacity_rate(make_scenario, row):
    doc = make_scenario()
    doc["revenue_items"][0]["capacity_rate"] = 0.75
    towns = fiscal_sim.simulate(doc).towns
    t1, t2, t3 = (row(towns, 2021, t) for t in ("T1", "T2", "T3"))
    assert t1["capacity"] == pytest.approx(57.5)  # 0.75·50 + 20
    assert t1["own_revenue"] == pytest.approx(70.0)  # own revenue counts all
    assert t2["capacity"] == pytest.approx(25.0)  # 0.75·20 + 10
    assert t2["gap"] == pytest.approx(35.0)  # 60 − 25
    assert t3["gap"] == pytest.approx(46.25)  # 50 − 0.75·5


def test_capacity_rate_one_makes_capacity_own_revenue(make_scenario):
    doc = make_scenario(
        towns={"T1": {"remit": 3}, "T2": {"remit": 1}, "T3": {"remit": 0}},
        remittances={"column": "remit"},
        growth={"gdp": 0.07},
    )
    towns = fiscal_sim.simulate(doc).towns
    np.testing.assert_allclose(towns["capacity"], towns["own_revenue"], rtol=1e-12)
