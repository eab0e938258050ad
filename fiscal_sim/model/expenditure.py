"""Expenditure responsibilities (事权与支出责任, docs/model.md §1.3): standard expenditure by formula.

``need[i,f,t] = unit_cost[f,t]·driver[i,f,t]·cost_factor[i,f,t]``; the town bears ``town_share[i,f]`` of
each function (标准财政支出), the county the rest; ``protected[f]`` of a town's part is 三保 (保工资、保运转、
保基本民生). A town's share may differ from the function's (``expenditure_overrides``: 明确为试点镇事权), and
for pilot towns it may differ while their status is in force, so shares are kept for both statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .projection import cumulative_factor


@dataclass(frozen=True)
class ExpenditureModel:
    """Base-year quantities of each function, their yearly growth, and the towns' shares."""

    ids: list[str]
    base_quantity: np.ndarray  # (n_functions, n_towns): driver · cost_factor in the base year
    unit_cost: np.ndarray  # (n_years, n_functions): grown unit costs
    driver_factor: np.ndarray  # (n_years, n_functions): growth of each function's driver and cost factor columns
    town_share: np.ndarray  # (n_functions, n_towns): the town's share, pilot-class overrides not applied
    pilot_share: np.ndarray | None  # (n_functions, n_towns): the share while pilot status is in force (None: the same)
    protected: np.ndarray  # (n_functions,)

    @property
    def scale(self) -> np.ndarray:
        """``[t, f]``: unit cost times the growth of the function's quantity."""
        return self.unit_cost * self.driver_factor

    def need(self, t: int) -> np.ndarray:
        """``need[i, f]`` in year index t."""
        return (self.base_quantity * self.scale[t][:, None]).T

    def shares(self, pilot: bool) -> np.ndarray:
        return self.pilot_share if pilot and self.pilot_share is not None else self.town_share

    def standard_expenditure(self, pilot: bool = False) -> np.ndarray:
        """标准财政支出 ``[t, i] = Σf town_share[i,f]·need[i,f,t]``, all years in one product."""
        return self.scale @ (self.shares(pilot) * self.base_quantity)

    def protected_need(self, pilot: bool = False) -> np.ndarray:
        """三保支出需求 ``[t, i] = Σf protected[f]·town_share[i,f]·need[i,f,t]``."""
        return (self.scale * self.protected) @ (self.shares(pilot) * self.base_quantity)

    def standard_and_protected(self, pilot: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`standard_expenditure` and :meth:`protected_need` from one ``share·quantity`` product."""
        weighted = self.shares(pilot) * self.base_quantity
        return self.scale @ weighted, (self.scale * self.protected) @ weighted

    def total_need(self) -> np.ndarray:
        """``[t]``: every town's need of every function summed (the county bears what towns do not)."""
        return self.scale @ self.base_quantity.sum(axis=1)

    def county_share(self) -> np.ndarray:
        """The county's part of town-area functions ``[t]`` when no town is a pilot."""
        return self.total_need() - self.standard_expenditure().sum(axis=1)


def expenditure_model(
    functions: list[dict],
    towns: Mapping,
    n_towns: int,
    drivers: dict,
    n_years: int,
    shares: tuple[np.ndarray, np.ndarray | None] | None = None,
) -> ExpenditureModel:
    """Compile the expenditure functions against the towns columns (name → values).

    ``shares`` is ``(town_share, pilot_share)`` as ``(n_functions, n_towns)`` arrays after overrides;
    by default every town bears each function's ``town_share``. A ``cost_factor`` column grows like the
    driver does when ``growth.drivers`` lists it.
    """
    quantity = np.empty((len(functions), n_towns))
    unit_cost = np.empty((n_years, len(functions)))
    driver_factor = np.empty((n_years, len(functions)))
    for f, fn in enumerate(functions):
        grows = fn["driver"] != "one"
        driver = np.asarray(towns[fn["driver"]], dtype=np.float64) if grows else np.ones(n_towns)
        factor = np.asarray(towns[fn["cost_factor"]], dtype=np.float64) if fn["cost_factor"] else 1.0
        quantity[f] = driver * factor
        unit_cost[:, f] = fn["unit_cost"] * cumulative_factor(fn["growth"], n_years)
        growth = cumulative_factor(drivers.get(fn["driver"], 0.0) if grows else 0.0, n_years)
        if fn["cost_factor"]:
            growth = growth * cumulative_factor(drivers.get(fn["cost_factor"], 0.0), n_years)
        driver_factor[:, f] = growth
    if shares is None:
        own = np.repeat(np.array([fn["town_share"] for fn in functions], dtype=np.float64)[:, None], n_towns, axis=1)
        shares = (own, None)
    protected = np.array([fn.get("protected", 0.0) for fn in functions], dtype=np.float64)
    return ExpenditureModel(
        [fn["id"] for fn in functions], quantity, unit_cost, driver_factor, shares[0], shares[1], protected
    )
