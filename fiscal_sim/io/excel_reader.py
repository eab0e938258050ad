"""Reading a filled scenario workbook back into a scenario document (docs/scenario-format.md).

Each cell is read by the kind its catalogue field has; every problem is collected and reported with
its sheet, row and column before anything is loaded.
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import ScenarioError
from ..scenario.tables import WORD_COLUMNS, number_or_text, parse_bool
from .excel_template import SHEETS, Row, Sheet

_EMPTY = object()
LIST_SEPARATORS = (",", "，", ";", "；")


class _CellError(ValueError):
    pass


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _split(text: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",")]


def _number(value) -> float:
    if isinstance(value, bool):
        raise _CellError(f"not a number ({value!r})")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise _CellError(f"not a finite number ({value!r})")
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _CellError(f"not a number ({value!r})") from None
        if not math.isfinite(number):
            raise _CellError(f"not a finite number ({value!r})")
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise _CellError(f"not a number ({value!r})")


def _integer(value) -> int:
    number = _number(value)
    if float(number) != int(number):
        raise _CellError(f"not a whole number ({value!r})")
    return int(number)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _numbers(value) -> list:
    if isinstance(value, str):
        parts = _split(value)
        if any(p == "" for p in parts):
            raise _CellError(f"an empty item in the list {value!r}")
        return [_number(p) for p in parts]
    return [_number(value)]


def _growth(value):
    """A number, per-year comma-separated numbers, or a towns column name."""
    if isinstance(value, str):
        text = value.strip()
        if any(sep in text for sep in LIST_SEPARATORS):
            return _numbers(text)
        try:
            return _number(text)
        except _CellError:
            return text  # a towns column
    return _number(value)


def _per_year(value):
    """A number or per-year comma-separated numbers."""
    if isinstance(value, str) and any(sep in value for sep in LIST_SEPARATORS):
        return _numbers(value)
    return _number(value)


def _target(value):
    """A target: a number; ``county_average`` with an optional margin (``county_average+0.01``); or
    per-year numbers with an optional margin after a semicolon (``0.07, 0.08; +0.01``)."""
    if not isinstance(value, str):
        return _number(value)
    text = value.strip().replace(" ", "").replace("；", ";")
    if text.startswith("county_average"):
        rest = text[len("county_average") :]
        return {"benchmark": "county_average", "margin": _number(rest) if rest else 0.0}
    numbers, _, margin = text.partition(";")
    if any(sep in numbers for sep in LIST_SEPARATORS) or margin:
        return {"benchmark": _numbers(numbers), "margin": _number(margin) if margin else 0.0}
    return _number(text)


def _pool(value):
    if isinstance(value, str) and value.strip().lower() in ("county_surplus", "null", "none"):
        return None if value.strip().lower() in ("null", "none") else "county_surplus"
    return _number(value)


def _boolean(value) -> bool:
    parsed = parse_bool(value)
    if parsed is None:
        raise _CellError(f"{value!r} is not TRUE/FALSE, 1/0 or 是/否")
    return parsed


PARSERS = {
    "text": _text,
    "choice": _text,
    "number": _number,
    "integer": _integer,
    "bool": _boolean,
    "numbers": _numbers,
    "integers": lambda v: [_integer(x) for x in (_split(v) if isinstance(v, str) else [v])],
    "texts": lambda v: [p for p in _split(_text(v)) if p],
    "choices": lambda v: [p for p in _split(_text(v)) if p],
    "pool": _pool,
    "target": _target,
    "growth": _growth,
    "raw": lambda v: v.strip() if isinstance(v, str) else v,
}


def _parser(spec, sheet: Sheet, name: str):
    if sheet.name == "towns":
        return PARSERS["text" if name in ("id", "name") else "raw"]  # checked as a table later
    if getattr(spec, "per_year", False):
        return _per_year
    return PARSERS[spec.kind]


def _put(tree: dict, keys: tuple[str, ...], value) -> None:
    *parents, last = keys
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


class _WorkbookReader:
    """Reads the sheets of a filled template, collecting every cell problem before raising."""

    def __init__(self, wb, source: str | None):
        self.wb = wb
        self.source = source
        self.errors: dict[str, list[str]] = {}

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def parse(self, parser, value, sheet: str, row: int, col: int, field: str):
        """A cell's value; _EMPTY for a blank cell or a bad one (the error is kept)."""
        if _is_blank(value):
            return _EMPTY
        try:
            return parser(value)
        except _CellError as exc:
            self.error(f"{sheet} row {row} column {get_column_letter(col)} ({field})", str(exc))
            return _EMPTY

    def rows(self, sheet: str) -> list[tuple[int, tuple]]:
        """Non-empty rows with their spreadsheet row numbers; [] without the sheet."""
        if sheet not in self.wb.sheetnames:
            return []
        ws = self.wb[sheet]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        return [
            (n, row)
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
            if any(not _is_blank(v) for v in row)
        ]

    def key_values(self, sheet: Sheet) -> dict:
        """A key/value sheet as a nested dict of the values filled in (keys relative to its block)."""
        known = {row.key: row for row in sheet.rows if not row.pattern}
        patterns = [row for row in sheet.rows if row.pattern]
        out: dict = {}
        seen: dict[str, int] = {}
        for n, cells in self.rows(sheet.name):
            if n == 1:
                continue
            key = _text(cells[0]) if cells and not _is_blank(cells[0]) else ""
            value = cells[1] if len(cells) > 1 else None
            if not key:
                if not _is_blank(value):
                    self.error(f"{sheet.name} row {n} column A (key)", "a value without a key")
                continue
            row = known.get(key)
            target = row.target if row is not None else None
            if row is None:
                for p in patterns:
                    if key.startswith(p.key + ".") and len(key) > len(p.key) + 1:
                        row, target = p, (*p.target, key[len(p.key) + 1 :])
                        break
            if row is None:
                keys = ", ".join([*known, *(f"{p.key}.…" for p in patterns)])
                self.error(f"{sheet.name} row {n} column A (key)", f"unknown key {key!r}; keys are {keys}")
                continue
            if key in seen:
                self.error(f"{sheet.name} row {n} column A (key)", f"{key} is given twice (rows {seen[key]} and {n})")
                continue
            seen[key] = n
            spec = row.field.values if row.pattern and row.field.values is not None else row.field
            parsed = self.parse(_parser(spec, sheet, key), value, sheet.name, n, 2, key)
            if parsed is not _EMPTY:
                if row.field.kind == "growth":
                    target = (*target, row.cls or "")
                _put(out, target, parsed)
        for row in sheet.rows:
            if row.field.kind == "growth" and row.cls is None:
                self._growth(out, row, sheet.name)
        return out

    def _growth(self, out: dict, row: Row, sheet: str) -> None:
        """A growth key's rows as one value: the rate, or ``{pilot, other}`` (per-year lists zipped)."""
        *parents, key = row.target
        node = _get(out, tuple(parents))
        given = node.get(key)
        if not isinstance(given, dict):
            return
        if set(given) == {""}:
            node[key] = given[""]
            return
        if "" in given:
            self.error(sheet, f"give {row.key}, or {row.key}.pilot and {row.key}.other, not both")
        elif set(given) != {"pilot", "other"}:
            self.error(sheet, f"{row.key}.pilot and {row.key}.other go together")
        else:
            pilot, other = given["pilot"], given["other"]
            if isinstance(pilot, list) or isinstance(other, list):
                n = len(pilot) if isinstance(pilot, list) else len(other)
                p = pilot if isinstance(pilot, list) else [pilot] * n
                o = other if isinstance(other, list) else [other] * n
                if len(p) != len(o):
                    self.error(sheet, f"{row.key}.pilot has {len(p)} yearly values and {row.key}.other {len(o)}")
                    return
                node[key] = [{"pilot": a, "other": b} for a, b in zip(p, o)]
            else:
                node[key] = {"pilot": pilot, "other": other}
            return
        del node[key]

    def table(self, sheet: Sheet) -> list[dict]:
        """A table or records sheet as records of the cells filled in (free columns in ``towns``)."""
        rows = self.rows(sheet.name)
        if not rows:
            return []
        header_row, header = rows[0][0], [None if _is_blank(h) else _text(h) for h in rows[0][1]]
        specs = {name: (spec, target) for name, spec, target in sheet.columns}
        columns = []
        for j, name in enumerate(header, start=1):
            if name is None:
                continue
            where = f"{sheet.name} row {header_row} column {get_column_letter(j)}"
            if name in [c[1] for c in columns]:
                self.error(where, f"column {name!r} appears twice")
            elif name not in specs and sheet.name != "towns":
                self.error(where, f"unknown column {name!r}; columns are {', '.join(specs)}")
            else:
                columns.append((j, name))
        records = []
        for n, cells in rows[1:]:
            record: dict = {}
            for j, name in columns:
                value = cells[j - 1] if j - 1 < len(cells) else None
                spec, target = specs.get(name, (None, (name,)))
                parser = _parser(spec, sheet, name) if spec is not None else PARSERS["raw"]
                if spec is None and name not in WORD_COLUMNS:
                    value = number_or_text(value)  # a number stored as text in Excel is the number it shows
                parsed = self.parse(parser, value, sheet.name, n, j, name)
                if parsed is not _EMPTY:
                    _put(record, target, parsed)
                elif sheet.name == "towns":
                    record[name] = None  # the towns table keeps every column; a gap is checked later
            records.append(record)
        return records

    def raise_if_any(self) -> None:
        if self.errors:
            raise ScenarioError(self.errors, self.source)


def _scenario_document(reader: _WorkbookReader) -> dict:
    document: dict = {}
    for sheet in SHEETS:
        if sheet.kind == "kv":
            values = reader.key_values(sheet)
            if not sheet.path:  # the scenario's own keys; years as two rows
                years = values.pop("years", None)
                if years is not None:
                    if set(years) != {"0", "1"}:
                        reader.error("scenario", "give both first_year and last_year")
                    else:
                        values["years"] = [years["0"], years["1"]]
                document.update(values)
            elif values:
                _put(document, sheet.path, {**_get(document, sheet.path), **values})
        else:
            records = reader.table(sheet)
            if records or sheet.path in (("towns",), ("revenue_items",), ("expenditure_functions",)):
                _put(document, sheet.path, records)
    special = document.get("special_transfers")
    if isinstance(special, dict) and "projects" not in special:
        special["projects"] = []
    return document


def _get(tree: dict, path: tuple[str, ...]) -> dict:
    for key in path:
        tree = tree.get(key) or {}
    return tree


def read_scenario_workbook(path) -> dict:
    """A self-contained scenario document (towns and projects inline) from a filled template.

    Empty optional sheets are left out; a bad cell raises :class:`ScenarioError` naming the sheet,
    the row and the column. The document still goes through the loader's validation.
    """
    source = Path(path).name if isinstance(path, (str, os.PathLike)) else None
    if source is not None and not Path(path).exists():
        raise ScenarioError(f"scenario workbook not found: {path}")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
        raise ScenarioError(f"not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})", source) from None
    try:
        if "scenario" not in wb.sheetnames:
            raise ScenarioError(
                "not a scenario workbook: it has no 'scenario' sheet (start from `fiscal-sim template OUT.xlsx`)",
                source,
            )
        reader = _WorkbookReader(wb, source)
        document = _scenario_document(reader)
        reader.raise_if_any()
    finally:
        wb.close()
    return document
