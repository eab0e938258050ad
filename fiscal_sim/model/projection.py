"""Projection (docs/model.md §1.1): GDP growth, revenue collected, driver columns and grown amounts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def cumulative_factor(rate, n_years: int) -> np.ndarray:
    """Growth factor for each simulated year of a base-year amount: ``(1+r)^1 … (1+r)^T``.

    ``rate`` is a number or a per-year list; the first simulated year already applies one year.

    >>> cumulative_factor(0.1, 3)
    array([1.1  , 1.21 , 1.331])
    >>> cumulative_factor([0.1, 0.0, -0.5], 3)
    array([1.1 , 1.1 , 0.55])
    """
    rates = np.broadcast_to(np.asarray(rate, dtype=np.float64), (n_years,))
    return np.cumprod(1.0 + rates)


def grown_amount(amount: float, rate, n_years: int) -> np.ndarray:
    """A base-year amount (pool, budget, county item, unit cost) in each simulated year."""
    return amount * cumulative_factor(rate, n_years)


def gdp_growth_rates(spec, towns: Mapping, pilot: np.ndarray, n_years: int) -> np.ndarray:
    """``g[t, i]``: GDP growth per year and town from a number, ``{pilot, other}``, a column or a list.

    ``towns`` maps a column name to its values (a towns table).

    >>> towns = {"g": np.array([0.05, 0.02])}
    >>> gdp_growth_rates({"pilot": 0.1, "other": 0.0}, towns, np.array([True, False]), 2)
    array([[0.1, 0. ],
           [0.1, 0. ]])
    >>> gdp_growth_rates([0.1, "g"], towns, np.array([True, False]), 2)
    array([[0.1 , 0.1 ],
           [0.05, 0.02]])
    """
    n_towns = len(pilot)

    def one(value) -> np.ndarray:
        if isinstance(value, dict):
            return np.where(pilot, one(value["pilot"]), one(value["other"]))
        if isinstance(value, str):
            return np.asarray(towns[value], dtype=np.float64)
        return np.full(n_towns, float(value))

    if isinstance(spec, list):
        return np.stack([one(v) for v in spec])
    return np.broadcast_to(one(spec), (n_years, n_towns)).copy()


def compound(base: np.ndarray, rates: np.ndarray, elasticity=1.0) -> np.ndarray:
    """Path ``x[t] = x[t-1]·(1 + elasticity·rate[t])`` over the leading (year) axis of ``rates``.

    >>> compound(np.array([100.0]), np.array([[0.1], [0.1]]), 2.0)
    array([[120.],
           [144.]])
    """
    return base * np.cumprod(1.0 + elasticity * rates, axis=0)


def column_path(towns: Mapping, column: str, drivers: dict, n_years: int) -> np.ndarray:
    """A towns column in every simulated year, ``[t, i]``, grown by ``growth.drivers[column]``.

    >>> column_path({"pop": np.array([100.0])}, "pop", {"pop": 0.1}, 2)
    array([[110.],
           [121.]])
    """
    base = np.asarray(towns[column], dtype=np.float64)
    factor = cumulative_factor(drivers.get(column, 0.0), n_years)
    return factor[:, None] * base[None, :]
