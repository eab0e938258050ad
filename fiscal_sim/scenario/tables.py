"""The towns and projects tables (docs/scenario-format.md): reading .csv/.xlsx, and checking them column by column.

A table read from a file stays the frame pandas read (a :class:`Table`) until something needs it as inline
records (a self-contained document, an override of one cell); the checks run on columns either way, and name
the rows and columns of every bad cell.

This module holds the checks of each table, :func:`towns_frame` and :func:`projects_frame`; the column checks
they are made of are :mod:`fiscal_sim.scenario.column_checks`, reading a table file is
:mod:`fiscal_sim.scenario.table_files` and the :class:`Table` that holds one whole is in
:mod:`fiscal_sim.scenario.held_tables`. Those names stay importable from here (a pickle that names
``fiscal_sim.scenario.tables.Table`` still loads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import catalogue
from ..errors import Message, ScenarioError
from .column_checks import Cells, RowErrors, _bools, _column_problems, _ids, _numeric, _texts
from .held_tables import Table
from .table_files import FALSE_WORDS, TRUE_WORDS, WORD_COLUMNS, frame_records, number_or_text, parse_bool, read_frame

__all__ = [
    "FALSE_WORDS",
    "PROJECT_COLUMNS",
    "TOWN_COLUMNS",
    "TRUE_WORDS",
    "WORD_COLUMNS",
    "Table",
    "boolean_column",
    "frame_records",
    "number_or_text",
    "parse_bool",
    "projects_frame",
    "read_frame",
    "towns_frame",
]

TOWN_COLUMNS = catalogue.INPUT_TABLES["towns"].required_keys()
PROJECT_COLUMNS = catalogue.INPUT_TABLES["projects"].keys


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
