"""Pilot assessment (考评, docs/model.md §1.7): pilots that miss their targets too long lose pilot status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def growth_rate(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``current/previous − 1``; NaN (not assessable) where the previous value is ≤ 0.

    >>> growth_rate(np.array([110.0, 5.0]), np.array([100.0, 0.0]))
    array([0.1, nan])
    """
    current, previous = np.asarray(current, dtype=np.float64), np.asarray(previous, dtype=np.float64)
    positive = previous > 0
    # divided only where previous > 0, into NaN elsewhere (NaN − 1 stays NaN): no masked copies of the inputs
    rate = np.divide(
        current, previous, out=np.full(np.broadcast_shapes(current.shape, positive.shape), np.nan), where=positive
    )
    rate -= 1.0
    return rate


@dataclass
class AssessmentStep:
    """One year's verdicts for every town: -1 not assessed, 0 passed, 1 failed."""

    verdict: np.ndarray
    streak: np.ndarray
    revoke: np.ndarray  # bool: loses pilot status from next year
    indicators: dict
    targets: dict | None = None  # the targets in force (relative ones resolved), for explanations


def relative_target(total_now: np.ndarray, total_before: np.ndarray, margin: float) -> np.ndarray:
    """A target relative to the county (高于全市平均水平1个百分点): the growth of the towns' sum plus
    ``margin``; NaN (the year is not assessed) where the previous sum is ≤ 0.

    >>> relative_target(np.array([220.0]), np.array([200.0]), 0.01).round(6).tolist()
    [0.11]
    """
    return growth_rate(total_now, total_before) + margin


def assess_year(
    pilot: np.ndarray, streak: np.ndarray, indicators: dict, targets: dict, failures_to_revoke: int
) -> AssessmentStep:
    """Hold pilots' indicators against targets and update their consecutive-failure streak.

    A year fails when any indicator falls short; a year with an indicator or a target that cannot be
    computed (a target per draw may be NaN) is not assessed (the streak neither grows nor resets).

    >>> step = assess_year(np.array([True, True]), np.array([2, 2]), {"gdp_growth": np.array([0.05, 0.09])}, {"gdp_growth": 0.07}, 3)
    >>> step.streak.tolist(), step.revoke.tolist()
    ([3, 0], [True, False])
    """
    shape = pilot.shape
    assessable = pilot.copy()
    failed = np.zeros(shape, dtype=bool)
    for name, target in targets.items():
        value = indicators[name]
        target = np.asarray(target, dtype=np.float64)
        assessable &= ~np.isnan(value)
        if target.ndim:  # one target per draw; NaN where its benchmark cannot be computed
            target = target[..., None]
            assessable &= ~np.isnan(target)
            target = np.nan_to_num(target, nan=-np.inf)
        failed |= value < target  # a NaN indicator compares False: not failed (and not assessable above)
    failed &= assessable
    verdict = np.where(assessable, failed.astype(np.int8), np.int8(-1))
    new_streak = np.where(assessable & ~failed, 0, streak)  # a pass resets the streak …
    new_streak += failed  # … a failure lengthens it (failed implies assessable)
    revoke = pilot & (new_streak >= failures_to_revoke)
    return AssessmentStep(verdict, new_streak, revoke, indicators)
