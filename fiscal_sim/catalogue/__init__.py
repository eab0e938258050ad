"""The catalogue (字段目录): every scenario key, table column, choice, chart and message, said once.

Each fact about a field (its kind, range or choices, unit, default, Chinese and English label and
help) lives in :mod:`.fields` or :mod:`.tables`; schemas, the Excel template and reader, the page,
``explain``, charts, workbooks and ``docs/scenario-format.md`` all read it from here.
"""

from __future__ import annotations

import re

from .charts import (
    ANALYSIS_CHARTS,
    CHART_FORMATS,
    CHARTS,
    EQUALITY_LINE,
    LEGEND_SCENARIO,
    MONTECARLO_BAND,
    SWEEP_CHART,
    Chart,
)
from .choices import (
    SPLIT_PARAMETERS,
    AssessmentIndicator,
    Benchmark,
    Curve,
    DifficultyMetric,
    Eligible,
    FundedBy,
    Language,
    Outcome,
    PoolMode,
    PriorityKey,
    ProjectReason,
    Rationing,
    Shortfall,
    SpecialMethod,
    SplitRule,
)
from .fields import MAX_DEPTH, MAX_DRAWS, MAX_TEXT, MAX_YEARS, RELATIVE_TARGET, SCENARIO, VARIANT_KEYS, blocks
from .kinds import LANGS, Block, Choice, Column, Field, Table, Text, Unit
from .messages import MESSAGES, ROW_ID, ROW_WHERE, SCENARIO_SHEET, SHEET_CELL_WHERE, SHEET_COLUMN, SHEET_KEY
from .tables import INPUT_TABLES, KEY_TOWN_COLUMNS, MONTECARLO_SERIES, PERCENTILES, RESULT_TABLES, SUFFIXES
from .words import AND_MORE, NO_CHANGE, OTHER_TOWNS, yes_no

__all__ = [
    "ANALYSIS_CHARTS", "AssessmentIndicator", "Benchmark", "Block", "CHART_FORMATS", "CHARTS", "Chart", "Choice", "Column", "Curve",
    "DifficultyMetric", "EQUALITY_LINE", "Eligible", "Field", "FundedBy", "LEGEND_SCENARIO", "MONTECARLO_BAND",
    "Shortfall",
    "INPUT_TABLES", "KEY_TOWN_COLUMNS", "LANGS", "Language", "MAX_DEPTH", "MAX_DRAWS", "MAX_TEXT", "MAX_YEARS", "MESSAGES",
    "MONTECARLO_SERIES", "Outcome", "PERCENTILES", "PoolMode", "PriorityKey", "ProjectReason", "RESULT_TABLES",
    "Rationing", "SCENARIO", "SPLIT_PARAMETERS", "SUFFIXES", "SWEEP_CHART", "SpecialMethod", "SplitRule", "Table", "Text",
    "Unit", "VARIANT_KEYS", "blocks", "column", "column_label", "describe_key", "field", "message", "path_label",
    "split_suffix", "AND_MORE", "NO_CHANGE", "OTHER_TOWNS", "yes_no",
]  # fmt: skip

_INDEX = re.compile(r"\[([^\]]*)\]")
_ROW = re.compile(r"^(towns|projects) row (\d+)(?: \(id (.*)\))?$")
# a cell of a scenario workbook, as its reader names it: ``revenue_items row 4 column C (split.town_share)``
_SHEET_CELL = re.compile(
    r"^(?P<sheet>[a-z_]+) row (?P<row>\d+)(?: column (?P<column>[A-Z]+))?(?: \((?P<field>[^)]*)\))?$"
)


def _segments(path: str) -> list[str]:
    """``revenue_items[vat].split`` and ``revenue_items.vat.split`` alike, as segments."""
    return [s for s in _INDEX.sub(r".\1", str(path)).split(".")]


def _walk(path: str):
    """``(field, id)`` for each field along a key path (``id`` of the record entered, if any); None if unknown."""
    out = []
    block: Block | None = SCENARIO
    segments = _segments(path)
    n = 0
    while n < len(segments):
        seg = segments[n]
        if block is None or seg not in block:
            return None
        f = block[seg]
        record = None
        if f.kind == "records":
            if n + 1 < len(segments):
                record = segments[n + 1]
                n += 1
            block = f.block
        elif f.kind == "block":
            block = f.block
        elif f.kind == "map":
            out.append((f, None))
            if n + 1 < len(segments):
                out.append((f.values or f, segments[n + 1]))
                n += 1
            if n + 2 == len(segments) and f.values is not None and f.values.kind == "target":
                part = RELATIVE_TARGET.by_key.get(segments[n + 1])  # assessment.targets.gdp_growth.margin
                return out + [(part, None)] if part is not None else None
            if n + 1 < len(segments):
                return None
            return out
        else:
            block = RELATIVE_TARGET if f.kind == "target" else None  # incentives.threshold.margin
        out.append((f, record))
        n += 1
    return out


def field(path: str) -> Field | None:
    """The field a key path names, in any of its spellings, or None.

    >>> field("revenue_items.vat.split.town_share").label("en")
    'town share'
    >>> field("revenue_items[vat].split.town_share").unit.code
    'share'
    >>> field("growth.drivers.population").label("zh")
    '年增长率'
    >>> field("no.such.key") is None
    True
    """
    steps = _walk(path)
    return steps[-1][0] if steps else None


def path_label(path: str, lang: str = "zh") -> str:
    """A key path in words: ``收入项目 vat › 分成规则 › 乡镇分成比例``; the path itself when unknown.

    >>> path_label("revenue_items[vat].split.town_share", "en")
    'revenue items vat › split rule › town share'
    >>> path_label("growth.drivers.students", "zh")
    '增长 › 乡镇表各列年增长率 › students'
    """
    steps = _walk(path)
    if not steps:
        return str(path)
    parts = []
    for f, record in steps:
        if record is None:
            parts.append(f.label(lang))
        elif f.kind == "records":
            parts.append(f"{f.label(lang)} {record}")
        else:
            parts.append(record)  # a free key of a map (a towns column, a category)
    return " › ".join(parts)


def split_suffix(key: str) -> tuple[str, str]:
    """``("resources", "_diff")`` for ``resources_diff``; ``(key, "")`` without a known suffix."""
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)], suffix
    return key, ""


_SEARCH_ORDER = ("towns", "county", "indicators", "revenue", "projects", "summary", "winners_losers")


def column(key: str, table: str | None = None) -> Column | None:
    """The column ``key`` of a result ``table`` (or the first table that has it); suffixes are stripped.

    >>> column("gap").label("zh")
    '标准财政收支缺口'
    >>> column("own_revenue", "county").label("zh")
    '县本级收入'
    >>> column("county_balance_p95").unit.code
    'signed_money'
    """
    base, _ = split_suffix(key)
    tables = [RESULT_TABLES[table]] if table in RESULT_TABLES else []
    tables += [RESULT_TABLES[name] for name in _SEARCH_ORDER] + list(RESULT_TABLES.values())
    for t in tables:
        for name in (key, base):
            if name in t:
                return t[name]
    if table in INPUT_TABLES and key in INPUT_TABLES[table]:
        return INPUT_TABLES[table][key]
    if table == "towns" and key in INPUT_TABLES["town_data"]:  # a usual towns column (students, road_km …)
        return INPUT_TABLES["town_data"][key]
    return None


def column_label(key: str, table: str | None = None, lang: str = "zh") -> str:
    """A column's heading in ``lang`` (suffixes in words); the key itself when the catalogue lacks it.

    >>> column_label("resources_diff", "differences", "zh")
    '可用财力变化'
    >>> column_label("county_balance_p5", None, "en")
    'county balance (P5)'
    """
    col = column(key, table)
    if col is None:
        return key
    base, suffix = split_suffix(key)
    if col.key == key or not suffix:
        return col.label(lang)
    return col.label(lang) + SUFFIXES[suffix].label(lang)


def message(code: str, lang: str = "en", **params) -> str:
    """The text of message ``code`` in ``lang`` with its values filled in."""
    zh, en = MESSAGES[code]
    return (zh if lang == "zh" else en).format(**params)


def describe_key(key: str, lang: str = "zh") -> str:
    """An error's key in words: a key path by its labels, a table row by table and row.

    >>> describe_key("towns row 4 (id T03)", "zh")
    '乡镇表第 4 行（T03）'
    >>> describe_key("_schema", "en")
    ''
    """
    if key in ("_schema", ""):
        return ""
    row = _ROW.match(key)
    if row:
        table = INPUT_TABLES[row.group(1)].label(lang)
        ident = row.group(3)
        zh_id, en_id = ROW_ID
        id_part = (zh_id if lang == "zh" else en_id).format(id=ident) if ident else ""
        zh, en = ROW_WHERE
        return (zh if lang == "zh" else en).format(table=table, row=row.group(2), id_part=id_part)
    cell = _SHEET_CELL.match(key)
    if cell and sheet_path(cell["sheet"]) is not None:
        return _sheet_cell_words(cell, lang)
    if key in INPUT_TABLES:
        return INPUT_TABLES[key].label(lang)
    if key.startswith("set."):
        return path_label(key[4:], lang)
    return path_label(key, lang)


def sheet_path(name: str) -> str | None:
    """The key path a scenario workbook's sheet holds (``difficulty_factors`` → ``general_transfer.difficulty.
    factors``; ``scenario``, the top-level keys → ``""``); None for no sheet of the template."""
    if name == "scenario":
        return ""

    def find(block: Block, prefix: str) -> str | None:
        for f in block.fields:
            path = f"{prefix}{f.key}"
            if (f.kind == "table" and f.table == name) or (f.block is not None and f.block.name == name):
                return path
            if f.kind == "block" and f.block is not None:
                found = find(f.block, f"{path}.")
                if found is not None:
                    return found
        return None

    return find(SCENARIO, "")


def _sheet_cell_words(cell: re.Match, lang: str) -> str:
    """``工作表“收入项目”第 4 行 C 列（乡镇分成比例）`` for ``revenue_items row 4 column C (split.town_share)``."""
    zh = lang == "zh"
    name, path, field_name = cell["sheet"], sheet_path(cell["sheet"]), cell["field"]
    if name == "scenario":
        sheet = SCENARIO_SHEET[0 if zh else 1]
    elif name in INPUT_TABLES:
        sheet = INPUT_TABLES[name].label(lang)
    else:
        sheet = path_label(path, lang).split(" › ")[-1]
    if name != "scenario":  # the sheet's tab shows its code: both, to find it
        sheet = f"{sheet}（{name}）" if zh else f"{name} ({sheet})"
    field_words = ""
    if field_name == "key":
        field_words = SHEET_KEY[0 if zh else 1]
    elif field_name:
        known = column(field_name, name) if name in INPUT_TABLES else None
        if known is not None:
            field_words = known.label(lang)
        else:
            holder = field(path) if path else None
            records = holder is not None and holder.kind == "records"  # a record's column: any record id
            inner = f"{path}.x.{field_name}" if records else f"{path}.{field_name}" if path else field_name
            field_words = path_label(inner, lang).split(" › ")[-1] if field(inner) is not None else field_name
    column_part = SHEET_COLUMN[0 if zh else 1].format(column=cell["column"]) if cell["column"] else ""
    field_part = (f"（{field_words}）" if zh else f" ({field_words})") if field_words else ""
    template = SHEET_CELL_WHERE[0 if zh else 1]
    return template.format(sheet=sheet, row=cell["row"], column_part=column_part, field_part=field_part)
