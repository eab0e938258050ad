"""Monte Carlo of GDP growth (不确定性分析, docs/model.md §1.9): how required transfers, the transfers paid and
the county's balance spread when growth is uncertain, and how likely each pilot is to lose its status.

Growth in draw d, year t, town i is ``g[t,i] + sd·(√c·z[d,t] + √(1−c)·e[d,t,i])`` with z (a shock
common to all towns) and e (each town's own) standard normal. Draws run through the vectorised engine
in chunks, so memory stays bounded whatever the number of draws; the special-transfer allocation is
the central run's (专项资金按中心情景安排).

Reproducibility: draws are generated in fixed blocks of :data:`BLOCK` draws, block b from its own
generator ``default_rng(SeedSequence(seed, spawn_key=(b,)))`` (= ``SeedSequence(seed).spawn(…)[b]``),
and chunks are whole blocks. The same seed therefore gives the same numbers whatever chunk size the
memory bound (or the caller) picks (to rounding in a large county under need-adjusted rationing, whose
sums over the towns depend on which towns have a gap in the chunk: docs/model.md §1.12).

Beyond one process (docs/model.md §1.12): with a ``dask.distributed.Client`` the chunks run on its
workers. Each worker gets the compiled model once (a :class:`DrawPlan`) and, per chunk, only its draw
range; it returns a :class:`ChunkResult` (the chunk's ``(draws, years)`` samples and its revocation
counts), which the caller puts in place exactly as the in-process loop does. Dask is imported only then.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..catalogue import MAX_DRAWS, MONTECARLO_SERIES, PERCENTILES
from ..engine import Model, run
from ..errors import Message, ScenarioError
from ..numbers import is_integer
from ..result import Result, simulate
from ..scenario import Scenario, as_scenario
from .workers import check_client, client_budget, client_threads, run_on_client

BLOCK = 32  # draws per random-number block; fixed, so the numbers do not depend on the chunk size
MEMORY_BUDGET = 1 << 30  # bytes a chunk's arrays may take (about 1 GB)
MAX_CHUNK_DRAWS = 1024  # larger chunks amortise nothing more and run slower (cache, iterative rationing)
ENGINE_SERIES = {
    "required_transfers": "required_transfers",
    "general_transfers": "general_transfers_paid",
    "county_balance": "balance",
}
SUMMARY_SERIES = {name: ENGINE_SERIES[name] for name in MONTECARLO_SERIES}  # summary column -> county array


@dataclass
class MonteCarloResult:
    """What :func:`montecarlo` returns.

    ``summary`` has one row per year: ``year``, the 5th/50th/95th percentiles and the mean of
    ``required_transfers``, ``general_transfers`` and ``county_balance`` over the draws, and
    ``p_county_deficit`` = P(county_balance < 0). ``pilots`` has one row per base-year pilot town
    (see :func:`pilot_table`). ``samples`` keeps every draw's yearly ``required_transfers``,
    ``general_transfers`` and ``county_balance`` as ``(draws, years)`` arrays; ``central`` is the run
    without noise.
    """

    name: str
    unit: str
    years: np.ndarray
    draws: int
    seed: int
    gdp_growth_sd: float
    common_share: float
    chunk_size: int
    summary: pd.DataFrame
    pilots: pd.DataFrame
    samples: dict = field(repr=False)
    central: Result = field(repr=False)


# ---------------------------------------------------------------------------------------------
# settings


def _settings(scenario: Scenario, draws, seed) -> tuple[int, int, float, float]:
    """Draws, seed, sd and common share: arguments first, then the scenario's ``uncertainty`` block."""
    block = scenario.config.get("uncertainty")
    if block is None and draws is None:
        raise ScenarioError({"uncertainty": [Message("no_uncertainty")]})
    block = block or {"draws": None, "seed": None, "gdp_growth_sd": 0.0, "common_share": 0.0}
    draws = block["draws"] if draws is None else draws
    if not is_integer(draws) or not 1 <= draws <= MAX_DRAWS:
        raise ScenarioError({"draws": [Message("between", min=1, max=MAX_DRAWS, value=repr(draws))]})
    seed = block["seed"] if seed is None else seed
    if seed is None:
        seed = secrets.randbits(53)  # recorded in the result, so the run can be repeated
    if not is_integer(seed) or seed < 0:
        raise ScenarioError({"seed": [Message("at_least", min=0, value=repr(seed))]})
    return int(draws), int(seed), float(block["gdp_growth_sd"]), float(block["common_share"])


def bytes_per_draw(model: Model) -> int:
    """Memory one draw takes in a chunk, about twice what was measured (benchmarks/bench_montecarlo.py):
    growth paths and county outputs for all years, and one year's temporaries (a few arrays per
    town and item, a few dozen per town). Town outputs are not kept (``town_outputs=()``).
    """
    n_years, n_towns = model.growth.shape
    n_items = model.collected0.shape[1]
    per_draw = n_years * n_towns * 4 + n_towns * n_items * 4 + 40 * n_towns + 16 * n_years
    return 8 * per_draw


def chunk_draws(model: Model, draws: int, chunk_size: int | None = None, budget: int = MEMORY_BUDGET) -> int:
    """Draws per chunk, in whole blocks (at least one): ``chunk_size`` if given, else as many as fit
    in ``budget`` bytes up to :data:`MAX_CHUNK_DRAWS`; never more blocks than the draws need.
    """
    if chunk_size is None:
        chunk_size = min(budget // bytes_per_draw(model), MAX_CHUNK_DRAWS)
    elif not is_integer(chunk_size) or chunk_size < 1:
        raise ScenarioError({"chunk_size": [Message("at_least", min=1, value=repr(chunk_size))]})
    blocks = max(1, int(chunk_size) // BLOCK)
    return min(blocks * BLOCK, -(-draws // BLOCK) * BLOCK)


# ---------------------------------------------------------------------------------------------
# growth draws


def growth_draws(central: np.ndarray, sd: float, common_share: float, seed: int, start: int, stop: int, total: int):
    """Growth ``(stop − start, T, N)`` for draws ``start…stop`` (block-aligned) of a ``total``-draw run.

    Each block of :data:`BLOCK` draws comes from its own generator, z ``(b, T)`` first, then e
    ``(b, T, N)``; the last block of the run may be short.
    """
    n_years, n_towns = central.shape
    n = stop - start
    if sd == 0.0:
        return np.broadcast_to(central, (n, n_years, n_towns))
    out = np.empty((n, n_years, n_towns))
    a, b = np.sqrt(common_share), np.sqrt(1.0 - common_share)
    for first in range(start, stop, BLOCK):
        size = min(BLOCK, total - first)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(first // BLOCK,)))
        z = rng.standard_normal((size, n_years))
        shock = out[first - start : first - start + size]
        rng.standard_normal(out=shock)  # e, written in place
        shock *= b
        shock += a * z[:, :, None]
        shock *= sd
        shock += central
    return out


# ---------------------------------------------------------------------------------------------
# the run


@dataclass(frozen=True)
class DrawPlan:
    """What every chunk of a run shares: the compiled model, the central run's special transfers and the
    random settings. Sent to each worker once; a chunk is then just its draw range."""

    model: Model
    fixed: tuple[np.ndarray, np.ndarray] | None  # grants and co-financing of the central run (or None)
    pilots: np.ndarray  # positions of the base-year pilots
    seed: int
    sd: float
    common_share: float
    draws: int  # of the whole run (the last block may be short)


@dataclass
class ChunkResult:
    """What one chunk returns: its draw range, the ``(stop − start, years)`` samples of each summary
    series and the revocation counts of its draws (added exactly by the caller)."""

    start: int
    stop: int
    samples: dict
    tally: RevocationTally


def run_chunk(plan: DrawPlan, start: int, stop: int) -> ChunkResult:
    """Draws ``start…stop`` (block-aligned) of the run: the same numbers wherever it runs."""
    model = plan.model
    growth = growth_draws(model.growth, plan.sd, plan.common_share, plan.seed, start, stop, plan.draws)
    trace = run(model, growth, detail=False, fixed_special=plan.fixed, town_outputs=())
    county = trace.arrays["county"]
    samples = {name: np.array(county[source], dtype=np.float64) for name, source in SUMMARY_SERIES.items()}
    tally = RevocationTally.empty(len(plan.pilots)).add(trace.revoked_year[:, plan.pilots], model.years[-1])
    return ChunkResult(start, stop, samples, tally)


def montecarlo(
    scenario,
    draws: int | None = None,
    seed: int | None = None,
    client=None,
    *,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """Run ``draws`` growth paths of ``scenario`` (a Scenario, a file path or a document dict).

    ``draws`` and ``seed`` default to the scenario's ``uncertainty`` block (an error when it has
    none and no ``draws`` are given; without a seed a random one is chosen and recorded).
    ``chunk_size`` caps the draws run at once (rounded to whole blocks of :data:`BLOCK`; by default
    as many as fit in about 1 GB, at most :data:`MAX_CHUNK_DRAWS`). ``progress(done, total)`` is
    called after each chunk.

    ``client``, a ``dask.distributed.Client``, runs the chunks on its workers (docs/model.md §1.12);
    by default a chunk then also fits in half a worker's memory per thread, and the draws are cut into
    about two chunks per worker thread. The numbers are those of a run in process cut into the same
    chunks, bit for bit; cut differently they agree to rounding (docs/model.md §1.12).
    """
    scenario = as_scenario(scenario)
    draws, seed, sd, common_share = _settings(scenario, draws, seed)
    if client is not None:
        check_client(client)
    central = simulate(scenario)
    model = central.model
    special = central.trace.special
    fixed = (special.grant_by_town, special.cofinancing_by_town) if special is not None else None
    n_years = model.growth.shape[0]
    pilots = np.flatnonzero(model.pilot0)
    plan = DrawPlan(model, fixed, pilots, seed, sd, common_share, draws)
    if client is None:
        step = chunk_draws(model, draws, chunk_size)
    else:
        step = client_chunk_draws(model, draws, chunk_size, client)
    ranges = [(start, min(start + step, draws)) for start in range(0, draws, step)]

    samples = {name: np.empty((draws, n_years)) for name in SUMMARY_SERIES}
    tally = RevocationTally.empty(len(pilots))
    done = 0
    if client is None:
        chunks = (run_chunk(plan, start, stop) for start, stop in ranges)
    else:
        chunks = run_on_client(client, run_chunk, plan, ranges)
    for chunk in chunks:
        for name, values in chunk.samples.items():
            samples[name][chunk.start : chunk.stop] = values
        tally = tally.plus(chunk.tally)
        done += chunk.stop - chunk.start
        del chunk
        if progress is not None:
            progress(done, draws)

    return MonteCarloResult(
        name=scenario.name,
        unit=scenario.config["unit"],
        years=model.years,
        draws=draws,
        seed=seed,
        gdp_growth_sd=sd,
        common_share=common_share,
        chunk_size=step,
        summary=summary_table(model.years, samples),
        pilots=pilot_table(model, pilots, tally, draws),
        samples=samples,
        central=central,
    )


def client_chunk_draws(model: Model, draws: int, chunk_size: int | None, client) -> int:
    """Draws per chunk on a cluster: ``chunk_size`` if given; else whole blocks that fit in half of the
    smallest worker's memory per thread (at most 1 GB, :data:`MAX_CHUNK_DRAWS` draws), and no more than
    about two chunks per worker thread need, so every worker has work."""
    if chunk_size is not None:
        return chunk_draws(model, draws, chunk_size)
    bound = chunk_draws(model, draws, None, client_budget(client, MEMORY_BUDGET))
    share = -(-draws // (2 * client_threads(client)))
    return min(bound, max(BLOCK, -(-share // BLOCK) * BLOCK))


def summary_table(years: np.ndarray, samples: dict) -> pd.DataFrame:
    """Per year: percentiles and mean of each series over the draws, and P(county_balance < 0)."""
    data = {"year": years}
    for name, values in samples.items():
        for p, row in zip(PERCENTILES, np.percentile(values, PERCENTILES, axis=0)):
            data[f"{name}_p{p}"] = row
        data[f"{name}_mean"] = values.mean(axis=0)
    data["p_county_deficit"] = (samples["county_balance"] < 0).mean(axis=0)
    return pd.DataFrame(data)


@dataclass(frozen=True)
class RevocationTally:
    """Per pilot town, over the draws run so far: revocations, those in force by the last year, and
    the sum of first non-pilot years (kept as counts, so memory does not grow with the draws)."""

    revoked: np.ndarray
    in_force: np.ndarray
    year_sum: np.ndarray

    @classmethod
    def empty(cls, n: int) -> RevocationTally:
        return cls(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))

    def plus(self, other: RevocationTally) -> RevocationTally:
        """The counts of two sets of draws together (integers: exact in any order)."""
        return RevocationTally(
            self.revoked + other.revoked, self.in_force + other.in_force, self.year_sum + other.year_sum
        )

    def add(self, revoked_year: np.ndarray, last_year: int) -> RevocationTally:
        """Add a chunk's ``revoked_year[d, pilot]`` (0 = never)."""
        hit = revoked_year != 0
        return RevocationTally(
            self.revoked + hit.sum(axis=0),
            self.in_force + (hit & (revoked_year <= last_year)).sum(axis=0),
            self.year_sum + np.where(hit, revoked_year, 0).sum(axis=0),
        )


def pilot_table(model: Model, pilots: np.ndarray, tally: RevocationTally, draws: int) -> pd.DataFrame:
    """Per base-year pilot town: how likely it is to lose pilot status (试点资格被取消的概率).

    ``p_revoked`` counts every draw in which the assessments of the simulated years revoke the
    status, including a third failure in the last year, whose first year as a non-pilot is the year
    after the last (the status is lost all the same). ``p_non_pilot_last_year`` counts only the
    draws in which the town is no longer a pilot in the last simulated year.
    ``mean_revoked_from`` is the mean first non-pilot year over the draws that revoke (NaN if none).
    """
    ids = [model.town_ids[i] for i in pilots]
    names = model.scenario.towns["name"].iloc[pilots].astype(str).tolist()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_year = np.where(tally.revoked > 0, tally.year_sum / np.maximum(tally.revoked, 1), np.nan)
    return pd.DataFrame(
        {
            "town": pd.Categorical(ids, categories=pd.Index(ids, dtype=object)),
            "name": pd.Categorical(names, categories=pd.Index(names, dtype=object).unique()),
            "p_revoked": tally.revoked / draws,
            "p_non_pilot_last_year": tally.in_force / draws,
            "mean_revoked_from": mean_year,
        }
    )
