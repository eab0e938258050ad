"""Excel in and out (Excel 导入导出): result workbooks, the scenario template, and reading it back.

- :func:`write_workbook` writes results (and a comparison) as one .xlsx: a sheet per table, frozen
  headers, the unit in money headers, ``#,##0.00`` numbers, and the charts as PNG images.
- :func:`write_template` writes an empty scenario workbook: one sheet per part of a scenario and a
  ``说明 fields`` sheet explaining every field in Chinese and English.
- :func:`read_scenario_workbook` turns a filled template into a self-contained scenario document.

Text that Excel would run as a formula (``=``, ``+``, ``-``, ``@`` first) is written as text. Files are
written to a temporary file in the same folder and renamed, so a failure never leaves half a workbook.
"""

from __future__ import annotations

import io
import json
import math
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import ScenarioError
from .records import json_value
from .tables import parse_bool

# ---------------------------------------------------------------------------------------------
# cells and sheets

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
RATIO_FORMAT = "0.0000"
COUNT_FORMAT = "#,##0"
MIXED_FORMAT = "#,##0.00##"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
MONEY_COLUMNS = frozenset(
    """gdp revenue_collected town_retained county_retained remittance own_revenue capacity standard_expenditure gap
    general_transfer special_transfer cofinancing balance resources collected to_town to_county shared_revenue
    remittances upper_transfers total_revenue own_expenditure town_function_expenditure general_transfers_paid
    special_transfers_paid required_transfers general_transfers special_transfers county_balance county_balance_min
    cost grant change county_balance_p5 county_balance_p50 county_balance_p95""".split()
)
PER_CAPITA_COLUMNS = frozenset({"resources_per_capita"})
RATIO_COLUMNS = frozenset({"coverage", "gini_before", "gini_after", "cv_before", "cv_after", "change_pct"})
COUNT_COLUMNS = frozenset({"population"})
DIFF_SUFFIXES = ("_baseline", "_scenario", "_diff")
MIN_WIDTH, MAX_WIDTH = 8, 60


def _base_column(name: str) -> str:
    for suffix in DIFF_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def header_text(column: str, unit: str) -> str:
    """A column header with its unit: ``general_transfer (万元)``."""
    base = _base_column(column)
    if base in MONEY_COLUMNS or column in MONEY_COLUMNS:
        return f"{column} ({unit})"
    if base in PER_CAPITA_COLUMNS:
        return f"{column} ({unit}/人)"
    return column


def number_format(column: str, dtype) -> str | None:
    """The display format of a column: money and other floats ``#,##0.00``, ratios to 4 places."""
    base = _base_column(column)
    if base in RATIO_COLUMNS:
        return RATIO_FORMAT
    if base in COUNT_COLUMNS:
        return COUNT_FORMAT
    if pd.api.types.is_float_dtype(dtype):
        return MONEY_FORMAT
    return None


def _display_width(text: str) -> int:
    """Characters as Excel columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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


def _style_header(ws, widths: list[int]) -> None:
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"


def write_frame(ws, frame: pd.DataFrame, unit: str, formats: dict[str, str] | None = None) -> None:
    """A frame as a sheet: header with units, values, number formats, widths, frozen header."""
    headers = [header_text(str(c), unit) for c in frame.columns]
    ws.append(headers)
    clean = frame.astype(object).where(frame.notna(), None)
    for row in clean.itertuples(index=False, name=None):
        ws.append([cell_value(v) for v in row])
    widths = [_display_width(h) for h in headers]
    sample = clean.head(500)
    for j, column in enumerate(frame.columns):
        values = sample.iloc[:, j]
        texts = values.map(lambda v: "" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v)))
        widths[j] = max([widths[j], *texts.map(_display_width)])
        dtype = frame[column].dtype
        fmt = (formats or {}).get(str(column)) or number_format(str(column), dtype)
        is_text = not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
        if fmt is None and not is_text:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j + 1, max_col=j + 1):
            if fmt is not None and isinstance(cell.value, float):
                cell.number_format = fmt
            elif is_text:
                protect_text(cell)
    _style_header(ws, widths)


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


# ---------------------------------------------------------------------------------------------
# result workbooks


RESULT_SHEETS = ("summary", "towns", "county", "revenue", "projects", "indicators")
CHART_ROW_PX = 20  # default Excel row height in pixels, to stack chart images


def _combined(results: dict, frame: str) -> pd.DataFrame:
    """One frame of every result; with several scenarios, a ``scenario`` column first."""
    frames = [getattr(r, frame) for r in results.values()]
    if len(results) == 1:
        return frames[0]
    out = [f.astype({c: object for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)}) for f in frames]
    out = [f.assign(scenario=label) for f, label in zip(out, results)]
    combined = pd.concat(out, ignore_index=True)
    return combined[["scenario", *[c for c in combined.columns if c != "scenario"]]]


def _year_differences_sheet(years: pd.DataFrame, unit: str) -> pd.DataFrame:
    money = years["metric"].map(lambda m: m.startswith("county.") or m in MONEY_COLUMNS)
    return years.assign(unit=np.where(money, unit, ""))


def _settings_sheet(settings: pd.DataFrame) -> pd.DataFrame:
    def show(value):
        if value is None:
            return "null"
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False, default=str)
        return value

    return settings.assign(baseline=settings["baseline"].map(show), scenario=settings["scenario"].map(show))


def _add_charts(wb: Workbook, results: dict, montecarlo, dpi: float) -> None:
    from openpyxl.drawing.image import Image

    from .charts import CHARTS, figure_bytes, make_chart

    ws = wb.create_sheet("charts")
    ws.column_dimensions["A"].width = 40
    row = 1
    for name in CHARTS:
        fig = make_chart(name, results, montecarlo=montecarlo if name == "county_balance" else None, dpi=dpi)
        image = Image(io.BytesIO(figure_bytes(fig, "png")))
        ws.cell(row=row, column=1, value=name).font = HEADER_FONT
        ws.add_image(image, f"A{row + 1}")
        row += 3 + math.ceil(image.height / CHART_ROW_PX)


def build_workbook(
    results: dict, comparison=None, charts: bool = True, *, montecarlo=None, dpi: float = 100
) -> Workbook:
    """The result workbook in memory (see :func:`write_workbook`)."""
    from .compare import summary_frame

    if not isinstance(results, dict) or not results:
        raise ScenarioError({"scenarios": ["give at least one result to write"]})
    unit = next(iter(results.values())).unit
    wb = Workbook()
    wb.remove(wb.active)
    summary = comparison.summary if comparison is not None else summary_frame(results)
    write_frame(wb.create_sheet("summary"), summary, unit)
    for name in RESULT_SHEETS[1:]:
        write_frame(wb.create_sheet(name), _combined(results, name), unit)
    if comparison is not None:
        write_frame(wb.create_sheet("differences"), comparison.towns, unit)
        write_frame(
            wb.create_sheet("year_differences"),
            _year_differences_sheet(comparison.years, unit),
            unit,
            formats={"baseline": MIXED_FORMAT, "scenario": MIXED_FORMAT, "difference": MIXED_FORMAT},
        )
        write_frame(wb.create_sheet("winners_losers"), comparison.winners_losers, unit)
        write_frame(wb.create_sheet("settings"), _settings_sheet(comparison.settings), unit)
    if charts:
        _add_charts(wb, results, montecarlo, dpi)
    return wb


def write_workbook(
    target, results: dict, comparison=None, charts: bool = True, *, montecarlo=None, dpi: float = 100
) -> None:
    """Write results (``{label: Result}``) and optionally a Comparison as one .xlsx workbook.

    ``target`` is a path or a binary file object. Sheets: summary, towns, county, revenue, projects,
    indicators (a ``scenario`` column when there are several), with a comparison also differences,
    year_differences, winners_losers and settings; ``charts`` adds the charts as PNG images.
    """
    save_workbook(build_workbook(results, comparison, charts, montecarlo=montecarlo, dpi=dpi), target)


# ---------------------------------------------------------------------------------------------
# the scenario template: fields


@dataclass(frozen=True)
class Field:
    """One field of the template: its key (or header), kind, and what it means in Chinese and English."""

    key: str
    kind: str  # text, number, int, bool, numbers, texts, pool, growth, raw
    zh: str
    en: str
    choices: tuple[str, ...] = ()


RULES = ("town", "county", "proportional", "base_plus_increment", "tiered")
SPLIT_FIELDS = (
    Field("rule", "text", "分成规则：town 乡镇固定、county 县级固定、proportional 比例分成、"
          "base_plus_increment 基数返还+增量分成、tiered 超额分档分成",
          "split rule: town, county, proportional, base_plus_increment or tiered", RULES),
    Field("town_share", "number", "proportional：乡镇分成比例（0–1）", "proportional: the town's share (0-1)"),
    Field("base_share", "number", "base_plus_increment：基数部分乡镇比例", "base_plus_increment: town's share of the base"),
    Field("increment_share", "number", "base_plus_increment：增量部分乡镇比例", "base_plus_increment: town's share above the base"),
    Field("base", "number", "base_plus_increment：固定基数金额（不增长）；不填则为基期征收额",
          "base_plus_increment: a fixed base amount (does not grow); empty = the base-year amount"),
    Field("base_column", "text", "base_plus_increment：基数所在的乡镇表列（与 base 二选一）",
          "base_plus_increment: towns column holding each town's base (instead of base)"),
    Field("thresholds", "numbers", "tiered：分档起点，逗号分隔、递增，如 800, 2000",
          "tiered: band thresholds, comma-separated, increasing, e.g. 800, 2000"),
    Field("town_shares", "numbers", "tiered：各档乡镇比例，逗号分隔，比分档点多一个，如 0.4, 0.55, 0.7",
          "tiered: the town's share in each band, one more than thresholds, e.g. 0.4, 0.55, 0.7"),
)  # fmt: skip

KEY_VALUE_SHEETS: dict[str, tuple[Field, ...]] = {
    "scenario": (
        Field("schema_version", "int", "格式版本，填 1", "format version: 1"),
        Field("name", "text", "方案名称（必填）", "scenario name (required)"),
        Field("description", "text", "方案说明：测试什么", "what the scenario tests"),
        Field("unit", "text", "金额单位，如 万元", "currency unit of every amount, e.g. 万元"),
        Field("first_year", "int", "首个模拟年度（乡镇表为其上一年的基期数据）",
              "first simulated year (the towns table holds the year before)"),
        Field("last_year", "int", "最后一个模拟年度", "last simulated year"),
    ),
    "county": (
        Field("own_revenue", "number", "县本级自有收入（基期）", "county's own revenue (base year)"),
        Field("own_revenue_growth", "number", "县本级自有收入年增长率", "yearly growth of the county's own revenue"),
        Field("own_expenditure", "number", "县本级自身支出（基期）", "county's own expenditure (base year)"),
        Field("own_expenditure_growth", "number", "县本级自身支出年增长率", "yearly growth of its own expenditure"),
        Field("upper_transfers", "number", "上级转移支付收入（基期）", "transfers from above (base year)"),
        Field("upper_transfers_growth", "number", "上级转移支付年增长率", "yearly growth of transfers from above"),
        Field("remittances.column", "text", "定额上解金额所在的乡镇表列名（可不填）",
              "towns column with each town's fixed yearly remittance (optional)"),
    ),
    "growth": (
        Field("gdp", "growth", "GDP增长率：数字、逐年逗号分隔的数字，或乡镇表列名",
              "GDP growth: a number, per-year comma-separated numbers, or a towns column"),
        Field("gdp.pilot", "growth", "试点镇GDP增长率（与 gdp.other 一起填，代替 gdp）",
              "GDP growth of pilot towns (with gdp.other, instead of gdp)"),
        Field("gdp.other", "growth", "非试点乡镇GDP增长率", "GDP growth of the other towns"),
        Field("drivers.population", "growth", "乡镇表各列的年增长率，每列一行 drivers.列名（数字或逐年逗号分隔）",
              "yearly growth of a towns column, one row per column as drivers.COLUMN"),
    ),
    "general_transfer": (
        Field("pool", "pool", "资金池：不填 = 全额弥补缺口；数字 = 基期可用金额；county_surplus = 县级结余",
              "pool: empty = cover every gap; a number = base-year amount; county_surplus"),
        Field("pool_growth", "number", "资金池年增长率", "yearly growth of the pool"),
        Field("coefficient", "number", "固定转移支付系数 φ（与 pool 二选一）", "fixed coefficient φ (instead of a pool)"),
        Field("priority", "texts", "优先全额保障的类别，逗号分隔，如 pilot", "classes covered in full first, e.g. pilot"),
        Field("rationing", "text", "分配办法：proportional 按系数、need_adjusted 调整率、factor 因素法",
              "rationing: proportional, need_adjusted or factor", ("proportional", "need_adjusted", "factor")),
        Field("eligible", "text", "因素法适用范围：gap 有缺口的乡镇，all 全部乡镇",
              "factor method: towns with a gap (gap) or all towns (all)", ("gap", "all")),
        Field("growth_limits.min", "number", "增幅控制下限，如 0", "growth limit: lowest change from last year, e.g. 0"),
        Field("growth_limits.max", "number", "增幅控制上限，如 0.15", "growth limit: highest change, e.g. 0.15"),
    ),
    "special_transfers": (
        Field("budget", "number", "专项转移支付年度预算（基期）", "special-transfer budget (base year)"),
        Field("budget_growth", "number", "预算年增长率", "yearly growth of the budget"),
        Field("method", "text", "安排方式：priority 按顺序，optimal 优化选择",
              "allocation: priority (in order) or optimal", ("priority", "optimal")),
        Field("priority_order", "texts", "排序依据，逗号分隔：key_project, score, pilot",
              "order of funding, comma-separated: key_project, score, pilot"),
        Field("pilot_weight", "number", "optimal：试点镇项目权重", "optimal: weight of pilot towns' projects"),
        Field("key_weight", "number", "optimal：重点项目权重", "optimal: weight of key projects"),
        Field("require_cofinancing", "bool", "是否要求乡镇结余足以配套（TRUE/FALSE）",
              "fund a project only while the town can co-finance it (TRUE/FALSE)"),
        Field("carry_over", "bool", "未安排的项目是否结转下年（TRUE/FALSE）", "unfunded projects wait for next year"),
    ),
    "assessment": (
        Field("enabled", "bool", "是否开展试点考评（TRUE/FALSE）", "assess pilot towns (TRUE/FALSE)"),
        Field("targets.gdp_growth", "number", "考评目标：GDP增长率", "target: GDP growth"),
        Field("targets.revenue_growth", "number", "考评目标：自有收入增长率", "target: own-revenue growth"),
        Field("failures_to_revoke", "int", "连续未达标几年取消试点资格（默认 3）",
              "consecutive failed years before pilot status is revoked (default 3)"),
    ),
    "uncertainty": (
        Field("draws", "int", "蒙特卡洛模拟次数", "Monte Carlo draws"),
        Field("seed", "int", "随机数种子（相同种子结果相同）", "random seed (same seed, same numbers)"),
        Field("gdp_growth_sd", "number", "GDP增长率的标准差", "standard deviation of GDP growth"),
        Field("common_share", "number", "全县共同冲击所占比例（0–1）", "share of the shock common to all towns (0-1)"),
    ),
}  # fmt: skip
KEY_PATTERNS = {"growth": ("drivers.",), "assessment": ("targets.",)}  # free keys under a prefix

TABLE_SHEETS: dict[str, tuple[Field, ...]] = {
    "towns": (
        Field("id", "text", "乡镇代码（唯一）", "town id (unique)"),
        Field("name", "text", "乡镇名称", "town name"),
        Field("pilot", "bool", "是否试点镇：是/否、TRUE/FALSE 或 1/0", "pilot town: 是/否, TRUE/FALSE or 1/0"),
        Field("population", "number", "人口（人）", "population"),
        Field("area_km2", "number", "面积（平方公里）", "area (km²)"),
        Field("gdp", "number", "地区生产总值（基期）", "GDP (base year)"),
    ),
    "revenue_items": (
        Field("id", "text", "收入项目代码（唯一）", "revenue item id (unique)"),
        Field("name", "text", "收入项目名称", "name"),
        Field("column", "text", "乡镇表中基期征收额所在列（默认同 id）", "towns column with the base-year amount (default: id)"),
        Field("elasticity", "number", "对GDP增长的弹性（默认 1）", "elasticity to GDP growth (default 1)"),
        Field("capacity_rate", "number", "计入标准财政收入的比例（默认 1）", "share counted in fiscal capacity (default 1)"),
        *SPLIT_FIELDS,
    ),
    "split_overrides": (
        Field("town", "text", "指定乡镇代码（与 class 二选一）", "a town id (or class)"),
        Field("class", "text", "乡镇类别：pilot 或乡镇表中的是/否列", "a class of towns: pilot or a true/false towns column"),
        Field("item", "text", "收入项目代码", "revenue item id"),
        *SPLIT_FIELDS,
    ),
    "expenditure_functions": (
        Field("id", "text", "支出事项代码（唯一）", "expenditure function id (unique)"),
        Field("name", "text", "支出事项名称", "name"),
        Field("driver", "text", "支出因素：乡镇表列名，或 one（每镇一份）", "driver: a towns column, or one"),
        Field("unit_cost", "number", "基期单位成本", "base-year unit cost"),
        Field("cost_factor", "text", "补正系数所在列（可不填，默认 1）", "towns column of cost factors (optional)"),
        Field("town_share", "number", "乡镇承担的支出责任比例（0–1），其余由县承担", "town's share of the responsibility (0-1)"),
        Field("growth", "number", "单位成本年增长率", "yearly growth of the unit cost"),
    ),
    "factors": (
        Field("column", "text", "因素法：因素所在的乡镇表列", "factor method: a towns column"),
        Field("columns", "texts", "多列相乘时，逗号分隔的列名（与 column 二选一）", "or a product of columns, comma-separated"),
        Field("weight", "number", "权重（合计为 1）", "weight (weights sum to 1)"),
    ),
    "category_caps": (
        Field("category", "text", "项目类别", "project category"),
        Field("cap", "number", "该类别年度上限（基期）", "yearly cap of the category (base year)"),
    ),
    "projects": (
        Field("id", "text", "项目代码（唯一）", "project id (unique)"),
        Field("town", "text", "所在乡镇代码", "town id"),
        Field("year", "int", "申报年度", "year applied for"),
        Field("category", "text", "项目类别", "category"),
        Field("cost", "number", "项目总投资", "total cost"),
        Field("grant", "number", "申请补助金额", "grant asked for"),
        Field("score", "number", "评审得分", "score"),
        Field("key_project", "bool", "是否重点项目：是/否、TRUE/FALSE", "key project: 是/否, TRUE/FALSE"),
        Field("cofinancing_rate", "number", "乡镇配套比例（占总投资）", "town's co-financing share of the cost"),
    ),
}  # fmt: skip

TEMPLATE_ORDER = (
    "scenario", "towns", "revenue_items", "split_overrides", "expenditure_functions", "county", "growth",
    "general_transfer", "factors", "special_transfers", "category_caps", "projects", "assessment", "uncertainty",
)  # fmt: skip
FIELDS_SHEET = "说明 fields"
TEMPLATE_DEFAULTS = {("scenario", "schema_version"): 1, ("scenario", "unit"): "万元"}
KV_HEADERS = ("key", "value", "说明", "description")
TEMPLATE_ROWS = 1000  # rows given choice lists in table sheets
SHEET_NOTES = {
    "towns": ("其他列：各收入项目征收额、支出因素、补正系数、定额上解等，列名与其他表引用的一致",
              "more columns: each item's amount, drivers, cost factors, remittances, named as the other sheets name them"),
    "split_overrides": ("可不填；同一乡镇的指定优先于类别", "optional; a town's own override wins over its class"),
    "factors": ("仅在 rationing = factor 时填写", "only with rationing = factor"),
    "category_caps": ("可不填", "optional"),
    "projects": ("可不填；填写则需在 special_transfers 中填 budget", "optional; needs a budget in special_transfers"),
}  # fmt: skip


KIND_LABELS = {
    "text": "文本 text",
    "number": "数字 number",
    "int": "整数 whole number",
    "bool": "是否 true/false",
    "numbers": "数字列表 numbers, comma-separated",
    "texts": "文本列表 texts, comma-separated",
    "pool": "数字或 county_surplus",
    "growth": "数字、数字列表或列名 number, numbers or column",
}


def _table_kind(sheet: str, column: str, fields: dict) -> str:
    """How a table cell is read; the towns table is checked row by row later (tables.towns_frame)."""
    if sheet == "towns":
        return "text" if column in ("id", "name") else "raw"
    return fields[column].kind


def _fields_rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for sheet in TEMPLATE_ORDER:
        fields = KEY_VALUE_SHEETS.get(sheet) or TABLE_SHEETS[sheet]
        for f in fields:
            rows.append((sheet, f.key, KIND_LABELS[f.kind], f.zh, f.en))
        if sheet in SHEET_NOTES:
            rows.append((sheet, "…", "", *SHEET_NOTES[sheet]))
    return rows


def build_template() -> Workbook:
    """The empty scenario workbook (see :func:`write_template`)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in TEMPLATE_ORDER:
        ws = wb.create_sheet(sheet)
        if sheet in KEY_VALUE_SHEETS:
            ws.append(list(KV_HEADERS))
            for f in KEY_VALUE_SHEETS[sheet]:
                ws.append([f.key, TEMPLATE_DEFAULTS.get((sheet, f.key)), f.zh, f.en])
                if f.kind in ("texts", "numbers", "growth"):  # keep "0.08, 0.07" as typed
                    ws.cell(row=ws.max_row, column=2).number_format = "@"
                if f.choices:
                    _choices(ws, f.choices, f"B{ws.max_row}")
            _style_header(ws, [24, 24, 60, 60])
        else:
            fields = TABLE_SHEETS[sheet]
            ws.append([f.key for f in fields])
            for j, f in enumerate(fields, start=1):
                ws.cell(row=1, column=j).comment = Comment(f"{f.zh}\n{f.en}", "fiscal-sim", width=300, height=90)
                letter = get_column_letter(j)
                if f.kind in ("text", "texts", "numbers"):  # ids like 001 and lists like 800, 2000 stay text
                    ws.column_dimensions[letter].number_format = "@"
                if f.choices:
                    _choices(ws, f.choices, f"{letter}2:{letter}{TEMPLATE_ROWS}")
            _style_header(ws, [max(_display_width(f.key), 12) for f in fields])
    ws = wb.create_sheet(FIELDS_SHEET)
    ws.append(["sheet", "field", "类型 kind", "说明", "description"])
    for row in _fields_rows():
        ws.append(list(row))
    _style_header(ws, [22, 26, 30, 70, 70])
    return wb


def _choices(ws, choices: tuple[str, ...], cells: str) -> None:
    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(cells)


def write_template(path) -> None:
    """Write an empty scenario workbook to fill in (``fiscal-sim template OUT.xlsx``)."""
    save_workbook(build_template(), path)


# ---------------------------------------------------------------------------------------------
# reading a filled template


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
    "number": _number,
    "int": _integer,
    "bool": _boolean,
    "numbers": _numbers,
    "texts": lambda v: [p for p in _split(_text(v)) if p],
    "pool": _pool,
    "growth": _growth,
    "raw": lambda v: v.strip() if isinstance(v, str) else v,
}


def _put(tree: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


class _WorkbookReader:
    """Reads sheets of a filled template, collecting every cell problem before raising."""

    def __init__(self, wb, source: str | None):
        self.wb = wb
        self.source = source
        self.errors: dict[str, list[str]] = {}

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def parse(self, kind: str, value, sheet: str, row: int, col: int, field: str):
        """A cell's value of ``kind``; _EMPTY for a blank cell or a bad one (the error is kept)."""
        if _is_blank(value):
            return _EMPTY
        try:
            return PARSERS[kind](value)
        except _CellError as exc:
            self.error(f"{sheet} row {row} column {get_column_letter(col)} ({field})", str(exc))
            return _EMPTY

    def rows(self, sheet: str) -> list[tuple[int, tuple]]:
        """Non-empty rows under the header, with their spreadsheet row numbers; [] without the sheet."""
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

    def key_values(self, sheet: str) -> dict:
        """A key/value sheet as a nested dict of the values filled in."""
        known = {f.key: f for f in KEY_VALUE_SHEETS[sheet]}
        out: dict = {}
        seen: dict[str, int] = {}
        for n, row in self.rows(sheet):
            if n == 1:
                continue
            key = _text(row[0]) if row and not _is_blank(row[0]) else ""
            value = row[1] if len(row) > 1 else None
            if not key:
                if not _is_blank(value):
                    self.error(f"{sheet} row {n} column A (key)", "a value without a key")
                continue
            field = known.get(key)
            if field is None and any(key.startswith(p) and len(key) > len(p) for p in KEY_PATTERNS.get(sheet, ())):
                field = Field(key, "growth" if sheet == "growth" else "number", "", "")
            if field is None:
                self.error(f"{sheet} row {n} column A (key)", f"unknown key {key!r}; keys are {', '.join(known)}")
                continue
            if key in seen:
                self.error(f"{sheet} row {n} column A (key)", f"{key} is given twice (rows {seen[key]} and {n})")
                continue
            seen[key] = n
            parsed = self.parse(field.kind, value, sheet, n, 2, key)
            if parsed is not _EMPTY:
                out[key] = parsed
        return out

    def table(self, sheet: str) -> list[dict]:
        """A table sheet as records of the cells filled in (free columns in ``towns``)."""
        rows = self.rows(sheet)
        if not rows:
            return []
        header_row, header = rows[0][0], [None if _is_blank(h) else _text(h) for h in rows[0][1]]
        fields = {f.key: f for f in TABLE_SHEETS[sheet]}
        columns = []
        for j, name in enumerate(header, start=1):
            if name is None:
                continue
            if name in [c[1] for c in columns]:
                self.error(f"{sheet} row {header_row} column {get_column_letter(j)}", f"column {name!r} appears twice")
            elif name not in fields and sheet != "towns":
                self.error(
                    f"{sheet} row {header_row} column {get_column_letter(j)}",
                    f"unknown column {name!r}; columns are {', '.join(fields)}",
                )
            else:
                columns.append((j, name))
        records = []
        for n, row in rows[1:]:
            record = {}
            for j, name in columns:
                value = row[j - 1] if j - 1 < len(row) else None
                kind = _table_kind(sheet, name, fields)
                parsed = self.parse(kind, value, sheet, n, j, name)
                if parsed is not _EMPTY:
                    record[name] = parsed
                elif sheet == "towns":
                    record[name] = None  # the towns table keeps every column; a gap is checked later
            records.append(record)
        return records

    def raise_if_any(self) -> None:
        if self.errors:
            raise ScenarioError(self.errors, self.source)


def _split_record(record: dict) -> dict:
    """Move the split-rule cells of a revenue item or override into ``split``."""
    split_keys = [f.key for f in SPLIT_FIELDS]
    out = {k: v for k, v in record.items() if k not in split_keys}
    split = {k: record[k] for k in split_keys if k in record}
    if split:
        out["split"] = split
    return out


def _gdp_growth(values: dict, reader: _WorkbookReader) -> None:
    """``gdp.pilot``/``gdp.other`` rows as a class map (per-year lists zipped year by year)."""
    pilot, other = values.pop("gdp.pilot", _EMPTY), values.pop("gdp.other", _EMPTY)
    if pilot is _EMPTY and other is _EMPTY:
        return
    if "gdp" in values:
        reader.error("growth", "give gdp, or gdp.pilot and gdp.other, not both")
        return
    if pilot is _EMPTY or other is _EMPTY:
        reader.error("growth", "gdp.pilot and gdp.other go together")
        return
    if isinstance(pilot, list) or isinstance(other, list):
        n = len(pilot) if isinstance(pilot, list) else len(other)
        p = pilot if isinstance(pilot, list) else [pilot] * n
        o = other if isinstance(other, list) else [other] * n
        if len(p) != len(o):
            reader.error("growth", f"gdp.pilot has {len(p)} yearly values and gdp.other {len(o)}")
            return
        values["gdp"] = [{"pilot": a, "other": b} for a, b in zip(p, o)]
    else:
        values["gdp"] = {"pilot": pilot, "other": other}


def _category_caps(caps: list[dict], reader: _WorkbookReader) -> dict:
    out = {}
    for n, cap in enumerate(caps, start=1):
        if "category" not in cap or "cap" not in cap:
            reader.error("category_caps", f"entry {n} needs both a category and a cap")
        elif cap["category"] in out:
            reader.error("category_caps", f"category {cap['category']!r} is given twice")
        else:
            out[cap["category"]] = cap["cap"]
    return out


def _nested(values: dict) -> dict:
    out: dict = {}
    for key, value in values.items():
        _put(out, key, value)
    return out


def _scenario_document(reader: _WorkbookReader) -> dict:
    head = reader.key_values("scenario")
    doc: dict = {k: head[k] for k in ("schema_version", "name", "description", "unit") if k in head}
    first, last = head.get("first_year"), head.get("last_year")
    if first is not None or last is not None:
        if first is None or last is None:
            reader.error("scenario", "give both first_year and last_year")
        else:
            doc["years"] = [first, last]
    doc["towns"] = reader.table("towns")
    doc["revenue_items"] = [_split_record(r) for r in reader.table("revenue_items")]
    overrides = [_split_record(r) for r in reader.table("split_overrides")]
    if overrides:
        doc["split_overrides"] = overrides
    county = reader.key_values("county")
    remittance_column = county.pop("remittances.column", None)
    if remittance_column is not None:
        doc["remittances"] = {"column": remittance_column}
    doc["expenditure_functions"] = reader.table("expenditure_functions")
    if county:
        doc["county"] = county
    growth = reader.key_values("growth")
    _gdp_growth(growth, reader)
    if growth:
        doc["growth"] = _nested(growth)
    general = _nested(reader.key_values("general_transfer"))
    factors = reader.table("factors")
    if factors:
        general["factors"] = factors
    if general:
        doc["general_transfer"] = general
    special = reader.key_values("special_transfers")
    caps = reader.table("category_caps")
    projects = reader.table("projects")
    if special or caps or projects:
        if caps:
            special["category_caps"] = _category_caps(caps, reader)
        special["projects"] = projects
        doc["special_transfers"] = special
    for sheet in ("assessment", "uncertainty"):
        values = reader.key_values(sheet)
        if values:
            doc[sheet] = _nested(values)
    return doc


def read_scenario_workbook(path) -> dict:
    """A self-contained scenario document (towns and projects inline) from a filled template.

    Empty optional sheets are left out; a bad cell raises :class:`ScenarioError` naming the sheet,
    the row and the column. The document still goes through ``scenario.from_document`` validation.
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


# ---------------------------------------------------------------------------------------------
# the scenario as an Excel workbook (the template, filled in)


def _cell(value):
    """A document value as a template cell: lists comma-separated, None blank."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _fill_key_values(ws, values: dict) -> None:
    """Put ``{key: value}`` in column B of a key/value sheet, appending rows for keys it lacks."""
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for key, value in values.items():
        if value is None:
            continue
        row = rows.get(key)
        if row is None:
            row = ws.max_row + 1
            ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=_cell(value))


def _fill_table(ws, records: list[dict], columns: list[str] | None = None) -> None:
    """Records under the sheet's header (``columns`` replaces the header, for the towns table)."""
    if columns is not None:
        for j, name in enumerate(columns, start=1):
            ws.cell(row=1, column=j, value=name)
    header = [c.value for c in ws[1]]
    for n, record in enumerate(records, start=2):
        for j, name in enumerate(header, start=1):
            if name in record and record[name] is not None:
                ws.cell(row=n, column=j, value=_cell(record[name]))


def _flat(tree: dict, prefix: str = "") -> dict:
    """``{"targets": {"gdp_growth": 0.07}}`` → ``{"targets.gdp_growth": 0.07}``."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _flat_split(record: dict) -> dict:
    """A revenue item or override with its ``split`` cells beside its own (the template's columns)."""
    return {**{k: v for k, v in record.items() if k != "split"}, **record.get("split", {})}


def _gdp_cells(gdp) -> dict:
    if isinstance(gdp, dict):
        return {"gdp.pilot": gdp["pilot"], "gdp.other": gdp["other"]}
    if isinstance(gdp, list) and gdp and all(isinstance(v, dict) for v in gdp):
        return {"gdp.pilot": [v["pilot"] for v in gdp], "gdp.other": [v["other"] for v in gdp]}
    return {"gdp": gdp}


def scenario_workbook(document: dict) -> bytes:
    """A self-contained scenario as a filled ``fiscal-sim template`` (read back by ``read_scenario_workbook``)."""
    wb = build_template()
    doc = document
    first, last = doc["years"]
    _fill_key_values(
        wb["scenario"],
        {
            **{k: doc.get(k) for k in ("schema_version", "name", "description", "unit")},
            "first_year": first,
            "last_year": last,
        },
    )
    towns = doc["towns"]
    columns = list(dict.fromkeys(key for record in towns for key in record))
    _fill_table(wb["towns"], towns, columns)
    _fill_table(wb["revenue_items"], [_flat_split(r) for r in doc["revenue_items"]])
    _fill_table(wb["split_overrides"], [_flat_split(r) for r in doc.get("split_overrides") or []])
    _fill_table(wb["expenditure_functions"], doc["expenditure_functions"])
    remittances = (doc.get("remittances") or {}).get("column")
    _fill_key_values(wb["county"], {**(doc.get("county") or {}), "remittances.column": remittances})
    growth = dict(doc.get("growth") or {})
    cells = _gdp_cells(growth.pop("gdp")) if "gdp" in growth else {}
    _fill_key_values(wb["growth"], {**cells, **_flat(growth)})
    general = dict(doc.get("general_transfer") or {})
    _fill_table(wb["factors"], general.pop("factors", None) or [])
    _fill_key_values(wb["general_transfer"], _flat(general))
    special = doc.get("special_transfers")
    if special is not None:
        special = dict(special)
        caps = special.pop("category_caps", None) or {}
        _fill_table(wb["category_caps"], [{"category": k, "cap": v} for k, v in caps.items()])
        _fill_table(wb["projects"], special.pop("projects", None) or [])
        _fill_key_values(wb["special_transfers"], special)
    for sheet in ("assessment", "uncertainty"):
        if doc.get(sheet):
            _fill_key_values(wb[sheet], _flat(doc[sheet]))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
