"""Expenditure responsibilities 事权与支出责任 (docs/model.md §1.3): need, standard expenditure, county share.

Tiny county (conftest.py): admin = 30 per town (driver one, town share 1); edu = 2 per student
(students 10, 30, 20; town share 0.5). Standard expenditure 40, 60, 50; county bears 0.5·2·60 = 60.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim.model.expenditure import expenditure_model

FUNCTIONS = [
    {"id": "admin", "driver": "one", "unit_cost": 30.0, "cost_factor": None, "town_share": 1.0, "growth": 0.1},
    {"id": "edu", "driver": "students", "unit_cost": 2.0, "cost_factor": "edu_factor", "town_share": 0.5, "growth": 0.0},
]  # fmt: skip
TOWNS = pd.DataFrame({"students": [10.0, 30.0, 20.0], "edu_factor": [1.0, 1.5, 0.5]})


def test_expenditure_model_need_and_shares():
    model = expenditure_model(FUNCTIONS, TOWNS, len(TOWNS), {"students": 0.1}, 2)
    # year 1: admin 30·1.1 = 33; edu 2·students·1.1·factor: 22, 99, 22
    np.testing.assert_allclose(model.need(0), [[33.0, 22.0], [33.0, 99.0], [33.0, 22.0]])
    # standard expenditure = 1·33 + 0.5·edu: 44, 82.5, 44; year 2: 36.3 + 0.5·(edu·1.1)
    np.testing.assert_allclose(
        model.standard_expenditure(), [[44.0, 82.5, 44.0], [36.3 + 12.1, 36.3 + 54.45, 36.3 + 12.1]]
    )
    # county: 0.5·(22 + 99 + 22) = 71.5; then 0.5·143·1.1 = 78.65
    np.testing.assert_allclose(model.county_share(), [71.5, 78.65])


def se_by_town(doc, year=2021):
    towns = fiscal_sim.simulate(doc).towns
    return towns[towns["year"] == year].sort_values("town")["standard_expenditure"].tolist()


def test_cost_factor(make_scenario):
    doc = make_scenario(towns={"T1": {"edu_factor": 1.0}, "T2": {"edu_factor": 1.5}, "T3": {"edu_factor": 0.5}})
    doc["expenditure_functions"][1]["cost_factor"] = "edu_factor"
    # edu need: 2·10·1 = 20, 2·30·1.5 = 90, 2·20·0.5 = 20 → se 30 + 10, 30 + 45, 30 + 10
    assert se_by_town(doc) == pytest.approx([40.0, 75.0, 40.0])
    # county bears 0.5·(20 + 90 + 20) = 65
    assert fiscal_sim.simulate(doc).county["town_function_expenditure"].tolist() == pytest.approx([65.0, 65.0])


def test_town_share(make_scenario):
    doc = make_scenario()
    doc["expenditure_functions"][1]["town_share"] = 0.25
    # se T2 = 30 + 0.25·60 = 45; county bears 0.75·(20 + 60 + 40) = 90
    assert se_by_town(doc) == pytest.approx([35.0, 45.0, 40.0])
    assert fiscal_sim.simulate(doc).county["town_function_expenditure"].tolist() == pytest.approx([90.0, 90.0])


def test_unit_cost_growth(make_scenario):
    doc = make_scenario()
    doc["expenditure_functions"][0]["growth"] = 0.1
    # admin 30·1.1 = 33 in 2021, 36.3 in 2022: se T2 = 63, 66.3
    assert se_by_town(doc, 2021)[1] == pytest.approx(63.0)
    assert se_by_town(doc, 2022)[1] == pytest.approx(66.3)


def test_driver_growth_and_driver_one_does_not_grow(make_scenario):
    doc = make_scenario(growth={"drivers": {"students": 0.1, "population": 0.5}})
    # students 30·1.1 = 33 → edu 66, se T2 = 30 + 33 = 63; 2022: 36.3 students → 30 + 36.3
    assert se_by_town(doc, 2021)[1] == pytest.approx(63.0)
    assert se_by_town(doc, 2022)[1] == pytest.approx(66.3)


def test_per_year_driver_growth(make_scenario):
    doc = make_scenario(growth={"drivers": {"students": [0.0, 0.5]}})
    assert se_by_town(doc, 2021) == pytest.approx([40.0, 60.0, 50.0])
    assert se_by_town(doc, 2022) == pytest.approx([45.0, 75.0, 60.0])  # students up by half


def test_driver_population(make_scenario):
    doc = make_scenario()
    doc["expenditure_functions"][1] = {"id": "health", "driver": "population", "unit_cost": 0.1, "town_share": 0.4}
    # se = 30 + 0.4·0.1·population: 34, 38, 34; county 0.6·0.1·400 = 24
    assert se_by_town(doc) == pytest.approx([34.0, 38.0, 34.0])
    assert fiscal_sim.simulate(doc).county["town_function_expenditure"].tolist() == pytest.approx([24.0, 24.0])
