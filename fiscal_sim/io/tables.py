"""Tables as CSV, written one way for the CLI, the API and the page: UTF-8 with a BOM (so Excel reads
the Chinese), no float noise, and text that Excel would run as a formula kept as text (a leading ')."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .excel_cells import FORMULA_STARTS

DIGITS = 10  # significant digits kept: 946665.0000000001 is written 946665


def significant(values: np.ndarray, digits: int = DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (never more than 15 decimals).

    >>> significant(np.array([946665.0000000001, 0.1 + 0.2, -2.5e-12, np.nan])).tolist()
    [946665.0, 0.3, -2.5e-12, nan]
    """
    finite = np.isfinite(values) & (values != 0)
    magnitude = np.floor(
        np.log10(np.abs(values, where=finite, out=np.ones_like(values)), where=finite, out=np.zeros_like(values))
    )
    scale = 10.0 ** np.clip(digits - 1 - magnitude, -300, 15)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(finite, np.round(values * scale) / scale, values)


def _safe_text(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as it goes into a CSV file: floats to :data:`DIGITS` significant digits, formulas defused."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column.dtype):
            out[name] = pd.Series(significant(column.to_numpy(np.float64)), index=column.index)
        elif (
            pd.api.types.is_object_dtype(column.dtype)
            or pd.api.types.is_string_dtype(column.dtype)
            or isinstance(column.dtype, pd.CategoricalDtype)
        ):
            out[name] = column.astype(object).map(_safe_text)
        else:
            out[name] = column
    return pd.DataFrame(out, index=frame.index)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV bytes (UTF-8 with BOM)."""
    return csv_frame(frame).to_csv(index=False).encode("utf-8-sig")
