"""Indicators per year (docs/model.md §1.8): coverage, population-weighted Gini and CV, pilots active.

Tiny county (conftest.py), gaps covered in full:
per-capita own revenue (before) 70/100 = 0.7, 30/200 = 0.15, 5/100 = 0.05;
per-capita resources (after) 70/100 = 0.7, 60/200 = 0.3, 50/100 = 0.5; weights (population) 100, 200, 100.
"""

from __future__ import annotations

import numpy as np
import pytest

import fiscal_sim
from fiscal_sim.model.indicators import coefficient_of_variation, gini, per_capita

# Gini by the mean difference, G = Σi Σj wi·wj·|xi − xj| / (2·W²·μ), W = 400:
# before: μ = 105/400 = 0.2625; pairs 100·200·0.55 + 100·100·0.65 + 200·100·0.10 = 19500, both orders 39000
#         G = 39000 / (2·160000·0.2625) = 39000/84000
GINI_BEFORE = 39000 / 84000  # 0.4642857…
# after: μ = 180/400 = 0.45; pairs 100·200·0.4 + 100·100·0.2 + 200·100·0.2 = 14000, both orders 28000
#        G = 28000 / (2·160000·0.45) = 28000/144000
GINI_AFTER = 28000 / 144000  # 0.1944…
# CV = weighted sd / mean:
# before: deviations 0.4375, −0.1125, −0.2125: var = (100·0.19140625 + 200·0.01265625 + 100·0.04515625)/400
#         = 26.1875/400
CV_BEFORE = np.sqrt(26.1875 / 400) / 0.2625  # 0.97474…
# after: deviations 0.25, −0.15, 0.05: var = (6.25 + 4.5 + 0.25)/400 = 11/400
CV_AFTER = np.sqrt(11 / 400) / 0.45  # 0.36851…


def test_gini_and_cv_functions():
    weights = np.array([100.0, 200.0, 100.0])
    before = np.array([0.7, 0.15, 0.05])
    assert float(gini(before, weights)) == pytest.approx(GINI_BEFORE, rel=1e-12)
    assert float(coefficient_of_variation(before, weights)) == pytest.approx(CV_BEFORE, rel=1e-12)
    # equal per-capita amounts: no inequality
    assert float(gini(np.array([2.0, 2.0]), np.array([1.0, 5.0]))) == pytest.approx(0.0, abs=1e-15)
    assert float(coefficient_of_variation(np.array([2.0, 2.0]), np.array([1.0, 5.0]))) == pytest.approx(0.0)


def test_gini_two_towns_weighted():
    # x = 1 (w 3), x = 5 (w 1): μ = 8/4 = 2; G = 2·3·1·4 / (2·16·2) = 24/64 = 0.375
    assert float(gini(np.array([5.0, 1.0]), np.array([1.0, 3.0]))) == pytest.approx(0.375, rel=1e-12)
    # CV: var = (3·1 + 1·9)/4 = 3 → sd √3, over μ = 2
    assert float(coefficient_of_variation(np.array([5.0, 1.0]), np.array([1.0, 3.0]))) == pytest.approx(np.sqrt(3) / 2)


def test_per_capita_nan_without_population():
    out = per_capita(np.array([10.0, 5.0]), np.array([2.0, 0.0]))
    assert out[0] == 5.0 and np.isnan(out[1])


def test_indicator_frame_columns_and_values(make_scenario, spec_columns):
    result = fiscal_sim.simulate(make_scenario())
    ind = result.indicators
    assert list(ind.columns) == spec_columns["indicators"]
    assert ind["year"].tolist() == [2021, 2022]
    np.testing.assert_allclose(ind["required_transfers"], [75.0, 75.0])
    np.testing.assert_allclose(ind["general_transfers"], [75.0, 75.0])
    np.testing.assert_allclose(ind["coverage"], [1.0, 1.0])
    np.testing.assert_allclose(ind["special_transfers"], [0.0, 0.0])
    np.testing.assert_allclose(ind["county_balance"], result.county["balance"])
    np.testing.assert_allclose(ind["county_balance"], [240.0, 240.0])  # 1175 − 800 − 60 − 75
    np.testing.assert_allclose(ind["gini_before"], GINI_BEFORE, rtol=1e-12)
    np.testing.assert_allclose(ind["gini_after"], GINI_AFTER, rtol=1e-12)
    np.testing.assert_allclose(ind["cv_before"], CV_BEFORE, rtol=1e-12)
    np.testing.assert_allclose(ind["cv_after"], CV_AFTER, rtol=1e-12)
    assert ind["pilots_active"].tolist() == [1, 1]


def test_coverage_is_general_over_required(make_scenario):
    ind = fiscal_sim.simulate(make_scenario(general_transfer={"pool": 50})).indicators
    np.testing.assert_allclose(ind["coverage"], [50 / 75, 50 / 75])
    ind = fiscal_sim.simulate(make_scenario(general_transfer={"coefficient": 0.6})).indicators
    np.testing.assert_allclose(ind["coverage"], [0.6, 0.6])


def test_coverage_is_one_when_nothing_is_required(make_scenario):
    doc = make_scenario(general_transfer={"pool": 0})
    for fn in doc["expenditure_functions"]:
        fn["unit_cost"] = 0  # no standard expenditure, no gaps
    ind = fiscal_sim.simulate(doc).indicators
    np.testing.assert_array_equal(ind["required_transfers"], [0.0, 0.0])
    np.testing.assert_array_equal(ind["coverage"], [1.0, 1.0])


def test_pilots_active_counts_status_in_force(make_scenario):
    # T1 and T2 pilots; both miss a 50% GDP growth target in 2021 and are revoked from 2022
    doc = make_scenario(
        towns={"T2": {"pilot": True}}, assessment={"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1}
    )
    assert fiscal_sim.simulate(doc).indicators["pilots_active"].tolist() == [2, 0]
