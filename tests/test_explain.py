"""``Result.explain`` (docs/model.md §1.6): the formula, each input with its value, as data and as text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import fiscal_sim
from fiscal_sim import ScenarioError
from fiscal_sim.explain import EXPLAINERS


def walk(node: dict):
    yield node
    for child in node["inputs"]:
        yield from walk(child)


def find(node: dict, prefix: str) -> dict:
    """The first node (depth first) whose name starts with ``prefix``."""
    for n in walk(node):
        if n["name"].startswith(prefix):
            return n
    raise AssertionError(f"no node {prefix!r} in {[n['name'] for n in walk(node)]}")


@pytest.fixture(scope="module")
def proportional(make_scenario):
    """Pool 50 rationed in proportion: T2 20, T3 30 (coverage ratio 2/3)."""
    return fiscal_sim.simulate(make_scenario(general_transfer={"pool": 50}))


def test_general_transfer_explanation_names_the_pieces(proportional, row):
    node = proportional.explain("T2", 2021, "general_transfer")
    data = node.to_dict()
    json.dumps(data, ensure_ascii=False)  # serialisable
    assert data["value"] == pytest.approx(20.0) == row(proportional.towns, 2021, "T2")["general_transfer"]
    assert "T2" in data["name"] and "2021" in data["name"]
    assert "ratio" in data["formula"] and "0.666667" in data["formula"]
    assert find(data, "pool")["value"] == 50.0
    assert find(data, "coverage ratio")["value"] == pytest.approx(2 / 3)
    t2 = row(proportional.towns, 2021, "T2")
    assert find(data, "fiscal gap")["value"] == t2["gap"] == 30.0
    assert find(data, "fiscal capacity")["value"] == t2["capacity"] == 30.0
    assert find(data, "standard expenditure")["value"] == t2["standard_expenditure"] == 60.0
    # each revenue item's split, with the amount collected
    vat = find(data, "vat")
    assert vat["value"] == 20.0 and "proportional" in vat["formula"] and "50%·R" in vat["formula"]
    assert vat["inputs"][0]["value"] == 40.0  # collected
    land = find(data, "land")
    assert land["value"] == 10.0 and "town keeps all" in land["formula"]
    # each function's share of standard expenditure
    assert find(data, "edu")["value"] == 30.0 and find(data, "admin")["value"] == 30.0
    text = node.text()
    assert "20.00" in text and "vat" in text and "万元" in text


def test_explanation_values_equal_the_frame(proportional):
    towns = proportional.towns.set_index(["year", "town"])
    for town in ("T1", "T2", "T3"):
        for column in ("general_transfer", "gap", "capacity", "own_revenue", "standard_expenditure", "balance",
                       "resources", "resources_per_capita", "gdp", "population", "revenue_collected"):  # fmt: skip
            data = proportional.explain(town, 2022, column).to_dict()
            assert data["value"] == pytest.approx(towns.loc[(2022, town), column], rel=1e-12), (town, column)


def test_need_adjusted_explanation_names_the_rate(make_scenario):
    result = fiscal_sim.simulate(make_scenario(general_transfer={"pool": 50, "rationing": "need_adjusted"}))
    data = result.explain("T3", 2021).to_dict()
    assert "r = 0.227272727" in data["formula"]  # 25/110
    assert find(data, "adjustment rate")["value"] == pytest.approx(25 / 110)
    assert find(data, "standard expenditure")["value"] == 50.0


def test_coefficient_and_full_coverage_explanations(make_scenario):
    result = fiscal_sim.simulate(make_scenario(general_transfer={"coefficient": 0.6}))
    data = result.explain("T3", 2021).to_dict()
    assert "0.6" in data["formula"] and data["value"] == pytest.approx(27.0)
    assert find(data, "coefficient")["value"] == 0.6
    full = fiscal_sim.simulate(make_scenario()).explain("T3", 2021).to_dict()
    assert "in full" in full["formula"] and full["value"] == 45.0


def test_factor_and_priority_explanations(make_scenario):
    gt = {"pool": 50, "rationing": "factor", "priority": ["pilot"], "factors": [{"column": "population", "weight": 1}]}
    result = fiscal_sim.simulate(make_scenario(towns={"T2": {"pilot": True}}, general_transfer=gt))
    t2 = result.explain("T2", 2021).to_dict()
    assert "in full" in t2["formula"] and find(t2, "priority class")["value"] is True
    t3 = result.explain("T3", 2021).to_dict()
    assert "因素法" in t3["formula"] and find(t3, "amount distributed by factors")["value"] == pytest.approx(20.0)


def test_growth_limit_is_explained(make_scenario):
    doc = make_scenario(
        growth={"drivers": {"students": [0.0, 0.5]}},
        general_transfer={"pool": 50, "growth_limits": {"min": 0.0, "max": 0.1}},
    )
    data = fiscal_sim.simulate(doc).explain("T2", 2022).to_dict()
    assert "cut to the ceiling" in data["note"] and "scaled by 0.961538" in data["note"]  # 50/52
    assert find(data, "last year's transfer")["value"] == pytest.approx(20.0)
    assert data["value"] == pytest.approx(22 * 50 / 52)


def test_base_plus_increment_split_is_explained(make_scenario):
    doc = make_scenario(growth={"gdp": 0.5})
    doc["revenue_items"][0]["split"] = {"rule": "base_plus_increment", "base_share": 0.8, "increment_share": 0.4}
    vat = find(fiscal_sim.simulate(doc).explain("T1", 2021, "own_revenue").to_dict(), "vat")
    assert vat["value"] == pytest.approx(100.0)  # 0.8·100 + 0.4·50
    assert "80%·min(R, 100.00)" in vat["formula"] and "40%·max(R − 100.00, 0)" in vat["formula"]


@pytest.mark.parametrize(
    ("town", "year", "column", "field"),
    [
        ("T9", 2021, "general_transfer", "town"),
        ("T1", 2030, "general_transfer", "year"),
        ("T1", 2021, "nope", "column"),
    ],
)
def test_unknown_town_year_column(proportional, town, year, column, field):
    with pytest.raises(ScenarioError) as info:
        proportional.explain(town, year, column)
    assert field in info.value.errors
    assert str(town if field == "town" else year if field == "year" else column) in info.value.one_line()


NODE_COLUMNS = {  # how explain names the frame's numbers in its tree
    "general transfer": "general_transfer",
    "fiscal gap": "gap",
    "fiscal capacity": "capacity",
    "standard expenditure": "standard_expenditure",
    "own revenue": "own_revenue",
    "fixed remittance": "remittance",
    "special transfers": "special_transfer",
    "co-financing": "cofinancing",
    "resources 可用财力": "resources",
    "population": "population",
}


def test_every_number_in_the_tree_equals_the_frame(make_scenario):
    doc = make_scenario(
        towns={"T1": {"remit": 5}, "T2": {"remit": 2}, "T3": {"remit": 0}},
        remittances={"column": "remit"},
        growth={"gdp": 0.1, "drivers": {"students": [0.0, 0.5], "population": 0.2}},
        general_transfer={"pool": 50, "rationing": "need_adjusted", "growth_limits": {"min": 0.0, "max": 0.1}},
    )
    doc["revenue_items"][0]["capacity_rate"] = 0.75
    result = fiscal_sim.simulate(doc)
    towns = result.towns.set_index(["year", "town"])
    checked = 0
    for year in (2021, 2022):
        for town in ("T1", "T2", "T3"):
            for column in ("general_transfer", "balance", "resources_per_capita"):
                for node in walk(result.explain(town, year, column).to_dict()):
                    for prefix, frame_column in NODE_COLUMNS.items():
                        if node["name"].startswith(prefix):
                            expected = towns.loc[(year, town), frame_column]
                            assert node["value"] == pytest.approx(expected, rel=1e-12, abs=1e-12), node["name"]
                            checked += 1
    assert checked > 50


BUNDLED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_town_column_of_the_bundled_scenarios_is_explained_in_both_languages(path):
    # the arrangements (contracts, tax returns, floors, difficulty, rewards) included: each explanation's
    # value is the frame's, and it reads in Chinese and in English
    result = fiscal_sim.simulate(path)
    towns = result.towns.set_index(["year", "town"])
    columns = [c for c in result.towns.columns if c not in ("year", "town", "name", "pilot")]
    assert set(columns) <= set(EXPLAINERS)
    year = int(result.towns["year"].iloc[0]) + 1
    for town in result.towns["town"].unique():
        for column in columns:
            explanation = result.explain(town, year, column)
            assert explanation.value == pytest.approx(towns.loc[(year, town), column], rel=1e-12, abs=1e-9), column
            assert explanation.text("zh") != explanation.text("en")


def test_shares_read_as_percentages(make_scenario):
    """A share reads as the bureau writes it (35%), never as a fraction (0.35), in both languages."""
    doc = make_scenario()
    doc["revenue_items"][0]["split"] = {"rule": "tiered", "thresholds": [50], "town_shares": [0.4, 0.55]}
    explanation = fiscal_sim.simulate(doc).explain("T1", 2021, "general_transfer")
    zh, en = explanation.text("zh"), explanation.text("en")
    assert "0.00 以上部分 40%，50.00 以上部分 55%" in zh and "40% above 0.00, 55% above 50.00" in en
    assert re.search(r"乡镇支出责任比例 \d+(\.\d+)?% × 单位成本", zh)
    assert re.search(r"town share \d+(\.\d+)?% × unit cost", en)


def test_the_priority_classes_read_as_words_in_both_languages():
    """A limited pool with the pilots' gaps first: the note names the class by its label, yes/no in words."""
    path = Path(__file__).resolve().parents[1] / "scenarios" / "limited_pool.yaml"
    scenario = fiscal_sim.load_scenario(path, {"general_transfer.priority": ["pilot"]})
    explanation = fiscal_sim.simulate(scenario).explain("T09", 2020, "general_transfer")
    zh, en = explanation.text("zh"), explanation.text("en")
    assert re.search(r"类别 试点镇；优先类别缺口全额弥补：[是否]", zh), zh
    assert re.search(r"classes pilot town; priority gaps covered in full: (yes|no)", en), en
