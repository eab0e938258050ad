"""``explain``: how a number in the results was computed, as data and as readable text (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ScenarioError

LABELS = {
    "gdp": "GDP 地区生产总值",
    "population": "population 人口",
    "revenue_collected": "revenue collected 辖区税收",
    "town_retained": "town share of revenue 乡镇分成收入",
    "county_retained": "county share of revenue 县级分成收入",
    "remittance": "fixed remittance 定额上解",
    "own_revenue": "own revenue 乡镇可用财力(本级收入)",
    "capacity": "fiscal capacity 标准财政收入",
    "standard_expenditure": "standard expenditure 标准财政支出",
    "gap": "fiscal gap 财力缺口",
    "general_transfer": "general transfer 一般性转移支付",
    "special_transfer": "special transfers 专项转移支付",
    "cofinancing": "co-financing 配套资金",
    "balance": "balance 收支余额",
    "resources": "resources 可用财力",
    "resources_per_capita": "resources per capita 人均可用财力",
    "pilot": "pilot status 试点资格",
}


@dataclass
class Explanation:
    """One number: its value, the formula that made it, and the explained inputs."""

    name: str
    value: float | str | bool
    formula: str = ""
    inputs: list[Explanation] = field(default_factory=list)
    note: str = ""
    unit: str = ""

    def to_dict(self) -> dict:
        value = self.value
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            value = value.item()
        return {
            "name": self.name,
            "value": value,
            "formula": self.formula,
            "note": self.note,
            "unit": self.unit,
            "inputs": [i.to_dict() for i in self.inputs],
        }

    def text(self, indent: int = 0) -> str:
        pad = "  " * indent
        value = self.value
        if isinstance(value, (float, np.floating)) and self.unit:
            shown = f"{value:,.2f} {self.unit}"
        elif isinstance(value, (float, np.floating)):  # rates and ratios: enough digits to check by hand
            shown = f"{value:.6g}"
        else:
            shown = str(value)
        line = f"{pad}{self.name} = {shown}"
        if self.formula:
            line += f"    [{self.formula}]"
        lines = [line]
        if self.note:
            lines.append(f"{pad}  · {self.note}")
        lines += [i.text(indent + 1) for i in self.inputs]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _leaf(name, value, unit="", note=""):
    return Explanation(name, value, unit=unit, note=note)


def _rule_text(split: dict, base: float | None) -> str:
    rule = split["rule"]
    if rule == "town":
        return "town keeps all 乡镇固定收入"
    if rule == "county":
        return "county keeps all 县级固定收入"
    if rule == "proportional":
        return f"proportional 比例分成: town = {split['town_share']:g}·R"
    if rule == "base_plus_increment":
        return (
            f"base plus increment 基数返还+增量分成: town = {split['base_share']:g}·min(R, {base:,.2f})"
            f" + {split['increment_share']:g}·max(R − {base:,.2f}, 0)"
        )
    bands = ", ".join(f"{s:g} above {t:g}" for t, s in zip([0] + list(split["thresholds"]), split["town_shares"]))
    return f"tiered 超额分档分成: {bands}"


class _Context:
    def __init__(self, result, town: str, year: int):
        m = result.model
        if town not in m.town_ids:
            raise ScenarioError({"town": [f"unknown town {town!r}"]})
        if year not in set(m.years.tolist()):
            raise ScenarioError({"year": [f"{year} is not a simulated year ({m.years[0]}-{m.years[-1]})"]})
        self.result, self.m = result, m
        self.i = m.town_ids.index(town)
        self.t = int(np.flatnonzero(m.years == year)[0])
        self.unit = result.unit
        self.town, self.year = town, year

    def value(self, column):
        return float(self.result.town_array(column)[self.t, self.i])

    def node(self, column, formula="", inputs=(), note=""):
        value = self.result.town_array(column)[self.t, self.i]
        value = bool(value) if column == "pilot" else float(value)
        return Explanation(LABELS.get(column, column), value, formula, list(inputs), note, self.unit)


def _items(ctx: _Context) -> list[Explanation]:
    m, t, i = ctx.m, ctx.t, ctx.i
    items = m.scenario.config["revenue_items"]
    collected = ctx.result.items[0][t, :, i]
    to_town = ctx.result.items[1][t, :, i]
    pilot = bool(ctx.result.trace.arrays["pilot"][0, t, i])
    assignment = m.rules[pilot and m.has_pilot_rules]
    out = []
    for k, item in enumerate(items):
        split = assignment.rule(k, i)
        base = None
        if split["rule"] == "base_plus_increment":
            as_pilot = pilot and k in m.pilot_items
            column = int(np.flatnonzero(m.pilot_items == k)[0]) if as_pilot else k
            base = m.split_table(t, as_pilot).threshold(column, i)
        overridden = assignment.index[k, i] != 0
        note = "override 特殊体制" if overridden else ""
        out.append(
            Explanation(
                f"{item['id']} {item.get('name', '')}".strip(),
                float(to_town[k]),
                _rule_text(split, base),
                [_leaf("collected R 辖区征收", float(collected[k]), ctx.unit)],
                note,
                ctx.unit,
            )
        )
    return out


def _standard_expenditure(ctx: _Context) -> Explanation:
    m, t, i = ctx.m, ctx.t, ctx.i
    need = m.expenditure.need(t)[i]
    inputs = []
    for f, fn in enumerate(m.scenario.config["expenditure_functions"]):
        driver = 1.0
        if fn["driver"] != "one":
            driver = float(m.scenario.towns[fn["driver"]].iat[i] * m.expenditure.driver_factor[t, f])
        factor_note = ""
        if fn["cost_factor"]:
            factor_note = f" × cost factor {fn['cost_factor']} {float(m.scenario.towns[fn['cost_factor']].iat[i]):g}"
        inputs.append(
            Explanation(
                f"{fn['id']} {fn.get('name', '')}".strip(),
                float(fn["town_share"] * need[f]),
                f"town_share {fn['town_share']:g} × unit cost {m.expenditure.unit_cost[t, f]:,.4g}"
                f" × {fn['driver']} {driver:,.2f}{factor_note}",
                [],
                f"need {need[f]:,.2f}; county bears {(1 - fn['town_share']) * need[f]:,.2f}",
                ctx.unit,
            )
        )
    return ctx.node("standard_expenditure", "Σf town_share[f]·unit_cost[f]·driver[f]·cost_factor[f]", inputs)


def _capacity(ctx: _Context) -> Explanation:
    rates = ctx.m.capacity_rate
    formula = (
        "Σk town share[k] − remittance" if np.all(rates == 1) else "Σk capacity_rate[k]·town share[k] − remittance"
    )
    inputs = _items(ctx) + [ctx.node("remittance")]
    if not np.all(rates == 1):
        for node, rate in zip(inputs, rates):
            node.note = (node.note + f" capacity_rate {rate:g}").strip()
    return ctx.node("capacity", formula, inputs)


def _own_revenue(ctx):
    return ctx.node("own_revenue", "Σk town share[k] − remittance", _items(ctx) + [ctx.node("remittance")])


def _gap(ctx):
    return ctx.node("gap", "max(0, standard_expenditure − capacity)", [_standard_expenditure(ctx), _capacity(ctx)])


def _general_transfer(ctx: _Context) -> Explanation:
    m, t, i = ctx.m, ctx.t, ctx.i
    allocation = ctx.result.trace.allocations[t]
    gt = m.scenario.config["general_transfer"]
    gap_node = _gap(ctx)
    inputs = [gap_node]
    prio = bool(allocation.priority[0, i])
    value = ctx.value("general_transfer")
    if m.pool_kind == "coefficient":
        formula = f"coefficient φ {gt['coefficient']:g} × gap"
        inputs.append(_leaf("coefficient φ 转移支付系数", gt["coefficient"]))
    elif m.pool_kind == "full":
        formula = "gap, in full (no pool limit)"
    else:
        pool = float(allocation.pool[0])
        pool_note = {
            "amount": f"base-year pool grown by {gt['pool_growth']:g} a year",
            "county_surplus": "county revenue − own spending − town functions − special budget, ≥ 0",
        }[m.pool_kind]
        inputs.append(_leaf("pool 转移支付资金", pool, ctx.unit, pool_note))
        required = float(ctx.result.trace.arrays["county"]["required_transfers"][0, t])
        inputs.append(_leaf("required by all towns 所需转移支付", required, ctx.unit))
        cls = "priority" if prio else "other"
        if gt["rationing"] == "factor":
            formula = "priority class: gap in full; others: pool left × Σw weight·x/Σx (因素法)"
            if prio and bool(allocation.priority_covered[0]):
                formula = "priority class: gap covered in full"
            else:
                rest = float(allocation.parameter["rest"][0]) if not prio else pool
                inputs.append(_leaf("amount distributed by factors", rest, ctx.unit))
        elif gt["rationing"] == "need_adjusted":
            rate = float(allocation.parameter[cls][0])
            formula = f"max(gap − r·standard_expenditure, 0) with adjustment rate r = {rate:.9g} (調整率)"
            inputs.append(_leaf("adjustment rate r", rate))
            inputs.append(ctx.node("standard_expenditure"))
        else:
            ratio = float(allocation.parameter[cls][0])
            formula = f"gap × coverage ratio {ratio:.6g} (pool ÷ gaps of the class)"
            inputs.append(_leaf("coverage ratio 转移支付系数", ratio))
        if gt["priority"]:
            inputs.append(
                _leaf(
                    "priority class 优先保障",
                    prio,
                    note=f"classes {gt['priority']}; priority gaps covered in full: {bool(allocation.priority_covered[0])}",
                )
            )
    note = ""
    if allocation.limited is not None and allocation.limited[0, i] != 0:
        lim = gt["growth_limits"]
        note = (
            f"growth limit 增幅控制 {lim}: raised to the floor"
            if allocation.limited[0, i] > 0
            else f"growth limit 增幅控制 {lim}: cut to the ceiling"
        )
        prev = float(ctx.result.town_array("general_transfer")[t - 1, i])
        inputs.append(_leaf("last year's transfer", prev, ctx.unit))
    if allocation.scale is not None and float(allocation.scale[0]) < 1:
        note = (note + f"; all scaled by {float(allocation.scale[0]):.6g} to stay within the pool").strip("; ")
    out = ctx.node("general_transfer", formula, inputs, note)
    out.value = value
    return out


def _special(ctx: _Context) -> Explanation:
    special = ctx.result.trace.special
    inputs = []
    if special is not None:
        frame = ctx.result.projects
        rows = frame[(frame["town"] == ctx.town) & (frame["year_funded"] == ctx.year)]
        for _, row in rows.iterrows():
            inputs.append(_leaf(f"project {row['id']} ({row['category']})", float(row["grant"]), ctx.unit))
    return ctx.node("special_transfer", "Σ grants of projects funded this year", inputs)


def _cofinancing(ctx: _Context) -> Explanation:
    inputs = []
    if ctx.result.trace.special is not None:
        frame = ctx.result.projects
        rows = frame[(frame["town"] == ctx.town) & (frame["year_funded"] == ctx.year)]
        for _, row in rows.iterrows():
            inputs.append(_leaf(f"project {row['id']} cost × rate", float(row["cofinancing"]), ctx.unit))
    return ctx.node("cofinancing", "Σ cost·cofinancing_rate of projects funded this year", inputs)


def _balance(ctx):
    return ctx.node(
        "balance",
        "own_revenue + general_transfer − standard_expenditure − cofinancing",
        [_own_revenue(ctx), _general_transfer(ctx), _standard_expenditure(ctx), _cofinancing(ctx)],
    )


def _resources(ctx):
    return ctx.node(
        "resources",
        "own_revenue + general_transfer + special_transfer",
        [_own_revenue(ctx), _general_transfer(ctx), _special(ctx)],
    )


def _pilot(ctx: _Context) -> Explanation:
    r = ctx.result
    revoked = int(r.trace.revoked_year[0, ctx.i]) if r.trace.revoked_year is not None else 0
    pilot0 = bool(ctx.m.pilot0[ctx.i])
    if not pilot0:
        note = "not a pilot town in the base year"
    elif revoked and ctx.year >= revoked:
        note = revocation_reason(r, ctx.i, revoked)
    else:
        note = "pilot status in force 试点资格有效"
    return ctx.node("pilot", "status in force this year", [], note)


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
    "town_retained": lambda ctx: ctx.node("town_retained", "Σk town share[k]", _items(ctx)),
    "county_retained": lambda ctx: ctx.node("county_retained", "Σk (R[k] − town share[k])", _items(ctx)),
    "revenue_collected": lambda ctx: ctx.node(
        "revenue_collected", "Σk R[k], R[k] = last year's R[k]·(1 + elasticity[k]·g)", _items(ctx)
    ),
    "resources_per_capita": lambda ctx: ctx.node(
        "resources_per_capita", "resources ÷ population", [_resources(ctx), ctx.node("population")]
    ),
    "gdp": lambda ctx: ctx.node(
        "gdp",
        "last year's GDP × (1 + g)",
        [_leaf("growth g", float(ctx.m.growth[ctx.t, ctx.i]))],
    ),
    "population": lambda ctx: ctx.node("population", "base-year population grown by growth.drivers.population"),
    "remittance": lambda ctx: ctx.node("remittance", "fixed yearly amount from the towns table"),
}


def explain(result, town: str, year: int, column: str = "general_transfer") -> Explanation:
    """Explain ``column`` of ``town`` in ``year``; raises ScenarioError for unknown names."""
    if column not in EXPLAINERS:
        raise ScenarioError({"column": [f"cannot explain {column!r}; choose one of {', '.join(sorted(EXPLAINERS))}"]})
    ctx = _Context(result, str(town), int(year))
    node = EXPLAINERS[column](ctx)
    node.name = f"{node.name} — {town} {year}"
    return node


def revocation_reason(result, i: int, year: int) -> str:
    """Why town i stopped being a pilot from ``year``: the failed years and their indicators."""
    m = result.model
    targets = m.assessment["targets"] if m.assessment else {}
    steps = result.trace.assessments
    failed = []
    for t, step in enumerate(steps):
        if m.years[t] >= year:
            break
        if step.verdict[0, i] == 1:
            shown = ", ".join(
                f"{name} {step.indicators[name][0, i]:.2%} < {target:.2%}"
                for name, target in targets.items()
                if step.indicators[name][0, i] < target
            )
            failed.append(f"{m.years[t]} ({shown})")
        elif step.verdict[0, i] == 0:
            failed = []
    n = m.assessment["failures_to_revoke"] if m.assessment else 0
    return f"missed targets {n} years running: {'; '.join(failed[-n:])}; not a pilot from {year} 取消试点资格"


def explain_project(result, project_id: str) -> Explanation:
    """Why a project was or was not funded (rank, budget left, what blocked it)."""
    special = result.trace.special
    if special is None:
        raise ScenarioError({"project": ["this scenario has no special transfers"]})
    book = result.model.projects
    matches = np.flatnonzero(book.ids.astype(str) == str(project_id))
    if not matches.size:
        raise ScenarioError({"project": [f"unknown project {project_id!r}"]})
    p = int(matches[0])
    unit = result.unit
    last_round, last_pos, last_t = None, None, None
    for t, rnd in enumerate(special.rounds):
        pos = np.flatnonzero(rnd.candidates == p)
        if pos.size:
            last_round, last_pos, last_t = rnd, int(pos[0]), t
            if rnd.funded[last_pos]:
                break
    grant = float(book.grant[p])
    if last_round is None:
        return Explanation(f"project {project_id}", "not considered", note="its year was never reached")
    year = int(result.model.years[last_t])
    rank = int(last_round.rank[last_pos])
    reason = str(last_round.reason[last_pos])
    if reason == "funded":
        note = (
            f"funded in {year}: rank {rank}, grant {grant:,.2f} {unit}, co-financing {book.cofinancing[p]:,.2f} {unit}"
        )
    elif reason == "budget" and last_round.status == "priority":
        note = (
            f"not funded: budget exhausted after {int(last_round.funded_before[last_pos])} higher-ranked projects; "
            f"rank {rank}, needed {grant:,.2f}, {last_round.budget_left[last_pos]:,.2f} left ({year})"
        )
    elif reason == "not_selected":
        note = f"not funded: fits on its own but the optimal set ({last_round.status}) leaves it out; rank by weighted score {rank} ({year})"
    else:
        words = {
            "budget": "larger than the whole budget",
            "category_cap": "the category cap is used up",
            "cofinancing": "the town's balance cannot cover its co-financing",
        }
        note = f"not funded: {words.get(reason, reason)}; rank {rank}, needed {grant:,.2f} ({year})"
    return Explanation(f"project {project_id}", reason, "", [], note, unit)
