"""The bundled county looks like a real one (fiscal_sim/scenarios/README.md), and its headline table is what
the scenarios give: these tests fail when a change of model or data moves the numbers the README quotes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import fiscal_sim

SCENARIOS = Path(fiscal_sim.__file__).parent / "scenarios"
README = SCENARIOS / "README.md"


@pytest.fixture(scope="module")
def baseline():
    return fiscal_sim.simulate(SCENARIOS / "baseline.yaml")


def test_county_revenue_is_a_small_part_of_its_spending(baseline):
    c = baseline.county.set_index("year")
    towns = baseline.towns.groupby("year")
    county_wide_revenue = c["own_revenue"] + towns["revenue_collected"].sum()
    spending = (
        c["own_expenditure"]
        + c["town_function_expenditure"]
        + towns["standard_expenditure"].sum()
        + c["special_transfers_paid"]
    )
    ratio = county_wide_revenue / spending
    assert ((ratio > 0.15) & (ratio < 0.30)).all(), ratio  # Henan counties: about 15–30%
    assert (c["upper_transfers"] > 2.5 * county_wide_revenue).all()  # several times own revenue


def test_pilots_collect_less_per_resident_than_longgang(baseline):
    towns = baseline.scenario.towns
    items = [i["id"] for i in baseline.scenario.config["revenue_items"]]
    yuan = towns[items].sum(axis=1) / towns["population"] * 10_000  # 万元 → 元
    assert yuan[towns["pilot"]].between(1_500, 2_500).all()  # 龙港: about 5,450 元 per resident
    assert yuan[~towns["pilot"]].between(150, 400).all()


def test_education_and_health_are_mostly_county_responsibilities(baseline):
    shares = {f["id"]: f["town_share"] for f in baseline.scenario.config["expenditure_functions"]}
    assert shares["education"] <= 0.15 and shares["health"] <= 0.15


def test_several_towns_have_real_gaps_including_a_pilot(baseline):
    for _, towns in baseline.towns.groupby("year"):
        assert (towns["gap"] > 0).sum() >= 10
        assert ((towns["gap"] > 0) & towns["pilot"]).any()


def test_no_cofinancing_in_the_baseline(baseline):
    assert baseline.scenario.config["special_transfers"]["require_cofinancing"] is False
    assert baseline.projects["cofinancing"].sum() == 0


def _number(cell: str) -> float:
    return float(re.match(r"[−-]?[\d,]+", cell.strip()).group(0).replace("−", "-").replace(",", ""))


def _headline_rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## 主要结果") :].split("\n\n")[2]
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]


@pytest.mark.parametrize("row", _headline_rows(), ids=lambda row: row[0])
def test_the_readme_headline_table_is_what_the_scenarios_give(row):
    name, balance_first, balance_last, required, paid, pilots = row
    result = fiscal_sim.simulate(SCENARIOS / f"{name}.yaml")
    c, ind = result.county.set_index("year"), result.indicators.set_index("year")
    first, last = result.years[0], result.years[-1]
    shown = [_number(balance_first), _number(balance_last), _number(required), _number(paid), _number(pilots)]
    actual = [
        c.loc[first, "balance"],
        c.loc[last, "balance"],
        ind.loc[first, "required_transfers"],
        ind.loc[first, "general_transfers"],
        ind.loc[last, "pilots_active"],
    ]
    np.testing.assert_allclose(shown, np.round(actual), atol=0.5)
    overrun = re.search(r"超支 ([\d,]+)", paid)
    assert round(c.loc[first, "pool_overrun"]) == (_number(overrun.group(1)) if overrun else 0)
