"""How a town's contract settlement, over-collection, tax return and reward were computed (docs/model.md §1.11)."""

from __future__ import annotations

import numpy as np

from ..catalogue import Shortfall, Text
from ..model.assessment import growth_rate
from .context import Context
from .node import Explanation, bilingual, field_text, leaf, percent

NOT_IN_FORCE = Text("本年没有生效的核定收支合同", "no contract in force this year")


def _terms(ctx: Context):
    """``(in force, B_R, B_E, over_share, county makes up)`` of the town this year, from its contract."""
    rules = ctx.m.contracts
    if rules is None:
        return False, 0.0, 0.0, 1.0, False
    pilot = ctx.result.pilot[ctx.t]
    in_force = bool(rules.in_force(pilot)[ctx.i])
    b_r, b_e, share, makes_up = (np.broadcast_to(x, pilot.shape)[ctx.i] for x in rules.terms(ctx.t, pilot))
    return in_force, float(b_r), float(b_e), float(share), bool(makes_up)


def _bases(ctx: Context, b_r: float, b_e: float) -> list[Explanation]:
    return [
        leaf("revenue_base", field_text("contracts[].revenue_base"), b_r, ctx.unit),
        leaf("expenditure_base", field_text("contracts[].expenditure_base"), b_e, ctx.unit),
        ctx.node("town_retained"),
    ]


def contract_transfer(ctx: Context) -> Explanation:
    """定额补助（上解）: ``B_E − B_R`` plus any shortfall the county makes up (保底)."""
    in_force, b_r, b_e, _, makes_up = _terms(ctx)
    if not in_force:
        return ctx.node("contract_transfer", "", [], NOT_IN_FORCE)
    kept = float(ctx.result.town_array("town_retained")[ctx.t, ctx.i])
    shortfall = max(b_r - kept, 0.0)
    kind = Shortfall.COUNTY if makes_up else Shortfall.TOWN
    note = bilingual(
        "{s}：短收 {x:,.2f}{then}",
        "{se}: shortfall {x:,.2f}{then_en}",
        s=kind.zh,
        se=kind.en,
        x=shortfall,
        then="，由县补足" if makes_up and shortfall > 0 else "",
        then_en=", made up by the county" if makes_up and shortfall > 0 else "",
    )
    settlement = b_e - b_r
    word = Text("定额补助", "a fixed subsidy") if settlement >= 0 else Text("定额上解", "a fixed remittance")
    formula = bilingual(
        "(核定支出基数 − 核定收入基数) + 县补足的短收 = {s:,.2f}（{w}）",
        "(B_E − B_R) + shortfall made up = {s:,.2f} ({we})",
        s=settlement,
        w=word.zh,
        we=word.en,
    )
    return ctx.node("contract_transfer", formula, _bases(ctx, b_r, b_e), note)


def over_collection(ctx: Context) -> Explanation:
    """超收上缴: the county's share of what the town retains above its revenue base."""
    in_force, b_r, b_e, share, _ = _terms(ctx)
    if not in_force:
        return ctx.node("over_collection_to_county", "", [], NOT_IN_FORCE)
    formula = bilingual(
        "(1 − 超收留成比例 {s}) × max(乡镇本级收入 − 核定收入基数, 0)",
        "(1 − over-collection share kept {s}) × max(town_retained − B_R, 0)",
        s=percent(share),
    )
    return ctx.node("over_collection_to_county", formula, _bases(ctx, b_r, b_e)[::2])


def _items_sum(ctx: Context, items: np.ndarray, t: int) -> float:
    """Σ over ``items`` of the town's collection in year index t (−1: the base year)."""
    if t < 0:
        return float(ctx.m.collected0[ctx.i, items].sum())
    return float(ctx.result.items[0][t, items, ctx.i].sum())


def tax_return(ctx: Context) -> Explanation:
    """税收返还: last year's return moved by c times the growth of the items (a fall in full)."""
    rules = ctx.m.tax_returns
    if rules is None:
        return ctx.node("tax_return", "", [], Text("本方案没有税收返还", "this scenario has no tax returns"))
    before = ctx.before("tax_return") if ctx.t > 0 else float(rules.base[ctx.i])
    inputs = [leaf("previous", Text("上年税收返还", "last year's return"), before, ctx.unit)]
    if not rules.items.size:
        return ctx.node("tax_return", Text("固定返还", "a fixed return"), inputs)
    now, prev = _items_sum(ctx, rules.items, ctx.t), _items_sum(ctx, rules.items, ctx.t - 1)
    growth = now / prev - 1.0 if prev > 0 else 0.0
    inputs.append(leaf("growth", Text("挂钩税收增长率", "growth of the items"), growth))
    if growth >= 0:
        formula = bilingual(
            "上年返还 × (1 + {c:g} × {g:.4%})", "last year's × (1 + {c:g} × {g:.4%})", c=rules.coefficient, g=growth
        )
    else:
        formula = bilingual(
            "上年返还 × (1 + {g:.4%})（下降全额扣减）", "last year's × (1 + {g:.4%}) (a fall in full)", g=growth
        )
    return ctx.node("tax_return", formula, inputs)


def incentive(ctx: Context) -> Explanation:
    """超收奖励: ρ times the collection growth above the threshold."""
    rules = ctx.m.incentives
    if rules is None:
        return ctx.node("incentive", "", [], Text("本方案没有超收奖励", "this scenario has no rewards"))
    now, prev = _items_sum(ctx, rules.items, ctx.t), _items_sum(ctx, rules.items, ctx.t - 1)
    threshold = rules.threshold.value
    if rules.threshold.relative:
        totals = ctx.result.items[0][:, rules.items].sum(axis=(1, 2))
        before = totals[ctx.t - 1] if ctx.t > 0 else ctx.m.collected0[:, rules.items].sum()
        threshold = float(np.nan_to_num(rules.threshold.at(ctx.t, growth_rate(totals[ctx.t], before)), nan=0.0))
    inputs = [
        leaf("collected", Text("计奖收入", "collections counted"), now, ctx.unit),
        leaf("collected_before", Text("上年计奖收入", "last year's"), prev, ctx.unit),
        leaf("threshold", field_text("incentives.threshold"), threshold),
        leaf("rate", field_text("incentives.rate"), rules.rate),
    ]
    formula = bilingual(
        "{r:g} × max(0, 计奖收入 − 上年 × (1 + {th:.4%}))",
        "{r:g} × max(0, C − C_prev × (1 + {th:.4%}))",
        r=rules.rate,
        th=threshold,
    )
    return ctx.node(
        "incentive",
        formula,
        inputs,
        Text("奖励合计超过上限时同比例压减", "scaled down when rewards exceed the budget")
        if rules.budget is not None
        else "",
    )
