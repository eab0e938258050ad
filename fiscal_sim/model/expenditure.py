"""Expenditure responsibilities (事权与支出责任, docs/model.md §1.3): standard expenditure by formula.

``need[i,f,t] = unit_cost[f,t]·driver[i,f,t]·cost_factor[i,f]``; the town bears ``town_share[f]``
of each function (标准财政支出), the county the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .projection import cumulative_factor


@dataclass(frozen=True)
class ExpenditureModel:
    """Base-year quantities of each function, and their yearly growth."""

    ids: list[str]
    base_quantity: np.ndarray  # (n_functions, n_towns): driver · cost_factor in the base year
    unit_cost: np.ndarray  # (n_years, n_functions): grown unit costs
    driver_factor: np.ndarray  # (n_years, n_functions): growth of each function's driver column
    town_share: np.ndarray  # (n_functions,)

    def need(self, t: int) -> np.ndarray:
        """``need[i, f]`` in year index t."""
        return (self.base_quantity * (self.unit_cost[t] * self.driver_factor[t])[:, None]).T

    def standard_expenditure(self) -> np.ndarray:
        """标准财政支出 ``[t, i] = Σf town_share[f]·need[i,f,t]``, all years in one product."""
        return (self.unit_cost * self.driver_factor * self.town_share) @ self.base_quantity

    def county_share(self) -> np.ndarray:
        """The county's part of town-area functions, ``[t] = Σi Σf (1 − town_share[f])·need``."""
        totals = self.base_quantity.sum(axis=1)
        return (self.unit_cost * self.driver_factor * (1.0 - self.town_share)) @ totals


def expenditure_model(
    functions: list[dict], towns: Mapping, n_towns: int, drivers: dict, n_years: int
) -> ExpenditureModel:
    """Compile the expenditure functions of a scenario against its towns columns (name → values)."""
    n = n_towns
    quantity = np.empty((len(functions), n))
    unit_cost = np.empty((n_years, len(functions)))
    driver_factor = np.empty((n_years, len(functions)))
    for f, fn in enumerate(functions):
        driver = np.ones(n) if fn["driver"] == "one" else np.asarray(towns[fn["driver"]], dtype=np.float64)
        factor = np.asarray(towns[fn["cost_factor"]], dtype=np.float64) if fn["cost_factor"] else 1.0
        quantity[f] = driver * factor
        unit_cost[:, f] = fn["unit_cost"] * cumulative_factor(fn["growth"], n_years)
        grows = fn["driver"] != "one"
        driver_factor[:, f] = cumulative_factor(drivers.get(fn["driver"], 0.0) if grows else 0.0, n_years)
    share = np.array([fn["town_share"] for fn in functions], dtype=np.float64)
    return ExpenditureModel([fn["id"] for fn in functions], quantity, unit_cost, driver_factor, share)
