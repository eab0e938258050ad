"""Running the years: a short composition of per-year steps over a compiled :class:`Model` (docs/model.md §1).

Steps: projection, revenue division, general transfers, special transfers, positions, assessment.
Years run in order because pilot status, transfer growth limits and co-financing carry from one year to
the next; within a year everything is vectorised over towns, and over Monte Carlo draws on a leading
axis (the central run is one draw).
"""

from __future__ import annotations

import numpy as np

from ..catalogue import DifficultyMetric, PoolMode
from ..model import assessment as assess
from ..model.arrangements import rewards, settle, tax_return
from ..model.general_transfer import Allocation, allocate, floors
from ..model.indicators import per_capita
from ..model.revenue_division import own_revenue
from ..model.special_transfer import SpecialTransferRun
from .compile import Model
from .revenue import capacity_sum, sum_rows, town_portion
from .trace import COUNTY_ARRAYS, TOWN_ARRAYS, Trace, check_finite

# ---------------------------------------------------------------------------------------------
# running the years


INDICATOR_SUMS = {"gdp_growth": "gdp", "revenue_growth": "own_revenue", "collected_growth": "revenue_collected"}


class _Run:
    """The state carried from year to year, and each year's steps (docs/model.md §1.1–§1.11)."""

    def __init__(self, model: Model, growth: np.ndarray, detail: bool, fixed_special, town_outputs):
        self.model, self.growth, self.detail, self.fixed_special = model, growth, detail, fixed_special
        n_draws, n_years, n_towns = growth.shape
        n_items = model.collected0.shape[1]
        self.collected = np.empty((n_items, n_draws, n_towns))  # [k, d, i], updated in place each year
        self.collected[...] = model.collected0.T[:, None, :]
        self.common_elasticity = bool(np.all(model.elasticity == model.elasticity[0]))
        self.factor = None if self.common_elasticity else np.empty((n_draws, n_towns))  # one item's 1 + e·g
        self.portion = np.empty_like(self.collected)  # reused for each year's split
        shape = (n_draws, n_towns)
        self.gdp = np.broadcast_to(model.gdp0, shape)
        self.pilot = np.broadcast_to(model.pilot0, shape).copy()
        self.streak = np.zeros(shape, dtype=np.int64)
        self.revoked_year = np.zeros(shape, dtype=np.int64)
        self.previous_transfer = np.zeros(shape)
        # the base year is the same in every draw: split one row and broadcast it
        base = town_portion(model, -1, self.collected[:, :1], self.pilot[:1])
        self.own_prev = np.broadcast_to(own_revenue(base, model.remittance), shape)
        self.collected_prev = np.broadcast_to(model.collected0.sum(axis=1), shape)
        if model.tax_returns is not None:
            self.tax_return = np.broadcast_to(model.tax_returns.base, shape)
            self.tax_items_prev = self._items_sum(model.tax_returns.items)
        if model.incentives is not None:
            self.incentive_prev = self._items_sum(model.incentives.items)
        self.full_capacity = bool(np.all(model.capacity_rate == 1.0)) and model.standard_collection is None
        self.has_protected = bool(model.protected_need.any())
        self.no_special = np.zeros(shape)
        kept = [name for name in TOWN_ARRAYS if name in town_outputs]
        # zeroed: an instrument's columns (tax_return, floor, …) stay 0 unless its step writes them, and the
        # memory comes zeroed from the system (no pass over the block)
        self.block = np.zeros((len(kept), n_draws, n_years, n_towns))
        self.out_t = {name: self.block[c] for c, name in enumerate(kept)}
        self.out_t["pilot"] = np.empty((n_draws, n_years, n_towns), dtype=bool)
        self.out_c = {name: np.zeros((n_draws, n_years)) for name in COUNTY_ARRAYS}
        self.trace = Trace(self.out_t | {"county": self.out_c}, block=self.block if kept == list(TOWN_ARRAYS) else None)
        self.special_run = None
        if model.special is not None and fixed_special is None:
            self.special_run = SpecialTransferRun(model.special, n_towns, model.years)

    def _items_sum(self, items: np.ndarray) -> np.ndarray:
        return sum_rows(self.collected, items) if items.size else np.zeros(self.collected.shape[1:])

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
            for k, e in enumerate(m.elasticity):  # row by row: no (items, draws, towns) factor array
                np.multiply(g, e, out=self.factor)
                self.factor += 1.0
                self.collected[k] *= self.factor
        return gdp_now

    def divide(self, t: int):
        """§1.2: each item split between town and county; returns (town portions, retained, collected, county share)."""
        to_town = town_portion(self.model, t, self.collected, self.pilot, out=self.portion)
        retained = sum_rows(to_town, out=self.slot("town_retained", t))
        collected_total = sum_rows(self.collected, out=self.slot("revenue_collected", t))
        county_retained = np.subtract(collected_total, retained, out=self.slot("county_retained", t))
        return to_town, retained, collected_total, county_retained.sum(axis=-1)

    def contracts(self, t: int, retained: np.ndarray):
        """§1.11 核定收支: ``(in force, contract transfer, over-collection to the county)``, or Nones."""
        rules = self.model.contracts
        if rules is None:
            return None, 0.0, 0.0
        in_force = rules.in_force(self.pilot)
        transfer, over = settle(retained, *rules.terms(t, self.pilot))
        transfer = np.where(in_force, transfer, 0.0)
        over = np.where(in_force, over, 0.0)
        self.put("contract_transfer", t, transfer)
        self.put("over_collection_to_county", t, over)
        return in_force, transfer, over

    def tax_returns(self, t: int) -> np.ndarray | float:
        """§1.11 税收返还: last year's return moved with the named items' collections."""
        rules = self.model.tax_returns
        if rules is None:
            return 0.0
        if rules.items.size:
            now = self._items_sum(rules.items)
            self.tax_return = tax_return(self.tax_return, now, self.tax_items_prev, rules.coefficient)
            self.tax_items_prev = now
        self.put("tax_return", t, self.tax_return)
        return self.tax_return

    def rewards(self, t: int) -> np.ndarray | float:
        """§1.11 超收奖励 on collection growth above the threshold."""
        rules = self.model.incentives
        if rules is None:
            return 0.0
        now = self._items_sum(rules.items)
        threshold = rules.threshold.value
        if rules.threshold.relative:
            county = assess.growth_rate(now.sum(axis=-1), self.incentive_prev.sum(axis=-1))
            threshold = np.nan_to_num(rules.threshold.at(t, county), nan=0.0)
        budget = None if rules.budget is None else rules.budget[t]
        reward = rewards(now, self.incentive_prev, threshold, rules.rate, rules.eligible(self.pilot), budget)
        self.incentive_prev = now
        self.put("incentive", t, reward)
        return reward

    def capacity(self, t: int, to_town, remittance, tax_return_now):
        """§1.2 标准财政收入: the town's shares at their capacity rates (standard revenue where asked)."""
        m = self.model
        if m.standard_collection is not None:
            collected = self.collected.copy()
            collected[m.standard_items] = m.standard_collection[t][:, None, :]
            to_town = town_portion(m, t, collected, self.pilot)
        capacity = capacity_sum(m.capacity_rate, to_town) - remittance
        capacity += tax_return_now
        return capacity

    def needs(self, t: int):
        """§1.3: standard expenditure and protected need for each town's status this year."""
        m = self.model
        se, protected = m.standard_expenditure[t], m.protected_need[t]
        if m.se_pilot is not None and self.pilot.any():
            se = np.where(self.pilot, m.se_pilot[t], se)
            protected = np.where(self.pilot, m.protected_pilot[t], protected)
        return se, protected

    def difficulty(self, t, gap, se, protected, capacity):
        rules = self.model.general.difficulty
        if rules is None:
            return None
        columns = []
        for column in rules.columns:
            if isinstance(column, np.ndarray):
                columns.append(np.broadcast_to(column[t], gap.shape))
            elif column is DifficultyMetric.GAP_RATE:
                columns.append(per_capita(gap, se))  # gap ÷ standard expenditure
            else:
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    columns.append(np.where(capacity > 0, protected / np.where(capacity > 0, capacity, 1.0), np.inf))
        return np.stack(columns, axis=-1), rules.weights, rules.uniform_weight

    def general(self, t: int, gap, se, pool, floor, excluded, difficulty) -> Allocation:
        """§1.4: this year's general transfers: floors first, then gaps, priority classes first."""
        rules = self.model.general
        priority = np.zeros(self.pilot.shape, dtype=bool)
        for name in rules.priority:
            priority |= self.pilot if name == "pilot" else rules.static_classes[name]
        return allocate(
            gap,
            se,
            pool=pool,
            coefficient=rules.coefficient,
            rationing=rules.rationing,
            priority=priority,
            factors=None if rules.factor_values is None else rules.factor_values[t],
            weights=rules.factor_weights,
            eligible_all=rules.eligible_all,
            previous=self.previous_transfer if t > 0 else None,
            growth_limits=rules.growth_limits,
            floor=floor,
            excluded=excluded,
            difficulty=difficulty,
        )

    def pool(self, t: int, county_left: np.ndarray) -> np.ndarray | None:
        """§1.4: the money for general transfers this year (None: every gap in full)."""
        rules, n_draws = self.model.general, self.growth.shape[0]
        if rules.mode is PoolMode.AMOUNT:
            return np.full(n_draws, rules.pool[t])
        if rules.mode is PoolMode.COUNTY_SURPLUS:
            return np.maximum(county_left, 0.0)
        return None

    def special(self, t: int, balance_before: np.ndarray):
        """§1.5: grants and co-financing per town (the central run's, under Monte Carlo)."""
        if self.fixed_special is not None:
            return self.fixed_special[0][t], self.fixed_special[1][t]
        if self.special_run is not None:
            return self.special_run.year(t, self.pilot[0], balance_before[0])
        return self.no_special, self.no_special

    def assess(self, t: int, gdp_now: np.ndarray, own: np.ndarray, collected: np.ndarray) -> None:
        """§1.7: pilots held against their targets; status lost after too many failures."""
        m = self.model
        now = {"gdp": gdp_now, "own_revenue": own, "revenue_collected": collected}
        before = {"gdp": self.gdp, "own_revenue": self.own_prev, "revenue_collected": self.collected_prev}
        indicators, targets = {}, {}
        for name, target in m.assessment.targets.items():
            key = INDICATOR_SUMS[name]
            indicators[name] = assess.growth_rate(now[key], before[key])
            county = None
            if target.relative and not isinstance(target.benchmark, np.ndarray):
                county = assess.growth_rate(now[key].sum(axis=-1), before[key].sum(axis=-1))
            targets[name] = target.at(t, county)
        step = assess.assess_year(self.pilot, self.streak, indicators, targets, m.assessment.failures_to_revoke)
        if self.detail:
            step.targets = targets
            self.trace.assessments.append(step)
        self.revoked_year[step.revoke & (self.revoked_year == 0)] = m.years[t] + 1
        self.pilot = self.pilot & ~step.revoke
        self.streak = np.where(step.revoke, 0, step.streak)

    def year(self, t: int) -> None:
        m, n_draws = self.model, self.growth.shape[0]
        gdp_now = self.project(t)
        to_town, retained, collected, shared = self.divide(t)
        in_force, contract, over = self.contracts(t, retained)
        remittance = m.remittance if in_force is None else np.where(in_force, 0.0, m.remittance)
        own = np.subtract(retained, remittance, out=self.slot("own_revenue", t))
        if in_force is not None:
            own -= over
        returned = self.tax_returns(t)
        reward = self.rewards(t)
        if self.full_capacity and m.tax_returns is None:
            capacity = own if in_force is None else retained - remittance
        else:
            capacity = self.capacity(t, to_town, remittance, returned)
        self.put("capacity", t, capacity)
        se, protected = self.needs(t)
        gap = np.maximum(np.subtract(se, capacity, out=self.slot("gap", t)), 0.0, out=self.slot("gap", t))
        floor = None
        if m.general.floor:
            floor = floors(protected, own + returned + contract)
            self.put("floor", t, floor)
            self.put("protected_need", t, protected)
        elif self.has_protected:
            self.put("protected_need", t, protected)
        # §1.6 the county before general transfers
        remitted = remittance.sum(axis=-1)
        over_received = over.sum(axis=-1) if in_force is not None else 0.0
        total_revenue = m.county.own_revenue[t] + shared + remitted + over_received + m.county.upper_transfers[t]
        town_functions = m.total_need[t] - se.sum(axis=-1) if m.se_pilot is not None else m.town_function_expenditure[t]
        paid = {"tax_returns_paid": returned, "contract_transfers_paid": contract, "incentives_paid": reward}
        paid = {name: value.sum(axis=-1) for name, value in paid.items() if isinstance(value, np.ndarray)}
        arrangements = sum(paid.values(), 0.0)
        county_spending = m.county.own_expenditure[t] + town_functions
        special_budget = 0.0 if m.special is None or m.special.from_upper else m.special.budget[t]
        pool = self.pool(t, total_revenue - county_spending - arrangements - special_budget)
        difficulty = self.difficulty(t, gap, se, protected, capacity)
        allocation = self.general(t, gap, se, pool, floor, in_force, difficulty)
        general = allocation.transfer
        has = own + returned + contract + reward
        balance_before = has + general - se
        special, cofinancing = self.special(t, balance_before)
        resources = np.add(has + general, special, out=self.slot("resources", t))
        for name, value in (
            ("population", m.population[t]),
            ("remittance", remittance),
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
        upper_special = paid_special if m.special is not None and m.special.from_upper else 0.0
        county = {
            "shared_revenue": shared,
            "total_revenue": total_revenue + upper_special,
            "general_transfers_paid": paid_general,
            "special_transfers_paid": paid_special,
            "balance": total_revenue - county_spending - arrangements - paid_general - (paid_special - upper_special),
            "required_transfers": (gap if in_force is None else np.where(in_force, 0.0, gap)).sum(axis=-1),
            "pool": np.nan if pool is None else pool,
            "remittances": remitted,
            "town_function_expenditure": town_functions,
            "over_collection_received": over_received,
            "upper_special_grants": upper_special,
            "pool_overrun": 0.0 if allocation.overrun is None else allocation.overrun,
            **paid,
        }
        for name, value in county.items():
            self.out_c[name][:, t] = value
        if self.detail:
            allocation.excluded = in_force
            self.trace.allocations.append(allocation)
        if m.assessment is not None:
            self.assess(t, gdp_now, own, collected)
        self.gdp, self.own_prev, self.previous_transfer = gdp_now, own, general
        self.collected_prev = collected

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
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, naming where
        for t in range(growth.shape[1]):
            state.year(t)
    trace = state.finish()
    check_finite(model, trace)
    return trace
