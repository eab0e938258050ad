"""Scenario files (docs/scenario-format.md): loading, defaults, variants (`extends`, `set`), overrides, bad input."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim import ScenarioError, load_scenario
from fiscal_sim.scenario import apply_overrides

# ---------------------------------------------------------------------------------------------
# loading and defaults


def test_file_and_dict_give_the_same_scenario(small_dir, make_scenario):
    from_file = load_scenario(small_dir / "base.yaml")
    from_dict = load_scenario(make_scenario())
    assert from_file.name == from_dict.name == "小县 tiny county"
    pd.testing.assert_frame_equal(
        fiscal_sim.simulate(from_file).towns, fiscal_sim.simulate(from_dict).towns, check_categorical=False
    )
    # the document is self-contained: the towns table is inline records
    assert isinstance(from_file.document["towns"], list) and from_file.document["towns"][0]["id"] == "T1"


def test_json_scenario(tmp_path, make_scenario):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(make_scenario(), ensure_ascii=False), encoding="utf-8")
    assert load_scenario(path).name == "小县 tiny county"


def test_defaults_are_filled_in(make_scenario):
    config = load_scenario(make_scenario()).config
    item = config["revenue_items"][0]
    assert item["elasticity"] == 1.0 and item["capacity_rate"] == 1.0
    assert config["expenditure_functions"][0]["growth"] == 0.0
    assert config["expenditure_functions"][0]["cost_factor"] in (None, 1, 1.0)
    gt = config["general_transfer"]
    assert gt["pool"] is None and gt["rationing"] == "proportional" and gt["priority"] == [] and gt["eligible"] == "gap"
    assert config["growth"]["gdp"] == 0.0 and config["growth"]["drivers"] == {}
    assert config["split_overrides"] == []
    assert config["county"]["own_revenue_growth"] == 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("False", False), ("1", True), ("0", False), (1, True), (0, False),
     ("是", True), ("否", False), (True, True)],
)  # fmt: skip
def test_pilot_booleans(make_scenario, value, expected):
    scenario = load_scenario(make_scenario(towns={"T2": {"pilot": value}}))
    assert bool(scenario.towns.set_index("id").loc["T2", "pilot"]) is expected


def test_towns_csv_keeps_ids_as_text(tmp_path, make_scenario):
    (tmp_path / "towns.csv").write_text(
        "id,name,pilot,population,area_km2,gdp,vat,land,students\n"
        "001,甲镇,1,100,10,1000,100,20,10\n002,乙镇,0,200,20,500,40,10,30\n",
        encoding="utf-8",
    )
    doc = make_scenario()
    doc["towns"] = "towns.csv"
    (tmp_path / "s.yaml").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.towns["id"].tolist() == ["001", "002"]


# ---------------------------------------------------------------------------------------------
# variants


def test_extends_merges_maps_records_by_id_and_set(small_dir):
    base = load_scenario(small_dir / "base.yaml").config
    variant = load_scenario(small_dir / "variant.yaml").config
    assert variant["name"] == "小县 资金有限 limited pool"
    assert variant["general_transfer"]["pool"] == 50  # map merged by key
    land = variant["revenue_items"][1]
    assert land["name"] == "城镇土地使用税（乡镇）" and land["split"] == {"rule": "town"}  # record merged by id
    assert variant["revenue_items"][0]["split"]["town_share"] == 0.6  # set by path
    assert variant["expenditure_functions"] == base["expenditure_functions"]  # untouched keys inherited
    assert [t["id"] for t in load_scenario(small_dir / "variant.yaml").document["towns"]] == ["T1", "T2", "T3"]


def test_extends_chain(small_dir):
    config = load_scenario(small_dir / "grandchild.yaml").config
    assert config["years"] == [2021, 2023]
    assert config["general_transfer"]["pool"] == 50
    assert config["revenue_items"][0]["split"]["town_share"] == 0.6


def test_variant_results(small_dir):
    towns = fiscal_sim.simulate(small_dir / "variant.yaml").towns
    first = towns[towns["year"] == 2021].set_index("town")
    # VAT 60/40: own revenue T1 60 + 20 = 80, T2 24 + 10 = 34, T3 6; gaps 0, 26, 44 (70); pool 50
    np.testing.assert_allclose(first["own_revenue"], [80.0, 34.0, 6.0])
    np.testing.assert_allclose(first["general_transfer"], [0.0, 26 * 50 / 70, 44 * 50 / 70])


def snapshot(scenario):
    return copy.deepcopy(scenario.document), copy.deepcopy(scenario.config), scenario.towns.copy()


def assert_unchanged(scenario, before):
    document, config, towns = before
    assert scenario.document == document
    assert scenario.config == config
    pd.testing.assert_frame_equal(scenario.towns, towns)


def test_with_overrides_leaves_the_parent_unchanged(small_dir):
    parent = load_scenario(small_dir / "base.yaml")
    before = snapshot(parent)
    child = parent.with_overrides(
        {"revenue_items.vat.split.town_share": 0.9, "towns.T2.population": 999, "general_transfer.pool": 10}
    )
    assert child.config["revenue_items"][0]["split"]["town_share"] == 0.9
    assert child.towns.set_index("id").loc["T2", "population"] == 999
    assert child.config["general_transfer"]["pool"] == 10
    assert_unchanged(parent, before)
    fiscal_sim.simulate(parent, {"general_transfer.pool": 5})  # simulate with overrides: parent untouched too
    assert_unchanged(parent, before)


def test_extends_file_leaves_the_parent_unchanged(small_dir):
    parent = load_scenario(small_dir / "base.yaml")
    before = snapshot(parent)
    load_scenario(small_dir / "variant.yaml")
    load_scenario(small_dir / "grandchild.yaml")
    assert_unchanged(parent, before)
    assert_unchanged(load_scenario(small_dir / "base.yaml"), before)  # and so is the file


def test_dict_input_is_not_mutated(make_scenario):
    doc = make_scenario()
    before = copy.deepcopy(doc)
    fiscal_sim.simulate(doc, {"revenue_items.vat.split.town_share": 0.9})
    assert doc == before


def test_override_a_key_left_at_its_default(make_scenario):
    # general_transfer and growth are absent from the document: their keys are still valid paths
    doc = make_scenario()
    assert "general_transfer" not in doc and "growth" not in doc
    scenario = load_scenario(doc, {"general_transfer.pool": 50, "growth.drivers.population": 0.1})
    assert scenario.config["general_transfer"]["pool"] == 50
    assert scenario.config["growth"]["drivers"] == {"population": 0.1}


def test_override_a_part_of_a_value_given_as_a_map(make_scenario):
    # {pilot, other} GDP growth and a relative target {benchmark, margin}: each part is a path of its own
    doc = make_scenario(
        growth={"gdp": {"pilot": 0.1, "other": 0.05}},
        assessment={"targets": {"gdp_growth": {"benchmark": "county_average"}}},
    )
    scenario = load_scenario(doc, {"growth.gdp.pilot": 0.2, "assessment.targets.gdp_growth.margin": 0.01})
    assert scenario.config["growth"]["gdp"] == {"pilot": 0.2, "other": 0.05}
    assert scenario.config["assessment"]["targets"]["gdp_growth"] == {"benchmark": "county_average", "margin": 0.01}
    with pytest.raises(ScenarioError) as info:  # a part the value does not have is refused by validation
        load_scenario(doc, {"growth.gdp.middle": 0.1})
    assert "growth.gdp: a class map needs exactly the keys pilot and other" in info.value.one_line()
    with pytest.raises(ScenarioError) as info:  # a number has no parts
        load_scenario(make_scenario(growth={"gdp": 0.1}), {"growth.gdp.pilot": 0.2})
    assert "growth.gdp is a value, not a map" in info.value.one_line()


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("general_transfer.poool", "poool"),
        ("revenue_items.gst.split.town_share", "gst"),
        ("towns.T9.population", "T9"),
        ("towns.T1.no_column", "no_column"),
        ("revenue_items.vat.split.town_share.deeper", "town_share"),
    ],
)
def test_override_to_a_missing_path_is_an_error(make_scenario, path, names):
    with pytest.raises(ScenarioError) as info:
        load_scenario(make_scenario(), {path: 1})
    message = info.value.one_line()
    assert path in message and names in message


def test_no_override_applied_when_one_of_several_is_bad(small_dir):
    parent = load_scenario(small_dir / "base.yaml")
    before = snapshot(parent)
    overrides = {"revenue_items.vat.split.town_share": 0.6, "general_transfer.poool": 5}
    with pytest.raises(ScenarioError) as info:
        parent.with_overrides(overrides)
    assert "general_transfer.poool" in info.value.one_line()
    assert "town_share" not in info.value.one_line()  # the good one is not reported as a problem
    assert_unchanged(parent, before)
    document = copy.deepcopy(parent.document)
    with pytest.raises(ScenarioError):
        apply_overrides(document, overrides)
    assert document == parent.document


# ---------------------------------------------------------------------------------------------
# bad input: one file per class (tests/fixtures/bad), each message names the file, where, and what


def test_bad_file_message_names_file_place_and_problem(bad_dir, bad_files, bad_name):
    where, what = bad_files[bad_name]  # the table in conftest.py
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad_dir / bad_name)
    message = info.value.one_line()
    assert message.startswith(f"{bad_name}: "), message
    assert where in message and what in message, message
    assert "\n" not in message
    assert info.value.errors  # field → messages, the shape the HTTP API returns


def test_bad_file_is_never_simulated(bad_dir):
    with pytest.raises(ScenarioError):
        fiscal_sim.simulate(bad_dir / "negative_amount.yaml")


def test_every_problem_is_reported_at_once(make_scenario):
    doc = make_scenario(towns={"T2": {"vat": -1, "pilot": "maybe"}, "T3": {"students": "many"}})
    with pytest.raises(ScenarioError) as info:
        load_scenario(doc)
    message = info.value.one_line()
    assert "towns row 3 (id T2)" in message and "vat: -1 is negative" in message and "maybe" in message
    assert "towns row 4 (id T3)" in message and "students: not a number" in message


@pytest.mark.parametrize(
    ("changes", "where", "what"),
    [
        ({"rationing": "lottery"}, "general_transfer.rationing", "must be one of"),
        ({"pool": -5}, "general_transfer.pool", "negative"),
        ({"pool": "everything"}, "general_transfer.pool", "county_surplus"),
        ({"rationing": "factor", "factors": [{"column": "population", "weight": 1}]}, "general_transfer.pool", "needs a pool"),
        ({"priority": ["coastal"]}, "general_transfer.priority", "unknown class 'coastal'"),
        ({"growth_limits": {"min": 0.2, "max": 0.1}}, "general_transfer.growth_limits.min", "must not exceed max"),
    ],
)  # fmt: skip
def test_bad_general_transfer(make_scenario, changes, where, what):
    with pytest.raises(ScenarioError) as info:
        load_scenario(make_scenario(general_transfer=changes))
    message = info.value.one_line()
    assert where in message and what in message, message


@pytest.mark.parametrize(
    ("mutate", "where", "what"),
    [
        (lambda d: d["revenue_items"].append(dict(d["revenue_items"][0])), "revenue_items", "duplicate id vat"),
        (lambda d: d["revenue_items"][0]["split"].update(rule="lottery"), "revenue_items[vat].split.rule", "must be one of"),
        (lambda d: d["revenue_items"][0]["split"].update(base_share=0.5), "revenue_items[vat].split.base_share", "not a parameter"),
        (lambda d: d["revenue_items"][0]["split"].pop("town_share"), "revenue_items[vat].split.town_share", "required"),
        (lambda d: d["expenditure_functions"][1].update(driver="pupils"), "towns", "missing column pupils"),
        (lambda d: d["expenditure_functions"][1].update(unit_cost=-2), "expenditure_functions[edu].unit_cost", "negative"),
        (lambda d: d.update(years=[2022, 2021]), "years", "after last year"),
        (lambda d: d.update(schema_version=2), "schema_version", "only schema_version 1"),
        (lambda d: d.update(towns=[]), "towns", "non-empty"),
        (lambda d: d["towns"][1].update(id="T1"), "towns", "duplicate id T1"),
        (lambda d: d.update(growth={"gdp": -1.5}), "growth.gdp", "between -1 and 1"),
        (lambda d: d.update(growth={"gdp": "g"}), "towns", "missing column g"),
    ],
)  # fmt: skip
def test_bad_document(make_scenario, mutate, where, what):
    doc = make_scenario()
    mutate(doc)
    with pytest.raises(ScenarioError) as info:
        load_scenario(doc)
    message = info.value.one_line()
    assert where in message and what in message, message


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 1, "name": ', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.one_line().startswith("broken.json: not valid JSON")


def test_bad_boolean_in_a_priority_class_column(make_scenario):
    doc = make_scenario(
        towns={"T1": {"mountain": "否"}, "T2": {"mountain": "perhaps"}, "T3": {"mountain": "是"}},
        general_transfer={"priority": ["mountain"]},
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(doc)
    message = info.value.one_line()
    assert "general_transfer.priority" in message and "towns row 3" in message and "'perhaps'" in message
