"""How each number of the towns frame was computed: the registry of explainers, and the positions
(balance, resources) that combine the parts (docs/model.md §1.6)."""

from __future__ import annotations

from ..catalogue import Text
from ..errors import Message, ScenarioError
from . import arrangements, revenue, transfers
from .context import Context
from .node import Explanation, field_text, leaf


def _has(ctx: Context) -> tuple[list[Explanation], str, str]:
    """What the town has besides transfers: own revenue, tax return, contract transfer, reward."""
    m = ctx.m
    inputs, zh, en = [revenue.own_revenue(ctx)], "乡镇自有财力", "own_revenue"
    for present, node, z, e in (
        (m.tax_returns is not None, arrangements.tax_return, "税收返还", "tax_return"),
        (m.contracts is not None, arrangements.contract_transfer, "定额补助", "contract_transfer"),
        (m.incentives is not None, arrangements.incentive, "超收奖励", "incentive"),
    ):
        if present:
            inputs.append(node(ctx))
            zh, en = f"{zh} + {z}", f"{en} + {e}"
    return inputs, zh, en


def balance(ctx: Context) -> Explanation:
    inputs, zh, en = _has(ctx)
    inputs += [transfers.general_transfer(ctx), revenue.standard_expenditure(ctx), transfers.cofinancing(ctx)]
    formula = Text(
        f"{zh} + 一般性转移支付 − 标准财政支出 − 配套资金",
        f"{en} + general_transfer − standard_expenditure − cofinancing",
    )
    return ctx.node("balance", formula, inputs)


def resources(ctx: Context) -> Explanation:
    inputs, zh, en = _has(ctx)
    inputs += [transfers.general_transfer(ctx), transfers.special(ctx)]
    formula = Text(f"{zh} + 一般性转移支付 + 专项转移支付", f"{en} + general_transfer + special_transfer")
    return ctx.node("resources", formula, inputs)


def _pilot(ctx: Context) -> Explanation:
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


def _gdp(ctx: Context) -> Explanation:
    growth = leaf("growth", field_text("growth.gdp"), float(ctx.m.growth[ctx.t, ctx.i]))
    return ctx.node("gdp", Text("上年GDP × (1 + g)", "last year's GDP × (1 + g)"), [growth])


EXPLAINERS = {
    "general_transfer": transfers.general_transfer,
    "floor": transfers.floor,
    "gap": revenue.gap,
    "capacity": revenue.capacity,
    "own_revenue": revenue.own_revenue,
    "standard_expenditure": revenue.standard_expenditure,
    "protected_need": lambda ctx: revenue.standard_expenditure(ctx, "protected_need"),
    "special_transfer": transfers.special,
    "cofinancing": transfers.cofinancing,
    "balance": balance,
    "resources": resources,
    "pilot": _pilot,
    "tax_return": arrangements.tax_return,
    "contract_transfer": arrangements.contract_transfer,
    "over_collection_to_county": arrangements.over_collection,
    "incentive": arrangements.incentive,
    "town_retained": lambda ctx: revenue.retained(ctx, "town_retained"),
    "county_retained": lambda ctx: revenue.retained(ctx, "county_retained"),
    "revenue_collected": lambda ctx: revenue.retained(ctx, "revenue_collected"),
    "resources_per_capita": lambda ctx: ctx.node(
        "resources_per_capita", Text("可用财力 ÷ 人口", "resources ÷ population"), [resources(ctx), ctx.node("population")]
    ),
    "gdp": _gdp,
    "population": lambda ctx: ctx.node("population", Text("基期人口按 growth.drivers.population 增长", "base-year population grown by growth.drivers.population")),
    "remittance": lambda ctx: ctx.node("remittance", Text("乡镇表中的固定年额（核定收支合同生效时不收）", "fixed yearly amount from the towns table (none while a contract is in force)")),
}  # fmt: skip


def explain(result, town: str, year: int, column: str = "general_transfer") -> Explanation:
    """Explain ``column`` of ``town`` in ``year``; raises ScenarioError for unknown names."""
    if column not in EXPLAINERS:
        choices = ", ".join(sorted(EXPLAINERS))
        raise ScenarioError({"column": [Message("not_a_choice", choices=choices, value=repr(column))]})
    ctx = Context(result, str(town), int(year))
    node = EXPLAINERS[column](ctx)
    node.where = f"{town} {year}"
    return node
