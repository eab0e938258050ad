"""Special transfers (专项转移支付, docs/model.md §1.5): earmarked project grants under a yearly budget.

Projects compete each year for the budget (and category caps); a funded project costs the county
its ``grant`` and its town ``cost·cofinancing_rate`` (配套资金). ``priority`` funds in a fixed order
and skips what no longer fits; ``optimal`` chooses the set with the highest weighted score by
mixed-integer programming (scipy.optimize.milp / HiGHS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..catalogue import SpecialMethod
from ..numbers import MONEY_EPSILON as EPS


@dataclass(frozen=True)
class ProjectBook:
    """The projects table as arrays (one entry per project, in table order)."""

    ids: np.ndarray
    town: np.ndarray  # town index
    year: np.ndarray
    category: np.ndarray  # category code into ``categories``
    categories: list[str]
    cost: np.ndarray
    grant: np.ndarray
    cofinancing: np.ndarray  # cost · cofinancing_rate
    score: np.ndarray
    key: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class SpecialTransferRules:
    """How projects are chosen each year: the typed ``special_transfers`` settings of a scenario."""

    book: ProjectBook
    method: SpecialMethod
    priority_order: tuple[str, ...]
    pilot_weight: float
    key_weight: float
    require_cofinancing: bool
    carry_over: bool
    budget: np.ndarray  # (n_years,) grown
    caps: np.ndarray  # (n_years, n_categories), inf where a category has no cap
    from_upper: bool = False  # 上级专项: grants passed through, not out of the county's own balance


@dataclass(eq=False)
class YearAllocation:
    """Outcome of one year's round for its candidate projects (arrays aligned with ``candidates``)."""

    candidates: np.ndarray  # project indices considered this year
    funded: np.ndarray  # bool
    reason: np.ndarray  # str per candidate
    rank: np.ndarray  # 1-based position in the funding order (priority) or by weighted score (optimal)
    budget_left: np.ndarray  # budget left when the candidate was considered (priority)
    funded_before: np.ndarray  # how many higher-ranked projects were funded before it
    status: str  # "priority", or the MILP status ("optimal", "time limit, gap 0.3%")


def priority_order(book: ProjectBook, candidates: np.ndarray, pilot: np.ndarray, order: list[str]) -> np.ndarray:
    """Candidates sorted by the ``priority_order`` keys, each descending, then by id."""
    keys = {
        "key_project": book.key[candidates].astype(np.int8),
        "score": book.score[candidates],
        "pilot": pilot[book.town[candidates]].astype(np.int8),
    }
    ids = book.ids[candidates].astype(str)
    id_rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    # np.lexsort sorts by the last key first; negate for descending
    sort_keys = [id_rank] + [-keys[k] for k in reversed(order)]
    return candidates[np.lexsort(sort_keys)]


def allocate_priority(book, candidates, pilot, budget, caps, available, order) -> YearAllocation:
    """Fund in priority order; skip any project that no longer fits and go on (sequential by nature)."""
    ranked = priority_order(book, candidates, pilot, order)
    n = len(ranked)
    funded = np.zeros(n, dtype=bool)
    reason = np.empty(n, dtype=object)
    budget_left = np.empty(n)
    funded_before = np.empty(n, dtype=np.int64)
    left, cap_left, avail = float(budget), caps.copy(), available.copy()
    grant, cof, cat, town = book.grant[ranked], book.cofinancing[ranked], book.category[ranked], book.town[ranked]
    count = 0
    for j in range(n):
        budget_left[j], funded_before[j] = left, count
        if grant[j] > left + EPS:
            reason[j] = "budget"
        elif grant[j] > cap_left[cat[j]] + EPS:
            reason[j] = "category_cap"
        elif cof[j] > 0 and cof[j] > avail[town[j]] + EPS:
            reason[j] = "cofinancing"
        else:
            reason[j] = "funded"
            funded[j] = True
            left -= grant[j]
            cap_left[cat[j]] -= grant[j]
            avail[town[j]] -= cof[j]
            count += 1
    return YearAllocation(ranked, funded, reason, np.arange(1, n + 1), budget_left, funded_before, "priority")


def project_weights(book, candidates, pilot, pilot_weight, key_weight) -> np.ndarray:
    """Objective weight of each candidate: score × pilot_weight (pilot towns) × key_weight (key projects)."""
    w = book.score[candidates].astype(np.float64)
    w = w * np.where(pilot[book.town[candidates]], pilot_weight, 1.0)
    return w * np.where(book.key[candidates], key_weight, 1.0)


def allocate_optimal(
    book, candidates, pilot, budget, caps, available, order, pilot_weight, key_weight, time_limit=30.0
) -> YearAllocation:
    """Maximise Σ x·score·weight subject to budget, caps and co-financing, x ∈ {0, 1} (HiGHS MILP).

    The priority allocation is feasible too; if the solver stops early with something worse, the
    priority allocation is kept, so ``optimal`` is never worse than ``priority``.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # scipy.optimize is slow to import
    from scipy.sparse import csr_array

    n = len(candidates)
    grant, cof = book.grant[candidates], book.cofinancing[candidates]
    cat, town = book.category[candidates], book.town[candidates]
    weight = project_weights(book, candidates, pilot, pilot_weight, key_weight)
    alone = np.full(n, "not_selected", dtype=object)
    alone[cof > 0] = np.where(cof[cof > 0] > available[town[cof > 0]] + EPS, "cofinancing", "not_selected")
    alone[grant > caps[cat] + EPS] = "category_cap"
    alone[grant > budget + EPS] = "budget"
    fits = alone == "not_selected"
    greedy = allocate_priority(book, candidates, pilot, budget, caps, available, order)
    position = {p: j for j, p in enumerate(candidates)}
    greedy_x = np.zeros(n, dtype=bool)
    greedy_x[[position[p] for p in greedy.candidates[greedy.funded]]] = True

    rows, cols, vals, upper = [], [], [], []
    # budget
    rows += [0] * n
    cols += list(range(n))
    vals += list(grant)
    upper.append(budget)
    r = 1
    for c in np.unique(cat):
        if np.isfinite(caps[c]):
            members = np.flatnonzero(cat == c)
            rows += [r] * len(members)
            cols += list(members)
            vals += list(grant[members])
            upper.append(caps[c])
            r += 1
    for t in np.unique(town[cof > 0]):
        if np.isfinite(available[t]):
            members = np.flatnonzero((town == t) & (cof > 0))
            rows += [r] * len(members)
            cols += list(members)
            vals += list(cof[members])
            upper.append(max(available[t], 0.0))
            r += 1
    A = csr_array((vals, (rows, cols)), shape=(r, n))
    status = "optimal"
    x = greedy_x
    if n and fits.any():
        res = milp(
            c=-weight,
            constraints=LinearConstraint(A, -np.inf, np.asarray(upper) + EPS),
            integrality=np.ones(n),
            bounds=Bounds(np.zeros(n), fits.astype(float)),
            options={"time_limit": time_limit, "mip_rel_gap": 1e-9},
        )
        if res.x is not None:
            chosen = res.x > 0.5
            if weight[chosen].sum() >= weight[greedy_x].sum() - EPS:
                x = chosen
            if res.status != 0:
                gap = getattr(res, "mip_gap", None)
                status = f"stopped early ({res.message.strip()})" + (f", gap {gap:.2%}" if gap is not None else "")
        else:
            status = f"solver failed ({res.message.strip()}); priority allocation kept"
    reason = np.where(x, "funded", alone).astype(object)
    ranking = np.argsort(np.argsort(-weight, kind="stable"), kind="stable") + 1
    return YearAllocation(candidates, x, reason, ranking, np.full(n, np.nan), np.zeros(n, dtype=np.int64), status)


@dataclass
class SpecialOutcome:
    """All years' allocations, per-town sums and per-project results."""

    grant_by_town: np.ndarray  # (n_years, n_towns)
    cofinancing_by_town: np.ndarray  # (n_years, n_towns)
    paid: np.ndarray  # (n_years,)
    funded: np.ndarray  # per project
    year_funded: np.ndarray  # per project, 0 when never
    reason: np.ndarray  # per project: last verdict
    rounds: list[YearAllocation]


class SpecialTransferRun:
    """Runs the yearly rounds in order; the engine calls :meth:`year` once per simulated year."""

    def __init__(self, rules: SpecialTransferRules, n_towns: int, years: np.ndarray):
        book = rules.book
        self.rules, self.book, self.years = rules, book, years
        n_years = len(years)
        self.grant_by_town = np.zeros((n_years, n_towns))
        self.cofinancing_by_town = np.zeros((n_years, n_towns))
        self.paid = np.zeros(n_years)
        self.funded = np.zeros(len(book), dtype=bool)
        self.year_funded = np.zeros(len(book), dtype=np.int64)
        self.reason = np.full(len(book), "not_considered", dtype=object)
        self.rounds: list[YearAllocation] = []

    def year(self, t: int, pilot: np.ndarray, balance_before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Allocate year index t; returns grants and co-financing per town."""
        r, book = self.rules, self.book
        year = self.years[t]
        waiting = (~self.funded) & (book.year < year) if r.carry_over else np.zeros(len(book), bool)
        candidates = np.flatnonzero(waiting | (book.year == year))
        available = np.maximum(balance_before, 0.0) if r.require_cofinancing else np.full(len(pilot), np.inf)
        args = (book, candidates, pilot, r.budget[t], r.caps[t], available, r.priority_order)
        if r.method is SpecialMethod.OPTIMAL:
            out = allocate_optimal(*args, r.pilot_weight, r.key_weight)
        else:
            out = allocate_priority(*args)
        self.rounds.append(out)
        chosen = out.candidates[out.funded]
        self.funded[chosen] = True
        self.year_funded[chosen] = year
        self.reason[out.candidates] = out.reason
        n = len(pilot)
        grants = np.bincount(book.town[chosen], weights=book.grant[chosen], minlength=n)
        cof = np.bincount(book.town[chosen], weights=book.cofinancing[chosen], minlength=n)
        self.grant_by_town[t], self.cofinancing_by_town[t] = grants, cof
        self.paid[t] = book.grant[chosen].sum()
        return grants, cof

    def outcome(self) -> SpecialOutcome:
        return SpecialOutcome(
            self.grant_by_town,
            self.cofinancing_by_town,
            self.paid,
            self.funded,
            self.year_funded,
            self.reason,
            self.rounds,
        )
