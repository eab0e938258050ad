"""Scenario comparison: differences against a baseline, winners and losers, settings that differ."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fiscal_sim
from fiscal_sim.analysis.compare import KEY_TOWN_COLUMNS, Comparison, compare, settings_differences
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.records import comparison_records, frame_records

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

# Two towns, two years, no growth: every year repeats the base year.
#   A collects VAT 1000, B 200; split 50/50 → own revenue A 500, B 100.
#   standard expenditure: driver one × 300 × town share 1 = 300 each.
#   gap A max(0, 300 − 500) = 0, B 300 − 100 = 200 → general transfer B 200 (pool null: gaps in full).
#   county: 1000 own + 600 shared − 500 own spending − 200 transfers = 900 a year.
TINY = {
    "schema_version": 1,
    "name": "两镇 / two towns",
    "unit": "万元",
    "years": [2021, 2022],
    "towns": [
        {"id": "A", "name": "甲镇", "pilot": False, "population": 1000, "area_km2": 10, "gdp": 10000, "vat": 1000},
        {"id": "B", "name": "乙乡", "pilot": False, "population": 500, "area_km2": 10, "gdp": 1000, "vat": 200},
    ],
    "revenue_items": [{"id": "vat", "name": "增值税", "split": {"rule": "proportional", "town_share": 0.5}}],
    "expenditure_functions": [{"id": "admin", "driver": "one", "unit_cost": 300, "town_share": 1.0}],
    "county": {"own_revenue": 1000, "own_expenditure": 500},
}
VAT_SHARE = "revenue_items.vat.split.town_share"


@pytest.fixture(scope="module")
def tiny_reform() -> Comparison:
    base = fiscal_sim.simulate(TINY)
    reform = fiscal_sim.simulate(TINY, {VAT_SHARE: 0.6})
    return compare({"现行": base, "改革": reform})


def _town(frame: pd.DataFrame, town: str, year: int) -> pd.Series:
    return frame[(frame["town"] == town) & (frame["year"] == year)].iloc[0]


def test_identical_scenarios_have_no_differences():
    first = fiscal_sim.simulate(SCENARIOS / "baseline.yaml")
    second = fiscal_sim.simulate(SCENARIOS / "baseline.yaml")
    c = compare({"a": first, "b": second})
    assert c.baseline == "a"
    diffs = c.towns[[f"{col}_diff" for col in KEY_TOWN_COLUMNS]].to_numpy()
    assert len(c.towns) == len(first.towns) and np.all(diffs == 0)
    assert np.all(c.years["difference"].to_numpy() == 0)
    assert c.settings.empty
    assert set(c.winners_losers["outcome"]) == {"no change"}
    pd.testing.assert_series_equal(c.summary.iloc[0, 1:], c.summary.iloc[1, 1:], check_names=False)


def test_known_reform_moves_towns_by_hand_computed_amounts(tiny_reform):
    c = tiny_reform
    assert c.baseline == "现行" and list(c.towns["label"].unique()) == ["改革"]
    for year in (2021, 2022):
        a, b = _town(c.towns, "A", year), _town(c.towns, "B", year)
        # A: 0.6·1000 = 600 against 500; no gap either way
        assert a["own_revenue_baseline"] == pytest.approx(500) and a["own_revenue_scenario"] == pytest.approx(600)
        assert a["own_revenue_diff"] == pytest.approx(100) and a["resources_diff"] == pytest.approx(100)
        assert a["general_transfer_diff"] == pytest.approx(0)
        # B: 0.6·200 = 120 (+20); gap 300 − 120 = 180 (−20), paid in full; resources stay 300
        assert b["own_revenue_diff"] == pytest.approx(20)
        assert b["gap_diff"] == pytest.approx(-20) and b["general_transfer_diff"] == pytest.approx(-20)
        assert b["resources_baseline"] == pytest.approx(300) and b["resources_diff"] == pytest.approx(0)
        # county: shared 600 → 480 (−120), transfers 200 → 180 (+20 kept) → balance −100
        years = c.years[c.years["year"] == year].set_index("metric")
        assert years.loc["county.shared_revenue", "difference"] == pytest.approx(-120)
        assert years.loc["county_balance", "baseline"] == pytest.approx(900)
        assert years.loc["county_balance", "difference"] == pytest.approx(-100)
        assert years.loc["required_transfers", "difference"] == pytest.approx(-20)


def test_summary_over_the_period(tiny_reform):
    s = tiny_reform.summary.set_index("label")
    # two years of 200 (baseline) and 180 (reform) required and paid
    assert s.loc["现行", "required_transfers"] == pytest.approx(400)
    assert s.loc["改革", "general_transfers"] == pytest.approx(360)
    assert s.loc["改革", "coverage"] == pytest.approx(1.0)
    assert s.loc["现行", "county_balance"] == pytest.approx(1800)
    assert s.loc["改革", "county_balance_min"] == pytest.approx(800)
    assert s.loc["改革", "county_balance_min_year"] == 2021  # both years equal: the first
    by_year = tiny_reform.summary_by_year
    assert list(by_year.columns[:2]) == ["label", "year"] and len(by_year) == 4


def test_winners_and_losers_ranked_by_change_in_resources(tiny_reform):
    w = tiny_reform.winners_losers
    assert list(w["town"]) == ["A", "B"] and list(w["rank"]) == [1, 2]
    # A gains 100 a year for two years: 1000 → 1200
    assert w.iloc[0]["change"] == pytest.approx(200) and w.iloc[0]["outcome"] == "gain"
    assert w.iloc[0]["change_pct"] == pytest.approx(0.2)
    assert w.iloc[1]["change"] == pytest.approx(0) and w.iloc[1]["outcome"] == "no change"


def test_settings_lists_the_override_path(tiny_reform):
    rows = tiny_reform.settings
    assert rows[["label", "path", "baseline", "scenario"]].values.tolist() == [["改革", VAT_SHARE, 0.5, 0.6]]


def test_bundled_vat_reform_moves_every_town_by_a_tenth_of_its_vat():
    base = fiscal_sim.simulate(SCENARIOS / "baseline.yaml")
    reform = fiscal_sim.simulate(base.scenario.with_overrides({VAT_SHARE: 0.45}))
    c = compare({"baseline": base, "vat45": reform})
    vat = base.revenue[base.revenue["item"] == "vat"].astype({"town": object})
    expected = (
        vat.set_index(["year", "town"])["collected"] * 0.1
    )  # share 0.35 → 0.45 (the tax return follows collections, not the share)
    got = c.towns.set_index(["year", "town"])["own_revenue_diff"]
    pd.testing.assert_series_equal(
        got.loc[expected.index], expected, check_names=False, check_index_type=False, rtol=1e-12
    )
    assert (got > 0).all()
    county = c.years[c.years["metric"] == "county.shared_revenue"].set_index("year")["difference"]
    np.testing.assert_allclose(county.to_numpy(), -expected.groupby(level="year").sum().to_numpy(), rtol=1e-12)
    assert c.settings["path"].tolist() == [VAT_SHARE]


def test_settings_diff_of_a_variant_file_uses_defaults_for_keys_left_out():
    base = fiscal_sim.load_scenario(SCENARIOS / "baseline.yaml")
    pilot = fiscal_sim.load_scenario(SCENARIOS / "pilot_reform.yaml")
    rows = {path: (a, b) for path, a, b in settings_differences(base, pilot)}
    # name and description label a scenario; they are not settings
    assert set(rows) == {"general_transfer.priority", "split_overrides"}
    assert rows["general_transfer.priority"] == ([], ["pilot"])  # default [] in the baseline
    assert rows["split_overrides"][0] == [] and len(rows["split_overrides"][1]) == 3


def test_settings_diff_reports_table_cells_and_ignores_explicit_defaults():
    doc = copy.deepcopy(TINY)
    doc["revenue_items"][0]["elasticity"] = 1.0  # the default, written out: no difference
    doc["towns"][0]["population"] = 1200
    doc["towns"].append({**doc["towns"][1], "id": "C", "name": "丙村"})
    rows = settings_differences(fiscal_sim.load_scenario(TINY), fiscal_sim.load_scenario(doc))
    assert rows[0] == ("towns.A.population", 1000, 1200)
    assert rows[1][0] == "towns.C" and rows[1][1] is None and rows[1][2]["name"] == "丙村"
    assert len(rows) == 2


def test_a_town_only_one_side_has_is_not_comparable_and_json_gets_none():
    doc = copy.deepcopy(TINY)
    doc["towns"].append({**doc["towns"][1], "id": "C", "name": "丙村"})
    c = compare({"two": fiscal_sim.simulate(TINY), "three": fiscal_sim.simulate(doc)})
    only = c.towns[c.towns["town"] == "C"]
    assert len(only) == 2 and only["resources_baseline"].isna().all() and only["resources_diff"].isna().all()
    assert c.winners_losers.set_index("town").loc["C", "outcome"] == "not comparable"
    data = comparison_records(c)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)  # NaN would fail here
    assert '"丙村"' in text
    record = next(r for r in data["towns"] if r["town"] == "C")
    assert record["resources_baseline"] is None and record["resources_scenario"] == pytest.approx(300)


def test_records_hold_every_frame(tiny_reform):
    data = comparison_records(tiny_reform)
    assert data["baseline"] == "现行" and data["labels"] == ["现行", "改革"]
    assert data["scenarios"]["改革"]["unit"] == "万元"
    for name in ("summary", "summary_by_year", "towns", "years", "winners_losers", "settings"):
        assert len(data[name]) == len(getattr(tiny_reform, name))
    assert isinstance(data["summary"][0]["pilots_active"], int)
    json.dumps(data, allow_nan=False)


def test_frame_records_turns_numpy_and_missing_into_python():
    frame = pd.DataFrame({"x": [1.5, np.nan], "n": pd.array([1, None], dtype="Int64"), "t": ["a", None]})
    assert frame_records(frame) == [{"x": 1.5, "n": 1, "t": "a"}, {"x": None, "n": None, "t": None}]


def test_baseline_can_be_chosen_and_must_exist():
    a, b = fiscal_sim.simulate(TINY), fiscal_sim.simulate(TINY, {VAT_SHARE: 0.6})
    c = compare({"a": a, "b": b}, baseline="b")
    assert c.baseline == "b" and list(c.towns["label"].unique()) == ["a"]
    assert _town(c.towns, "A", 2021)["own_revenue_diff"] == pytest.approx(-100)
    with pytest.raises(ScenarioError) as exc:
        compare({"a": a, "b": b}, baseline="c")
    assert "baseline" in exc.value.errors
    with pytest.raises(ScenarioError) as exc:
        compare({})
    assert "scenarios" in exc.value.errors


def test_a_single_scenario_compares_to_itself_with_empty_differences():
    c = compare({"only": fiscal_sim.simulate(TINY)})
    assert len(c.summary) == 1 and c.towns.empty and c.years.empty and c.settings.empty
    assert c.winners_losers.empty
    json.dumps(comparison_records(c), allow_nan=False)


def test_values_that_are_not_results_are_simulated():
    c = compare({"file": SCENARIOS / "baseline.yaml", "doc": TINY})
    assert c.summary["label"].tolist() == ["file", "doc"]
    assert c.summary.loc[1, "required_transfers"] == pytest.approx(400)


def test_fiscal_sim_compare_is_the_same_function():
    assert fiscal_sim.compare is compare


@settings(max_examples=25, deadline=None)
@given(share=st.floats(min_value=0.0, max_value=1.0))
def test_money_moves_between_towns_and_county_without_leaking(share):
    c = compare({"base": fiscal_sim.simulate(TINY), "alt": fiscal_sim.simulate(TINY, {VAT_SHARE: share})})
    towns = c.towns.groupby("year")[["own_revenue_diff", "general_transfer_diff"]].sum()
    years = c.years.pivot(index="year", columns="metric", values="difference")
    # what the towns gain in own revenue the county loses in shared revenue (no remittances here)
    np.testing.assert_allclose(towns["own_revenue_diff"], -years["county.shared_revenue"], atol=1e-9)
    np.testing.assert_allclose(towns["general_transfer_diff"], years["county.general_transfers_paid"], atol=1e-9)
    # A keeps share·1000 against 0.5·1000
    assert _town(c.towns, "A", 2021)["own_revenue_diff"] == pytest.approx((share - 0.5) * 1000, abs=1e-9)
