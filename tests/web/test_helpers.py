"""The page's pure helpers: number formatting, typed numbers, names, rules in words, the edit form's
overrides, and the scenario workbook (a filled template that reads back to the same scenario)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fiscal_sim
from api.web import display, levers
from fiscal_sim.io.excel_reader import read_scenario_workbook
from fiscal_sim.io.excel_template import scenario_workbook

BUNDLED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.fixture
def ctx(app):
    """A request context in Chinese (the helpers read the page's language from flask.g)."""
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [
        (1234.5, "gap", "1,234.50"),
        (-1234.567, "balance", "-1,234.57"),
        (-0.001, "balance", "0.00"),  # no "-0.00"
        (1.0, "coverage", "100.00%"),
        (0.29253, "gini_before", "0.2925"),
        (86679.26, "population", "86,679"),
        (0.171101, "resources_per_capita", "0.1711"),
        (-4.0, "gap_diff", "-4.00"),
        (0.3222, "change_pct", "32.22%"),
        (None, "gap", "—"),
        (float("nan"), "gap", "—"),
        (True, "pilot", "是"),
    ],
)
def test_format_number(ctx, value, column, shown):
    assert display.format_number(value, column) == shown


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_money_shown_reads_back_to_the_value_rounded_to_cents(value):
    shown = display.format_number(value, "general_transfer")
    assert re_money.fullmatch(shown), shown
    assert math.isclose(float(shown.replace(",", "")), round(value, 2), abs_tol=0.0051)


re_money = __import__("re").compile(r"-?\d{1,3}(,\d{3})*\.\d\d")


@pytest.mark.parametrize(
    ("typed", "value"), [("0.6", 0.6), ("60%", 0.6), (" 1,234.5 ", 1234.5), ("１２", 12.0), ("-0.01", -0.01)]
)
def test_parse_number(ctx, typed, value):
    assert levers.parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["abc", "", "1e999", "nan", "5%%"])
def test_parse_number_refuses(ctx, typed):
    with pytest.raises(ValueError):
        levers.parse_number(typed)


@pytest.mark.parametrize(
    ("name", "zh", "en"),
    [
        ("临河县现行体制（基准方案） / Linhe County current system (baseline)", "临河县现行体制（基准方案）", "Linhe County current system (baseline)"),
        ("Tiered / 分档分成", "分档分成", "Tiered"),
        ("小县 tiny county", "小县 tiny county", "小县 tiny county"),
        ("A / B", "A / B", "A / B"),
    ],
)  # fmt: skip
def test_display_name_picks_the_language_of_a_bilingual_name(name, zh, en):
    assert (display.display_name(name, "zh"), display.display_name(name, "en")) == (zh, en)


@pytest.mark.parametrize(
    ("split", "text"),
    [
        ({"rule": "town"}, "乡镇固定收入（全部归乡镇）"),
        ({"rule": "proportional", "town_share": 0.45}, "比例分成：乡镇 45%，县 55%"),
        (
            {"rule": "base_plus_increment", "base_share": 0.5, "increment_share": 0.7},
            "基数分成+增量分成：基数内乡镇 50%，超基数部分乡镇 70%（基数：基期征收额）",
        ),
        (
            {"rule": "base_plus_increment", "base_share": 1, "increment_share": 0.5, "base": 300},
            "基数分成+增量分成：基数内乡镇 100%，超基数部分乡镇 50%（基数：固定 300 万元）",
        ),
        (
            {"rule": "tiered", "thresholds": [800, 2000], "town_shares": [0.4, 0.55, 0.7]},
            "超额累进分成：0–800 部分乡镇 40%；800–2,000 部分乡镇 55%；2,000 以上部分乡镇 70%",
        ),
    ],
)
def test_rule_text(ctx, split, text):
    assert display.rule_text(split, "万元") == text


def test_edit_overrides_only_for_what_changed(ctx, make_scenario):
    scenario = fiscal_sim.load_scenario(
        make_scenario(
            revenue_items=[
                {"id": "vat", "split": {"rule": "tiered", "thresholds": [50], "town_shares": [0.4, 0.6]}},
                {"id": "land", "split": {"rule": "town"}},
            ],
            growth={"gdp": [0.05, 0.06]},
        )
    )
    config = scenario.config
    sections = levers.lever_rows(scenario)
    fields = {lever.field: display.input_value(levers.shown_value(lever)) for lever in levers.all_levers(sections)}
    assert levers.edit_overrides(config, sections, fields) == ({}, {})
    changed = {**fields, "revenue_items.vat.split.town_shares[1]": "65", "growth.gdp[1]": "7%"}
    overrides, errors = levers.edit_overrides(config, sections, changed)
    assert errors == {}
    assert overrides == {"revenue_items.vat.split.town_shares": [0.4, 0.65], "growth.gdp": [0.05, 0.07]}
    overrides, errors = levers.edit_overrides(config, sections, {**fields, "general_transfer.rationing": "lottery"})
    assert overrides == {} and list(errors) == ["general_transfer.rationing"]


def test_loader_errors_are_put_on_the_form_field(ctx, make_scenario):
    sections = levers.lever_rows(fiscal_sim.load_scenario(make_scenario()))
    errors = levers.field_errors(
        {
            "revenue_items[vat].split.town_share": ["must be a share between 0 and 1"],
            "general_transfer.coefficient": ["either a pool or a fixed coefficient"],
            "towns": ["missing column x"],
        },
        sections,
    )
    assert errors == {
        "revenue_items.vat.split.town_share": ["must be a share between 0 and 1"],
        "general_transfer.pool_mode": ["either a pool or a fixed coefficient"],
        "towns": ["missing column x"],
    }


def _round_trip(document: dict) -> fiscal_sim.Scenario:
    return fiscal_sim.load_scenario(read_scenario_workbook(io.BytesIO(scenario_workbook(document))))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_the_scenario_workbook_reads_back_to_the_same_scenario(ctx, path):
    scenario = fiscal_sim.load_scenario(path)
    again = _round_trip(scenario.document)
    assert again.config == scenario.config
    pd.testing.assert_frame_equal(fiscal_sim.simulate(again).towns, fiscal_sim.simulate(scenario).towns)


def test_the_scenario_workbook_keeps_less_common_settings(ctx, make_scenario):
    document = make_scenario(
        towns={"T1": {"plan": 0.05}, "T2": {"plan": 0.04}, "T3": {"plan": 0.03}},
        growth={"gdp": [{"pilot": 0.1, "other": 0.05}, {"pilot": 0.09, "other": 0.04}], "drivers": {"students": [0.01, 0.02]}},
        general_transfer={"coefficient": 0.8, "priority": ["pilot"], "growth_limits": {"min": 0, "max": 0.1}},
        split_overrides=[{"town": "T3", "item": "vat", "split": {"rule": "proportional", "town_share": 0.9}}],
        assessment={"targets": {"gdp_growth": 0.07}, "failures_to_revoke": 2},
    )  # fmt: skip
    scenario = fiscal_sim.load_scenario(document)
    assert _round_trip(document).config == scenario.config
