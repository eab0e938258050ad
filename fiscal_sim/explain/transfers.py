"""How a town's transfers were computed: the floor, the general transfer, and special grants (docs/model.md §1.4, §1.5)."""

from __future__ import annotations

from .. import catalogue
from ..catalogue import PoolMode, Rationing, Text
from .context import Context
from .node import Explanation, bilingual, field_text, leaf
from .revenue import gap as _gap


def _pool_note(m, gt, t: int) -> Text:
    if m.general.mode is PoolMode.AMOUNT:
        rate = gt["pool_growth"][t] if isinstance(gt["pool_growth"], list) else gt["pool_growth"]
        return bilingual(
            "基期资金按年增长率增长（本年 {g:.4g}%）", "base-year pool grown yearly (this year {g:.4g}%)", g=rate * 100
        )
    return Text(PoolMode.COUNTY_SURPLUS.help_zh, PoolMode.COUNTY_SURPLUS.help_en)


def floor(ctx: Context) -> Explanation:
    """基本财力保障: protected need less what the town has."""
    inputs = [ctx.node("protected_need"), ctx.node("own_revenue")]
    zh, en = "max(0, 三保支出需求 − (乡镇自有财力", "max(0, protected_need − (own_revenue"
    for column, z, e in (
        ("tax_return", "税收返还", "tax_return"),
        ("contract_transfer", "定额补助", "contract_transfer"),
    ):
        if (column == "tax_return" and ctx.m.tax_returns is not None) or (
            column == "contract_transfer" and ctx.m.contracts is not None
        ):
            inputs.append(ctx.node(column))
            zh, en = f"{zh} + {z}", f"{en} + {e}"
    return ctx.node(
        "floor",
        Text(zh + "))", en + "))"),
        inputs,
        Text("先足额安排，不受资金限制", "paid first and in full, whatever the pool"),
    )


def _share_formula(ctx: Context, allocation, prio: bool, inputs: list) -> Text:
    """How the part above the floor was reached, by the rule in force; adds its inputs."""
    m, t, i = ctx.m, ctx.t, ctx.i
    rules = m.general
    gt = m.scenario.config["general_transfer"]
    if rules.mode is PoolMode.COEFFICIENT:
        phi = rules.coefficient
        inputs.append(leaf("coefficient", field_text("general_transfer.coefficient"), phi))
        return bilingual("转移支付系数 φ {phi:g} × 缺口", "coefficient φ {phi:g} × gap", phi=phi)
    if rules.mode is PoolMode.FULL:
        return Text("全额弥补缺口（资金不设上限）", "gap, in full (no pool limit)")
    pool = float(allocation.pool[0])
    inputs.append(leaf("pool", field_text("general_transfer.pool"), pool, ctx.unit, _pool_note(m, gt, ctx.t)))
    required = float(ctx.result.trace.arrays["county"]["required_transfers"][0, t])
    inputs.append(leaf("required_transfers", catalogue.column("required_transfers").text, required, ctx.unit))
    cls = "priority" if prio else "other"
    if rules.rationing is Rationing.FACTOR:
        if prio and bool(allocation.priority_covered[0]):
            return Text("优先类别：缺口全额弥补", "priority class: gap covered in full")
        rest = float(allocation.parameter["rest"][0]) if not prio else pool
        inputs.append(leaf("distributed", Text("按因素分配的资金", "amount distributed by factors"), rest, ctx.unit))
        return Text(
            "优先类别：缺口全额；其他：剩余资金 × Σw 权重·x/Σx（因素法）",
            "priority class: gap in full; others: pool left × Σw weight·x/Σx (因素法)",
        )
    parameter = allocation.parameter[cls]
    if rules.rationing is Rationing.NEED_ADJUSTED:
        rate = float(parameter[0])
        inputs.append(leaf("rate", Text("调整系数 r", "adjustment rate r"), rate))
        inputs.append(ctx.node("standard_expenditure"))
        return bilingual(
            "max(缺口 − r·标准财政支出, 0)，调整系数 r = {r:.9g}",
            "max(gap − r·standard_expenditure, 0) with adjustment rate r = {r:.9g} (调整系数)",
            r=rate,
        )
    if isinstance(parameter, dict):  # proportional with the difficulty coefficient (困难程度系数)
        lam, d, coef = (
            float(parameter["lambda"][0]),
            float(parameter["difficulty"][0, i]),
            float(parameter["coefficient"][0, i]),
        )
        a = rules.difficulty.uniform_weight
        inputs.append(leaf("difficulty", Text("困难程度系数 D", "difficulty coefficient D"), d))
        inputs.append(
            leaf(
                "coefficient",
                Text("转移支付系数", "coefficient"),
                coef,
                note=bilingual("{a:g} × 资金÷缺口 + {b:g} × D", "{a:g} × pool ÷ gaps + {b:g} × D", a=a, b=1 - a),
            )
        )
        inputs.append(leaf("lambda", Text("同比例调整 λ", "scaling λ"), lam))
        return bilingual(
            "min(缺口, λ·max(0, 系数)·缺口)，λ = {lam:.6g}",
            "min(gap, λ·max(0, coefficient)·gap) with λ = {lam:.6g}",
            lam=lam,
        )
    ratio = float(parameter[0])
    inputs.append(leaf("ratio", Text("转移支付系数", "coverage ratio"), ratio))
    return bilingual(
        "缺口 × 转移支付系数 {ratio:.6g}（资金 ÷ 本类缺口总额）",
        "gap × coverage ratio {ratio:.6g} (pool ÷ gaps of the class)",
        ratio=ratio,
    )


def general_transfer(ctx: Context) -> Explanation:
    m, t, i = ctx.m, ctx.t, ctx.i
    allocation = ctx.result.trace.allocations[t]
    rules = m.general
    prio = bool(allocation.priority[0, i])
    excluded = allocation.excluded is not None and bool(allocation.excluded[0, i])
    inputs = [_gap(ctx)]
    if excluded:
        formula = Text(
            "核定收支乡镇不参与缺口弥补：只安排基本财力保障",
            "a town under a contract takes no part in gap filling: its floor only",
        )
        if rules.floor:
            inputs.append(floor(ctx))
        return ctx.node("general_transfer", formula, inputs)
    share = _share_formula(ctx, allocation, prio, inputs)
    formula = share
    if rules.floor:
        inputs.insert(0, floor(ctx))
        formula = Text(
            f"基本财力保障 + {share.zh}（按缺口减保障后的部分）", f"floor + {share.en} (of the gap above the floor)"
        )
    if rules.priority and allocation.pool is not None:
        covered = bool(allocation.priority_covered[0])
        note = bilingual(
            "类别 {c}；优先类别缺口全额弥补：{v}",
            "classes {ce}; priority gaps covered in full: {e}",
            c="、".join(_class_words(c, "zh") for c in rules.priority),
            ce=", ".join(_class_words(c, "en") for c in rules.priority),
            v=catalogue.yes_no(covered, "zh"),
            e=catalogue.yes_no(covered, "en"),
        )
        inputs.append(leaf("priority", field_text("general_transfer.priority"), prio, note=note))
    notes_zh, notes_en = [], []
    if allocation.overrun is not None and float(allocation.overrun[0]) > 0:
        notes_zh.append(f"基本财力保障超过资金 {float(allocation.overrun[0]):,.2f}，县仍足额支付")
        notes_en.append(
            f"floors exceed the pool by {float(allocation.overrun[0]):,.2f}; the county pays them all the same"
        )
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


def _projects(ctx: Context, column: str, formula: Text, amount: str) -> Explanation:
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


def special(ctx):
    return _projects(
        ctx, "special_transfer", Text("当年安排项目的补助之和", "Σ grants of projects funded this year"), "grant"
    )


def cofinancing(ctx):
    formula = Text("当年安排项目的 总投资×配套比例 之和", "Σ cost·cofinancing_rate of projects funded this year")
    return _projects(ctx, "cofinancing", formula, "cofinancing")


def _class_words(name: str, lang: str) -> str:
    """A class of towns by its column's label (pilot → 试点镇), else by its name."""
    known = catalogue.column(name, "towns")
    return known.label(lang) if known is not None else name
