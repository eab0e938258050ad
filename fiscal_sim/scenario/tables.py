"""The towns and projects tables (docs/scenario-format.md): reading .csv/.xlsx, and checking each cell."""

from __future__ import annotations

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


def read_table(path: Path) -> list[dict]:
    """Records of a .csv or .xlsx table (first sheet), ids kept as text."""
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


def _column_problems(frame: pd.DataFrame, required: list[str], label: str, errors: RowErrors):
    missing = [c for c in required if c not in frame.columns]
    if missing:
        errors.add(label, Message("missing_columns", s="s" if len(missing) > 1 else "", columns=", ".join(missing)))
    return not missing


def _numeric(frame, column, errors, *, minimum=0.0, allow_equal=True, strict_above=None):
    """The column as float64; non-numbers, gaps and values below ``minimum`` are row errors."""
    raw = frame[column]
    text = raw.map(lambda v: isinstance(v, str)).to_numpy(bool)  # numbers are numbers: "1200" is not one
    values = pd.to_numeric(raw.where(~text, None), errors="coerce").astype("float64")
    for pos in np.flatnonzero(~np.isfinite(values.to_numpy())):
        value = raw.iat[pos]
        missing = value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
        problem = (
            Message("cell_missing", column=column)
            if missing
            else Message("cell_not_a_number", column=column, value=repr(value))
        )
        errors.add(errors.where(pos, frame["id"].iat[pos]), problem)
    arr = values.to_numpy()
    if strict_above is not None:
        bad = np.flatnonzero(np.isfinite(arr) & (arr <= strict_above))
        for pos in bad:
            errors.add(
                errors.where(pos, frame["id"].iat[pos]),
                Message("cell_above", column=column, value=float(arr[pos]), min=float(strict_above)),
            )
    elif minimum is not None:
        bad = np.flatnonzero(np.isfinite(arr) & (arr < minimum))
        for pos in bad:
            errors.add(
                errors.where(pos, frame["id"].iat[pos]), Message("cell_negative", column=column, value=float(arr[pos]))
            )
    return values


def _ids(frame, errors, label):
    ids = frame["id"].map(lambda v: "" if v is None else str(v).strip())
    for pos in np.flatnonzero((ids == "").to_numpy()):
        errors.add(errors.where(pos, None), Message("id_missing"))
    dup = ids[ids.duplicated(keep=False) & (ids != "")]
    for value in sorted(set(dup)):
        rows = [str(p + 2) for p in np.flatnonzero((ids == value).to_numpy())]
        errors.add(label, Message("duplicate_rows", value=value, rows=", ".join(rows)))
    return ids


def towns_frame(
    records,
    *,
    label: str,
    numeric_columns: list[str],
    signed_columns: list[str],
    source: str | None,
) -> pd.DataFrame:
    """Validated towns table: ids unique, pilot parsed, every named column present and numeric.

    ``numeric_columns`` must be ≥ 0 (amounts, drivers, factors); ``signed_columns`` are growth
    rates (> -1).
    """
    errors = RowErrors(label)
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise ScenarioError({"towns": [Message("table_records")]}, source)
    frame = pd.DataFrame.from_records(records)
    required = list(dict.fromkeys([*TOWN_COLUMNS, *numeric_columns, *signed_columns]))
    if not _column_problems(frame, required, label, errors):
        errors.raise_if_any(source)
    out = pd.DataFrame({"id": _ids(frame, errors, label)})
    out["name"] = frame["name"].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    pilots = frame["pilot"].map(parse_bool)
    for pos in np.flatnonzero(pilots.isna().to_numpy()):
        errors.add(
            errors.where(pos, out["id"].iat[pos]),
            Message("cell_not_a_bool", column="pilot", value=repr(frame["pilot"].iat[pos])),
        )
    out["pilot"] = pilots.fillna(False).astype(bool)
    for column in dict.fromkeys(["population", "area_km2", "gdp", *numeric_columns]):
        out[column] = _numeric(frame, column, errors)
    for column in signed_columns:
        if column not in out:
            out[column] = _numeric(frame, column, errors, minimum=None, strict_above=-1.0)
    for column in frame.columns:  # keep other columns (boolean classes, notes) as given
        if column not in out:
            out[column] = frame[column]
    errors.raise_if_any(source)
    return out


def boolean_column(frame: pd.DataFrame, column: str, label: str, source: str | None) -> np.ndarray:
    """A towns column used as a class (priority or override class) as booleans."""
    values = frame[column].map(parse_bool)
    if values.isna().any():
        pos = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise ScenarioError(
            {f"{label} row {pos + 2}": [Message("cell_not_a_bool", column=column, value=repr(frame[column].iat[pos]))]},
            source,
        )
    return values.astype(bool).to_numpy()


def projects_frame(records, *, label, town_ids, years, source) -> pd.DataFrame:
    """Validated projects table (docs/model.md §1.5)."""
    errors = RowErrors(label)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ScenarioError({"special_transfers.projects": [Message("table_records_or_empty")]}, source)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PROJECT_COLUMNS}).astype(
            {"id": object, "town": object, "category": object, "key_project": bool, "year": "int64"}
        )
    if not _column_problems(frame, list(PROJECT_COLUMNS), label, errors):
        errors.raise_if_any(source)
    out = pd.DataFrame({"id": _ids(frame, errors, label)})
    out["town"] = frame["town"].map(lambda v: "" if v is None else str(v).strip())
    known = set(town_ids)
    for pos in np.flatnonzero(~out["town"].isin(known).to_numpy()):
        errors.add(errors.where(pos, out["id"].iat[pos]), Message("cell_unknown_town", town=repr(out["town"].iat[pos])))
    year = _numeric(frame, "year", errors)
    bad_year = ~year.between(years[0], years[1]) & year.notna()
    for pos in np.flatnonzero(bad_year.to_numpy()):
        errors.add(
            errors.where(pos, out["id"].iat[pos]),
            Message("cell_year_outside", value=float(year.iat[pos]), first=years[0], last=years[1]),
        )
    for pos in np.flatnonzero((year.notna() & (year != year.round())).to_numpy()):
        errors.add(errors.where(pos, out["id"].iat[pos]), Message("cell_not_whole_year", value=float(year.iat[pos])))
    out["year"] = year.fillna(years[0]).round().astype("int64")
    out["category"] = frame["category"].map(lambda v: "" if v is None else str(v).strip())
    for column in ("cost", "grant", "score"):
        out[column] = _numeric(frame, column, errors)
    rate = _numeric(frame, "cofinancing_rate", errors)
    for pos in np.flatnonzero((rate > 1).to_numpy()):
        errors.add(errors.where(pos, out["id"].iat[pos]), Message("cell_rate_above_one", value=float(rate.iat[pos])))
    out["cofinancing_rate"] = rate
    over = out["grant"] > out["cost"]
    for pos in np.flatnonzero(over.to_numpy()):
        errors.add(
            errors.where(pos, out["id"].iat[pos]),
            Message("cell_grant_over_cost", value=float(out["grant"].iat[pos]), cost=float(out["cost"].iat[pos])),
        )
    keys = frame["key_project"].map(parse_bool)
    for pos in np.flatnonzero(keys.isna().to_numpy()):
        errors.add(
            errors.where(pos, out["id"].iat[pos]),
            Message("cell_not_a_bool", column="key_project", value=repr(frame["key_project"].iat[pos])),
        )
    out["key_project"] = keys.fillna(False).astype(bool)
    extra = [c for c in frame.columns if c not in PROJECT_COLUMNS]
    for column in extra:
        out[column] = frame[column]
    errors.raise_if_any(source)
    return out
