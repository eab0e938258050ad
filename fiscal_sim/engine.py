"""The engine: compiles a scenario into arrays and runs the years, composing the model's parts.

Years run in order because pilot status (assessment), transfer growth limits and co-financing carry
from one year to the next; within a year everything is vectorised over towns, and over Monte Carlo
draws on a leading axis (the central run is one draw).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import assessment as assess
from .expenditure import ExpenditureModel, expenditure_model
from .general_transfer import Allocation, allocate, fiscal_gap
from .projection import column_path, cumulative_factor, gdp_growth_rates, grown_amount
from .revenue_division import SplitBands, assign_rules, compile_bands, fiscal_capacity, own_revenue
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
    bands: dict  # {(t, as_pilot): SplitBands}; t = -1 is the base year
    has_pilot_rules: bool
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

    def split_bands(self, t: int, as_pilot: bool) -> SplitBands:
        return self.bands[(t, as_pilot)]


def _column_factor(drivers: dict, column: str, n_years: int) -> np.ndarray:
    """Growth factor of a towns column for the base year (index -1 → 1) and each simulated year."""
    return np.concatenate([[1.0], cumulative_factor(drivers.get(column, 0.0), n_years)])


def compile_model(scenario: Scenario) -> Model:
    """Turn a validated scenario into the arrays the engine runs on."""
    cfg, towns = scenario.config, scenario.towns
    years = scenario.years
    n_years, n_towns = len(years), len(towns)
    ids = towns["id"].tolist()
    position = {t: i for i, t in enumerate(ids)}
    pilot0 = scenario.classes["pilot"]
    drivers = cfg["growth"]["drivers"]
    items = cfg["revenue_items"]
    collected0 = np.column_stack([towns[i.get("column") or i["id"]].to_numpy(np.float64) for i in items])

    rules = {
        flag: assign_rules(items, cfg["split_overrides"], position, scenario.classes, as_pilot=flag)
        for flag in (False, True)
    }
    has_pilot_rules = any(o.get("class") == "pilot" for o in cfg["split_overrides"])
    bands = _compile_all_bands(rules, towns, collected0, drivers, n_years, has_pilot_rules)

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
        bands=bands,
        has_pilot_rules=has_pilot_rules,
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


def _compile_all_bands(rules: dict, towns, collected0, drivers, n_years, has_pilot_rules) -> dict:
    """Split bands for the base year and every simulated year, rebuilt only where a base grows."""
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

    out = {}
    flags = (False, True) if has_pilot_rules else (False,)
    for flag in flags:
        static = compile_bands(rules[flag], base_of_year(-1))
        for t in range(-1, n_years):
            out[(t, flag)] = compile_bands(rules[flag], base_of_year(t)) if growing and t >= 0 else static
    if not has_pilot_rules:
        for t in range(-1, n_years):
            out[(t, True)] = out[(t, False)]
    return out


def _town_portion(model: Model, t: int, collected: np.ndarray, pilot: np.ndarray) -> np.ndarray:
    """What the towns keep of each item, by the rules in force for their pilot status."""
    portion = model.split_bands(t, False).town_portion(collected)
    if model.has_pilot_rules and pilot.any():
        as_pilot = model.split_bands(t, True).town_portion(collected)
        portion = np.where(pilot[..., None], as_pilot, portion)
    return portion


@dataclass
class Trace:
    """Per-year arrays of a run, shape (D, T, N) for towns and (D, T) for the county."""

    arrays: dict
    allocations: list[Allocation] = field(default_factory=list)  # per year (central run only)
    assessments: list = field(default_factory=list)  # per year AssessmentStep (central run only)
    special: SpecialOutcome | None = None
    revoked_year: np.ndarray | None = None  # (D, N) first year as a non-pilot, 0 if never


TOWN_ARRAYS = (
    "gdp", "pilot", "revenue_collected", "town_retained", "county_retained", "own_revenue", "capacity",
    "gap", "general_transfer", "special_transfer", "cofinancing", "balance", "resources",
)  # fmt: skip
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
) -> Trace:
    """Run every simulated year for ``growth[d, t, i]`` (d: draws; the central run has one).

    ``detail`` keeps per-item splits and each year's allocation for ``explain``; Monte Carlo runs
    without it and with the central run's special transfers (``fixed_special``: grants and
    co-financing per year and town).
    """
    n_draws, n_years, n_towns = growth.shape
    rem = model.remittance
    collected = np.broadcast_to(model.collected0, (n_draws,) + model.collected0.shape)
    gdp = np.broadcast_to(model.gdp0, (n_draws, n_towns))
    pilot = np.broadcast_to(model.pilot0, (n_draws, n_towns)).copy()
    streak = np.zeros((n_draws, n_towns), dtype=np.int64)
    revoked_year = np.zeros((n_draws, n_towns), dtype=np.int64)
    previous_transfer = np.zeros((n_draws, n_towns))
    own_prev = own_revenue(_town_portion(model, -1, collected, pilot), rem)
    out_t = {name: np.empty((n_draws, n_years, n_towns)) for name in TOWN_ARRAYS}
    out_c = {name: np.empty((n_draws, n_years)) for name in COUNTY_ARRAYS}
    items = {}
    if detail:
        items = {name: np.empty((n_years, n_towns, model.collected0.shape[1])) for name in ("collected", "to_town")}
    trace = Trace(out_t | {"county": out_c} | {"items": items})
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
    for t in range(n_years):
        g = growth[:, t, :]
        gdp_now = gdp * (1.0 + g)
        collected = collected * (1.0 + model.elasticity * g[..., None])
        to_town = _town_portion(model, t, collected, pilot)
        own = own_revenue(to_town, rem)
        capacity = fiscal_capacity(to_town, model.capacity_rate, rem)
        se = model.standard_expenditure[t]
        gap = fiscal_gap(se, capacity)
        collected_total = collected.sum(axis=-1)
        retained = to_town.sum(axis=-1)
        shared = (collected_total - retained).sum(axis=-1)
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
            special = cofinancing = np.zeros(n_towns)
        special = np.broadcast_to(special, (n_draws, n_towns))
        cofinancing = np.broadcast_to(cofinancing, (n_draws, n_towns))

        values = {
            "gdp": gdp_now,
            "pilot": pilot,
            "revenue_collected": collected_total,
            "town_retained": retained,
            "county_retained": collected_total - retained,
            "own_revenue": own,
            "capacity": capacity,
            "gap": gap,
            "general_transfer": general,
            "special_transfer": special,
            "cofinancing": cofinancing,
            "balance": balance_before - cofinancing,
            "resources": own + general + special,
        }
        for name, value in values.items():
            out_t[name][:, t, :] = value
        paid_general = general.sum(axis=-1)
        paid_special = special.sum(axis=-1)
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
            items["collected"][t], items["to_town"][t] = collected[0], to_town[0]
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
            streak = step.streak
            revoked_year = np.where(step.revoke & (revoked_year == 0), model.years[t] + 1, revoked_year)
            pilot = pilot & ~step.revoke
            streak = np.where(step.revoke, 0, streak)
        gdp, own_prev, previous_transfer = gdp_now, own, general

    trace.revoked_year = revoked_year
    if special_run is not None:
        trace.special = special_run.outcome()
    return trace
