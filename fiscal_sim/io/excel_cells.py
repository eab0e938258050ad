"""Cells and sheets of every workbook fiscal-sim writes: safe text, number formats from the catalogue's
units, frozen headers, widths for Chinese text, and saving through a temporary file.

Text that Excel would run as a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) is
written as a text cell, never a formula, and reads back as the same text.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .records import json_value
from .tables import FORMULA_STARTS

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
MIN_WIDTH, MAX_WIDTH = 8, 60


def display_width(text: str) -> int:
    """Characters as Excel columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def cell_value(value):
    """A value openpyxl can store: numpy unwrapped, NaN/NA → empty, containers as JSON text."""
    value = json_value(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value) or None  # Excel has no empty text: an empty cell
    return value


def protect_text(cell) -> None:
    """Keep text that starts like a formula as text (Excel must never run it)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def put(ws, row: int, column: int, value):
    """Write one cell safely (text that looks like a formula stays text)."""
    cell = ws.cell(row=row, column=column, value=cell_value(value))
    protect_text(cell)
    return cell


def style_header(ws, widths: list[int]) -> None:
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"


def write_frame(ws, frame: pd.DataFrame, headers: list[str], formats: dict[str, str | None]) -> None:
    """A frame as a sheet under ``headers``; ``formats`` maps a column to its Excel number format."""
    ws.append(headers)
    clean = frame.astype(object).where(frame.notna(), None)
    for row in clean.itertuples(index=False, name=None):
        ws.append([cell_value(v) for v in row])
    widths = [display_width(h) for h in headers]
    sample = clean.head(500)
    for j, column in enumerate(frame.columns):
        values = sample.iloc[:, j]
        texts = values.map(lambda v: "" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v)))
        widths[j] = max([widths[j], *texts.map(display_width)])
        dtype = frame[column].dtype
        fmt = formats.get(str(column))
        is_text = not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
        if fmt is None and not is_text:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j + 1, max_col=j + 1):
            if fmt is not None and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
            elif is_text:
                protect_text(cell)
    style_header(ws, widths)


def save_workbook(wb: Workbook, target) -> None:
    """Save to a path (temp file in the same folder, then renamed) or write to a binary file object."""
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            with open(tmp, "xb") as handle:  # "x": never another file; mode from the umask, unlike mkstemp
                wb.save(handle)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        buffer = io.BytesIO()
        wb.save(buffer)
        target.write(buffer.getvalue())


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
