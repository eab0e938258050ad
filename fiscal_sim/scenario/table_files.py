"""Reading a table file (.csv/.xlsx) into a frame, and its cells as values: a file's cells have no types.

:func:`read_frame` reads the towns or projects table as pandas does; :func:`frame_records` makes that frame the
inline records a document holds (numbers written as text become numbers, :func:`number_or_text`), and
:func:`parse_bool` reads true/false as a table writes it. The Excel template reader reads its cells the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalogue
from ..errors import Message, ScenarioError

TRUE_WORDS = {"true", "1", "是", "yes", "y", "t", "1.0"}
FALSE_WORDS = {"false", "0", "否", "no", "n", "f", "0.0", ""}

# columns that hold text or true/false: kept as written when a table file is read
WORD_COLUMNS = {
    c.key for t in catalogue.INPUT_TABLES.values() for c in t.columns if c.kind in ("text", "choice", "bool")
}


def read_frame(path: Path) -> pd.DataFrame:
    """The cells of a .csv or .xlsx table (first sheet) as pandas reads them: ids kept as text, column names stripped."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise ScenarioError(Message("file_not_found", path=str(path)))
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype={"id": str, "town": str}, keep_default_na=False, na_values=[""])
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype={"id": str, "town": str}, engine="openpyxl")
        else:
            raise ScenarioError(Message("table_suffix", name=path.name))
    except ScenarioError:
        raise
    except Exception as exc:  # pandas raises many types for unreadable files
        detail = f"{path.name}: {exc.__class__.__name__}: {exc}"
        raise ScenarioError(Message("cannot_read_table", detail=detail)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """The inline records of a table file's frame: gaps are None, numbers written as text are numbers."""
    records = frame.astype(object).where(frame.notna(), None)
    for column in records.columns:
        if column not in WORD_COLUMNS and records[column].map(lambda v: isinstance(v, str)).any():
            records[column] = records[column].map(number_or_text)
    return records.to_dict("records")


def number_or_text(value):
    """A table file has no types: a cell written ``1,200`` or stored as text in Excel is the number it shows.

    JSON and YAML do have types, so there a number written as a string stays a string (and is an error).
    """
    if not isinstance(value, str):
        return value
    try:
        number = float(value.strip().replace(",", ""))
    except ValueError:
        return value
    return number if np.isfinite(number) else value


def parse_bool(value) -> bool | None:
    """true/false in any case, 1/0, 是/否; None when the value is none of these."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS and word != "":
            return False
    return None
