"""Settings in words (fiscal_sim/io/settings_words.py): what a variant changed reads as a finance officer
writes it, never as a key path or a dump of YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

import fiscal_sim
from fiscal_sim.analysis.compare import settings_differences
from fiscal_sim.io.settings_words import describe, summary, value_text

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def baseline():
    return fiscal_sim.load_scenario(SCENARIOS / "baseline.yaml")


def changes(baseline, variant: str, lang: str = "zh") -> dict[str, tuple[str, str, str]]:
    other = fiscal_sim.load_scenario(SCENARIOS / f"{variant}.yaml")
    rows = describe(settings_differences(baseline, other), other, lang)
    return {row.path: (row.label, row.old, row.new) for row in rows}


def test_split_exceptions_and_priority_classes_in_words(baseline):
    rows = changes(baseline, "pilot_reform")
    assert rows["general_transfer.priority"] == ("一般性转移支付 › 优先保障类别", "—", "试点镇")
    label, old, new = rows["split_overrides"]
    assert label == "分成规则例外" and old == "—"
    exceptions = new.split("；")  # one per exception: the class, the item by its name, the rule and its share
    assert (
        exceptions[0]
        == "适用类别 试点镇，收入项目 增值税（县级分享部分，2015年基数含营业税），分成规则 比例分成、乡镇分成比例 70%"
    )
    assert exceptions[2] == "适用类别 试点镇，收入项目 城市维护建设税，分成规则 乡镇固定收入"
    en = changes(baseline, "pilot_reform", "en")["split_overrides"][2]
    assert en.startswith("class pilot town, revenue item 增值税") and "split rule proportional, town share 70%" in en
    for text in (new, en):
        assert "{" not in text and "vat" not in text and "0.7" not in text


def test_records_by_their_fields_without_their_codes(baseline):
    contract = changes(baseline, "pilot_contracts")["contracts.C01"]
    assert contract == (
        "核定收支 C01",
        "—",
        "适用乡镇 沣河店镇（T01）；核定收入基数 6,900 万元；核定支出基数 2,500 万元；基数年增长率 5%；超收留成比例 70%",
    )
    power = changes(baseline, "pilot_powers")["expenditure_overrides.pilot_education"]
    assert power[2] == "适用类别 试点镇；支出事项 教育；乡镇支出责任比例 30%"  # the function by its name


def test_maps_targets_and_lists_in_words(baseline):
    rows = changes(baseline, "relative_assessment")
    assert rows["growth.gdp"][1] == "试点镇 8.5%；其他乡镇 7.5%"  # growth by class: 0.085 is 8.5%
    assert rows["assessment.targets.gdp_growth"][1:] == ("8%", "基准 全县平均水平；高出幅度 1%")
    tiers = changes(baseline, "tiered_sharing")
    assert tiers["revenue_items.vat.split.thresholds"][2] == "500 万元、3,000 万元"
    assert tiers["revenue_items.vat.split.town_shares"][2] == "30%、40%、55%"


def test_a_value_alone_and_the_history_line():
    assert value_text("revenue_items.vat.split.town_share", 0.455, "万元") == "45.5%"
    assert value_text("general_transfer.pool", 9000, "万元", "en") == "9,000 万元"
    assert value_text("general_transfer.floor", True, "万元", "en") == "yes"
    assert summary([]) == "无设置变化"


def test_towns_by_their_names_and_ids(baseline):
    """A town id in a record or a towns cell reads as the town's name with its id (沣河店镇（T01）), in both
    languages; an id no town has stays as written."""
    from fiscal_sim.io.settings_words import label, town_words

    contract = changes(baseline, "pilot_contracts", "en")["contracts.C01"][2]
    assert contract.startswith("town 沣河店镇 (T01); revenue base 6,900 万元")
    assert label("towns.T01.gdp", baseline).startswith("乡镇表 沣河店镇（T01） › ")
    assert town_words("T99", baseline) is None
    assert value_text("contracts", [{"town": "T99"}], "万元", "zh", baseline).endswith("T99")
