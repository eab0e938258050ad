"""General transfers (一般性/均衡性转移支付, docs/model.md §1.4): covering each town's fiscal gap.

Every function works on arrays whose last axis is the towns and whose leading axes (if any) are
independent cases (Monte Carlo draws); pools are given per case. Nothing loops over towns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..numbers import MONEY_EPSILON


def fiscal_gap(standard_expenditure: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """``max(0, standard_expenditure − capacity)`` (标准财政收支缺口).

    >>> fiscal_gap(np.array([100.0, 80.0]), np.array([70.0, 90.0]))
    array([30.,  0.])
    """
    return np.maximum(standard_expenditure - capacity, 0.0)


def ration_proportional(gaps: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MOF 转移支付系数: every gap gets the same fraction ``P/ΣG`` (1 when the pool covers all).

    Returns the transfers and the coefficient per case.

    >>> ration_proportional(np.array([30.0, 10.0]), np.array(20.0))
    (array([15.,  5.]), array(0.5))
    """
    total = gaps.sum(axis=-1)
    coefficient = np.where(total > pool, pool / np.where(total > 0, total, 1.0), 1.0)
    return gaps * coefficient[..., None], coefficient


def need_adjusted_rate(gaps: np.ndarray, need: np.ndarray, pool: np.ndarray, max_iter: int = 50) -> np.ndarray:
    """Japan's adjustment rate r (调整系数): ``Σ max(G − r·need, 0) = P`` over towns with a gap (0 when P covers all).

    The sum is convex, decreasing and piecewise linear in r, so Newton's method from r = 0 climbs
    monotonically to the root and lands on it exactly once in the root's segment (a few passes
    over the towns, no sort); rows not settled after ``max_iter`` steps are solved by sorting.
    r is ``inf`` when towns with a gap but no need alone exceed the pool.

    >>> float(need_adjusted_rate(np.array([30.0, 10.0]), np.array([100.0, 100.0]), np.array(20.0)))
    0.1
    """
    gaps, need = np.broadcast_arrays(gaps, need)
    pool = np.asarray(pool, dtype=np.float64)
    return _newton_rate(gaps, need, pool, max_iter)


def _newton_rate(gaps: np.ndarray, need: np.ndarray, pool: np.ndarray, max_iter: int) -> np.ndarray:
    lead, n = gaps.shape[:-1], gaps.shape[-1]
    cases = int(np.prod(lead, dtype=np.int64))
    g_all = gaps.reshape(cases, n)
    p_all = np.broadcast_to(pool, lead).reshape(-1)
    towns = np.flatnonzero((g_all > 0).any(axis=0))  # towns with a gap in some case
    g_all = g_all.take(towns, axis=1)
    s_all = need.reshape(cases, n).take(towns, axis=1)
    if cases > 1:  # a town may have a gap in one case and not in another
        s_all = np.where(g_all > 0, s_all, 0.0)
    covered = g_all.sum(axis=-1) <= p_all
    unbounded = np.where(s_all > 0, 0.0, g_all).sum(axis=-1) >= p_all
    rate = np.zeros(p_all.shape)
    rows = np.flatnonzero(~(covered | unbounded))  # cases still climbing; shrinks as they settle
    g, s, p, r = g_all[rows], s_all[rows], p_all[rows], np.zeros(rows.size)
    fallback = []
    for _ in range(max_iter):
        if rows.size == 0:
            break
        excess = g - r[:, None] * s
        positive = excess > 0
        value = np.where(positive, excess, 0.0).sum(axis=-1)
        slope = np.where(positive, s, 0.0).sum(axis=-1)
        with np.errstate(over="ignore", invalid="ignore"):
            step = np.where(slope > 0, (value - p) / np.where(slope > 0, slope, 1.0), 0.0)
        overflow = ~np.isfinite(step)
        settled = (np.abs(value - p) <= 1e-13 * np.maximum(p, 1.0)) | (step <= 0)
        rate[rows[settled & ~overflow]] = r[settled & ~overflow]
        fallback.append(rows[overflow])
        go_on = ~(settled | overflow)
        rows, g, s, p, r = rows[go_on], g[go_on], s[go_on], p[go_on], r[go_on] + step[go_on]
    fallback.append(rows)  # not settled in max_iter steps, or a step overflowed: solve exactly
    exact = np.concatenate(fallback)
    if exact.size:
        rate[exact] = need_adjusted_rate_sorted(g_all[exact], s_all[exact], p_all[exact])
    return np.where(covered, 0.0, np.where(unbounded, np.inf, rate)).reshape(lead)


def need_adjusted_rate_sorted(gaps: np.ndarray, need: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """调整系数 r solved exactly by sorting: with towns ordered by G/need the sum is linear in r between
    breakpoints. O(N log N); the reference for :func:`need_adjusted_rate` and its fallback.

    >>> float(need_adjusted_rate(np.array([30.0, 10.0]), np.array([100.0, 100.0]), np.array(20.0)))
    0.1
    """
    gaps, need = np.broadcast_arrays(gaps, need)
    pool = np.asarray(pool, dtype=np.float64)
    if gaps.shape[-1] == 0:  # no towns: nothing to ration
        return np.zeros(gaps.shape[:-1])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(gaps > 0, np.where(need > 0, gaps / need, np.inf), 0.0)
    order = np.argsort(-ratio, axis=-1, kind="stable")
    g = np.take_along_axis(gaps, order, axis=-1)
    s = np.take_along_axis(np.where(gaps > 0, need, 0.0), order, axis=-1)
    q = np.take_along_axis(ratio, order, axis=-1)
    cum_g, cum_s = np.cumsum(g, axis=-1), np.cumsum(s, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = (cum_g - pool[..., None]) / cum_s
    q_next = np.concatenate([q[..., 1:], np.zeros(q.shape[:-1] + (1,))], axis=-1)
    valid = (cum_s > 0) & (r <= q) & (r >= q_next) & np.isfinite(r)
    first = np.argmax(valid, axis=-1)
    rate = np.take_along_axis(r, first[..., None], axis=-1)[..., 0]
    covered = gaps.sum(axis=-1) <= pool
    return np.where(covered, 0.0, np.where(valid.any(axis=-1), np.maximum(rate, 0.0), np.inf))


def ration_need_adjusted(gaps: np.ndarray, need: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``T = max(G − r·need, 0)`` with one rate r for all towns (调整系数; Japan's 地方交付税法 Art. 10(2)).

    When towns with no need but a gap alone exceed the pool (r would be infinite), they share it
    in proportion and the others get nothing.
    """
    rate = need_adjusted_rate(gaps, need, pool)
    finite = np.isfinite(rate)
    safe_rate = np.where(finite, rate, 0.0)
    # r ≥ 0 and need ≥ 0, so towns without a gap come out at 0 by themselves (a town at the margin
    # may keep a rounding crumb of ~1e-11: growth limits ignore amounts below MONEY_EPSILON)
    adjusted = np.maximum(gaps - safe_rate[..., None] * need, 0.0)
    if not finite.all():
        zero_need_gaps = np.where(need > 0, 0.0, gaps)
        fallback, _ = ration_proportional(zero_need_gaps, pool)
        adjusted = np.where(finite[..., None], adjusted, fallback)
    return adjusted, rate


def factor_shares(factors: np.ndarray, weights: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """因素法 shares ``Σw weight_w·x[i,w]/Σj x[j,w]`` over eligible towns (sum to 1 when any is eligible).

    ``factors`` is ``(..., towns, n_factors)``. A factor that is zero for every eligible town is
    shared equally among them, so no money is lost to a 0/0.

    >>> factor_shares(np.array([[1.0], [3.0]]), np.array([1.0]), np.array([True, True]))
    array([0.25, 0.75])
    """
    x = np.where(eligible[..., None], factors, 0.0)
    total = x.sum(axis=-2, keepdims=True)
    count = eligible.sum(axis=-1)[..., None, None]
    equal = np.where(eligible[..., None], 1.0 / np.maximum(count, 1), 0.0)
    share = np.where(total > 0, x / np.where(total > 0, total, 1.0), equal)
    return share @ weights


def ration(gaps, need, pool, method):
    """Ration ``pool`` over ``gaps`` by ``proportional`` or ``need_adjusted``; returns (T, parameter)."""
    if method == "need_adjusted":
        return ration_need_adjusted(gaps, need, pool)
    return ration_proportional(gaps, pool)


def limit_growth(transfer, previous, gap, low, high):
    """增幅控制: clip towns with a previous transfer to ``[min(gap, T_prev·(1+low)), T_prev·(1+high)]``."""
    has_previous = previous > MONEY_EPSILON
    floor = np.minimum(gap, previous * (1.0 + low)) if low is not None else -np.inf
    ceiling = previous * (1.0 + high) if high is not None else np.inf
    return np.where(has_previous, np.clip(transfer, floor, ceiling), transfer)


@dataclass
class Allocation:
    """Transfers and how they were reached, kept for ``explain``."""

    transfer: np.ndarray
    pool: np.ndarray | None  # per case, None when every gap is covered
    priority: np.ndarray  # bool, towns in a priority class this year
    priority_covered: np.ndarray  # per case: did the pool cover the priority gaps in full?
    parameter: dict = field(default_factory=dict)  # ratio / rate per class ("priority", "other")
    limited: np.ndarray | None = None  # +1 raised to the floor, -1 cut to the ceiling, 0 untouched
    scale: np.ndarray | None = None  # final scaling to the pool after growth limits


def allocate(
    gap: np.ndarray,
    standard_expenditure: np.ndarray,
    *,
    pool: np.ndarray | None,
    coefficient: float | None,
    rationing: str,
    priority: np.ndarray,
    factors: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    eligible_all: bool = False,
    previous: np.ndarray | None = None,
    growth_limits: tuple[float | None, float | None] | None = None,
) -> Allocation:
    """One year's general transfers for every town (docs/model.md §1.4), priority classes first.

    ``growth_limits`` is ``(min, max)`` of 增幅控制 (either may be None).
    """
    covered_all = np.ones(gap.shape[:-1], dtype=bool)
    if coefficient is not None:
        transfer = coefficient * gap
        out = Allocation(transfer, None, priority, covered_all, {"coefficient": coefficient})
    elif pool is None:
        out = Allocation(gap.copy(), None, priority, covered_all, {})
    elif rationing == "factor":
        eligible = np.ones_like(priority) if eligible_all else gap > 0
        need_p = np.where(priority, gap, 0.0).sum(axis=-1)
        fits = need_p <= pool
        share_p = factor_shares(factors, weights, eligible & priority)
        t_p = np.where(fits[..., None], np.where(priority, gap, 0.0), pool[..., None] * share_p)
        rest = np.where(fits, pool - need_p, 0.0)
        others = eligible & ~priority
        share_o = factor_shares(factors, weights, others)
        # when every eligible town is a priority town, what is left goes to them by the same factors
        nobody_else = ~others.any(axis=-1)
        share_o = np.where(nobody_else[..., None], factor_shares(factors, weights, eligible & priority), share_o)
        t_o = rest[..., None] * share_o
        out = Allocation(t_p + t_o, pool, priority, fits, {"rest": rest})
    else:
        gaps_p = np.where(priority, gap, 0.0)
        t_p, par_p = ration(gaps_p, standard_expenditure, pool, rationing)
        rest = np.maximum(pool - t_p.sum(axis=-1), 0.0)
        t_o, par_o = ration(np.where(priority, 0.0, gap), standard_expenditure, rest, rationing)
        fits = gaps_p.sum(axis=-1) <= pool
        out = Allocation(t_p + t_o, pool, priority, fits, {"priority": par_p, "other": par_o, "rest": rest})
    if growth_limits and previous is not None:
        before = out.transfer
        limited = limit_growth(before, previous, gap, *growth_limits)
        out.limited = np.sign(limited - before).astype(np.int8)
        if out.pool is not None:
            total = limited.sum(axis=-1)
            out.scale = np.where(total > out.pool, out.pool / np.where(total > 0, total, 1.0), 1.0)
            limited = limited * out.scale[..., None]
        out.transfer = limited
    return out
