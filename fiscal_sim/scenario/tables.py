"""The towns and projects tables (docs/scenario-format.md): reading .csv/.xlsx, and checking them column by column.

A table read from a file stays the frame pandas read (a :class:`Table`) until something needs it as inline
records (a self-contained document, an override of one cell); the checks run on columns either way, and name
the rows and columns of every bad cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalogue
from ..errors import Message, ScenarioError

TRUE_WORDS = {"true", "1", "是", "yes", "y", "t", "1.0"}
FALSE_WORDS = {"false", "0", "否", "no", "n", "f", "0.0", ""}

TOWN_COLUMNS = catalogue.INPUT_TABLES["towns"].required_keys()
PROJECT_COLUMNS = catalogue.INPUT_TABLES["projects"].keys
# columns that hold text or true/false: kept as written when a table file is read
WORD_COLUMNS = {
    c.key for t in catalogue.INPUT_TABLES.values() for c in t.columns if c.kind in ("text", "choice", "bool")
}
_SURROGATE = re.compile("[\ud800-\udfff]")


class Table:
    """A table held whole in a document: the frame read from a .csv/.xlsx file, or inline records.

    Immutable in use, so copies of a document share it (``copy.deepcopy`` returns it); :meth:`records`
    gives the inline records a self-contained document holds (made once, from a file's frame).
    """

    __slots__ = ("_frame", "_records", "name")

    def __init__(self, *, frame: pd.DataFrame | None = None, records: list | None = None, name: str | None = None):
        self._frame, self._records, self.name = frame, records, name

    @classmethod
    def read(cls, path: Path) -> Table:
        return cls(frame=read_frame(path), name=path.name)

    @property
    def from_file(self) -> bool:
        """Cells of a table file have no types: numbers written as text there are numbers."""
        return self._frame is not None

    def __len__(self) -> int:
        return len(self._frame) if self._frame is not None else len(self._records)

    def __deepcopy__(self, memo) -> Table:
        return self

    def __copy__(self) -> Table:
        return self

    def __eq__(self, other) -> bool:
        """Equal to a table or a list of records that stands for the same records."""
        if isinstance(other, Table):
            if self is other:
                return True
            if self._frame is not None and other._frame is not None:
                return self._frame.equals(other._frame) and list(self._frame.columns) == list(other._frame.columns)
            return self.records() == other.records()
        if isinstance(other, list):
            return self.records() == other
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"<Table {self.name or 'inline'}: {len(self)} rows>"

    def records(self) -> list[dict]:
        """The inline records this table stands for (a file's numbers written as text become numbers)."""
        if self._records is None:
            self._records = frame_records(self._frame)
        return self._records

    def frame(self) -> pd.DataFrame:
        """The cells as a frame, to check column by column."""
        return self._frame if self._frame is not None else pd.DataFrame.from_records(self._records)

    def unicode_problem(self, key: str) -> str | None:
        """``key[n].column`` of the first text cell that is not valid Unicode (a lone surrogate), or None.

        Only a workbook can hold one (openpyxl reads ``_xD800_`` as a character); reading a CSV file decodes
        strict UTF-8, which has none, and inline records are checked with the rest of their document.
        """
        if self._frame is None or Path(self.name or "").suffix.lower() == ".csv":
            return None
        for column in self._frame.columns:
            values = self._frame[column]
            if values.dtype.kind in "biuf":
                continue
            texts = [v for v in values.to_numpy(object) if isinstance(v, str)]
            try:
                "".join(texts).encode("utf-8")
            except UnicodeEncodeError:
                for n, value in enumerate(values.to_numpy(object)):
                    if isinstance(value, str) and _SURROGATE.search(value):
                        return f"{key}[{n}].{column}"
        return None


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


# ---------------------------------------------------------------------------------------------
# checking a table column by column


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


def _is_text_column(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


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


def towns_frame(
    table,
    *,
    label: str,
    numeric_columns: list[str],
    signed_columns: list[str],
    source: str | None,
) -> pd.DataFrame:
    """Validated towns table (a :class:`Table` or inline records): ids unique, pilot parsed, every named column
    present and numeric.

    ``numeric_columns`` must be ≥ 0 (amounts, drivers, factors); ``signed_columns`` are growth
    rates (> -1).
    """
    errors = RowErrors(label)
    cells = Cells.of(table, "towns", source)
    frame = cells.frame
    required = list(dict.fromkeys([*TOWN_COLUMNS, *numeric_columns, *signed_columns]))
    if not _column_problems(frame, required, label, errors):
        errors.raise_if_any(source)
    out = pd.DataFrame({"id": _ids(cells, errors, label)})
    out["name"] = _texts(frame["name"], strip=False)
    out["pilot"] = _bools(cells, "pilot", errors)
    for column in dict.fromkeys(["population", "area_km2", "gdp", *numeric_columns]):
        out[column] = _numeric(cells, column, errors)
    for column in signed_columns:
        if column not in out:
            out[column] = _numeric(cells, column, errors, minimum=None, strict_above=-1.0)
    for column in frame.columns:  # keep other columns (boolean classes, notes) as given
        if column not in out:
            out[column] = cells.kept(column)
    errors.raise_if_any(source)
    return out


def boolean_column(frame: pd.DataFrame, column: str, label: str, source: str | None) -> np.ndarray:
    """A towns column used as a class (priority or override class) as booleans."""
    cells = Cells(frame, from_file=False)  # a validated towns frame: its cells are as records give them
    errors = RowErrors(label)
    values = _bools(cells, column, errors)
    if errors.errors:
        key = next(iter(errors.errors))
        raise ScenarioError({key: errors.errors[key][:1]}, source)
    return values


def projects_frame(table, *, label, town_ids, years, source) -> pd.DataFrame:
    """Validated projects table (docs/model.md §1.5), from a :class:`Table` or inline records."""
    errors = RowErrors(label)
    cells = Cells.of(table, "special_transfers.projects", source, allow_empty=True)
    frame = cells.frame
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PROJECT_COLUMNS}).astype(
            {"id": object, "town": object, "category": object, "key_project": bool, "year": "int64"}
        )
    if not _column_problems(frame, list(PROJECT_COLUMNS), label, errors):
        errors.raise_if_any(source)
    out = pd.DataFrame({"id": _ids(cells, errors, label)})
    out["town"] = _texts(frame["town"], strip=True)
    for pos in np.flatnonzero(~out["town"].isin(set(town_ids)).to_numpy(bool)):
        errors.add(cells.where(errors, pos), Message("cell_unknown_town", town=repr(out["town"].iat[pos])))
    year = _numeric(cells, "year", errors)
    bad_year = ~year.between(years[0], years[1]) & year.notna()
    for pos in np.flatnonzero(bad_year.to_numpy()):
        errors.add(
            cells.where(errors, pos),
            Message("cell_year_outside", value=float(year.iat[pos]), first=years[0], last=years[1]),
        )
    for pos in np.flatnonzero((year.notna() & (year != year.round())).to_numpy()):
        errors.add(cells.where(errors, pos), Message("cell_not_whole_year", value=float(year.iat[pos])))
    out["year"] = year.fillna(years[0]).round().astype("int64")
    out["category"] = _texts(frame["category"], strip=True)
    for column in ("cost", "grant", "score"):
        out[column] = _numeric(cells, column, errors)
    rate = _numeric(cells, "cofinancing_rate", errors)
    for pos in np.flatnonzero((rate > 1).to_numpy()):
        errors.add(cells.where(errors, pos), Message("cell_rate_above_one", value=float(rate.iat[pos])))
    out["cofinancing_rate"] = rate
    over = out["grant"] > out["cost"]
    for pos in np.flatnonzero(over.to_numpy()):
        errors.add(
            cells.where(errors, pos),
            Message("cell_grant_over_cost", value=float(out["grant"].iat[pos]), cost=float(out["cost"].iat[pos])),
        )
    out["key_project"] = _bools(cells, "key_project", errors)
    for column in frame.columns:
        if column not in PROJECT_COLUMNS:
            out[column] = cells.kept(column)
    errors.raise_if_any(source)
    return out
