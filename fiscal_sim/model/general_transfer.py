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
    has_gap = g_all[0] > 0 if cases == 1 else (g_all > 0).any(axis=0)
    towns = np.flatnonzero(has_gap)  # towns with a gap in some case
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


def difficulty_coefficient(gaps: np.ndarray, values: np.ndarray, weights: np.ndarray, pool, uniform_weight):
    """MOF 困难程度系数 and each town's coefficient ``a·P/ΣG + (1 − a)·D`` (财预〔2022〕58号 art. 7).

    ``values`` is ``(..., towns, factors)``; the z-scores are taken over the towns with a gap (population
    standard deviation; z = 0 where it is 0). A non-finite value (a ratio over a capacity ≤ 0) counts as
    the largest finite value of the group (0 when there is none).

    >>> D, coef = difficulty_coefficient(np.array([10.0, 30.0]), np.array([[1.0], [3.0]]), np.array([1.0]), np.array(20.0), 0.5)
    >>> D.tolist(), coef.tolist()
    ([-1.0, 1.0], [-0.25, 0.75])
    """
    has = gaps > 0
    if not np.isfinite(values).all():  # a ratio over a capacity ≤ 0: the group's largest finite value
        finite = np.isfinite(values)
        top = np.max(np.where(finite & has[..., None], values, -np.inf), axis=-2, keepdims=True)
        values = np.where(finite, values, np.where(np.isfinite(top), top, 0.0))
    w = has.astype(np.float64)
    n = np.maximum(w.sum(axis=-1), 1.0)[..., None]  # (..., 1)
    mean = np.einsum("...if,...i->...f", values, w) / n
    dev = (values - mean[..., None, :]) * w[..., None]  # 0 for the towns without a gap
    sd = np.sqrt(np.einsum("...if,...if->...f", dev, dev) / n)
    z = dev / np.where(sd > 0, sd, 1.0)[..., None, :]  # all deviations are 0 where sd is 0
    d = z @ weights
    total = gaps.sum(axis=-1)
    base = np.where(total > 0, pool / np.where(total > 0, total, 1.0), 0.0)
    coef = uniform_weight * base[..., None] + (1.0 - uniform_weight) * d
    return np.where(gaps > 0, d, 0.0), np.where(gaps > 0, coef, 0.0)


def ration_difficulty(gaps: np.ndarray, pool: np.ndarray, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``T = min(G, λ·max(0, coef)·G)`` with one λ ≥ 0 so that ``ΣT = P`` (every gap in full when ΣG ≤ P).

    Towns reaching their gap drop out and λ is solved again over the rest (sorted breakpoints 1/coef);
    when every town with coef > 0 is at its gap and money is left, the rest stays unspent (λ = inf).

    >>> ration_difficulty(np.array([10.0, 30.0]), np.array(20.0), np.array([-0.25, 0.75]))[0].tolist()
    [0.0, 20.0]
    """
    c = np.maximum(coef, 0.0) * (gaps > 0)
    cg = c * gaps
    pool = np.asarray(pool, dtype=np.float64)
    lam = _difficulty_lambda(gaps, c, cg, pool)
    covered = gaps.sum(axis=-1) <= pool
    lam = np.where(covered, np.inf, lam)
    unbounded = np.isinf(lam)[..., None]  # every town with coef > 0 at its gap: the rest stays unspent
    scaled = np.where(unbounded, 0.0, lam[..., None]) * cg
    transfer = np.where(covered[..., None], gaps, np.where(unbounded, gaps * (c > 0), np.minimum(gaps, scaled)))
    return transfer, lam


def _difficulty_lambda(gaps: np.ndarray, c: np.ndarray, cg: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """λ of :func:`ration_difficulty` per case (inf when none fits), sorting only the towns with c > 0.

    Towns with c = 0 in every case would sort last with nothing to add (gap and c·G taken as 0), so
    leaving them out changes no partial sum: the result is the same bit for bit, and the sort covers
    only the towns that can receive (about a sixth of them in the benchmark county).
    """
    lead, n = c.shape[:-1], c.shape[-1]
    receive = np.flatnonzero((c > 0).reshape(-1, n).any(axis=0))
    if receive.size == 0:
        return np.full(lead, np.inf)
    c, gaps, cg = c.take(receive, axis=-1), gaps.take(receive, axis=-1), cg.take(receive, axis=-1)
    breaks = np.where(c > 0, 1.0 / np.where(c > 0, c, 1.0), np.inf)
    order = np.argsort(breaks, axis=-1, kind="stable")
    b = np.take_along_axis(breaks, order, axis=-1)
    g = np.take_along_axis(np.where(c > 0, gaps, 0.0), order, axis=-1)
    w = np.take_along_axis(cg, order, axis=-1)
    capped = np.cumsum(g, axis=-1) - g  # gaps of the towns before j, capped at their gap
    remaining = np.flip(np.cumsum(np.flip(w, axis=-1), axis=-1), axis=-1)  # Σ c·G of towns j… (uncapped)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = (pool[..., None] - capped) / remaining
    lower = np.concatenate([np.zeros(b.shape[:-1] + (1,)), b[..., :-1]], axis=-1)
    valid = (remaining > 0) & (lam >= lower - 1e-15) & (lam <= b + 1e-15) & np.isfinite(lam)
    found = valid.any(axis=-1)
    first = np.argmax(valid, axis=-1)
    return np.where(found, np.take_along_axis(lam, first[..., None], axis=-1)[..., 0], np.inf)


def ration(gaps, need, pool, method, difficulty=None):
    """Ration ``pool`` over ``gaps`` by ``proportional`` (optionally with a difficulty coefficient) or
    ``need_adjusted``; returns (T, parameter)."""
    if method == "need_adjusted":
        return ration_need_adjusted(gaps, need, pool)
    if difficulty is not None:
        values, weights, uniform_weight = difficulty
        d, coef = difficulty_coefficient(gaps, values, weights, pool, uniform_weight)
        transfer, lam = ration_difficulty(gaps, pool, coef)
        return transfer, {"lambda": lam, "difficulty": d, "coefficient": coef}
    return ration_proportional(gaps, pool)


def limit_growth(transfer, previous, gap, low, high):
    """增幅控制: clip towns with a previous transfer to ``[min(gap, T_prev·(1+low)), T_prev·(1+high)]``."""
    has_previous = previous > MONEY_EPSILON
    floor = np.minimum(gap, previous * (1.0 + low)) if low is not None else -np.inf
    ceiling = previous * (1.0 + high) if high is not None else np.inf
    return np.where(has_previous, np.clip(transfer, floor, ceiling), transfer)


def floors(protected_need: np.ndarray, has: np.ndarray) -> np.ndarray:
    """基本财力保障: ``max(0, protected_need − has)``, measured on what the town actually has.

    >>> floors(np.array([100.0, 50.0]), np.array([70.0, 80.0])).tolist()
    [30.0, 0.0]
    """
    return np.maximum(protected_need - has, 0.0)


@dataclass
class Allocation:
    """Transfers and how they were reached, kept for ``explain``."""

    transfer: np.ndarray
    pool: np.ndarray | None  # per case, None when every gap is covered
    priority: np.ndarray  # bool, towns in a priority class this year
    priority_covered: np.ndarray  # per case: did the pool cover the priority gaps in full?
    parameter: dict = field(default_factory=dict)  # ratio / rate per class ("priority", "other")
    limited: np.ndarray | None = None  # +1 raised to the lower limit, -1 cut to the ceiling, 0 untouched
    scale: np.ndarray | None = None  # final scaling to the pool after growth limits
    floor: np.ndarray | None = None  # 基本财力保障 paid first (towns)
    overrun: np.ndarray | None = None  # per case: Σ floor beyond the pool
    shared_pool: np.ndarray | None = None  # per case: the pool left for gaps after the floors
    excluded: np.ndarray | None = None  # towns under a contract in force: no part in gap filling


def _share(residual, need, pool, *, coefficient, rationing, priority, factors, weights, eligible, difficulty):
    """The part above the floors: ``residual`` gaps covered by the rule (docs/model.md §1.4)."""
    covered_all = np.ones(residual.shape[:-1], dtype=bool)
    if coefficient is not None:
        return coefficient * residual, covered_all, {"coefficient": coefficient}
    if pool is None:
        return residual.copy(), covered_all, {}
    if rationing == "factor":
        need_p = np.where(priority, residual, 0.0).sum(axis=-1)
        fits = need_p <= pool
        share_p = factor_shares(factors, weights, eligible & priority)
        t_p = np.where(fits[..., None], np.where(priority, residual, 0.0), pool[..., None] * share_p)
        rest = np.where(fits, pool - need_p, 0.0)
        others = eligible & ~priority
        share_o = factor_shares(factors, weights, others)
        # when every eligible town is a priority town, what is left goes to them by the same factors
        nobody_else = ~others.any(axis=-1)
        share_o = np.where(nobody_else[..., None], factor_shares(factors, weights, eligible & priority), share_o)
        return t_p + rest[..., None] * share_o, fits, {"rest": rest}
    gaps_p = np.where(priority, residual, 0.0)
    diff_p = diff_o = None
    if difficulty is not None:
        values, w, a = difficulty
        diff_p, diff_o = (
            (np.where(priority[..., None], values, 0.0), w, a),
            (np.where(priority[..., None], 0.0, values), w, a),
        )
    t_p, par_p = ration(gaps_p, need, pool, rationing, diff_p)
    rest = np.maximum(pool - t_p.sum(axis=-1), 0.0)
    t_o, par_o = ration(np.where(priority, 0.0, residual), need, rest, rationing, diff_o)
    fits = gaps_p.sum(axis=-1) <= pool
    return t_p + t_o, fits, {"priority": par_p, "other": par_o, "rest": rest}


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
    floor: np.ndarray | None = None,
    excluded: np.ndarray | None = None,
    difficulty: tuple | None = None,
) -> Allocation:
    """One year's general transfers for every town (docs/model.md §1.4): floors first, then gaps.

    ``floor`` (基本财力保障) is paid to every town in full whatever the pool; the pool left,
    ``max(0, P − Σ floor)``, is shared over the residual gaps ``max(0, gap − floor)`` of the towns not
    ``excluded`` (towns under a contract in force) by the rule, priority classes first. ``growth_limits``
    is ``(min, max)`` of 增幅控制 (either may be None); ``difficulty`` is ``(values, weights, a)``.
    """
    gaps = gap if excluded is None else np.where(excluded, 0.0, gap)
    base = 0.0 if floor is None else floor
    residual = gaps if floor is None else np.maximum(gaps - floor, 0.0)
    shared = None if pool is None else (pool if floor is None else np.maximum(pool - floor.sum(axis=-1), 0.0))
    if excluded is None:
        eligible = np.ones_like(priority) if eligible_all else residual > 0
    else:
        eligible = ~excluded if eligible_all else residual > 0
    share, fits, parameter = _share(
        residual,
        standard_expenditure,
        shared,
        coefficient=coefficient,
        rationing=rationing,
        priority=priority,
        factors=factors,
        weights=weights,
        eligible=eligible,
        difficulty=difficulty,
    )
    out = Allocation(
        base + share if floor is not None else share, pool, priority, fits, parameter, floor=floor, shared_pool=shared
    )
    if floor is not None and pool is not None:
        out.overrun = np.maximum(floor.sum(axis=-1) - pool, 0.0)
    if growth_limits and previous is not None:
        before = out.transfer
        limited = limit_growth(before, previous, gaps, *growth_limits)
        if floor is not None:
            limited = np.maximum(limited, floor)  # a clipped transfer is raised back to the floor
        out.limited = np.sign(limited - before).astype(np.int8)
        if pool is not None:
            above = limited - base
            total = above.sum(axis=-1)
            room = shared if floor is not None else pool
            out.scale = np.where(total > room, room / np.where(total > 0, total, 1.0), 1.0)
            limited = base + above * out.scale[..., None]
        out.transfer = limited
    return out
