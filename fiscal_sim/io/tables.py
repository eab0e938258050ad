"""Tables as CSV, written one way for the CLI, the API and the page: UTF-8 with a BOM (so Excel reads
the Chinese), no float noise, and text that Excel would run as a formula kept as text (a leading ').

A table is a pandas frame, a mapping of column names to columns (numpy arrays, :class:`~fiscal_sim.result.Coded`
labels or pandas series), or :class:`Batches` of either: consecutive rows, each batch written as it comes (a
large result table a year at a time, :meth:`fiscal_sim.result.Result.batches`, never held whole).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from ..result import Coded

DIGITS = 10  # significant digits kept: 946665.0000000001 is written 946665
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # text Excel would run as a formula (kept as text: a leading ')
TINY = 1e-4  # below it Python (and pandas) write 1e-05, polars 0.00001


_POWERS = 10.0 ** np.arange(-300, 16)  # the scales significant() multiplies by, looked up rather than raised
_CHUNK = 1 << 15  # values rounded at a time: the scratch arrays stay in the CPU's cache


def significant(values: np.ndarray, digits: int = DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (never more than 15 decimals).

    >>> significant(np.array([946665.0000000001, 0.1 + 0.2, -2.5e-12, np.nan])).tolist()
    [946665.0, 0.3, -2.5e-12, nan]
    """
    return _rounded(values, digits)[0]


def _rounded(values: np.ndarray, digits: int = DIGITS) -> tuple[np.ndarray, bool, bool]:
    """:func:`significant`, whether any rounded value is finite, nonzero and below :data:`TINY` in size,
    and whether any is NaN.

    Computed a chunk at a time with scratch arrays reused: a few passes over each chunk in the cache rather
    than over millions of values in memory (the 100,000-town result tables have 46 million).
    """
    values = np.asarray(values, dtype=np.float64)
    flat = np.ascontiguousarray(values).reshape(-1)
    if not flat.any():  # all zeros (NaN counts as nonzero): as they are (many of a result's columns)
        return flat.copy().reshape(values.shape), False, False
    out = np.empty(flat.shape)
    size = min(len(flat), _CHUNK)
    scale = np.empty(size)
    index = np.empty(size, dtype=np.intp)
    finite, mask = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
    tiny = nan = False
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for start in range(0, len(flat), _CHUNK):
            x, o = flat[start : start + _CHUNK], out[start : start + _CHUNK]
            n = len(x)
            s, f, m, k = scale[:n], finite[:n], mask[:n], index[:n]
            # s becomes 10^(digits − 1 − magnitude) where x is finite and nonzero
            np.abs(x, out=s)
            np.isfinite(s, out=f)
            np.not_equal(s, 0, out=m)
            f &= m
            np.log10(s, out=s, where=f)
            np.floor(s, out=s)
            np.subtract(digits - 1, s, out=s)
            np.clip(s, -300, 15, out=s)
            np.nan_to_num(s, copy=False, nan=0.0)
            np.add(s, 300, out=s)
            k[...] = s  # a whole number from 0 to 315: the cast is exact
            _POWERS.take(k, out=s, mode="clip")  # k is in range: no buffered copy
            np.multiply(x, s, out=o)
            np.round(o, out=o)
            o /= s
            np.logical_not(f, out=m)
            if m.any():
                np.copyto(o, x, where=m)
                nan = nan or bool(np.isnan(x[m]).any())
            np.abs(o, out=s)
            np.less(s, TINY, out=m)
            m &= f
            if m.any():
                tiny = tiny or bool((o[m] != 0).any())
    return out.reshape(values.shape), tiny, nan


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


def _coded(name: str, codes: np.ndarray, labels, texts=None):
    """Labels by code as polars strings, each label formatted once (code -1: a gap); ``texts``: the labels
    already formatted (:func:`_label_texts`)."""
    texts = _label_texts(labels) if texts is None else texts
    codes = np.asarray(codes)
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(texts) - 1, codes)
    return texts.gather(codes.astype(np.uint32, copy=False)).alias(name)


def _label_texts(labels):
    """Labels as written, and a gap last (code -1 takes it)."""
    import polars as pl

    return pl.Series("", [_cell_text(v) for v in labels] + [None], dtype=pl.String)


def _texts(name: str, values: pd.Series):
    """A text, categorical or other column as polars strings, each distinct value formatted once."""
    import polars as pl

    if isinstance(values.dtype, pd.CategoricalDtype):
        return _coded(name, values.cat.codes.to_numpy(), values.cat.categories)
    if pd.api.types.is_string_dtype(values.dtype) and (
        values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) == "string"
    ):
        return _coded(name, *pd.factorize(values))  # only text: equal values are the same text
    return pl.Series(name, [_cell_text(v) for v in values.to_numpy(object)], dtype=pl.String)


def _floats(name: str, values: np.ndarray):
    """Floats to :data:`DIGITS` significant digits, as pandas writes them (``0.0``, ``1e-05``, NaN empty)."""
    import polars as pl

    numbers, tiny, nan = _rounded(values)
    if tiny:  # Python (and pandas) write these as 1e-05, polars as 0.00001: write them as text
        return pl.Series(name, [None if np.isnan(x) else repr(x) for x in numbers.tolist()], dtype=pl.String)
    series = pl.Series(name, numbers)
    return series.fill_nan(None) if nan else series


def _array(name: str, values: np.ndarray):
    import polars as pl

    if values.dtype.kind == "f":
        return _floats(name, values)
    if values.dtype.kind == "b":
        return pl.Series(name, ["False", "True"], dtype=pl.String).gather(values.astype(np.uint32))
    if values.dtype.kind in "iu":
        return pl.Series(name, values)
    return _texts(name, pd.Series(values, dtype=object))


def _column(name: str, values, labels: dict | None = None):
    """One column as polars writes it the way pandas does (``True``, ``0.0``, ``1e-05``, a gap empty).

    ``labels``: the texts of :class:`~fiscal_sim.result.Coded` labels already formatted, by the labels' id
    (batches share their labels: formatted once).
    """
    import polars as pl

    if isinstance(values, Coded):
        if labels is None:
            return _coded(name, values.codes, values.labels)
        if id(values.labels) not in labels:  # the labels kept with their texts: their id stays theirs
            labels[id(values.labels)] = (values.labels, _label_texts(values.labels))
        return _coded(name, values.codes, values.labels, labels[id(values.labels)][1])
    if isinstance(values, np.ndarray):
        return _array(name, values)
    dtype = values.dtype
    if pd.api.types.is_float_dtype(dtype):
        return _floats(name, values.to_numpy(np.float64, na_value=np.nan))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return _array(name, values.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pl.Series(name, values.to_numpy())
    return _texts(name, values)


Table = pd.DataFrame | Mapping[str, "np.ndarray | Coded | pd.Series"]


class Batches:
    """A table given as consecutive batches of rows (tables with the same columns), written one after the
    other: the text of the whole table, with its memory only a batch's."""

    def __init__(self, batches: Iterable[Table]):
        self.batches = batches


def _frame(table: Table, labels: dict | None = None):
    import polars as pl

    columns = table.items() if isinstance(table, Mapping) else ((name, table[name]) for name in table.columns)
    return pl.DataFrame([_column(str(name), values, labels) for name, values in columns])


def _write(table: Table | Batches, target) -> None:
    """Write the table's CSV text (see :func:`csv_bytes`) to a path or a binary file."""
    if not isinstance(table, Batches):
        _write_frame(_frame(table), target, first=True)
        return
    labels: dict = {}
    with open(target, "wb") if isinstance(target, str | os.PathLike) else nullcontext(target) as out:
        first = True
        for batch in table.batches:
            _write_frame(_frame(batch, labels), out, first)
            first = False
        if first:
            raise ValueError("a table of batches needs at least one batch (its header)")


def _write_frame(frame, target, first: bool) -> None:
    lone = frame.width == 1  # a row of one empty cell is "" (else it would read as a blank line)
    frame.write_csv(
        target,
        include_bom=first,
        include_header=first,
        line_terminator=os.linesep,
        null_value='""' if lone else "",
    )


def csv_bytes(table: Table | Batches) -> bytes:
    """The table as CSV bytes (UTF-8 with BOM): the text pandas' ``to_csv(index=False)`` writes, floats to
    :data:`DIGITS` significant digits and formulas defused.

    Written by polars' compiled, multi-threaded CSV writer: a 100,000-town run writes 600 MB of CSV, which
    pandas formats one value at a time (about 20 times slower).
    """
    buffer = io.BytesIO()
    _write(table, buffer)
    return buffer.getvalue()


def write_csv_file(table: Table | Batches, path: Path) -> None:
    """The table as a CSV file, the bytes :func:`csv_bytes` gives, written without holding them in memory."""
    _write(table, path)
