"""The scenario as an Excel workbook (方案工作簿): its layout, the empty template, and a scenario written
into it (read back by :mod:`fiscal_sim.io.excel_reader`; docs/scenario-format.md).

Every sheet, row and column is derived from the catalogue: the scenario's own keys on a ``scenario``
sheet, each part of the scenario (``county``, ``general_transfer`` …) on a key/value sheet of its own,
each list of records (``revenue_items``, ``factors`` …) and each table (``towns``, ``projects``) on a
table sheet, and a last sheet (说明 fields) explaining every key in Chinese and English. A key added to
the catalogue appears here, is read back, and is explained, with no change to this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import catalogue
from ..catalogue import Block, Field
from .excel_cells import display_width, put, save_workbook, style_header, workbook_bytes

FIELDS_SHEET = "说明 fields"
KV_HEADERS = ("key", "value", "说明", "description")
TEMPLATE_ROWS = 1000  # rows given choice lists in table sheets
YEAR_ROWS = {  # ``years: [first, last]`` is two rows of the scenario sheet
    "first_year": catalogue.Text(
        "首个模拟年度", "first simulated year", "乡镇表为其上一年的基期数据", "the towns table holds the year before"
    ),
    "last_year": catalogue.Text("最后一个模拟年度", "last simulated year"),
}
TEMPLATE_DEFAULTS = {"schema_version": 1, "unit": "万元"}
SCALAR_KINDS = (
    "number",
    "integer",
    "text",
    "bool",
    "choice",
    "numbers",
    "integers",
    "texts",
    "choices",
    "pool",
    "growth",
    "target",
)
KIND_WORDS = {
    "text": ("文本", "text"),
    "choice": ("选项", "a choice"),
    "number": ("数字", "number"),
    "integer": ("整数", "whole number"),
    "bool": ("是/否", "true/false"),
    "numbers": ("数字列表，逗号分隔", "numbers, comma-separated"),
    "integers": ("整数列表，逗号分隔", "whole numbers, comma-separated"),
    "texts": ("文本列表，逗号分隔", "texts, comma-separated"),
    "choices": ("选项列表，逗号分隔", "choices, comma-separated"),
    "pool": ("数字、空或 county_surplus", "a number, empty or county_surplus"),
    "growth": ("数字、逐年数字或列名", "a number, one per year, or a column"),
    "target": ("数字，或 county_average+幅度，或逐年数字", "a number, county_average+margin, or one per year"),
    "map": ("每个键一行：键.名称", "one row per key: KEY.NAME"),
}


# ---------------------------------------------------------------------------------------------
# the layout, derived from the catalogue


@dataclass(frozen=True)
class Row:
    """A key/value row: its key on the sheet, the catalogue field, and the document path it fills."""

    key: str
    field: Field
    target: tuple[str, ...]  # keys from the sheet's block to the value
    pattern: bool = False  # a map: ``key.NAME`` rows
    cls: str | None = None  # a growth rate of pilot or other towns (``gdp.pilot``)


@dataclass(frozen=True)
class Sheet:
    name: str
    kind: str  # "kv" | "records" | "table"
    path: tuple[str, ...]  # where in the document the sheet's block, records or table sits
    rows: tuple[Row, ...] = ()  # kv
    columns: tuple[tuple[str, object, tuple[str, ...]], ...] = ()  # records/table: (header, Field|Column, target)

    @property
    def table(self) -> catalogue.Table | None:
        return catalogue.INPUT_TABLES.get(self.name) if self.kind == "table" else None


def _kv_rows(block: Block, prefix: tuple[str, ...] = ()) -> list[Row]:
    rows = []
    for f in block.fields:
        key = ".".join((*prefix, f.key))
        if f.kind in SCALAR_KINDS:
            rows.append(Row(key, f, (*prefix, f.key)))
            if f.kind == "growth":
                rows += [Row(f"{key}.{cls}", f, (*prefix, f.key), cls=cls) for cls in ("pilot", "other")]
        elif f.kind == "block":
            rows += _kv_rows(f.block, (*prefix, f.key))
        elif f.kind == "map":
            if f.choices is not None:
                rows += [Row(f"{key}.{c.value}", f.values, (*prefix, f.key, c.value)) for c in f.choices]
            else:
                rows.append(Row(key, f, (*prefix, f.key), pattern=True))
    return rows


def _record_columns(block: Block) -> list[tuple[str, Field, tuple[str, ...]]]:
    """A record's columns: its own keys, then each nested block's keys (bare when none clashes, as the
    split rule's ``rule``, ``town_share``; else prefixed, as ``standard_base.column``)."""
    columns = [(f.key, f, (f.key,)) for f in block.fields if f.kind in SCALAR_KINDS]
    for f in block.fields:
        if f.kind != "block":
            continue
        inner = [g for g in f.block.fields if g.kind in SCALAR_KINDS]
        taken = {name for name, _, _ in columns}
        bare = not any(g.key in taken for g in inner)
        columns += [(g.key if bare else f"{f.key}.{g.key}", g, (f.key, g.key)) for g in inner]
    return columns


def _sheets_of(block: Block, path: tuple[str, ...]) -> list[Sheet]:
    out = [Sheet(block.name, "kv", path, rows=tuple(_kv_rows(block)))]
    for f in block.fields:
        out += _field_sheets(f, (*path, f.key))
    return out


def _field_sheets(f: Field, path: tuple[str, ...]) -> list[Sheet]:
    if f.kind == "table":
        table = catalogue.INPUT_TABLES[f.table]
        return [Sheet(f.table, "table", path, columns=tuple((c.key, c, (c.key,)) for c in table.columns))]
    if f.kind == "records":
        return [Sheet(f.block.name, "records", path, columns=tuple(_record_columns(f.block)))]
    if f.kind == "block" and len(path) == 1:
        return _sheets_of(f.block, path)
    if f.kind == "block":  # its keys sit on the parent's sheet; its records and tables get sheets of their own
        return [sheet for g in f.block.fields for sheet in _field_sheets(g, (*path, g.key))]
    return []


def template_sheets() -> list[Sheet]:
    """Every sheet of the scenario workbook, in order: the scenario's own keys first."""
    top = [f for f in catalogue.SCENARIO.fields if f.kind in SCALAR_KINDS and f.key != "years"]
    rows = [Row(f.key, f, (f.key,)) for f in top]
    rows += [
        Row(key, Field("years", "integer", text, unit=catalogue.Unit.YEAR), ("years", str(n)))
        for n, (key, text) in enumerate(YEAR_ROWS.items())
    ]
    sheets = [Sheet("scenario", "kv", (), rows=tuple(rows))]
    for f in catalogue.SCENARIO.fields:
        sheets += _field_sheets(f, (f.key,))
    return sheets


SHEETS = template_sheets()
SHEET_BY_NAME = {s.name: s for s in SHEETS}


def _row_words(row: Row, lang: str) -> str:
    if row.key in YEAR_ROWS:
        text = YEAR_ROWS[row.key]
        return " — ".join(p for p in (text.label(lang), text.help(lang)) if p)
    f = row.field
    label = f.label(lang)
    if row.cls is not None:
        label += {"pilot": ("（试点镇）", " (pilot towns)"), "other": ("（其他乡镇）", " (other towns)")}[row.cls][
            lang != "zh"
        ]
    return " — ".join(p for p in (label, f.help(lang), _range_words(f, lang)) if p)


def _range_words(f, lang: str) -> str:
    """Choices, range and default of a field, as the fields sheet and comments show them."""
    parts = []
    choices = getattr(f, "choices", None)
    if choices is not None:
        parts.append(" / ".join(f"{c.value} {c.label(lang)}" for c in choices))
    if isinstance(f, Field) and f.kind in ("number", "integer") and f.unit is not catalogue.Unit.NONE:
        lo, hi, lo_in, hi_in = f.range
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
            parts.append(f"{lo:g}–{hi:g}")
        elif lo is not None and math.isfinite(lo):
            parts.append(("≥ " if lo_in else "> ") + f"{lo:g}")
    if isinstance(f, Field) and f.default is not None and not callable(f.default):
        parts.append(("默认 " if lang == "zh" else "default ") + str(f.default))
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# the empty template


def _choices(ws, codes: tuple[str, ...], cells: str) -> None:
    dv = DataValidation(type="list", formula1='"' + ",".join(codes) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(cells)


def _fields_rows() -> list[tuple]:
    rows = []
    for sheet in SHEETS:
        if sheet.kind == "kv":
            for row in sheet.rows:
                key = f"{row.key}.<…>" if row.pattern else row.key
                kind = KIND_WORDS["map" if row.pattern else row.field.kind]
                rows.append((sheet.name, key, f"{kind[0]} {kind[1]}", _row_words(row, "zh"), _row_words(row, "en")))
        else:
            for name, spec, _ in sheet.columns:
                kind = KIND_WORDS.get(spec.kind, KIND_WORDS["text"])
                zh = " — ".join(p for p in (spec.label("zh"), spec.help("zh"), _range_words(spec, "zh")) if p)
                en = " — ".join(p for p in (spec.label("en"), spec.help("en"), _range_words(spec, "en")) if p)
                rows.append((sheet.name, name, f"{kind[0]} {kind[1]}", zh, en))
            if sheet.name == "towns":
                rows.append(
                    (
                        sheet.name,
                        "…",
                        "",
                        "其他列：各收入项目征收额、支出因素、支出成本差异系数、定额上解等，列名与其他表引用的一致",
                        "more columns: each item's amount, drivers, cost factors, remittances, named as the other sheets name them",
                    )
                )
    return rows


def build_template() -> Workbook:
    """The empty scenario workbook (see :func:`write_template`)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        if sheet.kind == "kv":
            ws.append(list(KV_HEADERS))
            for row in sheet.rows:
                if row.pattern:
                    continue  # a map's rows are the user's own keys: explained on the fields sheet
                ws.append(
                    [
                        row.key,
                        TEMPLATE_DEFAULTS.get(row.key) if not sheet.path else None,
                        _row_words(row, "zh"),
                        _row_words(row, "en"),
                    ]
                )
                if row.field.kind in (
                    "texts",
                    "numbers",
                    "integers",
                    "choices",
                    "growth",
                ):  # keep "0.08, 0.07" as typed
                    ws.cell(row=ws.max_row, column=2).number_format = "@"
                if row.field.choices is not None and row.field.kind == "choice":
                    _choices(ws, row.field.choices.codes(), f"B{ws.max_row}")
            style_header(ws, [24, 24, 60, 60])
        else:
            ws.append([name for name, _, _ in sheet.columns])
            for j, (_, spec, _) in enumerate(sheet.columns, start=1):
                words = f"{spec.label('zh')} {spec.help('zh')}\n{spec.label('en')} {spec.help('en')}".strip()
                ws.cell(row=1, column=j).comment = Comment(words, "fiscal-sim", width=300, height=90)
                letter = get_column_letter(j)
                if spec.kind in (
                    "text",
                    "texts",
                    "numbers",
                    "choices",
                ):  # ids like 001 and lists like 800, 2000 stay text
                    ws.column_dimensions[letter].number_format = "@"
                if spec.choices is not None and spec.kind == "choice":
                    _choices(ws, spec.choices.codes(), f"{letter}2:{letter}{TEMPLATE_ROWS}")
            style_header(ws, [max(display_width(name), 12) for name, _, _ in sheet.columns])
    ws = wb.create_sheet(FIELDS_SHEET)
    ws.append(["sheet", "field", "类型 kind", "说明", "description"])
    for row in _fields_rows():
        ws.append(list(row))
    style_header(ws, [22, 26, 30, 70, 70])
    return wb


def write_template(path) -> None:
    """Write an empty scenario workbook to fill in (``fiscal-sim template OUT.xlsx``)."""
    save_workbook(build_template(), path)


# ---------------------------------------------------------------------------------------------
# a scenario written into the template


def _cell(value):
    """A document value as a template cell: lists comma-separated, None blank, relative targets as text."""
    if isinstance(value, dict) and "benchmark" in value:
        benchmark, margin = value["benchmark"], value.get("margin", 0)
        if isinstance(benchmark, str):
            return f"{benchmark}{margin:+g}" if margin else benchmark
        return _cell(benchmark) + (f"; {margin:+g}" if margin else "")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _lookup(document: dict, target: tuple[str, ...]):
    node = document
    for key in target:
        if isinstance(node, list) and key.isdigit():
            node = node[int(key)] if int(key) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            return None
        if node is None:
            return None
    return node


def _fill_kv(ws, sheet: Sheet, block_value: dict) -> None:
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}

    def write(key, value):
        row = rows.get(key)
        if row is None:
            row = ws.max_row + 1
            ws.cell(row=row, column=1, value=key)
            rows[key] = row
        put(ws, row, 2, _cell(value))

    for row in sheet.rows:
        if row.pattern:
            for name, value in (_lookup(block_value, row.target) or {}).items():
                write(f"{row.key}.{name}", value)
            continue
        value = _lookup(block_value, row.target)
        if row.field.kind == "growth":
            by_class = isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], dict))
            if row.cls is None and not by_class and value is not None:
                write(row.key, value)
            elif row.cls is not None and by_class:
                write(row.key, [v[row.cls] for v in value] if isinstance(value, list) else value[row.cls])
            continue
        if value is not None:
            write(row.key, value)


def _fill_table(ws, sheet: Sheet, records: list[dict]) -> None:
    if sheet.name == "towns":
        columns = list(dict.fromkeys(key for record in records for key in record))
        for j, name in enumerate(columns, start=1):
            put(ws, 1, j, name)  # a column named like a formula stays text
        targets = [(name, (name,)) for name in columns]
    else:
        targets = [(name, target) for name, _, target in sheet.columns]
    for n, record in enumerate(records, start=2):
        for j, (_, target) in enumerate(targets, start=1):
            value = _lookup(record, target)
            if value is not None:
                put(ws, n, j, _cell(value))


def scenario_workbook(document: dict) -> bytes:
    """A self-contained scenario as a filled template (read back by :func:`read_scenario_workbook`)."""
    wb = build_template()
    for sheet in SHEETS:
        ws = wb[sheet.name]
        if sheet.kind == "kv":
            if not sheet.path:
                first, last = document["years"]
                _fill_kv(ws, sheet, {**document, "years": [first, last]})
            else:
                _fill_kv(ws, sheet, _lookup(document, sheet.path) or {})
        else:
            _fill_table(ws, sheet, _lookup(document, sheet.path) or [])
    return workbook_bytes(wb)
