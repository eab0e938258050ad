"""County–town arrangements (县乡财政体制, docs/model.md §1.11): contracts, tax returns and rewards.

These are the instruments in which county–town arrangements are written besides split rules and
transfers: 核定收支 contracts (定额上解/定额补助, 超收分成, 短收不补), 税收返还 that holds a town harmless
when a split changes, and 超收奖励 for revenue effort. Arrays have the towns on the last axis and any
number of leading axes (Monte Carlo draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ContractTerms:
    """A contract's terms for every town in every simulated year (the town's own or its class's)."""

    revenue_base: np.ndarray  # (T, N) B_R, grown
    expenditure_base: np.ndarray  # (T, N) B_E, grown
    over_share: np.ndarray  # (N,) the town keeps this share of collections above B_R
    county_makes_up: np.ndarray  # (N,) bool: shortfall: county (保底) rather than town (短收不补)

    def select(self, other: ContractTerms, where: np.ndarray, t: int) -> tuple[np.ndarray, ...]:
        """This contract's terms in year t where ``where``, the other's elsewhere."""
        return (
            np.where(where, self.revenue_base[t], other.revenue_base[t]),
            np.where(where, self.expenditure_base[t], other.expenditure_base[t]),
            np.where(where, self.over_share, other.over_share),
            np.where(where, self.county_makes_up, other.county_makes_up),
        )


def settle(retained, revenue_base, expenditure_base, over_share, county_makes_up):
    """One year's settlement of a contract: ``(contract_transfer, over_collection_to_county)``.

    The settlement ``S = B_E − B_R`` is a fixed subsidy when positive and a fixed remittance when
    negative; of what the town retains above ``B_R`` it keeps ``over_share`` (超收分成); a shortfall below
    ``B_R`` stays with the town (短收不补) unless the county makes it up (保底).

    Bases 100 and 130, the town retains 120, keeps 60% of the 20 above its base:
    S = 30, over-collection to the county 0.4·20 = 8.

    >>> settle(np.array([120.0]), 100.0, 130.0, 0.6, False)
    (array([30.]), array([8.]))

    Retaining 90 (a shortfall of 10) under 保底 adds 10 to the settlement:

    >>> settle(np.array([90.0]), 100.0, 130.0, 0.6, True)
    (array([40.]), array([0.]))
    """
    over = np.maximum(retained - revenue_base, 0.0)
    shortfall = np.maximum(revenue_base - retained, 0.0)
    transfer = (expenditure_base - revenue_base) + np.where(county_makes_up, shortfall, 0.0)
    return transfer, (1.0 - over_share) * over


def tax_return(previous, items_now, items_before, coefficient):
    """税收返还 of a year: grows by ``c`` times the growth of the named items' collections; a fall is
    passed on in full (1994 相应扣减); never below 0; no growth where the previous sum was 0.

    >>> tax_return(np.array([100.0, 100.0]), np.array([110.0, 80.0]), np.array([100.0, 100.0]), 0.3).tolist()
    [103.0, 80.0]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(items_before > 0, items_now / np.where(items_before > 0, items_before, 1.0) - 1.0, 0.0)
    factor = np.where(growth >= 0, 1.0 + coefficient * growth, 1.0 + growth)
    return np.maximum(previous * factor, 0.0)


def rewards(collected, collected_before, threshold, rate, eligible, budget=None):
    """超收奖励: ``ρ·max(0, C[t] − C[t−1]·(1 + θ))`` for eligible towns, scaled down in proportion
    when they sum to more than ``budget``.

    Collections up from 100 to 120 against a 10% threshold: 0.5·(120 − 110) = 5; the second town grew
    only 5%. With a budget of 6 for rewards of 5 and 10, both are scaled by 6/15:

    >>> rewards(np.array([120.0, 105.0]), np.array([100.0, 100.0]), 0.1, 0.5, np.array([True, True])).round(9).tolist()
    [5.0, 0.0]
    >>> rewards(np.array([120.0, 130.0]), np.array([100.0, 100.0]), 0.1, 0.5, np.array([True, True]), 6.0).round(9).tolist()
    [2.0, 4.0]
    """
    threshold = np.asarray(threshold, dtype=np.float64)[..., None] if np.ndim(threshold) else threshold
    raw = np.where(eligible, rate * np.maximum(collected - collected_before * (1.0 + threshold), 0.0), 0.0)
    if budget is None:
        return raw
    total = raw.sum(axis=-1, keepdims=True)
    budget = np.asarray(budget, dtype=np.float64)
    budget = budget[..., None] if budget.ndim else budget
    scale = np.where(total > budget, budget / np.where(total > 0, total, 1.0), 1.0)
    return raw * scale
