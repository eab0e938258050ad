"""Checking a table column by column: the checks of numbers, texts, ids, booleans and required columns.

Each check reads a whole column at once (vectorised) and adds each bad cell to :class:`RowErrors`, named by its
spreadsheet row, id and column; :class:`Cells` gives the columns of a file's frame or of inline records alike.
The towns and projects tables (:mod:`fiscal_sim.scenario.tables`) are checked with these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Message, ScenarioError
from .held_tables import Table
from .table_files import FALSE_WORDS, TRUE_WORDS, WORD_COLUMNS, frame_records, number_or_text, parse_bool


class RowErrors:
    """Collects problems per row, named the way a user finds the row (spreadsheet row and id)."""

    def __init__(self, label: str):
        self.label = label
        self.errors: dict[str, list[str]] = {}

    def where(self, position: int, row_id) -> str:
        # position 0 is the first record: spreadsheet row 2, under the header
        id_part = f" (id {row_id})" if row_id not in (None, "") else ""
        return f"{self.label} row {position + 2}{id_part}"

    def add(self, key: str, message: str):
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self, source: str | None):
        if self.errors:
            raise ScenarioError(self.errors, source)


class Cells:
    """A table's columns as checked: a file's frame (numbers written as text are numbers) or inline records'."""

    def __init__(self, frame: pd.DataFrame, from_file: bool):
        self.frame, self.from_file = frame, from_file
        self.ids: pd.Series | None = None

    @classmethod
    def of(cls, table, key: str, source: str | None, *, allow_empty: bool = False) -> Cells:
        """The cells of a :class:`Table` or of inline records; anything else is an error at ``key``."""
        if isinstance(table, list) and all(isinstance(r, dict) for r in table):
            table = Table(records=table)
        if not isinstance(table, Table) or not (allow_empty or len(table)):
            code = "table_records_or_empty" if allow_empty else "table_records"
            raise ScenarioError({key: [Message(code)]}, source)
        return cls(table.frame(), table.from_file)

    def __len__(self) -> int:
        return len(self.frame)

    def value(self, column: str, pos: int):
        """One cell as its record holds it, to show in a message (a gap is None)."""
        value = self.frame[column].iat[pos]
        if _is_gap(value):
            return None
        if self.from_file and column not in WORD_COLUMNS:
            return number_or_text(value)
        return value

    def where(self, errors: RowErrors, pos: int) -> str:
        return errors.where(pos, None if self.ids is None else self.ids.iat[pos])

    def kept(self, column: str) -> pd.Series:
        """A column no check reads (notes, class columns), as its records would give it."""
        raw = self.frame[column]
        if not self.from_file:
            return raw
        if raw.dtype.kind in "biuf" and raw.notna().any():
            return raw
        values = frame_records(self.frame[[column]])
        return pd.DataFrame.from_records(values, columns=[column])[column]


def _is_gap(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _texts(values: pd.Series, strip: bool) -> pd.Series:
    """Each cell as text (a gap is ""), as a ``str`` column."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        if not strip:
            return values.fillna("")
        cells = [v.strip() if isinstance(v, str) else "" for v in values.to_numpy(object)]
    else:
        cells = ["" if _is_gap(v) else str(v) for v in values.to_numpy(object)]
        cells = [c.strip() for c in cells] if strip else cells
    return pd.Series(cells, index=values.index, dtype="str")


def _column_problems(frame: pd.DataFrame, required: list[str], label: str, errors: RowErrors):
    missing = [c for c in required if c not in frame.columns]
    if missing:
        errors.add(label, Message("missing_columns", s="s" if len(missing) > 1 else "", columns=", ".join(missing)))
    return not missing


def _numeric(cells: Cells, column: str, errors: RowErrors, *, minimum=0.0, strict_above=None) -> pd.Series:
    """The column as float64; non-numbers, gaps and values below ``minimum`` are row errors.

    In inline records numbers are numbers ("1200" is not one); in a table file a cell written as text is the
    number it shows (``1,200``).
    """
    raw = cells.frame[column]
    if raw.dtype.kind in "biuf":
        values = raw.to_numpy(np.float64, copy=True)
    else:
        objects = raw.to_numpy(object)
        text = np.fromiter((isinstance(v, str) for v in objects), bool, len(objects))
        numbers = objects.copy()
        numbers[text] = None
        values = pd.to_numeric(pd.Series(numbers, dtype=object), errors="coerce").to_numpy(np.float64, copy=True)
        if cells.from_file:
            for pos in np.flatnonzero(text):
                number = number_or_text(objects[pos])
                if not isinstance(number, str):
                    values[pos] = number
    for pos in np.flatnonzero(~np.isfinite(values)):
        value = cells.value(column, pos)
        missing = value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
        problem = (
            Message("cell_missing", column=column)
            if missing
            else Message("cell_not_a_number", column=column, value=repr(value))
        )
        errors.add(cells.where(errors, pos), problem)
    finite = np.isfinite(values)
    if strict_above is not None:
        for pos in np.flatnonzero(finite & (values <= strict_above)):
            errors.add(
                cells.where(errors, pos),
                Message("cell_above", column=column, value=float(values[pos]), min=float(strict_above)),
            )
    elif minimum is not None:
        for pos in np.flatnonzero(finite & (values < minimum)):
            errors.add(cells.where(errors, pos), Message("cell_negative", column=column, value=float(values[pos])))
    return pd.Series(values, index=raw.index, name=column)


def _bools(cells: Cells, column: str, errors: RowErrors | None) -> np.ndarray:
    """The column as booleans (true/false, 1/0, 是/否 as :func:`parse_bool` reads them); others are row errors."""
    raw = cells.frame[column]
    if raw.dtype.kind == "b":
        return raw.to_numpy(bool)
    if raw.dtype.kind in "iuf":
        numbers = raw.to_numpy(np.float64)
        values, bad = numbers == 1, ~((numbers == 0) | (numbers == 1))
    elif pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        words = raw.str.strip().str.lower()
        values = words.isin(TRUE_WORDS).to_numpy(bool)
        bad = ~(values | words.isin(FALSE_WORDS - {""}).to_numpy(bool))
    else:
        parsed = [parse_bool(v) for v in raw.to_numpy(object)]
        values = np.array([p is True for p in parsed], dtype=bool)
        bad = np.array([p is None for p in parsed], dtype=bool)
    if errors is not None:
        for pos in np.flatnonzero(bad):
            errors.add(
                cells.where(errors, pos),
                Message("cell_not_a_bool", column=column, value=repr(cells.value(column, pos))),
            )
    return values


def _ids(cells: Cells, errors: RowErrors, label: str) -> pd.Series:
    """Ids as text; a gap or a repeated id is an error (each repeated id named with all its rows)."""
    ids = _texts(cells.frame["id"], strip=True)
    for pos in np.flatnonzero((ids == "").to_numpy(bool)):
        errors.add(errors.where(pos, None), Message("id_missing"))
    repeated = (
        np.zeros(len(ids), dtype=bool) if ids.is_unique else (ids.duplicated(keep=False) & (ids != "")).to_numpy(bool)
    )
    if repeated.any():
        rows: dict[str, list[str]] = {}
        for pos, value in zip(np.flatnonzero(repeated), ids.to_numpy(object)[repeated]):
            rows.setdefault(value, []).append(str(pos + 2))
        for value in sorted(rows):
            errors.add(label, Message("duplicate_rows", value=value, rows=", ".join(rows[value])))
    cells.ids = ids
    return ids
