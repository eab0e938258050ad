"""Reading a filled scenario workbook back into a scenario document (docs/scenario-format.md).

Each cell is read by the kind its catalogue field has; every problem is collected and reported with
its sheet, row and column before anything is loaded.

A workbook is a zip of XML parts, and a small one can unpack to gigabytes: before openpyxl opens it,
:func:`check_workbook_archive` refuses a file that is not a zip of the expected parts, a part that would
unpack beyond :data:`MAX_PART_BYTES`, and more than :data:`MAX_WORKBOOK_CELLS` cells or shared strings
(counted by streaming each part through expat, never more than the size cap of bytes).
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import Message, ScenarioError
from ..scenario.tables import WORD_COLUMNS, number_or_text, parse_bool
from .excel_template import SHEETS, Row, Sheet

_EMPTY = object()
LIST_SEPARATORS = (",", "，", ";", "；")


class _CellError(ValueError):
    pass


# ------------------------------------------------------------------------------------------------
# the archive, checked before openpyxl opens it

MAX_PART_BYTES = 50 * 1024 * 1024  # any one part (a sheet, the shared strings …), unpacked
MAX_WORKBOOK_BYTES = 200 * 1024 * 1024  # all parts together, unpacked
MAX_PARTS = 10_000  # files in the zip
MAX_WORKBOOK_CELLS = 1_000_000  # cells of all sheets, with the blank ones openpyxl fills rows with
MAX_SHARED_STRINGS = 1_000_000
MAX_CONTENT_ELEMENTS = 4_000_000  # XML elements inside cells and shared strings (<v>, <f>, <t>, rich text runs)
MAX_OTHER_ELEMENTS = 200_000  # every other XML element (styles, merged cells, validations, relationships …)
REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
_SPREADSHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_CHUNK = 1 << 16


def _mb(size: int) -> str:
    if size < 2**20:
        return f"{size:,} bytes"
    return f"{size // 2**20:,} MB" if size % 2**20 == 0 else f"{size / 2**20:,.1f} MB"


def _column_number(reference: str) -> int:
    """``XFD12`` → 16384; 0 when the reference starts with no column letters."""
    number = 0
    for char in reference.upper():
        if not "A" <= char <= "Z":
            break
        number = number * 26 + ord(char) - 64
    return number


def _tags(*names: str) -> frozenset[str]:
    """Expat's names (``namespace local``) of spreadsheetml elements, in either namespace."""
    return frozenset(f"{namespace} {name}" for namespace in _SPREADSHEET_NS for name in names)


_ROOT_STRINGS = _tags("sst")
_ROW, _CELL, _STRING = _tags("row"), _tags("c"), _tags("si")
# what a cell or a shared string holds: its value, formula, inline or rich text and the runs' fonts
_CONTENT = _tags(
    "v", "f", "is", "t", "r", "rPr", "rFont", "charset", "family", "b", "i", "strike", "outline", "shadow",
    "condense", "extend", "color", "sz", "u", "vertAlign", "scheme", "rPh", "phoneticPr",
)  # fmt: skip


def _scan_part(name: str, stream, totals: dict, source: str | None) -> None:
    """Count what openpyxl would build from one XML part, refusing as soon as a bound is passed.

    Worksheets: each row's cells up to its last one (openpyxl fills a row with blank cells up to its last
    cell), at least one per row and one per blank row skipped; shared strings: the ``count`` and
    ``uniqueCount`` attributes, then the ``<si>`` items. What cells and strings hold (values, formulas,
    rich text), and every other element, have bounds of their own. ``totals`` carries the counts from
    part to part. A DTD (``<!DOCTYPE``) is refused outright: no workbook part has one, and entities are
    how a small XML text grows large. Reads ``stream`` no further than :data:`MAX_PART_BYTES`.
    """
    cells, strings, content, other = totals["cells"], totals["strings"], totals["content"], totals["other"]
    row = column = widest = 0  # the last row's number; its last cell's column; the cells counted for it
    root = True

    def refuse(code: str, **params):
        raise ScenarioError(Message(code, **params), source)

    def too_many(limit: int, what: str, what_en: str):
        refuse("xlsx_too_many", limit=f"{limit:,}", what=what, what_en=what_en)

    def start(tag: str, attributes: dict) -> None:  # one call per element: the frequent ones first
        nonlocal cells, strings, content, other, row, column, widest, root
        if tag in _CONTENT:
            content += 1
            if content > MAX_CONTENT_ELEMENTS:
                too_many(MAX_CONTENT_ELEMENTS, "单元格和字符串中的 XML 元素", "XML elements in its cells and strings")
        elif tag in _CELL:
            reference = attributes.get("r")
            column = (_column_number(reference) if reference else 0) or column + 1
            if column > widest:  # the row reaches this cell: count the cells up to it
                cells += column - widest
                widest = column
                if cells > MAX_WORKBOOK_CELLS:
                    too_many(MAX_WORKBOOK_CELLS, "单元格", "cells")
        elif tag in _ROW:
            number = attributes.get("r", "")
            number = int(number) if number.isdigit() else row + 1
            if number > row + 1:  # blank rows skipped: openpyxl yields an empty row for each
                cells += min(number - row - 1, MAX_WORKBOOK_CELLS + 1)
            cells += 1  # this row, even without cells
            if cells > MAX_WORKBOOK_CELLS:
                too_many(MAX_WORKBOOK_CELLS, "单元格", "cells")
            row, column, widest = max(row, number), 0, 1
        elif tag in _STRING:
            strings += 1
            if strings > MAX_SHARED_STRINGS:
                too_many(MAX_SHARED_STRINGS, "共享字符串", "shared strings")
        else:
            if root and tag in _ROOT_STRINGS:
                for attribute in ("uniqueCount", "count"):
                    declared = attributes.get(attribute, "")
                    if declared.isdigit() and int(declared) > MAX_SHARED_STRINGS:
                        refuse(
                            "xlsx_declared_strings",
                            part=name,
                            count=f"{int(declared):,}",
                            attribute=attribute,
                            limit=f"{MAX_SHARED_STRINGS:,}",
                        )
            root = False
            other += 1
            if other > MAX_OTHER_ELEMENTS:
                too_many(
                    MAX_OTHER_ELEMENTS, "单元格和字符串以外的 XML 元素", "XML elements besides its cells and strings"
                )

    def doctype(*args):
        refuse("xlsx_doctype", part=name)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    read = 0
    while True:
        chunk = stream.read(_CHUNK)
        read += len(chunk)
        if read > MAX_PART_BYTES:  # its header said less: never read past the cap anyway
            refuse("xlsx_part_too_large", part=name, limit=_mb(MAX_PART_BYTES))
        parser.Parse(chunk, not chunk)
        if not chunk:
            break
    totals.update(cells=cells, strings=strings, content=content, other=other)


def check_workbook_archive(path, source: str | None = None) -> None:
    """Refuse, with :class:`ScenarioError`, a workbook openpyxl should not open (see the module's doc).

    ``path`` is a path or a binary file object (left where it was). Costs at most one pass over the
    parts, each read no further than :data:`MAX_PART_BYTES`.
    """
    position = path.tell() if hasattr(path, "tell") else None
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise ScenarioError(Message("xlsx_parts", count=f"{len(parts):,}", limit=f"{MAX_PARTS:,}"), source)
            names = {info.filename for info in parts}
            missing = [name for name in REQUIRED_PARTS if name not in names]
            if missing:
                raise ScenarioError(Message("xlsx_missing_parts", parts=", ".join(missing)), source)
            for info in parts:
                if info.file_size > MAX_PART_BYTES:
                    raise ScenarioError(
                        Message(
                            "xlsx_part_size", part=info.filename, size=_mb(info.file_size), limit=_mb(MAX_PART_BYTES)
                        ),
                        source,
                    )
            total = sum(info.file_size for info in parts)
            if total > MAX_WORKBOOK_BYTES:
                raise ScenarioError(Message("xlsx_too_large", size=_mb(total), limit=_mb(MAX_WORKBOOK_BYTES)), source)
            totals = {"cells": 0, "strings": 0, "content": 0, "other": 0}
            for info in parts:
                if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                with archive.open(info) as stream:
                    try:
                        _scan_part(info.filename, stream, totals, source)
                    except expat.ExpatError as exc:
                        raise ScenarioError(
                            Message("xlsx_broken_xml", part=info.filename, detail=str(exc)), source
                        ) from None
    except ScenarioError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
    ) as exc:  # not a zip, a damaged one, an encrypted or unknown compression
        raise ScenarioError(Message("xlsx_unreadable", detail=f"{exc.__class__.__name__}: {exc}"), source) from None
    finally:
        if position is not None:
            path.seek(position)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _split(text: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",")]


def _number(value) -> float:
    if isinstance(value, bool):
        raise _CellError(Message("not_a_number", value=repr(value)))
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise _CellError(Message("not_finite", value=repr(value)))
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _CellError(Message("not_a_number", value=repr(value))) from None
        if not math.isfinite(number):
            raise _CellError(Message("not_finite", value=repr(value)))
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise _CellError(Message("not_a_number", value=repr(value)))


def _integer(value) -> int:
    number = _number(value)
    if float(number) != int(number):
        raise _CellError(Message("not_an_integer", value=repr(value)))
    return int(number)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _numbers(value) -> list:
    if isinstance(value, str):
        parts = _split(value)
        if any(p == "" for p in parts):
            raise _CellError(Message("cell_list_empty_item", value=repr(value)))
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
        raise _CellError(Message("cell_bool", value=repr(value)))
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

    def error(self, key: str, message: Message) -> None:
        self.errors.setdefault(key, []).append(message)

    def parse(self, parser, value, sheet: str, row: int, col: int, field: str):
        """A cell's value; _EMPTY for a blank cell or a bad one (the error is kept)."""
        if _is_blank(value):
            return _EMPTY
        try:
            return parser(value)
        except _CellError as exc:
            self.error(f"{sheet} row {row} column {get_column_letter(col)} ({field})", exc.args[0])
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
                    self.error(f"{sheet.name} row {n} column A (key)", Message("sheet_value_without_key"))
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
                self.error(
                    f"{sheet.name} row {n} column A (key)", Message("sheet_unknown_key", key=repr(key), keys=keys)
                )
                continue
            if key in seen:
                self.error(
                    f"{sheet.name} row {n} column A (key)",
                    Message("sheet_key_twice", key=key, first=seen[key], second=n),
                )
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
            self.error(sheet, Message("sheet_growth_both", key=row.key))
        elif set(given) != {"pilot", "other"}:
            self.error(sheet, Message("sheet_growth_pair", key=row.key))
        else:
            pilot, other = given["pilot"], given["other"]
            if isinstance(pilot, list) or isinstance(other, list):
                n = len(pilot) if isinstance(pilot, list) else len(other)
                p = pilot if isinstance(pilot, list) else [pilot] * n
                o = other if isinstance(other, list) else [other] * n
                if len(p) != len(o):
                    self.error(sheet, Message("sheet_growth_lengths", key=row.key, pilot=len(p), other=len(o)))
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
                self.error(where, Message("sheet_column_twice", name=repr(name)))
            elif name not in specs and sheet.name != "towns":
                self.error(where, Message("sheet_unknown_column", name=repr(name), columns=", ".join(specs)))
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
        raise ScenarioError(Message("file_not_found", path=str(path)))
    check_workbook_archive(path, source)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
        raise ScenarioError(Message("xlsx_unreadable", detail=f"{exc.__class__.__name__}: {exc}"), source) from None
    try:
        if "scenario" not in wb.sheetnames:
            raise ScenarioError(Message("not_scenario_workbook"), source)
        reader = _WorkbookReader(wb, source)
        document = _scenario_document(reader)
        reader.raise_if_any()
    finally:
        wb.close()
    return document
