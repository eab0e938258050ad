"""How a town's revenue and needs were computed: each item's split, capacity, own revenue, standard
expenditure, protected need and the gap (docs/model.md §1.2, §1.3)."""

from __future__ import annotations

import numpy as np

from .. import catalogue
from ..catalogue import SplitRule, Text
from ..engine import town_portion
from .context import Context
from .node import Explanation, bilingual, leaf, percent, words

F_STANDARD = Text(
    "Σf 乡镇支出责任比例[i,f]·单位成本[f]·支出因素[i,f]·支出成本差异系数[i,f]",
    "Σf town_share[i,f]·unit_cost[f]·driver[i,f]·cost_factor[i,f]",
)
F_PROTECTED = Text("Σf 三保比例[f]·乡镇支出责任比例[i,f]·支出需求[i,f]", "Σf protected[f]·town_share[i,f]·need[i,f]")
F_GAP = Text("max(0, 标准财政支出 − 标准财政收入)", "max(0, standard_expenditure − capacity)")


def rule_text(split: dict, base: float | None) -> Text:
    rule = SplitRule(split["rule"])
    name = Text(rule.zh, rule.en)
    if rule in (SplitRule.TOWN, SplitRule.COUNTY):
        return Text(f"{rule.zh}（{rule.help_zh}）", f"{rule.en} ({rule.help_en})")
    if rule is SplitRule.PROPORTIONAL:
        share = split["town_share"]
        return Text(f"{name.zh}：乡镇 = {percent(share)}·R", f"{name.en}: town = {percent(share)}·R")
    if rule is SplitRule.BASE_PLUS_INCREMENT:
        b, s = split["base_share"], split["increment_share"]
        math = f"{percent(b)}·min(R, {base:,.2f}) + {percent(s)}·max(R − {base:,.2f}, 0)"
        return Text(f"{name.zh}：乡镇 = {math}", f"{name.en}: town = {math}")
    edges = [0, *split["thresholds"]]
    zh = "，".join(f"{t:,.2f} 以上部分 {percent(s)}" for t, s in zip(edges, split["town_shares"]))
    en = ", ".join(f"{percent(s)} above {t:,.2f}" for t, s in zip(edges, split["town_shares"]))
    return Text(f"{name.zh}：{zh}", f"{name.en}: {en}")


def items(ctx: Context, standard: bool = False) -> list[Explanation]:
    """Each revenue item's split for the town; ``standard``: of the standard collection where an item has one."""
    m, t, i = ctx.m, ctx.t, ctx.i
    config = m.scenario.config["revenue_items"]
    collected = ctx.result.items[0][t, :, i]
    to_town = ctx.result.items[1][t, :, i]
    standard_rows = {}
    if standard and m.standard_collection is not None:
        table = ctx.result.items[0][t].copy()
        table[m.standard_items] = m.standard_collection[t]
        star = town_portion(m, t, table[:, None, :], ctx.result.pilot[t][None])[:, 0, i]
        standard_rows = {int(k): (float(table[k, i]), float(star[k])) for k in m.standard_items}
    assignment = m.rule_assignment(ctx.pilot)
    out = []
    for k, item in enumerate(config):
        split = assignment.rule(k, i)
        base = None
        if split["rule"] == SplitRule.BASE_PLUS_INCREMENT:
            as_pilot = ctx.pilot and k in m.pilot_items
            column = int(np.flatnonzero(m.pilot_items == k)[0]) if as_pilot else k
            base = m.split_table(t, as_pilot).threshold(column, i)
        note = Text("分成规则例外", "override") if assignment.index[k, i] != 0 else ""
        label = f"{item['id']} {item.get('name', '')}".strip()
        if k in standard_rows:
            amount, kept = standard_rows[k]
            spec = item["standard_base"]
            standard_leaf = leaf(
                "standard_collection",
                bilingual(
                    "标准征收额 = {r:g} × {c}", "standard collection = {r:g} × {c}", r=spec["rate"], c=spec["column"]
                ),
                amount,
                ctx.unit,
            )
            node = Explanation(item["id"], label, kept, rule_text(split, base), [standard_leaf], note, ctx.unit)
        else:
            collected_leaf = leaf("collected", Text("征收额 R", "collected R"), float(collected[k]), ctx.unit)
            node = Explanation(
                item["id"], label, float(to_town[k]), rule_text(split, base), [collected_leaf], note, ctx.unit
            )
        out.append(node)
    return out


def _driver_words(name: str, value: float, lang: str) -> str:
    """`` × 义务教育在校生 4,172.29``; nothing for ``one`` (one unit per town)."""
    return "" if name == "one" else f" × {_column_words(name, lang)} {value:,.2f}"


def _column_words(name: str, lang: str, kind: str = "") -> str:
    """A towns column by its label when the catalogue knows it (road_km → 农村公路里程（公里）), else by name."""
    known = catalogue.column(name, "towns")
    label = known.label(lang) if known is not None else name
    return f"{kind} {label}".strip() if kind and known is None else label


def standard_expenditure(ctx: Context, column: str = "standard_expenditure") -> Explanation:
    """标准财政支出 (or 三保支出需求 for ``column="protected_need"``), function by function."""
    m, t, i = ctx.m, ctx.t, ctx.i
    need = m.expenditure.need(t)[i]
    share = m.expenditure.shares(ctx.pilot)[:, i]
    protected = m.expenditure.protected
    inputs = []
    for f, fn in enumerate(m.scenario.config["expenditure_functions"]):
        driver = 1.0 if fn["driver"] == "one" else ctx.column(fn["driver"])
        cost = m.expenditure.unit_cost[t, f]
        factor_zh = factor_en = ""
        if fn["cost_factor"]:
            value = ctx.column(fn["cost_factor"])
            factor_zh = f" × {_column_words(fn['cost_factor'], 'zh', '支出成本差异系数')} {value:g}"
            factor_en = f" × {_column_words(fn['cost_factor'], 'en', 'cost factor')} {value:g}"
        part = 1.0 if column == "standard_expenditure" else protected[f]
        zh_part = "" if column == "standard_expenditure" else f"三保比例 {percent(part)} × "
        en_part = "" if column == "standard_expenditure" else f"protected {percent(part)} × "
        formula = Text(
            f"{zh_part}乡镇支出责任比例 {percent(share[f])} × 单位成本 {cost:,.4g}{_driver_words(fn['driver'], driver, 'zh')}"
            f"{factor_zh}",
            f"{en_part}town share {percent(share[f])} × unit cost {cost:,.4g}{_driver_words(fn['driver'], driver, 'en')}"
            f"{factor_en}",
        )
        note = bilingual(
            "支出需求 {need:,.2f}；县承担 {county:,.2f}",
            "need {need:,.2f}; county bears {county:,.2f}",
            need=need[f],
            county=(1 - share[f]) * need[f],
        )
        label = f"{fn['id']} {fn.get('name', '')}".strip()
        inputs.append(Explanation(fn["id"], label, float(part * share[f] * need[f]), formula, [], note, ctx.unit))
    return ctx.node(column, F_STANDARD if column == "standard_expenditure" else F_PROTECTED, inputs)


def capacity(ctx: Context) -> Explanation:
    m = ctx.m
    rates = m.capacity_rate
    full = bool(np.all(rates == 1))
    inputs = items(ctx, standard=True) + [ctx.node("remittance")]
    zh = "Σk 乡镇分成[k] − 定额上解" if full else "Σk 计入比例[k]·乡镇分成[k] − 定额上解"
    en = "Σk town share[k] − remittance" if full else "Σk capacity_rate[k]·town share[k] − remittance"
    if m.standard_collection is not None:
        zh, en = zh.replace("乡镇分成[k]", "乡镇分成*[k]"), en.replace("town share[k]", "town share*[k]")
    if m.tax_returns is not None:
        zh, en = zh + " + 税收返还", en + " + tax_return"
        inputs.append(ctx.node("tax_return"))
    if not full:
        for node, rate in zip(inputs, rates):
            node.note = Text(
                f"{words(node.note, 'zh')} 计入比例 {percent(rate)}".strip(),
                f"{words(node.note, 'en')} capacity rate {percent(rate)}".strip(),
            )
    return ctx.node("capacity", Text(zh, en), inputs)


def own_revenue(ctx: Context) -> Explanation:
    inputs = items(ctx) + [ctx.node("remittance")]
    zh, en = "Σk 乡镇分成[k] − 定额上解", "Σk town share[k] − remittance"
    if ctx.m.contracts is not None:
        zh, en = zh + " − 超收上缴", en + " − over_collection_to_county"
        inputs.append(ctx.node("over_collection_to_county"))
    return ctx.node("own_revenue", Text(zh, en), inputs)


def gap(ctx: Context) -> Explanation:
    return ctx.node("gap", F_GAP, [standard_expenditure(ctx), capacity(ctx)])


def retained(ctx: Context, column: str) -> Explanation:
    formulas = {
        "town_retained": Text("Σk 乡镇分成[k]", "Σk town share[k]"),
        "county_retained": Text("Σk (R[k] − 乡镇分成[k])", "Σk (R[k] − town share[k])"),
        "revenue_collected": Text(
            "Σk R[k]，R[k] = 上年 R[k]·(1 + 收入弹性系数[k]·g)",
            "Σk R[k], R[k] = last year's R[k]·(1 + elasticity[k]·g)",
        ),
    }
    return ctx.node(column, formulas[column], items(ctx))
