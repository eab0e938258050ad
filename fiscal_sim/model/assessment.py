"""Pilot assessment (考评, docs/model.md §1.7): pilots that miss their targets too long lose pilot status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def growth_rate(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``current/previous − 1``; NaN (not assessable) where the previous value is ≤ 0.

    >>> growth_rate(np.array([110.0, 5.0]), np.array([100.0, 0.0]))
    array([0.1, nan])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(previous > 0, current / np.where(previous > 0, previous, 1.0) - 1.0, np.nan)


@dataclass
class AssessmentStep:
    """One year's verdicts for every town: -1 not assessed, 0 passed, 1 failed."""

    verdict: np.ndarray
    streak: np.ndarray
    revoke: np.ndarray  # bool: loses pilot status from next year
    indicators: dict


def assess_year(
    pilot: np.ndarray, streak: np.ndarray, indicators: dict, targets: dict, failures_to_revoke: int
) -> AssessmentStep:
    """Hold pilots' indicators against targets and update their consecutive-failure streak.

    A year fails when any indicator falls short; a year with an indicator that cannot be computed
    is not assessed (the streak neither grows nor resets).

    >>> step = assess_year(np.array([True, True]), np.array([2, 2]), {"gdp_growth": np.array([0.05, 0.09])}, {"gdp_growth": 0.07}, 3)
    >>> step.streak.tolist(), step.revoke.tolist()
    ([3, 0], [True, False])
    """
    shape = pilot.shape
    assessable = pilot.copy()
    failed = np.zeros(shape, dtype=bool)
    for name, target in targets.items():
        value = indicators[name]
        assessable &= ~np.isnan(value)
        failed |= np.nan_to_num(value, nan=np.inf) < target
    failed &= assessable
    verdict = np.where(assessable, failed.astype(np.int8), np.int8(-1))
    new_streak = np.where(assessable, np.where(failed, streak + 1, 0), streak)
    revoke = pilot & (new_streak >= failures_to_revoke)
    return AssessmentStep(verdict, new_streak, revoke, indicators)
