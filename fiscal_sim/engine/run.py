"""Running the years: a short composition of per-year steps over a compiled :class:`Model` (docs/model.md §1).

Steps: projection, revenue division, general transfers, special transfers, positions, assessment.
Years run in order because pilot status, transfer growth limits and co-financing carry from one year to
the next; within a year everything is vectorised over towns, and over Monte Carlo draws on a leading
axis (the central run is one draw).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import catalogue
from ..catalogue import PoolMode
from ..model import assessment as assess
from ..model.general_transfer import Allocation, allocate
from ..model.indicators import per_capita
from ..model.revenue_division import fiscal_capacity, own_revenue
from ..model.special_transfer import SpecialOutcome, SpecialTransferRun
from .compile import Model


def town_portion(model: Model, t: int, collected: np.ndarray, pilot: np.ndarray, out=None) -> np.ndarray:
    """What the towns keep of each item ``[k, d, i]``, by the rules in force for their pilot status."""
    portion = model.split_table(t, False).town_portion(collected, out=out)
    if model.has_pilot_rules and pilot.any():
        items = model.pilot_items
        as_pilot = model.split_table(t, True).town_portion(collected[items])
        portion[items] = np.where(pilot, as_pilot, portion[items])
    return portion


# ---------------------------------------------------------------------------------------------
# running the years


@dataclass
class Trace:
    """Per-year arrays of a run, shape (D, T, N) for towns and (D, T) for the county."""

    arrays: dict
    allocations: list[Allocation] = field(default_factory=list)  # per year (central run only)
    assessments: list = field(default_factory=list)  # per year AssessmentStep (central run only)
    special: SpecialOutcome | None = None
    revoked_year: np.ndarray | None = None  # (D, N) first year as a non-pilot, 0 if never
    block: np.ndarray | None = None  # (len(TOWN_ARRAYS), D, T, N) when every town output is kept


# the number columns of the towns frame, in its order (docs/model.md §1.6)
TOWN_ARRAYS = tuple(c.key for c in catalogue.RESULT_TABLES["towns"].columns if c.kind == "number")
COUNTY_ARRAYS = (
    "shared_revenue", "total_revenue", "general_transfers_paid", "special_transfers_paid", "balance",
    "required_transfers", "pool",
)  # fmt: skip


class _Run:
    """The state carried from year to year, and each year's steps (docs/model.md §1.1–§1.7)."""

    def __init__(self, model: Model, growth: np.ndarray, detail: bool, fixed_special, town_outputs):
        self.model, self.growth, self.detail, self.fixed_special = model, growth, detail, fixed_special
        n_draws, n_years, n_towns = growth.shape
        n_items = model.collected0.shape[1]
        self.collected = np.empty((n_items, n_draws, n_towns))  # [k, d, i], updated in place each year
        self.collected[...] = model.collected0.T[:, None, :]
        self.common_elasticity = bool(np.all(model.elasticity == model.elasticity[0]))
        self.factor = None if self.common_elasticity else np.empty_like(self.collected)
        self.portion = np.empty_like(self.collected)  # reused for each year's split
        self.gdp = np.broadcast_to(model.gdp0, (n_draws, n_towns))
        self.pilot = np.broadcast_to(model.pilot0, (n_draws, n_towns)).copy()
        self.streak = np.zeros((n_draws, n_towns), dtype=np.int64)
        self.revoked_year = np.zeros((n_draws, n_towns), dtype=np.int64)
        self.previous_transfer = np.zeros((n_draws, n_towns))
        # the base year is the same in every draw: split one row and broadcast it
        base = town_portion(model, -1, self.collected[:, :1], self.pilot[:1])
        self.own_prev = np.broadcast_to(own_revenue(base, model.remittance), self.pilot.shape)
        self.full_capacity = bool(np.all(model.capacity_rate == 1.0))
        self.no_special = np.zeros((n_draws, n_towns))
        kept = [name for name in TOWN_ARRAYS if name in town_outputs]
        self.block = np.empty((len(kept), n_draws, n_years, n_towns))
        self.out_t = {name: self.block[c] for c, name in enumerate(kept)}
        self.out_t["pilot"] = np.empty((n_draws, n_years, n_towns), dtype=bool)
        self.out_c = {name: np.empty((n_draws, n_years)) for name in COUNTY_ARRAYS}
        self.trace = Trace(self.out_t | {"county": self.out_c}, block=self.block if kept == list(TOWN_ARRAYS) else None)
        self.special_run = None
        if model.special is not None and fixed_special is None:
            self.special_run = SpecialTransferRun(model.special, n_towns, model.years)

    def slot(self, name: str, t: int):
        """Where year t's value of a town output goes (computed straight into the block), or None."""
        return self.out_t[name][:, t, :] if name in self.out_t else None

    def put(self, name: str, t: int, value) -> None:
        if name in self.out_t:
            self.out_t[name][:, t, :] = value

    # -- the steps of a year

    def project(self, t: int) -> np.ndarray:
        """§1.1: GDP and revenue collected grow by this year's growth; returns GDP."""
        m, g = self.model, self.growth[:, t, :]
        gdp_now = np.multiply(self.gdp, 1.0 + g, out=self.slot("gdp", t))
        if self.common_elasticity:
            self.collected *= 1.0 + m.elasticity[0] * g
        else:
            np.multiply(m.elasticity[:, None, None], g, out=self.factor)
            self.factor += 1.0
            self.collected *= self.factor
        return gdp_now

    def divide(self, t: int):
        """§1.2: each item split between town and county; returns (own revenue, capacity, county share)."""
        m = self.model
        to_town = town_portion(m, t, self.collected, self.pilot, out=self.portion)
        retained = np.sum(to_town, axis=0, out=self.slot("town_retained", t))
        own = np.subtract(retained, m.remittance, out=self.slot("own_revenue", t))
        if self.full_capacity:
            capacity = own
            self.put("capacity", t, own)
        else:
            capacity = fiscal_capacity(to_town, m.capacity_rate, m.remittance)
            self.put("capacity", t, capacity)
        collected_total = np.sum(self.collected, axis=0, out=self.slot("revenue_collected", t))
        county_retained = np.subtract(collected_total, retained, out=self.slot("county_retained", t))
        return own, capacity, county_retained.sum(axis=-1)

    def general(self, t: int, gap: np.ndarray, pool) -> Allocation:
        """§1.4: this year's general transfers, priority classes first."""
        m, rules = self.model, self.model.general
        priority = np.zeros(self.pilot.shape, dtype=bool)
        for name in rules.priority:
            priority |= self.pilot if name == "pilot" else rules.static_classes[name]
        return allocate(
            gap,
            m.standard_expenditure[t],
            pool=pool,
            coefficient=rules.coefficient,
            rationing=rules.rationing,
            priority=priority,
            factors=None if rules.factor_values is None else rules.factor_values[t],
            weights=rules.factor_weights,
            eligible_all=rules.eligible_all,
            previous=self.previous_transfer if t > 0 else None,
            growth_limits=rules.growth_limits,
        )

    def pool(self, t: int, total_revenue: np.ndarray, county_spending) -> np.ndarray | None:
        """§1.4: the money for general transfers this year (None: every gap in full)."""
        rules, n_draws = self.model.general, self.growth.shape[0]
        if rules.mode is PoolMode.AMOUNT:
            return np.full(n_draws, rules.pool[t])
        if rules.mode is PoolMode.COUNTY_SURPLUS:
            return np.maximum(total_revenue - county_spending - self.model.special_budget[t], 0.0)
        return None

    def special(self, t: int, balance_before: np.ndarray):
        """§1.5: grants and co-financing per town (the central run's, under Monte Carlo)."""
        if self.fixed_special is not None:
            return self.fixed_special[0][t], self.fixed_special[1][t]
        if self.special_run is not None:
            return self.special_run.year(t, self.pilot[0], balance_before[0])
        return self.no_special, self.no_special

    def assess(self, t: int, gdp_now: np.ndarray, own: np.ndarray) -> None:
        """§1.7: pilots held against their targets; status lost after too many failures."""
        m = self.model
        indicators = {
            "gdp_growth": assess.growth_rate(gdp_now, self.gdp),
            "revenue_growth": assess.growth_rate(own, self.own_prev),
        }
        step = assess.assess_year(
            self.pilot, self.streak, indicators, m.assessment.targets, m.assessment.failures_to_revoke
        )
        if self.detail:
            self.trace.assessments.append(step)
        self.revoked_year = np.where(step.revoke & (self.revoked_year == 0), m.years[t] + 1, self.revoked_year)
        self.pilot = self.pilot & ~step.revoke
        self.streak = np.where(step.revoke, 0, step.streak)

    def year(self, t: int) -> None:
        m, n_draws = self.model, self.growth.shape[0]
        gdp_now = self.project(t)
        own, capacity, shared = self.divide(t)
        se = m.standard_expenditure[t]
        gap = np.maximum(np.subtract(se, capacity, out=self.slot("gap", t)), 0.0, out=self.slot("gap", t))
        remitted = m.remittance.sum()
        total_revenue = m.county.own_revenue[t] + shared + remitted + m.county.upper_transfers[t]
        county_spending = m.county.own_expenditure[t] + m.town_function_expenditure[t]
        pool = self.pool(t, total_revenue, county_spending)
        allocation = self.general(t, gap, pool)
        general = allocation.transfer
        balance_before = own + general - se
        special, cofinancing = self.special(t, balance_before)
        # §1.6 positions
        resources = np.add(own + general, special, out=self.slot("resources", t))
        for name, value in (
            ("population", m.population[t]),
            ("remittance", m.remittance),
            ("standard_expenditure", se),
            ("general_transfer", general),
            ("special_transfer", special),
            ("cofinancing", cofinancing),
        ):
            self.put(name, t, value)
        if "balance" in self.out_t:
            np.subtract(balance_before, cofinancing, out=self.out_t["balance"][:, t, :])
        if "resources_per_capita" in self.out_t:
            self.out_t["resources_per_capita"][:, t, :] = per_capita(resources, m.population[t])
        self.out_t["pilot"][:, t, :] = self.pilot
        paid_general = general.sum(axis=-1)
        paid_special = np.broadcast_to(special, (n_draws, general.shape[-1])).sum(axis=-1)
        county = {
            "shared_revenue": shared,
            "total_revenue": total_revenue,
            "general_transfers_paid": paid_general,
            "special_transfers_paid": paid_special,
            "balance": total_revenue - county_spending - paid_general - paid_special,
            "required_transfers": gap.sum(axis=-1),
            "pool": np.nan if pool is None else pool,
        }
        for name, value in county.items():
            self.out_c[name][:, t] = value
        if self.detail:
            self.trace.allocations.append(allocation)
        if m.assessment is not None:
            self.assess(t, gdp_now, own)
        self.gdp, self.own_prev, self.previous_transfer = gdp_now, own, general

    def finish(self) -> Trace:
        self.trace.revoked_year = self.revoked_year
        if self.special_run is not None:
            self.trace.special = self.special_run.outcome()
        return self.trace


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
    state = _Run(model, growth, detail, fixed_special, town_outputs)
    for t in range(growth.shape[1]):
        state.year(t)
    return state.finish()


def item_split(model: Model, pilot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collected and town-kept amounts per item, ``[t, k, i]``, for the central run's pilot status.

    Recomputed on demand (the revenue frame, explanations) so the hot loop stores no per-item data.
    """
    factors = np.cumprod(1.0 + model.elasticity[None, :, None] * model.growth[:, None, :], axis=0)
    collected = model.collected0.T[None] * factors
    to_town = np.stack(
        [town_portion(model, t, collected[t][:, None, :], pilot[t][None])[:, 0] for t in range(len(model.years))]
    )
    return collected, to_town
