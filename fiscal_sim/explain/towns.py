"""How each number of the towns frame was computed: a tree of :class:`Explanation` (docs/model.md §1–§1.6)."""

from __future__ import annotations

import numpy as np

from .. import catalogue
from ..catalogue import PoolMode, Rationing, SplitRule, Text
from ..errors import Message, ScenarioError
from .node import Explanation, bilingual, column_text, field_text, leaf, words


def _rule_text(split: dict, base: float | None) -> Text:
    rule = SplitRule(split["rule"])
    name = Text(rule.zh, rule.en)
    if rule in (SplitRule.TOWN, SplitRule.COUNTY):
        return Text(f"{rule.zh}（{rule.help_zh}）", f"{rule.en} ({rule.help_en})")
    if rule is SplitRule.PROPORTIONAL:
        share = split["town_share"]
        return Text(f"{name.zh}：乡镇 = {share:g}·R", f"{name.en}: town = {share:g}·R")
    if rule is SplitRule.BASE_PLUS_INCREMENT:
        b, s = split["base_share"], split["increment_share"]
        math = f"{b:g}·min(R, {base:,.2f}) + {s:g}·max(R − {base:,.2f}, 0)"
        return Text(f"{name.zh}：乡镇 = {math}", f"{name.en}: town = {math}")
    edges = [0, *split["thresholds"]]
    zh = "，".join(f"{t:g} 以上部分 {s:g}" for t, s in zip(edges, split["town_shares"]))
    en = ", ".join(f"{s:g} above {t:g}" for t, s in zip(edges, split["town_shares"]))
    return Text(f"{name.zh}：{zh}", f"{name.en}: {en}")


class _Context:
    def __init__(self, result, town: str, year: int):
        m = result.model
        if town not in m.town_ids:
            raise ScenarioError({"town": [Message("unknown_town", town=repr(town))]})
        years = m.years.tolist()
        if year not in years:
            raise ScenarioError({"year": [Message("between", min=years[0], max=years[-1], value=year)]})
        self.result, self.m = result, m
        self.i = m.town_ids.index(town)
        self.t = years.index(year)
        self.unit = result.unit
        self.town, self.year = town, year

    def value(self, column):
        return float(self.result.town_array(column)[self.t, self.i])

    def node(self, column, formula: Text | str = "", inputs=(), note: Text | str = "") -> Explanation:
        if column == "pilot":
            value = bool(self.result.pilot[self.t, self.i])
        else:
            value = float(self.result.town_array(column)[self.t, self.i])
        return Explanation(column, column_text(column), value, formula, list(inputs), note, self.unit)


# formulas in both languages: the English keeps the column names a user finds in the tables
F_STANDARD = Text(
    "Σf 乡镇支出责任比例[f]·单位成本[f]·支出因素[f]·支出成本差异系数[f]",
    "Σf town_share[f]·unit_cost[f]·driver[f]·cost_factor[f]",
)
F_CAPACITY = Text("Σk 乡镇分成[k] − 定额上解", "Σk town share[k] − remittance")
F_CAPACITY_RATE = Text("Σk 计入比例[k]·乡镇分成[k] − 定额上解", "Σk capacity_rate[k]·town share[k] − remittance")
F_GAP = Text("max(0, 标准财政支出 − 标准财政收入)", "max(0, standard_expenditure − capacity)")
F_BALANCE = Text(
    "乡镇自有财力 + 一般性转移支付 − 标准财政支出 − 配套资金",
    "own_revenue + general_transfer − standard_expenditure − cofinancing",
)
F_RESOURCES = Text("乡镇自有财力 + 一般性转移支付 + 专项转移支付", "own_revenue + general_transfer + special_transfer")


def _items(ctx: _Context) -> list[Explanation]:
    m, t, i = ctx.m, ctx.t, ctx.i
    items = m.scenario.config["revenue_items"]
    collected = ctx.result.items[0][t, :, i]
    to_town = ctx.result.items[1][t, :, i]
    pilot = bool(ctx.result.pilot[t, i])
    assignment = m.rule_assignment(pilot)
    out = []
    for k, item in enumerate(items):
        split = assignment.rule(k, i)
        base = None
        if split["rule"] == SplitRule.BASE_PLUS_INCREMENT:
            as_pilot = pilot and k in m.pilot_items
            column = int(np.flatnonzero(m.pilot_items == k)[0]) if as_pilot else k
            base = m.split_table(t, as_pilot).threshold(column, i)
        note = Text("分成规则例外", "override") if assignment.index[k, i] != 0 else ""
        collected_leaf = leaf("collected", Text("征收额 R", "collected R"), float(collected[k]), ctx.unit)
        label = f"{item['id']} {item.get('name', '')}".strip()
        out.append(
            Explanation(item["id"], label, float(to_town[k]), _rule_text(split, base), [collected_leaf], note, ctx.unit)
        )
    return out


def _standard_expenditure(ctx: _Context) -> Explanation:
    m, t, i = ctx.m, ctx.t, ctx.i
    need = m.expenditure.need(t)[i]
    share = m.expenditure.town_share
    inputs = []
    for f, fn in enumerate(m.scenario.config["expenditure_functions"]):
        driver = 1.0
        if fn["driver"] != "one":
            driver = float(m.scenario.towns[fn["driver"]].iat[i] * m.expenditure.driver_factor[t, f])
        cost = m.expenditure.unit_cost[t, f]
        factor_zh = factor_en = ""
        if fn["cost_factor"]:
            value = float(m.scenario.towns[fn["cost_factor"]].iat[i])
            factor_zh = f" × 支出成本差异系数 {fn['cost_factor']} {value:g}"
            factor_en = f" × cost factor {fn['cost_factor']} {value:g}"
        formula = Text(
            f"乡镇支出责任比例 {share[f]:g} × 单位成本 {cost:,.4g} × {fn['driver']} {driver:,.2f}{factor_zh}",
            f"town_share {share[f]:g} × unit cost {cost:,.4g} × {fn['driver']} {driver:,.2f}{factor_en}",
        )
        note = bilingual(
            "支出需求 {need:,.2f}；县承担 {county:,.2f}",
            "need {need:,.2f}; county bears {county:,.2f}",
            need=need[f],
            county=(1 - share[f]) * need[f],
        )
        label = f"{fn['id']} {fn.get('name', '')}".strip()
        inputs.append(Explanation(fn["id"], label, float(share[f] * need[f]), formula, [], note, ctx.unit))
    return ctx.node("standard_expenditure", F_STANDARD, inputs)


def _capacity(ctx: _Context) -> Explanation:
    rates = ctx.m.capacity_rate
    full = bool(np.all(rates == 1))
    inputs = _items(ctx) + [ctx.node("remittance")]
    if not full:
        for node, rate in zip(inputs, rates):
            node.note = Text(
                f"{words(node.note, 'zh')} 计入比例 {rate:g}".strip(),
                f"{words(node.note, 'en')} capacity_rate {rate:g}".strip(),
            )
    return ctx.node("capacity", F_CAPACITY if full else F_CAPACITY_RATE, inputs)


def _own_revenue(ctx):
    return ctx.node("own_revenue", F_CAPACITY, _items(ctx) + [ctx.node("remittance")])


def _gap(ctx):
    return ctx.node("gap", F_GAP, [_standard_expenditure(ctx), _capacity(ctx)])


def _pool_note(m, gt) -> Text:
    if m.general.mode is PoolMode.AMOUNT:
        return bilingual("基期资金每年增长 {g:g}", "base-year pool grown by {g:g} a year", g=gt["pool_growth"])
    return Text(PoolMode.COUNTY_SURPLUS.help_zh, PoolMode.COUNTY_SURPLUS.help_en)


def _general_transfer(ctx: _Context) -> Explanation:
    m, t, i = ctx.m, ctx.t, ctx.i
    allocation = ctx.result.trace.allocations[t]
    rules = m.general
    gt = m.scenario.config["general_transfer"]
    inputs = [_gap(ctx)]
    prio = bool(allocation.priority[0, i])
    if rules.mode is PoolMode.COEFFICIENT:
        phi = rules.coefficient
        formula = bilingual("转移支付系数 φ {phi:g} × 缺口", "coefficient φ {phi:g} × gap", phi=phi)
        inputs.append(leaf("coefficient", field_text("general_transfer.coefficient"), phi))
    elif rules.mode is PoolMode.FULL:
        formula = Text("全额弥补缺口（资金不设上限）", "gap, in full (no pool limit)")
    else:
        pool = float(allocation.pool[0])
        inputs.append(leaf("pool", field_text("general_transfer.pool"), pool, ctx.unit, _pool_note(m, gt)))
        required = float(ctx.result.trace.arrays["county"]["required_transfers"][0, t])
        inputs.append(leaf("required_transfers", catalogue.column("required_transfers").text, required, ctx.unit))
        cls = "priority" if prio else "other"
        if rules.rationing is Rationing.FACTOR:
            if prio and bool(allocation.priority_covered[0]):
                formula = Text("优先类别：缺口全额弥补", "priority class: gap covered in full")
            else:
                formula = Text(
                    "优先类别：缺口全额；其他：剩余资金 × Σw 权重·x/Σx（因素法）",
                    "priority class: gap in full; others: pool left × Σw weight·x/Σx (因素法)",
                )
                rest = float(allocation.parameter["rest"][0]) if not prio else pool
                inputs.append(
                    leaf("distributed", Text("按因素分配的资金", "amount distributed by factors"), rest, ctx.unit)
                )
        elif rules.rationing is Rationing.NEED_ADJUSTED:
            rate = float(allocation.parameter[cls][0])
            formula = bilingual(
                "max(缺口 − r·标准财政支出, 0)，调整系数 r = {r:.9g}",
                "max(gap − r·standard_expenditure, 0) with adjustment rate r = {r:.9g} (调整系数)",
                r=rate,
            )
            inputs.append(leaf("rate", Text("调整系数 r", "adjustment rate r"), rate))
            inputs.append(ctx.node("standard_expenditure"))
        else:
            ratio = float(allocation.parameter[cls][0])
            formula = bilingual(
                "缺口 × 转移支付系数 {ratio:.6g}（资金 ÷ 本类缺口总额）",
                "gap × coverage ratio {ratio:.6g} (pool ÷ gaps of the class)",
                ratio=ratio,
            )
            inputs.append(leaf("ratio", Text("转移支付系数", "coverage ratio"), ratio))
        if rules.priority:
            covered = bool(allocation.priority_covered[0])
            classes = ", ".join(rules.priority)
            note = bilingual(
                "类别 {c}；优先类别缺口全额弥补：{v}",
                "classes {c}; priority gaps covered in full: {e}",
                c=classes,
                v="是" if covered else "否",
                e=covered,
            )
            inputs.append(leaf("priority", field_text("general_transfer.priority"), prio, note=note))
    notes_zh, notes_en = [], []
    if allocation.limited is not None and allocation.limited[0, i] != 0:
        lo, hi = rules.growth_limits
        raised = allocation.limited[0, i] > 0
        notes_zh.append(f"增幅控制 [{lo}, {hi}]：" + ("提高到下限" if raised else "压减到上限"))
        notes_en.append(
            f"growth limit 增幅控制 [{lo}, {hi}]: " + ("raised to the floor" if raised else "cut to the ceiling")
        )
        prev = float(ctx.result.town_array("general_transfer")[t - 1, i])
        inputs.append(leaf("previous", Text("上年一般性转移支付", "last year's transfer"), prev, ctx.unit))
    if allocation.scale is not None and float(allocation.scale[0]) < 1:
        scale = float(allocation.scale[0])
        notes_zh.append(f"全部按 {scale:.6g} 同比例压减以不超过资金")
        notes_en.append(f"all scaled by {scale:.6g} to stay within the pool")
    note = Text("；".join(notes_zh), "; ".join(notes_en)) if notes_zh else ""
    return ctx.node("general_transfer", formula, inputs, note)


def _projects(ctx: _Context, column: str, formula: Text, amount: str) -> Explanation:
    inputs = []
    if ctx.result.trace.special is not None:
        frame = ctx.result.projects
        rows = frame[(frame["town"] == ctx.town) & (frame["year_funded"] == ctx.year)]
        for pid, category, value in zip(rows["id"], rows["category"], rows[amount]):
            inputs.append(
                leaf(
                    str(pid),
                    bilingual("项目 {p}（{c}）", "project {p} ({c})", p=pid, c=category),
                    float(value),
                    ctx.unit,
                )
            )
    return ctx.node(column, formula, inputs)


def _special(ctx):
    return _projects(
        ctx, "special_transfer", Text("当年安排项目的补助之和", "Σ grants of projects funded this year"), "grant"
    )


def _cofinancing(ctx):
    formula = Text("当年安排项目的 总投资×配套比例 之和", "Σ cost·cofinancing_rate of projects funded this year")
    return _projects(ctx, "cofinancing", formula, "cofinancing")


def _balance(ctx):
    return ctx.node(
        "balance", F_BALANCE, [_own_revenue(ctx), _general_transfer(ctx), _standard_expenditure(ctx), _cofinancing(ctx)]
    )


def _resources(ctx):
    return ctx.node("resources", F_RESOURCES, [_own_revenue(ctx), _general_transfer(ctx), _special(ctx)])


def _pilot(ctx: _Context) -> Explanation:
    r = ctx.result
    revoked = int(r.trace.revoked_year[0, ctx.i]) if r.trace.revoked_year is not None else 0
    if not bool(ctx.m.pilot0[ctx.i]):
        note = Text("基期不是试点镇", "not a pilot town in the base year")
    elif revoked and ctx.year >= revoked:
        from .projects import revocation_reason

        note = revocation_reason(r, ctx.i, revoked)
    else:
        note = Text("试点资格有效", "pilot status in force")
    return ctx.node("pilot", Text("当年有效的试点资格", "status in force this year"), [], note)


def _gdp(ctx):
    growth = leaf("growth", field_text("growth.gdp"), float(ctx.m.growth[ctx.t, ctx.i]))
    return ctx.node("gdp", Text("上年GDP × (1 + g)", "last year's GDP × (1 + g)"), [growth])


EXPLAINERS = {
    "general_transfer": _general_transfer,
    "gap": _gap,
    "capacity": _capacity,
    "own_revenue": _own_revenue,
    "standard_expenditure": _standard_expenditure,
    "special_transfer": _special,
    "cofinancing": _cofinancing,
    "balance": _balance,
    "resources": _resources,
    "pilot": _pilot,
    "town_retained": lambda ctx: ctx.node("town_retained", Text("Σk 乡镇分成[k]", "Σk town share[k]"), _items(ctx)),
    "county_retained": lambda ctx: ctx.node("county_retained", Text("Σk (R[k] − 乡镇分成[k])", "Σk (R[k] − town share[k])"), _items(ctx)),
    "revenue_collected": lambda ctx: ctx.node(
        "revenue_collected",
        Text("Σk R[k]，R[k] = 上年 R[k]·(1 + 收入弹性系数[k]·g)", "Σk R[k], R[k] = last year's R[k]·(1 + elasticity[k]·g)"),
        _items(ctx),
    ),
    "resources_per_capita": lambda ctx: ctx.node(
        "resources_per_capita", Text("可用财力 ÷ 人口", "resources ÷ population"), [_resources(ctx), ctx.node("population")]
    ),
    "gdp": _gdp,
    "population": lambda ctx: ctx.node("population", Text("基期人口按 growth.drivers.population 增长", "base-year population grown by growth.drivers.population")),
    "remittance": lambda ctx: ctx.node("remittance", Text("乡镇表中的固定年额", "fixed yearly amount from the towns table")),
}  # fmt: skip


def explain(result, town: str, year: int, column: str = "general_transfer") -> Explanation:
    """Explain ``column`` of ``town`` in ``year``; raises ScenarioError for unknown names."""
    if column not in EXPLAINERS:
        choices = ", ".join(sorted(EXPLAINERS))
        raise ScenarioError({"column": [Message("not_a_choice", choices=choices, value=repr(column))]})
    ctx = _Context(result, str(town), int(year))
    node = EXPLAINERS[column](ctx)
    node.where = f"{town} {year}"
    return node
