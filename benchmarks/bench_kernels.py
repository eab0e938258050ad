"""Kernel benchmark (the 100,000-town issue): the engine's hottest passes written four ways, side by side.

Which path fuses the engine's passes best, measured: plain numpy as the engine writes it today
("current"), numpy restructured (in-place ``out=``, fewer temporaries, fused reductions), numexpr, and
numba ``@njit`` (timed warm; its compile time is reported apart, and so is the import time of numba and of
numexpr). The passes, from profiling ``fiscal_sim.simulate`` on ``benchmarks/synthetic.py``'s county:

- ``revenue``: one year's revenue pass, ``[k, d, i]`` with 8 items: collections grown by ``1 + e·g``,
  the split rules in marginal form (``SplitTable.town_portion``), the towns' and collected sums and the
  fiscal capacity ``Σk rate[k]·town[k] − remittance`` (engine ``_Run.project``, ``divide``, ``capacity``);
- ``newton``: the need-adjusted rate ``Σ max(G − r·need, 0) = P`` by Newton steps
  (``general_transfer._newton_rate`` on the synthetic county's gaps, ~3 passes);
- ``difficulty``: the 困难程度系数 z-scores over the towns with a gap, ``(towns, factors)``
  (``general_transfer.difficulty_coefficient``; the ``--arrangements`` county);
- ``assess``: growth rates against targets and the failure streaks (``assessment.assess_year``).

Every variant is checked against the current one (relative difference printed) before it is timed; each
time is the best of ``--repeat`` runs, variants run back to back. numexpr and numba variants are skipped,
with a note, when the package is missing (the project's venv has neither):

    .venv/bin/python benchmarks/bench_kernels.py                    # 10,000 and 100,000 towns
    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install numpy numexpr numba  # + fiscal_sim's requirements
    PYTHONPATH=. /tmp/kvenv/bin/python benchmarks/bench_kernels.py --towns 10000 100000 --repeat 50
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import synthetic_scenario  # noqa: E402

import fiscal_sim  # noqa: E402
from fiscal_sim.engine.compile import compile_model  # noqa: E402

try:
    import numexpr as ne
except ImportError:  # pragma: no cover - the project's venv
    ne = None
try:
    import numba
except ImportError:  # pragma: no cover - the project's venv
    numba = None


# ---------------------------------------------------------------------------------------------
# revenue: grow, split, sum, capacity


def revenue_inputs(model, n_draws: int = 1) -> dict:
    """One simulated year's revenue inputs from a compiled model (items leading, as in the engine)."""
    table = model.tables[(0, False)]
    n_items, n_towns = model.collected0.shape[1], model.collected0.shape[0]
    # first shares (n_items, n_towns), thresholds and increments padded to (n_steps, n_items, n_towns):
    # increment 0 where an item has fewer steps; an item's single value (the same in every town) broadcast
    n_steps = max((len(b.steps) for b in table.items), default=0)
    first = np.empty((n_items, n_towns))
    thresholds, increments = np.zeros((n_steps, n_items, n_towns)), np.zeros((n_steps, n_items, n_towns))
    for k, item in enumerate(table.items):
        first[k] = item.first
        for j, (t, inc) in enumerate(item.steps):
            thresholds[j, k], increments[j, k] = t, inc
    collected = np.empty((n_items, n_draws, n_towns))
    collected[...] = model.collected0.T[:, None, :]
    return {
        "collected": collected,
        "growth": np.broadcast_to(model.growth[0], (n_draws, n_towns)).copy(),
        "elasticity": model.elasticity,
        "table": table,
        "first": first,
        "thresholds": thresholds,
        "increments": increments,
        "n_steps": np.array([len(b.steps) for b in table.items], dtype=np.int64),
        "rate": model.capacity_rate,
        "remittance": model.remittance,
    }


def revenue_numpy(x, collected, portion):
    """The engine today: factor array, in-place split, two ``np.sum(axis=0)`` and ``np.tensordot``."""
    g = x["growth"]
    factor = np.multiply(x["elasticity"][:, None, None], g)
    factor += 1.0
    collected *= factor
    to_town = x["table"].town_portion(collected, out=portion)
    retained = np.sum(to_town, axis=0)
    total = np.sum(collected, axis=0)
    capacity = np.tensordot(x["rate"], to_town, axes=1) - x["remittance"]
    return retained, total, capacity


def revenue_numpy_restructured(x, collected, portion):
    """What the engine now does: grown row by row (no factor array), rows summed in place (the additions
    of ``np.sum(axis=0)``, bit-identical), the capacity as one matrix–vector product (no tensordot copies)."""
    g, e = x["growth"], x["elasticity"]
    factor = np.empty(collected.shape[1:])
    for k in range(collected.shape[0]):
        np.multiply(g, e[k], out=factor)
        factor += 1.0
        collected[k] *= factor
    to_town = x["table"].town_portion(collected, out=portion)
    retained, total = to_town[0].copy(), collected[0].copy()
    for k in range(1, collected.shape[0]):
        retained += to_town[k]
        total += collected[k]
    capacity = (x["rate"] @ to_town.reshape(to_town.shape[0], -1)).reshape(to_town.shape[1:]) - x["remittance"]
    return retained, total, capacity


def revenue_numpy_item_loop(x, collected, portion):
    """Item by item: each row grown, split and added to the three sums while it is the row in hand."""
    g, e, rate, table = x["growth"], x["elasticity"], x["rate"], x["table"]
    shape = collected.shape[1:]
    retained, total, capacity = np.zeros(shape), np.zeros(shape), np.negative(np.broadcast_to(x["remittance"], shape))
    row, above = np.empty(shape), np.empty(shape)
    for k in range(collected.shape[0]):
        np.multiply(g, e[k], out=row)
        row += 1.0
        c = collected[k]
        c *= row
        out = table.item_portion(k, c, portion[k], above)
        total += c
        retained += out
        if rate[k] == 1.0:
            capacity += out
        else:
            np.multiply(out, rate[k], out=above)
            capacity += above
    return retained, total, capacity


def revenue_numexpr(x, collected, portion):
    """One numexpr expression per item (grow in place, then split), sums accumulated by numexpr too."""
    g, e, rate = x["growth"], x["elasticity"], x["rate"]
    shape = collected.shape[1:]
    retained, total, capacity = np.zeros(shape), np.zeros(shape), np.negative(np.broadcast_to(x["remittance"], shape))
    thresholds, increments, first = x["thresholds"], x["increments"], x["first"]
    for k in range(collected.shape[0]):
        c = collected[k]
        ek = float(e[k])
        ne.evaluate("c * (1.0 + ek * g)", local_dict={"c": c, "ek": ek, "g": g}, out=c)
        terms = " + ".join(f"i{j} * where(c > t{j}, c - t{j}, 0.0)" for j in range(len(thresholds)))
        env = {"c": c, "s0": first[k]}
        for j in range(len(thresholds)):
            env[f"t{j}"], env[f"i{j}"] = thresholds[j, k], increments[j, k]
        ne.evaluate("s0 * c" + (" + " + terms if terms else ""), local_dict=env, out=portion[k])
        rk = float(rate[k])
        p = portion[k]
        ne.evaluate("total + c", local_dict={"total": total, "c": c}, out=total)
        ne.evaluate("retained + p", local_dict={"retained": retained, "p": p}, out=retained)
        ne.evaluate("capacity + rk * p", local_dict={"capacity": capacity, "rk": rk, "p": p}, out=capacity)
    return retained, total, capacity


def _revenue_numba_kernel(
    collected, portion, growth, elasticity, first, thresholds, increments, n_steps, rate, remittance
):
    # items outer and towns inner: contiguous rows, branch-free body (max), so LLVM vectorises the town loop;
    # each item runs only the threshold steps it has
    n_items, n_draws, n_towns = collected.shape
    retained = np.zeros((n_draws, n_towns))
    total = np.zeros((n_draws, n_towns))
    capacity = np.empty((n_draws, n_towns))
    for d in range(n_draws):
        for i in range(n_towns):
            capacity[d, i] = -remittance[i]
    for k in range(n_items):
        e, rk, steps = elasticity[k], rate[k], n_steps[k]
        for d in range(n_draws):
            for i in range(n_towns):
                c = collected[k, d, i] * (1.0 + e * growth[d, i])
                collected[k, d, i] = c
                p = c * first[k, i]
                for j in range(steps):
                    p += increments[j, k, i] * max(c - thresholds[j, k, i], 0.0)
                portion[k, d, i] = p
                total[d, i] += c
                retained[d, i] += p
                capacity[d, i] += rk * p
    return retained, total, capacity


def revenue_numba(x, collected, portion):
    return _revenue_nb(
        collected,
        portion,
        x["growth"],
        x["elasticity"],
        x["first"],
        x["thresholds"],
        x["increments"],
        x["n_steps"],
        x["rate"],
        x["remittance"],
    )


# ---------------------------------------------------------------------------------------------
# newton: the need-adjusted rate


def newton_inputs(n_towns: int) -> dict:
    """Gaps and needs as the synthetic county has them (about half the towns with a gap, pool ~40 %)."""
    rng = np.random.default_rng(0)
    need = rng.uniform(200.0, 2000.0, n_towns)
    gaps = np.maximum(need * rng.uniform(-0.6, 0.6, n_towns), 0.0)
    return {"gaps": gaps[None], "need": need[None], "pool": np.array([0.4 * gaps.sum()])}


def _newton_loop(step_sums, gaps, need, pool, max_iter=50):
    """Newton from r = 0 (one case, every row climbing): what _newton_rate does once past its set-up."""
    towns = np.flatnonzero(gaps[0] > 0)
    g, s = gaps[:, towns], need[:, towns]
    r = np.zeros(1)
    for _ in range(max_iter):
        value, slope = step_sums(g, s, r)
        step = (value - pool) / slope
        if abs(value[0] - pool[0]) <= 1e-13 * max(pool[0], 1.0) or step[0] <= 0:
            break
        r = r + step
    return r


def _sums_numpy(g, s, r):
    excess = g - r[:, None] * s
    positive = excess > 0
    return np.where(positive, excess, 0.0).sum(axis=-1), np.where(positive, s, 0.0).sum(axis=-1)


def _sums_numpy_restructured(g, s, r):
    excess = np.multiply(s, -r[:, None])
    excess += g
    positive = excess > 0
    value = np.maximum(excess, 0.0, out=excess).sum(axis=-1)
    return value, np.sum(s, axis=-1, where=positive)


def _sums_numexpr(g, s, r):
    r0 = float(r[0])
    env = {"g": g, "s": s, "r0": r0}
    value = ne.evaluate("sum(where(g - r0 * s > 0, g - r0 * s, 0.0))", local_dict=env)
    slope = ne.evaluate("sum(where(g - r0 * s > 0, s, 0.0))", local_dict=env)
    return np.array([float(value)]), np.array([float(slope)])


def _sums_numba_kernel(g, s, r):
    cases, n = g.shape
    value, slope = np.zeros(cases), np.zeros(cases)
    for c in range(cases):
        v = 0.0
        d = 0.0
        rc = r[c]
        for i in range(n):
            e = g[c, i] - rc * s[c, i]
            if e > 0.0:
                v += e
                d += s[c, i]
        value[c], slope[c] = v, d
    return value, slope


# ---------------------------------------------------------------------------------------------
# difficulty: z-scores over the towns with a gap


def difficulty_inputs(n_towns: int) -> dict:
    rng = np.random.default_rng(1)
    gaps = np.maximum(rng.normal(0.0, 500.0, n_towns), 0.0)[None]
    values = np.stack([rng.uniform(0.0, 0.5, n_towns), rng.uniform(1.0, 1.4, n_towns)], axis=-1)[None]
    return {"gaps": gaps, "values": values, "weights": np.array([0.6, 0.4]), "pool": np.array([gaps.sum() * 0.4])}


def difficulty_numpy(gaps, values, weights, pool, a):
    """``general_transfer.difficulty_coefficient`` as the engine has it (values all finite here)."""
    has = gaps > 0
    w = has.astype(np.float64)
    n = np.maximum(w.sum(axis=-1), 1.0)[..., None]
    mean = np.einsum("...if,...i->...f", values, w) / n
    dev = (values - mean[..., None, :]) * w[..., None]
    sd = np.sqrt(np.einsum("...if,...if->...f", dev, dev) / n)
    z = dev / np.where(sd > 0, sd, 1.0)[..., None, :]
    d = z @ weights
    total = gaps.sum(axis=-1)
    base = np.where(total > 0, pool / np.where(total > 0, total, 1.0), 0.0)
    coef = a * base[..., None] + (1.0 - a) * d
    return np.where(has, d, 0.0), np.where(has, coef, 0.0)


def difficulty_numpy_restructured(gaps, values, weights, pool, a):
    """Factors first (contiguous rows), deviations in place, the weighted sum of z-scores as one matmul."""
    has = gaps > 0
    w = has.astype(np.float64)
    n = np.maximum(w.sum(axis=-1), 1.0)[..., None]
    cols = np.moveaxis(values, -1, -2).copy()  # (..., f, i)
    mean = np.matmul(cols, w[..., :, None])[..., 0] / n  # (..., f)
    cols -= mean[..., None]
    cols *= w[..., None, :]
    sd = np.sqrt(np.einsum("...fi,...fi->...f", cols, cols) / n)
    scale = weights / np.where(sd > 0, sd, 1.0)  # (..., f): z @ weights = Σf dev·(w_f / sd_f)
    d = np.matmul(scale[..., None, :], cols)[..., 0, :]
    total = gaps.sum(axis=-1)
    base = np.where(total > 0, pool / np.where(total > 0, total, 1.0), 0.0)
    coef = np.multiply(d, 1.0 - a)
    coef += a * base[..., None]
    coef *= w
    return d, coef  # d is 0 already where there is no gap (its deviations were multiplied by 0)


def difficulty_numexpr(gaps, values, weights, pool, a):
    has = gaps > 0
    w = has.astype(np.float64)
    n = max(float(w.sum()), 1.0)
    d = np.zeros_like(gaps)
    for f in range(values.shape[-1]):
        v = np.ascontiguousarray(values[..., f])
        mean = float(ne.evaluate("sum(v * w)", local_dict={"v": v, "w": w})) / n
        sd = np.sqrt(float(ne.evaluate("sum(((v - mean) * w) ** 2)", local_dict={"v": v, "w": w, "mean": mean})) / n)
        wf = float(weights[f]) / (sd if sd > 0 else 1.0)
        ne.evaluate("d + (v - mean) * w * wf", local_dict={"d": d, "v": v, "w": w, "mean": mean, "wf": wf}, out=d)
    total = float(gaps.sum())
    base = pool[0] / total if total > 0 else 0.0
    b = float(a * base)
    one_minus_a = 1.0 - a
    coef = ne.evaluate(
        "where(gaps > 0, b + one_minus_a * d, 0.0)",
        local_dict={"gaps": gaps, "b": b, "one_minus_a": one_minus_a, "d": d},
    )
    return d, coef


def _difficulty_numba_kernel(gaps, values, weights, pool, a):
    cases, n_towns, n_f = values.shape
    d = np.zeros((cases, n_towns))
    coef = np.zeros((cases, n_towns))
    for c in range(cases):
        count = 0.0
        total = 0.0
        mean = np.zeros(n_f)
        for i in range(n_towns):
            total += gaps[c, i]
            if gaps[c, i] > 0:
                count += 1.0
                for f in range(n_f):
                    mean[f] += values[c, i, f]
        count = max(count, 1.0)
        mean /= count
        ss = np.zeros(n_f)
        for i in range(n_towns):
            if gaps[c, i] > 0:
                for f in range(n_f):
                    dv = values[c, i, f] - mean[f]
                    ss[f] += dv * dv
        scale = np.empty(n_f)
        for f in range(n_f):
            sd = np.sqrt(ss[f] / count)
            scale[f] = weights[f] / (sd if sd > 0 else 1.0)
        base = pool[c] / total if total > 0 else 0.0
        for i in range(n_towns):
            if gaps[c, i] > 0:
                z = 0.0
                for f in range(n_f):
                    z += (values[c, i, f] - mean[f]) * scale[f]
                d[c, i] = z
                coef[c, i] = a * base + (1.0 - a) * z
    return d, coef


# ---------------------------------------------------------------------------------------------
# assess: growth rates, targets, streaks


def assess_inputs(n_towns: int) -> dict:
    rng = np.random.default_rng(2)
    before = {k: rng.uniform(1e3, 1e5, n_towns)[None] for k in ("gdp", "own")}
    now = {k: v * rng.uniform(0.95, 1.12, n_towns) for k, v in before.items()}
    before["own"][0, ::50] = 0.0  # not assessable
    return {
        "pilot": (rng.random(n_towns) < 0.2)[None],
        "streak": rng.integers(0, 3, n_towns)[None],
        "now": now,
        "before": before,
        "targets": {"gdp": 0.05, "own": 0.04},
    }


def assess_numpy(pilot, streak, now, before, targets, failures=3):
    """``growth_rate`` per indicator, then ``assess_year`` as the engine has them (scalar targets)."""
    assessable = pilot.copy()
    failed = np.zeros(pilot.shape, dtype=bool)
    for name, target in targets.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            p = before[name]
            value = np.where(p > 0, now[name] / np.where(p > 0, p, 1.0) - 1.0, np.nan)
        assessable &= ~np.isnan(value)
        failed |= np.nan_to_num(value, nan=np.inf) < target
    failed &= assessable
    verdict = np.where(assessable, failed.astype(np.int8), np.int8(-1))
    new_streak = np.where(assessable, np.where(failed, streak + 1, 0), streak)
    return verdict, new_streak, pilot & (new_streak >= failures)


def assess_numpy_restructured(pilot, streak, now, before, targets, failures=3):
    """A town fails ``now < before·(1 + target)`` where ``before > 0``: no division, no NaN pass."""
    assessable = pilot.copy()
    failed = np.zeros(pilot.shape, dtype=bool)
    for name, target in targets.items():
        p = before[name]
        assessable &= p > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.divide(now[name], p, where=p > 0, out=np.ones_like(p))
        value -= 1.0
        failed |= value < target
    failed &= assessable
    verdict = failed.astype(np.int8)
    verdict[~assessable] = -1
    new_streak = np.where(failed, streak + 1, 0)
    np.copyto(new_streak, streak, where=~assessable)
    return verdict, new_streak, pilot & (new_streak >= failures)


def assess_numexpr(pilot, streak, now, before, targets, failures=3):
    env = {"pilot": pilot, "streak": streak}
    conditions, fails = [], []
    for j, (name, target) in enumerate(targets.items()):
        env[f"n{j}"], env[f"p{j}"], env[f"t{j}"] = now[name], before[name], float(target)
        conditions.append(f"(p{j} > 0)")
        fails.append(f"(where(p{j} > 0, n{j} / p{j} - 1.0, 0.0) < t{j})")
    assessable = ne.evaluate("pilot & " + " & ".join(conditions), local_dict=env)
    failed = ne.evaluate("(" + " | ".join(fails) + ") & assessable", local_dict=env | {"assessable": assessable})
    verdict = np.where(assessable, failed.astype(np.int8), np.int8(-1))
    env = {"assessable": assessable, "failed": failed, "streak": streak}
    new_streak = ne.evaluate("where(assessable, where(failed, streak + 1, 0), streak)", local_dict=env)
    env = {"pilot": pilot, "new_streak": new_streak, "failures": failures}
    return verdict, new_streak, ne.evaluate("pilot & (new_streak >= failures)", local_dict=env)


def _assess_numba_kernel(pilot, streak, now, before, targets, failures):
    cases, n = pilot.shape
    verdict = np.empty((cases, n), dtype=np.int8)
    new_streak = np.empty((cases, n), dtype=streak.dtype)
    revoke = np.empty((cases, n), dtype=np.bool_)
    for c in range(cases):
        for i in range(n):
            ok = pilot[c, i]
            fail = False
            for j in range(now.shape[0]):
                p = before[j, c, i]
                if p > 0:
                    if now[j, c, i] / p - 1.0 < targets[j]:
                        fail = True
                else:
                    ok = False
            if ok:
                verdict[c, i] = 1 if fail else 0
                new_streak[c, i] = streak[c, i] + 1 if fail else 0
            else:
                verdict[c, i] = -1
                new_streak[c, i] = streak[c, i]
            revoke[c, i] = pilot[c, i] and new_streak[c, i] >= failures
    return verdict, new_streak, revoke


def assess_numba(pilot, streak, now, before, targets, failures=3):
    names = list(targets)
    return _assess_nb(
        pilot,
        streak,
        np.stack([now[k] for k in names]),
        np.stack([before[k] for k in names]),
        np.array([targets[k] for k in names]),
        failures,
    )


# ---------------------------------------------------------------------------------------------
# timing


def best_of(fn, repeat: int, setup=None) -> float:
    best = np.inf
    for _ in range(repeat):
        args = setup() if setup else ()
        gc.collect()
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def max_rel(a, b) -> tuple[float, float]:
    """Largest difference relative to each element, and relative to the array's largest magnitude."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not a.size:
        return 0.0, 0.0
    diff = np.abs(a - b)
    return float(np.max(diff / np.maximum(np.abs(b), 1e-300))), float(np.max(diff) / max(np.max(np.abs(b)), 1e-300))


def import_time(module: str) -> float | None:
    """Seconds to import ``module`` in a fresh interpreter (numpy imported first, best of 3)."""
    code = f"import numpy, time; s = time.perf_counter(); import {module}; print(time.perf_counter() - s)"
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if out.returncode:
            return None
        times.append(float(out.stdout))
    return min(times)


_revenue_nb = _newton_sums_nb = _difficulty_nb = _assess_nb = None


def compile_numba() -> dict:
    """JIT-compile the numba kernels (first call with real types), returning the seconds each took."""
    global _revenue_nb, _newton_sums_nb, _difficulty_nb, _assess_nb
    seconds = {}
    kernels = {
        "revenue": _revenue_numba_kernel,
        "newton": _sums_numba_kernel,
        "difficulty": _difficulty_numba_kernel,
        "assess": _assess_numba_kernel,
    }
    jitted = {name: numba.njit(cache=False, fastmath=False)(fn) for name, fn in kernels.items()}
    _revenue_nb, _newton_sums_nb, _difficulty_nb, _assess_nb = (jitted[k] for k in kernels)
    model = compile_model(fiscal_sim.load_scenario(synthetic_scenario(50)))
    x = revenue_inputs(model)
    warm = {
        "revenue": lambda: revenue_numba(x, x["collected"].copy(), np.empty_like(x["collected"])),
        "newton": lambda: _newton_sums_nb(np.ones((1, 4)), np.ones((1, 4)), np.zeros(1)),
        "difficulty": lambda: _difficulty_nb(**_difficulty_args(difficulty_inputs(50))),
        "assess": lambda: assess_numba(**assess_inputs(50)),
    }
    for name, call in warm.items():
        start = time.perf_counter()
        call()
        seconds[name] = time.perf_counter() - start
    return seconds


def _difficulty_args(x):
    return {"gaps": x["gaps"], "values": x["values"], "weights": x["weights"], "pool": x["pool"], "a": 0.5}


def run_size(n_towns: int, repeat: int, rows: list) -> None:
    model = compile_model(fiscal_sim.load_scenario(synthetic_scenario(n_towns)))

    # revenue ---------------------------------------------------------------------------------
    x = revenue_inputs(model)
    fresh = lambda: (x["collected"].copy(), np.empty_like(x["collected"]))  # noqa: E731
    variants = {
        "numpy current": revenue_numpy,
        "numpy restructured": revenue_numpy_restructured,
        "numpy item loop": revenue_numpy_item_loop,
    }
    if ne is not None:
        variants["numexpr"] = revenue_numexpr
    if numba is not None:
        variants["numba"] = revenue_numba
    reference = revenue_numpy(x, *fresh())
    record(
        rows, "revenue", n_towns, variants, lambda f: f(x, *fresh()), reference, repeat, fresh, lambda f: partial(f, x)
    )

    # newton -----------------------------------------------------------------------------------
    y = newton_inputs(n_towns)
    sums = {"numpy current": _sums_numpy, "numpy restructured": _sums_numpy_restructured}
    if ne is not None:
        sums["numexpr"] = _sums_numexpr
    if numba is not None:
        sums["numba"] = _newton_sums_nb
    reference = _newton_loop(_sums_numpy, **y)
    record(
        rows,
        "newton",
        n_towns,
        sums,
        lambda s: _newton_loop(s, **y),
        reference,
        repeat,
        None,
        lambda s: lambda: _newton_loop(s, **y),
    )

    # difficulty -------------------------------------------------------------------------------
    z = _difficulty_args(difficulty_inputs(n_towns))
    variants = {"numpy current": difficulty_numpy, "numpy restructured": difficulty_numpy_restructured}
    if ne is not None:
        variants["numexpr"] = difficulty_numexpr
    if numba is not None:
        variants["numba"] = _difficulty_nb
    reference = difficulty_numpy(**z)
    record(rows, "difficulty", n_towns, variants, lambda f: f(**z), reference, repeat, None, lambda f: lambda: f(**z))

    # assess -----------------------------------------------------------------------------------
    w = assess_inputs(n_towns)
    variants = {"numpy current": assess_numpy, "numpy restructured": assess_numpy_restructured}
    if ne is not None:
        variants["numexpr"] = assess_numexpr
    if numba is not None:
        variants["numba"] = assess_numba
    reference = assess_numpy(**w)
    record(rows, "assess", n_towns, variants, lambda f: f(**w), reference, repeat, None, lambda f: lambda: f(**w))


def record(rows, kernel, n_towns, variants, call, reference, repeat, setup, timed):
    """Check each variant against the reference, then time them round-robin (best of ``repeat``)."""
    checks = {}
    for name, fn in variants.items():
        got = call(fn)
        got = got if isinstance(got, tuple) else (got,)
        ref = reference if isinstance(reference, tuple) else (reference,)
        diffs = [max_rel(a, b) for a, b in zip(got, ref)]
        checks[name] = (max(d[0] for d in diffs), max(d[1] for d in diffs))
    best = dict.fromkeys(variants, np.inf)
    for _ in range(repeat):  # round-robin so load on the machine hits every variant alike
        for name, fn in variants.items():
            best[name] = min(best[name], best_of(timed(fn), 1, setup))
    for name in variants:
        rows.append((kernel, n_towns, name, best[name], checks[name]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    print(f"numpy {np.__version__}", end="")
    print(f", numexpr {ne.__version__} ({ne.nthreads} threads)" if ne else ", numexpr not installed: skipped", end="")
    print(f", numba {numba.__version__}" if numba else ", numba not installed: skipped")
    compile_seconds = compile_numba() if numba is not None else {}
    rows = []
    for n in args.towns:
        run_size(n, args.repeat, rows)
    print("\n| kernel | towns | variant | best (ms) | vs current | max diff: per element / to scale |")
    print("|---|---:|---|---:|---:|---:|")
    current = {(k, n): t for k, n, v, t, _ in rows if v == "numpy current"}
    for k, n, v, t, (element, scale) in rows:
        print(f"| {k} | {n:,} | {v} | {t * 1e3:.3f} | {current[(k, n)] / t:.2f}× | {element:.1e} / {scale:.1e} |")
    if numba is not None:
        print("\nnumba JIT compile, first call (s): " + ", ".join(f"{k} {v:.2f}" for k, v in compile_seconds.items()))
    for module, present in (("numexpr", ne), ("numba", numba)):
        if present is not None:
            seconds = import_time(module)
            print(f"import {module} (fresh interpreter, after numpy): {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
