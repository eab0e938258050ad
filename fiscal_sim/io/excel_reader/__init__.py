"""Reading a filled scenario workbook back into a scenario document (docs/scenario-format.md).

Each cell is read by the kind its catalogue field has; every problem is collected and reported with
its sheet, row and column before anything is loaded.

A workbook is a zip of XML parts, and a small one can unpack to gigabytes: :func:`check_workbook_archive`
refuses one before openpyxl opens it.

One module a step: the archive's check (:mod:`.archive`), a cell's value by its kind (:mod:`.cells`), the
sheets and the messages naming sheet, row and column (:mod:`.sheets`), the document assembled from them
(:mod:`.document`). :func:`read_scenario_workbook`, which runs them in turn, stays here: it opens the
workbook with this package's ``load_workbook`` (which the tests replace with a trap).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ...errors import Message, ScenarioError
from .archive import (
    MAX_CONTENT_ELEMENTS,
    MAX_OTHER_ELEMENTS,
    MAX_PART_BYTES,
    MAX_PARTS,
    MAX_SHARED_STRINGS,
    MAX_WORKBOOK_BYTES,
    MAX_WORKBOOK_CELLS,
    REQUIRED_PARTS,
    check_workbook_archive,
)
from .cells import LIST_SEPARATORS, PARSERS
from .document import _scenario_document
from .sheets import _WorkbookReader

__all__ = [
    "LIST_SEPARATORS",
    "MAX_CONTENT_ELEMENTS",
    "MAX_OTHER_ELEMENTS",
    "MAX_PARTS",
    "MAX_PART_BYTES",
    "MAX_SHARED_STRINGS",
    "MAX_WORKBOOK_BYTES",
    "MAX_WORKBOOK_CELLS",
    "PARSERS",
    "REQUIRED_PARTS",
    "check_workbook_archive",
    "load_workbook",
    "read_scenario_workbook",
]


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
