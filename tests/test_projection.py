"""Projection (docs/model.md §1.1): GDP and revenue growth, driver columns, grown base-year amounts.

Tiny county (conftest.py): GDP T1 1000 (pilot), T2 500, T3 200; VAT 100, 40, 10; population 100, 200, 100.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim.model.projection import column_path, compound, cumulative_factor, gdp_growth_rates, grown_amount

# ---------------------------------------------------------------------------------------------
# module functions


def test_cumulative_factor_applies_growth_from_the_first_simulated_year():
    np.testing.assert_allclose(cumulative_factor(0.1, 3), [1.1, 1.21, 1.331])
    np.testing.assert_allclose(cumulative_factor([0.1, 0.0, -0.5], 3), [1.1, 1.1, 0.55])
    np.testing.assert_allclose(grown_amount(50.0, 0.2, 2), [60.0, 72.0])


def test_gdp_growth_rates_every_form():
    towns = pd.DataFrame({"g": [0.05, 0.02, -0.1]})
    pilot = np.array([True, False, False])
    np.testing.assert_allclose(gdp_growth_rates(0.1, towns, pilot, 2), np.full((2, 3), 0.1))
    np.testing.assert_allclose(
        gdp_growth_rates({"pilot": 0.1, "other": 0.0}, towns, pilot, 2), [[0.1, 0, 0], [0.1, 0, 0]]
    )
    np.testing.assert_allclose(gdp_growth_rates("g", towns, pilot, 2), [[0.05, 0.02, -0.1]] * 2)
    # a per-year list mixing the forms: year 1 by class, year 2 by column
    np.testing.assert_allclose(
        gdp_growth_rates([{"pilot": 0.1, "other": 0.0}, "g"], towns, pilot, 2), [[0.1, 0, 0], [0.05, 0.02, -0.1]]
    )


def test_compound_with_elasticity():
    # x = 100·(1 + 2·0.1) = 120, then 120·1.2 = 144
    np.testing.assert_allclose(compound(np.array([100.0]), np.array([[0.1], [0.1]]), 2.0), [[120.0], [144.0]])


def test_column_path_grows_listed_columns_only():
    towns = pd.DataFrame({"population": [100.0, 200.0], "area_km2": [10.0, 20.0]})
    np.testing.assert_allclose(column_path(towns, "population", {"population": 0.1}, 2), [[110, 220], [121, 242]])
    np.testing.assert_allclose(column_path(towns, "area_km2", {"population": 0.1}, 2), [[10, 20], [10, 20]])


# ---------------------------------------------------------------------------------------------
# end to end


def by_town(frame, column, item=None):
    """``{(year, town): value}`` of a towns or revenue frame column."""
    if item is not None:
        frame = frame[frame["item"] == item]
    return {(int(y), str(t)): float(v) for y, t, v in zip(frame["year"], frame["town"], frame[column])}


def test_gdp_and_revenue_grow_with_a_number(make_scenario):
    doc = make_scenario(growth={"gdp": 0.1})
    doc["revenue_items"][0]["elasticity"] = 2.0
    doc["revenue_items"][1]["elasticity"] = 0.0
    result = fiscal_sim.simulate(doc)
    gdp = by_town(result.towns, "gdp")
    assert gdp[(2021, "T1")] == pytest.approx(1100.0)  # 1000·1.1
    assert gdp[(2022, "T1")] == pytest.approx(1210.0)  # 1100·1.1
    vat = by_town(result.revenue, "collected", "vat")
    assert vat[(2021, "T1")] == pytest.approx(120.0)  # 100·(1 + 2·0.1)
    assert vat[(2022, "T1")] == pytest.approx(144.0)  # 120·1.2
    land = by_town(result.revenue, "collected", "land")
    assert land[(2022, "T1")] == 20.0  # elasticity 0: flat


def test_per_year_growth_list(make_scenario):
    result = fiscal_sim.simulate(make_scenario(growth={"gdp": [0.1, -0.2]}))
    gdp = by_town(result.towns, "gdp")
    assert (gdp[(2021, "T2")], gdp[(2022, "T2")]) == pytest.approx((550.0, 440.0))  # 500·1.1, 550·0.8
    vat = by_town(result.revenue, "collected", "vat")
    assert (vat[(2021, "T1")], vat[(2022, "T1")]) == pytest.approx((110.0, 88.0))


def test_pilot_other_growth_by_base_year_status(make_scenario):
    # T1 is the pilot; it loses pilot status from 2022 but keeps the pilot growth rate (base-year status)
    doc = make_scenario(
        growth={"gdp": {"pilot": 0.1, "other": 0.0}},
        assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1},
    )
    result = fiscal_sim.simulate(doc)
    gdp = by_town(result.towns, "gdp")
    assert gdp[(2022, "T1")] == pytest.approx(1210.0)
    assert gdp[(2022, "T2")] == 500.0
    assert not result.towns.set_index(["year", "town"]).loc[(2022, "T1"), "pilot"]  # revoked indeed


def test_growth_column(make_scenario):
    doc = make_scenario(towns={"T1": {"g": 0.1}, "T2": {"g": 0.0}, "T3": {"g": -0.5}}, growth={"gdp": "g"})
    result = fiscal_sim.simulate(doc)
    gdp = by_town(result.towns, "gdp")
    assert (gdp[(2021, "T3")], gdp[(2022, "T3")]) == pytest.approx((100.0, 50.0))  # 200·0.5·0.5
    vat = by_town(result.revenue, "collected", "vat")
    assert (vat[(2021, "T3")], vat[(2022, "T3")]) == pytest.approx((5.0, 2.5))
    assert vat[(2022, "T1")] == pytest.approx(121.0)


def test_driver_growth(make_scenario):
    result = fiscal_sim.simulate(make_scenario(growth={"drivers": {"population": 0.1}}))
    population = by_town(result.towns, "population")
    assert (population[(2021, "T2")], population[(2022, "T2")]) == pytest.approx((220.0, 242.0))
    # a column not listed stays at its base-year value: students, hence standard expenditure
    se = by_town(result.towns, "standard_expenditure")
    assert se[(2022, "T2")] == 60.0


def test_county_items_grow_by_their_own_rates(make_scenario):
    doc = make_scenario(
        county={
            "own_revenue": 1000,
            "own_revenue_growth": 0.1,
            "own_expenditure": 800,
            "own_expenditure_growth": -0.5,
            "upper_transfers": 100,
            "upper_transfers_growth": 0.2,
        }
    )
    county = fiscal_sim.simulate(doc).county
    np.testing.assert_allclose(county["own_revenue"], [1100.0, 1210.0])
    np.testing.assert_allclose(county["own_expenditure"], [400.0, 200.0])
    np.testing.assert_allclose(county["upper_transfers"], [120.0, 144.0])
