"""The engine: compiles a scenario into arrays and runs the years, composing the model's parts.

Years run in order because pilot status (assessment), transfer growth limits and co-financing carry
from one year to the next; within a year everything is vectorised over towns, and over Monte Carlo
draws on a leading axis (the central run is one draw).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import assessment as assess
from .expenditure import ExpenditureModel, expenditure_model
from .general_transfer import Allocation, allocate
from .indicators import per_capita
from .projection import column_path, cumulative_factor, gdp_growth_rates, grown_amount
from .revenue_division import SplitTable, assign_rules, compile_table, fiscal_capacity, own_revenue
from .scenario import Scenario
from .special_transfer import ProjectBook, SpecialOutcome, SpecialTransferRun, project_book


@dataclass(frozen=True)
class Model:
    """A scenario compiled to float64 arrays: t indexes simulated years, i towns, k revenue items."""

    scenario: Scenario
    years: np.ndarray
    town_ids: list[str]
    pilot0: np.ndarray  # (N,) pilot status in the base year
    gdp0: np.ndarray  # (N,)
    growth: np.ndarray  # (T, N) central GDP growth
    collected0: np.ndarray  # (N, K) base-year revenue collected
    elasticity: np.ndarray  # (K,)
    capacity_rate: np.ndarray  # (K,)
    rules: dict  # {False: RuleAssignment, True: RuleAssignment} by pilot status
    tables: dict  # {(t, as_pilot): SplitTable}; t = -1 is the base year; pilot tables hold pilot_items only
    pilot_items: np.ndarray  # items whose rule depends on pilot status (class: pilot overrides)
    remittance: np.ndarray  # (N,)
    expenditure: ExpenditureModel
    standard_expenditure: np.ndarray  # (T, N)
    town_function_expenditure: np.ndarray  # (T,) county's share of town-area functions
    population: np.ndarray  # (T, N)
    county: dict  # own_revenue, own_expenditure, upper_transfers: (T,)
    pool: np.ndarray | None  # (T,) or None; see pool_kind
    pool_kind: str  # "full", "coefficient", "amount", "county_surplus"
    factor_values: np.ndarray | None  # (T, N, W)
    factor_weights: np.ndarray | None
    static_classes: dict  # non-pilot priority classes: name -> (N,) bool
    projects: ProjectBook | None
    special_budget: np.ndarray  # (T,), zeros without special transfers
    special_caps: np.ndarray | None  # (T, C)
    assessment: dict | None  # {targets, failures_to_revoke} when enabled

    @property
    def has_pilot_rules(self) -> bool:
        return self.pilot_items.size > 0

    def split_table(self, t: int, as_pilot: bool) -> SplitTable:
        return self.tables[(t, as_pilot)]


class _TownPositions:
    """Town id → row, looked up only for the towns that overrides name (no dict of every town)."""

    def __init__(self, ids):
        self.index = pd.Index(ids)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, town: str) -> int:
        return int(self.index.get_loc(town))


def _column_factor(drivers: dict, column: str, n_years: int) -> np.ndarray:
    """Growth factor of a towns column for the base year (index -1 → 1) and each simulated year."""
    return np.concatenate([[1.0], cumulative_factor(drivers.get(column, 0.0), n_years)])


def compile_model(scenario: Scenario) -> Model:
    """Turn a validated scenario into the arrays the engine runs on."""
    cfg, towns = scenario.config, scenario.towns
    years = scenario.years
    n_years, n_towns = len(years), len(towns)
    ids = towns["id"].tolist()
    position = _TownPositions(towns["id"])
    pilot0 = scenario.classes["pilot"]
    drivers = cfg["growth"]["drivers"]
    items = cfg["revenue_items"]
    collected0 = np.column_stack([towns[i.get("column") or i["id"]].to_numpy(np.float64) for i in items])

    rules = {
        flag: assign_rules(items, cfg["split_overrides"], position, scenario.classes, as_pilot=flag)
        for flag in (False, True)
    }
    item_index = {item["id"]: k for k, item in enumerate(items)}
    pilot_items = np.array(
        sorted({item_index[o["item"]] for o in cfg["split_overrides"] if o.get("class") == "pilot"}), dtype=np.intp
    )
    tables = _compile_all_tables(rules, towns, collected0, drivers, n_years, pilot_items)

    remittance = towns[cfg["remittances"]["column"]].to_numpy(np.float64) if cfg["remittances"] else np.zeros(n_towns)
    exp = expenditure_model(cfg["expenditure_functions"], towns, drivers, n_years)
    c = cfg["county"]
    county = {
        name: grown_amount(c[name], c[f"{name}_growth"], n_years)
        for name in ("own_revenue", "own_expenditure", "upper_transfers")
    }
    gt = cfg["general_transfer"]
    if gt["coefficient"] is not None:
        pool, pool_kind = None, "coefficient"
    elif gt["pool"] is None:
        pool, pool_kind = None, "full"
    elif gt["pool"] == "county_surplus":
        pool, pool_kind = None, "county_surplus"
    else:
        pool, pool_kind = grown_amount(gt["pool"], gt["pool_growth"], n_years), "amount"
    factor_values = factor_weights = None
    if gt["rationing"] == "factor":
        factor_values = np.stack(
            [
                np.prod(
                    [column_path(towns, col, drivers, n_years) for col in f.get("columns") or [f["column"]]], axis=0
                )
                for f in gt["factors"]
            ],
            axis=-1,
        )
        factor_weights = np.array([f["weight"] for f in gt["factors"]])
    static_classes = {name: scenario.classes[name] for name in gt["priority"] if name != "pilot"}

    st = cfg["special_transfers"]
    book, budget, caps = None, np.zeros(n_years), None
    if st is not None:
        book = project_book(scenario.projects, ids)
        budget = grown_amount(st["budget"], st["budget_growth"], n_years)
        factor = cumulative_factor(st["budget_growth"], n_years)
        caps = np.full((n_years, len(book.categories)), np.inf)
        for j, category in enumerate(book.categories):
            if category in st["category_caps"]:
                caps[:, j] = st["category_caps"][category] * factor
    a = cfg["assessment"]
    assessment = None
    if a is not None and a["enabled"]:
        assessment = {"targets": a["targets"], "failures_to_revoke": a["failures_to_revoke"]}

    return Model(
        scenario=scenario,
        years=years,
        town_ids=ids,
        pilot0=pilot0,
        gdp0=towns["gdp"].to_numpy(np.float64),
        growth=gdp_growth_rates(cfg["growth"]["gdp"], towns, pilot0, n_years),
        collected0=collected0,
        elasticity=np.array([i["elasticity"] for i in items]),
        capacity_rate=np.array([i["capacity_rate"] for i in items]),
        rules=rules,
        tables=tables,
        pilot_items=pilot_items,
        remittance=remittance,
        expenditure=exp,
        standard_expenditure=exp.standard_expenditure(),
        town_function_expenditure=exp.county_share(),
        population=column_path(towns, "population", drivers, n_years),
        county=county,
        pool=pool,
        pool_kind=pool_kind,
        factor_values=factor_values,
        factor_weights=factor_weights,
        static_classes=static_classes,
        projects=book,
        special_budget=budget,
        special_caps=caps,
        assessment=assessment,
    )


def _compile_all_tables(rules: dict, towns, collected0, drivers, n_years, pilot_items) -> dict:
    """Split tables for the base year and every simulated year, rebuilt only where a base grows."""
    growing = {
        s.get("base_column")
        for assignment in rules.values()
        for item_rules in assignment.rules
        for s in item_rules
        if s.get("base_column") and drivers.get(s["base_column"], 0.0) != 0.0
    }

    def base_of_year(t):
        def base_of(k, split):
            if split.get("base_column"):
                column = split["base_column"]
                return towns[column].to_numpy(np.float64) * _column_factor(drivers, column, n_years)[t + 1]
            if split.get("base") is not None:
                return np.full(len(towns), float(split["base"]))
            return collected0[:, k]

        return base_of

    def compile_year(t, flag):
        if not flag:
            return compile_table(rules[False], base_of_year(t))
        base_of = base_of_year(t)  # pilot tables hold the items with pilot rules only
        return compile_table(rules[True].restrict(pilot_items), lambda kk, split: base_of(pilot_items[kk], split))

    out = {}
    for flag in (False, True) if pilot_items.size else (False,):
        static = compile_year(-1, flag)
        for t in range(-1, n_years):
            out[(t, flag)] = compile_year(t, flag) if growing and t >= 0 else static
    return out


def _town_portion(model: Model, t: int, collected: np.ndarray, pilot: np.ndarray, out=None) -> np.ndarray:
    """What the towns keep of each item ``[k, d, i]``, by the rules in force for their pilot status."""
    portion = model.split_table(t, False).town_portion(collected, out=out)
    if model.has_pilot_rules and pilot.any():
        items = model.pilot_items
        as_pilot = model.split_table(t, True).town_portion(collected[items])
        portion[items] = np.where(pilot, as_pilot, portion[items])
    return portion


@dataclass
class Trace:
    """Per-year arrays of a run, shape (D, T, N) for towns and (D, T) for the county."""

    arrays: dict
    allocations: list[Allocation] = field(default_factory=list)  # per year (central run only)
    assessments: list = field(default_factory=list)  # per year AssessmentStep (central run only)
    special: SpecialOutcome | None = None
    revoked_year: np.ndarray | None = None  # (D, N) first year as a non-pilot, 0 if never
    block: np.ndarray | None = None  # (len(TOWN_ARRAYS), D, T, N) when every town output is kept


TOWN_ARRAYS = (
    "gdp",
    "population",
    "revenue_collected",
    "town_retained",
    "county_retained",
    "remittance",
    "own_revenue",
    "capacity",
    "standard_expenditure",
    "gap",
    "general_transfer",
    "special_transfer",
    "cofinancing",
    "balance",
    "resources",
    "resources_per_capita",
)  # fmt: skip  -- the float columns of the towns frame, in its order
COUNTY_ARRAYS = (
    "shared_revenue", "total_revenue", "general_transfers_paid", "special_transfers_paid", "balance",
    "required_transfers", "pool",
)  # fmt: skip


def run(
    model: Model,
    growth: np.ndarray,
    *,
    detail: bool = True,
    fixed_special: tuple[np.ndarray, np.ndarray] | None = None,
    town_outputs: tuple[str, ...] = TOWN_ARRAYS,
) -> Trace:
    """Run every simulated year for ``growth[d, t, i]`` (d: draws; the central run has one).

    ``detail`` keeps each year's allocation and assessment for ``explain``; Monte Carlo runs
    without it and with the central run's special transfers (``fixed_special``: grants and
    co-financing per year and town) and may keep only some ``town_outputs`` to save memory.
    Town outputs live in one block ``trace.block[c, d, t, i]`` so the towns frame needs no copy.
    """
    n_draws, n_years, n_towns = growth.shape
    rem = model.remittance
    n_items = model.collected0.shape[1]
    collected = np.empty((n_items, n_draws, n_towns))  # [k, d, i], updated in place each year
    collected[...] = model.collected0.T[:, None, :]
    common_elasticity = bool(np.all(model.elasticity == model.elasticity[0]))
    factor = None if common_elasticity else np.empty_like(collected)
    elasticity = model.elasticity[:, None, None]
    gdp = np.broadcast_to(model.gdp0, (n_draws, n_towns))
    pilot = np.broadcast_to(model.pilot0, (n_draws, n_towns)).copy()
    streak = np.zeros((n_draws, n_towns), dtype=np.int64)
    revoked_year = np.zeros((n_draws, n_towns), dtype=np.int64)
    previous_transfer = np.zeros((n_draws, n_towns))
    # the base year is the same in every draw: split one row and broadcast it
    own_prev = np.broadcast_to(own_revenue(_town_portion(model, -1, collected[:, :1], pilot[:1]), rem), pilot.shape)
    portion_buffer = np.empty_like(collected)
    kept = [name for name in TOWN_ARRAYS if name in town_outputs]
    block = np.empty((len(kept), n_draws, n_years, n_towns))
    out_t = {name: block[c] for c, name in enumerate(kept)}
    out_t["pilot"] = np.empty((n_draws, n_years, n_towns), dtype=bool)
    out_c = {name: np.empty((n_draws, n_years)) for name in COUNTY_ARRAYS}
    trace = Trace(out_t | {"county": out_c}, block=block if kept == list(TOWN_ARRAYS) else None)
    gt = model.scenario.config["general_transfer"]
    special_run = None
    if model.projects is not None and fixed_special is None:
        special_run = SpecialTransferRun(
            model.projects,
            model.scenario.config["special_transfers"],
            n_towns,
            model.years,
            model.special_budget,
            model.special_caps,
        )
    remitted = rem.sum()
    full_capacity = bool(np.all(model.capacity_rate == 1.0))
    no_special = np.zeros((n_draws, n_towns))
    for t in range(n_years):

        def slot(name, t=t):
            """Where this year's value of a town output goes (computed straight into the block)."""
            return out_t[name][:, t, :] if name in out_t else None

        g = growth[:, t, :]
        gdp_now = np.multiply(gdp, 1.0 + g, out=slot("gdp"))
        if common_elasticity:
            collected *= 1.0 + model.elasticity[0] * g
        else:
            np.multiply(elasticity, g, out=factor)
            factor += 1.0
            collected *= factor
        to_town = _town_portion(model, t, collected, pilot, out=portion_buffer)
        retained = np.sum(to_town, axis=0, out=slot("town_retained"))
        own = np.subtract(retained, rem, out=slot("own_revenue"))
        if full_capacity:
            capacity = own
            if "capacity" in out_t:
                out_t["capacity"][:, t, :] = own
        else:
            capacity = fiscal_capacity(to_town, model.capacity_rate, rem)
            if "capacity" in out_t:
                out_t["capacity"][:, t, :] = capacity
        se = model.standard_expenditure[t]
        gap = np.maximum(np.subtract(se, capacity, out=slot("gap")), 0.0, out=slot("gap"))
        collected_total = np.sum(collected, axis=0, out=slot("revenue_collected"))
        county_retained = np.subtract(collected_total, retained, out=slot("county_retained"))
        shared = county_retained.sum(axis=-1)
        total_revenue = model.county["own_revenue"][t] + shared + remitted + model.county["upper_transfers"][t]
        county_spending = model.county["own_expenditure"][t] + model.town_function_expenditure[t]

        if model.pool_kind == "amount":
            pool = np.full(n_draws, model.pool[t])
        elif model.pool_kind == "county_surplus":
            pool = np.maximum(total_revenue - county_spending - model.special_budget[t], 0.0)
        else:
            pool = None
        priority = np.zeros((n_draws, n_towns), dtype=bool)
        for name in gt["priority"]:
            priority |= pilot if name == "pilot" else model.static_classes[name]
        allocation = allocate(
            gap,
            se,
            pool=pool,
            coefficient=gt["coefficient"],
            rationing=gt["rationing"],
            priority=priority,
            factors=None if model.factor_values is None else model.factor_values[t],
            weights=model.factor_weights,
            eligible_all=gt["eligible"] == "all",
            previous=previous_transfer if t > 0 else None,
            growth_limits=gt["growth_limits"],
        )
        general = allocation.transfer
        balance_before = own + general - se
        if fixed_special is not None:
            special, cofinancing = fixed_special[0][t], fixed_special[1][t]
        elif special_run is not None:
            special, cofinancing = special_run.year(t, pilot[0], balance_before[0])
        else:
            special = cofinancing = no_special
        resources = np.add(own + general, special, out=slot("resources"))
        for name, value in (
            ("population", model.population[t]),
            ("remittance", rem),
            ("standard_expenditure", se),
            ("general_transfer", general),
            ("special_transfer", special),
            ("cofinancing", cofinancing),
        ):
            if name in out_t:
                out_t[name][:, t, :] = value
        if "balance" in out_t:
            np.subtract(balance_before, cofinancing, out=out_t["balance"][:, t, :])
        if "resources_per_capita" in out_t:
            out_t["resources_per_capita"][:, t, :] = per_capita(resources, model.population[t])
        out_t["pilot"][:, t, :] = pilot
        paid_general = general.sum(axis=-1)
        paid_special = np.broadcast_to(special, (n_draws, n_towns)).sum(axis=-1)
        county_values = {
            "shared_revenue": shared,
            "total_revenue": total_revenue,
            "general_transfers_paid": paid_general,
            "special_transfers_paid": paid_special,
            "balance": total_revenue - county_spending - paid_general - paid_special,
            "required_transfers": gap.sum(axis=-1),
            "pool": np.nan if pool is None else pool,
        }
        for name, value in county_values.items():
            out_c[name][:, t] = value
        if detail:
            trace.allocations.append(allocation)

        if model.assessment is not None:
            indicators = {
                "gdp_growth": assess.growth_rate(gdp_now, gdp),
                "revenue_growth": assess.growth_rate(own, own_prev),
            }
            step = assess.assess_year(
                pilot, streak, indicators, model.assessment["targets"], model.assessment["failures_to_revoke"]
            )
            if detail:
                trace.assessments.append(step)
            revoked_year = np.where(step.revoke & (revoked_year == 0), model.years[t] + 1, revoked_year)
            pilot = pilot & ~step.revoke
            streak = np.where(step.revoke, 0, step.streak)
        gdp, own_prev, previous_transfer = gdp_now, own, general

    trace.revoked_year = revoked_year
    if special_run is not None:
        trace.special = special_run.outcome()
    return trace


def item_split(model: Model, pilot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collected and town-kept amounts per item, ``[t, k, i]``, for the central run's pilot status.

    Recomputed on demand (the revenue frame, explanations) so the hot loop stores no per-item data.
    """
    factors = np.cumprod(1.0 + model.elasticity[None, :, None] * model.growth[:, None, :], axis=0)
    collected = model.collected0.T[None] * factors
    to_town = np.stack(
        [_town_portion(model, t, collected[t][:, None, :], pilot[t][None])[:, 0] for t in range(len(model.years))]
    )
    return collected, to_town
