"""Distribution indicators (docs/model.md §1.8): population-weighted Gini and coefficient of variation."""

from __future__ import annotations

import numpy as np


def per_capita(amount: np.ndarray, population: np.ndarray) -> np.ndarray:
    """``amount / population``; NaN where a town has no population."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(population > 0, amount / np.where(population > 0, population, 1.0), np.nan)


def lorenz_curve(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative population share and cumulative amount share, from 0, towns sorted by ``values``.

    Both arrays have the towns on the last axis, one point more than towns (the origin).
    """
    values = np.where(weights > 0, values, 0.0)
    order = np.argsort(values, axis=-1, kind="stable")
    v = np.take_along_axis(values, order, axis=-1)
    w = np.take_along_axis(weights, order, axis=-1)
    cum_w = np.cumsum(w, axis=-1)
    cum_a = np.cumsum(v * w, axis=-1)
    total_w = cum_w[..., -1:]
    total_a = cum_a[..., -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = cum_w / np.where(total_w > 0, total_w, 1.0)
        share = np.where(total_a != 0, cum_a / np.where(total_a != 0, total_a, 1.0), p)
    zeros = np.zeros(p.shape[:-1] + (1,))
    return np.concatenate([zeros, p], axis=-1), np.concatenate([zeros, share], axis=-1)


def gini(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Population-weighted Gini coefficient over the last axis (trapezoids under the Lorenz curve).

    >>> float(gini(np.array([1.0, 1.0]), np.array([1.0, 3.0])))
    0.0
    >>> round(float(gini(np.array([0.0, 1.0]), np.array([1.0, 1.0]))), 6)
    0.5
    """
    p, share = lorenz_curve(values, weights)
    area = np.sum(np.diff(p, axis=-1) * (share[..., 1:] + share[..., :-1]), axis=-1)
    return 1.0 - area


def coefficient_of_variation(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Population-weighted standard deviation over mean, over the last axis.

    >>> round(float(coefficient_of_variation(np.array([1.0, 3.0]), np.array([1.0, 1.0]))), 6)
    0.5
    """
    values = np.where(weights > 0, values, 0.0)
    total = weights.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (values * weights).sum(axis=-1) / total
        var = (weights * (values - mean[..., None]) ** 2).sum(axis=-1) / total
        return np.sqrt(var) / mean
