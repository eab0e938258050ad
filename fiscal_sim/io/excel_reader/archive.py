"""The archive, checked before openpyxl opens it.

A workbook is a zip of XML parts, and a small one can unpack to gigabytes: before openpyxl opens it,
:func:`check_workbook_archive` refuses a file that is not a zip of the expected parts, a part that would
unpack beyond :data:`MAX_PART_BYTES`, and more than :data:`MAX_WORKBOOK_CELLS` cells or shared strings
(counted by streaming each part through expat, never more than the size cap of bytes).

Its own module because it reads the file as a zip, not as a workbook: it knows nothing of sheets or cells
of the template, and runs before anything else of the reader does.
"""

from __future__ import annotations

import zipfile
import zlib
from xml.parsers import expat

from ...errors import Message, ScenarioError

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
