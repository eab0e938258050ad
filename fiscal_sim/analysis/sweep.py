"""Parameter sweeps (参数扫描, docs/model.md §1.12): the indicators (§1.8) for every combination of the
values of one or two settings, e.g. the county balance over VAT town share × pool size.

A parameter is a scenario path in the override syntax (``revenue_items.vat.split.town_share``,
``general_transfer.pool``); every combination is a full :func:`fiscal_sim.simulate` of the scenario
with those overrides. Every path and value is checked before anything runs. With a
``dask.distributed.Client`` the combinations run on its workers (the scenario is sent to each worker
once, then only each combination's values); the frame is the same either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Message, ScenarioError
from ..numbers import is_number
from ..result import INDICATOR_COLUMNS, simulate
from ..scenario import Scenario, as_scenario
from .workers import check_client, run_on_client

MAX_PARAMETERS = 2
MAX_COMBINATIONS = 10_000


@dataclass(frozen=True)
class SweepJob:
    """A checked sweep: the scenario, the paths set and every combination of their values. What the
    combinations share (the job without its combinations) is sent to each worker once."""

    scenario: Scenario
    paths: tuple[str, ...]
    combinations: tuple[tuple, ...] = ()


def sweep(
    scenario,
    parameters: dict,
    client=None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The indicators of ``scenario`` for every combination of ``parameters`` (``{PATH: [values], …}``,
    one or two paths).

    Returns a frame with one row per combination and year: a column per path (named by the path,
    holding its value), ``year``, then the indicator columns of :attr:`fiscal_sim.Result.indicators`.
    Rows follow the combinations as given, the first path varying slowest, then the years.

    Values are numbers, text or true/false. Every path and value, and every combination, is checked
    before anything runs: a :class:`ScenarioError` names the path or the value (at most
    :data:`MAX_PARAMETERS` paths and :data:`MAX_COMBINATIONS` combinations). ``client``, a
    ``dask.distributed.Client``, runs the combinations on its workers. ``progress(done, total)`` is
    called after each combination.
    """
    if client is not None:
        check_client(client)
    return run_sweep(plan_sweep(scenario, parameters), client, progress=progress)


def plan_sweep(scenario, parameters: dict) -> SweepJob:
    """A :class:`SweepJob` once every path, value and combination is checked (nothing is run)."""
    scenario = as_scenario(scenario)
    paths, grid = sweep_grid(parameters)
    combinations = tuple(itertools.product(*grid))
    check_combinations(scenario, paths, combinations)
    return SweepJob(scenario, tuple(paths), combinations)


def run_sweep(job: SweepJob, client=None, *, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run a planned sweep, in this process or on ``client``'s workers; the frame of :func:`sweep`."""
    shared = SweepJob(job.scenario, job.paths)
    numbered = list(enumerate(job.combinations))
    if client is None:
        runs = (run_combination(shared, n, values) for n, values in numbered)
    else:
        check_client(client)
        runs = run_on_client(client, run_combination, shared, numbered)
    frames: list[pd.DataFrame | None] = [None] * len(numbered)
    for done, (n, indicators) in enumerate(runs, 1):
        frames[n] = indicators
        if progress is not None:
            progress(done, len(numbered))
    return sweep_table(list(job.paths), list(job.combinations), frames)


def run_combination(job: SweepJob, n: int, values: tuple) -> tuple[int, pd.DataFrame]:
    """Combination ``n``: the indicators of the scenario with ``values`` set on the job's paths."""
    return n, simulate(job.scenario.with_overrides(dict(zip(job.paths, values)))).indicators


def sweep_table(paths: list[str], combinations: list[tuple], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The combinations' indicator frames one under the other, each row led by its values."""
    body = pd.concat(frames, ignore_index=True)
    sizes = [len(frame) for frame in frames]
    leading = {
        path: pd.Series([v for values, size in zip(combinations, sizes) for v in [values[j]] * size])
        for j, path in enumerate(paths)
    }
    table = pd.concat([pd.DataFrame(leading), body], axis=1)
    return table[[*paths, *INDICATOR_COLUMNS]]


# ---------------------------------------------------------------------------------------------
# checks, all before anything runs


def sweep_grid(parameters) -> tuple[list[str], list[list]]:
    """The paths and each path's values, checked for shape: 1–2 paths, non-empty lists of distinct
    numbers, texts or true/false (numpy scalars become Python ones)."""
    if not isinstance(parameters, dict) or not 1 <= len(parameters) <= MAX_PARAMETERS:
        raise ScenarioError({"parameters": [Message("sweep_parameters", max=MAX_PARAMETERS)]})
    errors: dict[str, list] = {}
    paths, grid = [], []
    for path, values in parameters.items():
        if not isinstance(path, str) or not path:
            raise ScenarioError({"parameters": [Message("sweep_parameters", max=MAX_PARAMETERS)]})
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            errors[path] = [Message("sweep_values")]
            continue
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not values:
            errors[path] = [Message("sweep_values")]
            continue
        seen = set()
        for v in values:
            if not (isinstance(v, (bool, str)) or is_number(v)):
                errors.setdefault(path, []).append(Message("sweep_value", value=repr(v)))
            elif (isinstance(v, bool), v) in seen:
                errors.setdefault(path, []).append(Message("sweep_duplicate", value=shown(v)))
            else:
                seen.add((isinstance(v, bool), v))
        paths.append(path)
        grid.append(values)
    if errors:
        raise ScenarioError(errors)
    count = int(np.prod([len(values) for values in grid]))
    if count > MAX_COMBINATIONS:
        raise ScenarioError({"parameters": [Message("sweep_combinations", max=MAX_COMBINATIONS, got=count)]})
    return paths, grid


def check_combinations(scenario: Scenario, paths: list[str], combinations: list[tuple]) -> None:
    """Build every combination's scenario once; the first that fails raises a ScenarioError naming the
    value at fault (with two paths, the one whose value fails on its own, else both values)."""
    for values in combinations:
        overrides = dict(zip(paths, values))
        try:
            scenario.with_overrides(overrides)
        except ScenarioError as exc:
            if len(overrides) > 1:
                for path, value in overrides.items():
                    try:
                        scenario.with_overrides({path: value})
                    except ScenarioError as alone:
                        raise invalid({path: value}, alone) from None
            raise invalid(overrides, exc) from None


def invalid(overrides: dict, exc: ScenarioError) -> ScenarioError:
    """``exc`` (which says what is wrong where) led by the setting that caused it; a path that does not
    exist is named on its own."""
    if len(overrides) == 1:
        (path,) = overrides
        if list(exc.errors) == [f"set.{path}"]:
            return ScenarioError({path: exc.errors[f"set.{path}"]}, exc.source)
    setting = ", ".join(f"{path} = {shown(value)}" for path, value in overrides.items())
    return ScenarioError({"parameters": [Message("sweep_invalid", setting=setting)], **exc.errors}, exc.source)


def shown(value) -> str:
    """A sweep value as written on a command line: ``0.5``, ``true``, ``'text'``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    return repr(value) if isinstance(value, str) else str(value)
