"""Tables as CSV, written one way for the CLI, the API and the page: UTF-8 with a BOM (so Excel reads
the Chinese), no float noise, and text that Excel would run as a formula kept as text (a leading ')."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .excel_cells import FORMULA_STARTS

DIGITS = 10  # significant digits kept: 946665.0000000001 is written 946665


_POWERS = 10.0 ** np.arange(-300, 16)  # the scales significant() multiplies by, looked up rather than raised


def significant(values: np.ndarray, digits: int = DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (never more than 15 decimals).

    >>> significant(np.array([946665.0000000001, 0.1 + 0.2, -2.5e-12, np.nan])).tolist()
    [946665.0, 0.3, -2.5e-12, nan]
    """
    scale = np.abs(values)  # becomes 10^(digits − 1 − magnitude), in place: a few passes over millions of values
    finite = np.isfinite(scale)
    finite &= scale != 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.log10(scale, out=scale, where=finite)
        np.floor(scale, out=scale)
        np.subtract(digits - 1, scale, out=scale)
        np.clip(scale, -300, 15, out=scale)
        np.nan_to_num(scale, copy=False, nan=0.0)
        scale = _POWERS.take(scale.astype(np.intp) + 300)
        out = np.multiply(values, scale)
        np.round(out, out=out)
        out /= scale
    np.copyto(out, values, where=~finite)
    return out


def _safe_text(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell_text(value) -> str | None:
    """A cell of a text (object) column as written: a gap (or "") is empty, a formula is defused, the rest is str()."""
    if type(value) is str:  # most cells: one check
        return ("'" + value if value.startswith(FORMULA_STARTS) else value) if value else None
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return _safe_text(value) or None
    return str(value)


def _texts(name: str, values: pd.Series):
    """A text, categorical or other column as polars strings, each distinct value formatted once."""
    import polars as pl

    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, labels = values.cat.codes.to_numpy(), values.cat.categories
    elif pd.api.types.is_string_dtype(values.dtype) and (
        values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) == "string"
    ):
        codes, labels = pd.factorize(values)  # only text: equal values are the same text
    else:
        return pl.Series(name, [_cell_text(v) for v in values.to_numpy(object)], dtype=pl.String)
    texts = [_cell_text(v) for v in labels] + [None]  # code -1 (a gap) takes the last: None
    codes = np.where(codes < 0, len(texts) - 1, codes).astype(np.uint32)
    return pl.Series(name, texts, dtype=pl.String).gather(codes)


def _column(name: str, values: pd.Series):
    """One column as polars writes it the way pandas does (``True``, ``0.0``, ``1e-05``, a gap empty)."""
    import polars as pl

    dtype = values.dtype
    if pd.api.types.is_float_dtype(dtype):
        numbers = significant(values.to_numpy(np.float64, na_value=np.nan))
        tiny = np.isfinite(numbers) & (numbers != 0) & (np.abs(numbers) < 1e-4)
        if tiny.any():  # Python (and pandas) write these as 1e-05, polars as 0.00001: write them as text
            return pl.Series(name, [None if np.isnan(x) else repr(x) for x in numbers.tolist()], dtype=pl.String)
        return pl.Series(name, numbers).fill_nan(None)
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pl.Series(name, ["False", "True"], dtype=pl.String).gather(values.to_numpy().astype(np.uint32))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pl.Series(name, values.to_numpy())
    return _texts(name, values)


def _write(frame: pd.DataFrame, target) -> None:
    """Write the frame's CSV text (see :func:`csv_bytes`) to a path or a binary file."""
    import polars as pl

    table = pl.DataFrame([_column(str(name), frame[name]) for name in frame.columns])
    lone = len(frame.columns) == 1  # a row of one empty cell is "" (else it would read as a blank line)
    table.write_csv(target, include_bom=True, line_terminator=os.linesep, null_value='""' if lone else "")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV bytes (UTF-8 with BOM): the text pandas' ``to_csv(index=False)`` writes, floats to
    :data:`DIGITS` significant digits and formulas defused.

    Written by polars' compiled, multi-threaded CSV writer: a 100,000-town run writes 600 MB of CSV, which
    pandas formats one value at a time (about 20 times slower).
    """
    buffer = io.BytesIO()
    _write(frame, buffer)
    return buffer.getvalue()


def write_csv_file(frame: pd.DataFrame, path: Path) -> None:
    """The frame as a CSV file, the bytes :func:`csv_bytes` gives, written without holding them in memory."""
    _write(frame, path)
