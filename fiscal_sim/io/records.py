"""Frames, results and values as plain JSON-ready Python data, for every edge (CLI JSON, HTTP)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def json_value(value):
    """A value JSON can hold: numpy scalars unwrapped, NaN/NA/±inf → None, containers walked.

    >>> json_value({"a": np.float64(1.5), "b": [np.nan, pd.NA, np.int64(2)]})
    {'a': 1.5, 'b': [None, None, 2]}
    """
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_value(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _column_values(series: pd.Series) -> list:
    """One column as Python scalars, with NaN, ±inf and NA as None."""
    numpy_dtype = isinstance(series.dtype, np.dtype)
    if numpy_dtype and series.dtype.kind == "f":
        values = series.to_numpy()
        out = values.tolist()
        missing = ~np.isfinite(values)
    elif numpy_dtype and series.dtype.kind in "biu":
        return series.to_numpy().tolist()
    else:  # text, categories, nullable integers, objects
        out = [json_value(v) for v in series.to_numpy(dtype=object).tolist()]
        missing = series.isna().to_numpy()
    for position in np.flatnonzero(missing):
        out[position] = None
    return out


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """A frame as JSON-ready records, built column by column (pandas' to_dict is slow on small frames).

    >>> frame_records(pd.DataFrame({"x": [1.5, np.nan], "t": ["a", None]}))
    [{'x': 1.5, 't': 'a'}, {'x': None, 't': None}]
    """
    names = [str(c) for c in frame.columns]
    columns = [_column_values(frame.iloc[:, j]) for j in range(frame.shape[1])]
    return [dict(zip(names, row)) for row in zip(*columns)]


# ---------------------------------------------------------------------------------------------
# results as JSON-ready data (the HTTP bodies, CLI JSON)


def result_records(result) -> dict:
    """A :class:`~fiscal_sim.Result`'s frames as lists of records (docs/model.md §1.6)."""
    return {
        "name": result.name,
        "unit": result.unit,
        "years": [int(y) for y in result.years],
        **{name: frame_records(getattr(result, name)) for name in ("towns", "county", "indicators", "projects")},
        "revocations": frame_records(result.revocations),
    }


def comparison_records(comparison) -> dict:
    """A :class:`~fiscal_sim.analysis.compare.Comparison` as JSON-ready data."""
    from ..analysis.compare import FRAMES

    return {
        "baseline": comparison.baseline,
        "labels": comparison.labels,
        "scenarios": {label: {"name": r.name, "unit": r.unit} for label, r in comparison.results.items()},
        **{name: frame_records(getattr(comparison, name)) for name in FRAMES},
    }


def montecarlo_records(mc) -> dict:
    """A Monte Carlo result without its samples and central run."""
    return {
        "name": mc.name,
        "unit": mc.unit,
        "years": [int(y) for y in mc.years],
        "draws": int(mc.draws),
        "seed": int(mc.seed),
        "gdp_growth_sd": float(mc.gdp_growth_sd),
        "common_share": float(mc.common_share),
        "summary": frame_records(mc.summary),
        "pilots": frame_records(mc.pilots),
    }


def solve_records(found) -> dict:
    """A :class:`~fiscal_sim.analysis.goal_seek.SolveResult` with its run as records."""
    out = {name: json_value(getattr(found, name)) for name in found.__dataclass_fields__ if name != "result"}
    out["result"] = result_records(found.result)
    return out
