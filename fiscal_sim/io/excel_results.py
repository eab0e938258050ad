"""The results workbook (结果工作簿): results and a comparison as one .xlsx, in Chinese or English.

Sheet names, headers, units, number formats and the words of choice columns come from the catalogue;
a last sheet (字段说明 / field codes) lists each header with its column code, so the numbers can be
traced to the tables of docs/model.md §1.6. Amounts keep full precision; only the display is rounded.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from openpyxl import Workbook

from .. import catalogue
from ..analysis.compare import summary_frame
from ..catalogue import Text, Unit
from ..errors import Message, ScenarioError
from . import settings_words
from .excel_cells import HEADER_FONT, save_workbook, style_header, write_frame

RESULT_SHEETS = ("summary", "towns", "county", "revenue", "projects", "indicators")
COMPARISON_SHEETS = ("differences", "year_differences", "winners_losers", "settings")
SCENARIO_COLUMN = Text("方案", "scenario")
FIELDS_SHEET = Text("字段说明", "field codes")
CHARTS_SHEET = Text("图表", "charts")
CHART_ROW_PX = 20  # default Excel row height in pixels, to stack chart images
EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet


def sheet_name(table: str, lang: str) -> str:
    """A table's sheet name in ``lang`` (Excel allows 31 characters)."""
    return catalogue.RESULT_TABLES[table].label(lang)[:31]


def header(column: str, table: str, unit: str, lang: str) -> str:
    """``标准财政收支缺口（万元）`` / ``fiscal gap (万元)``: the label with its unit."""
    if column == "scenario":
        return SCENARIO_COLUMN.label(lang)
    label = catalogue.column_label(column, table, lang)
    col = catalogue.column(column, table)
    if col is not None and col.unit.money:
        shown = unit
    elif col is not None and col.unit is Unit.MONEY_PER_CAPITA:
        shown = f"{unit}/人" if lang == "zh" else f"{unit} per person"
    else:
        return label
    return f"{label}（{shown}）" if lang == "zh" else f"{label} ({shown})"


def number_format(column: str, table: str) -> str | None:
    col = catalogue.column(column, table)
    if col is None or col.kind not in ("number", "integer"):
        return None
    return col.unit.excel_format


def localized(frame: pd.DataFrame, table: str, lang: str) -> pd.DataFrame:
    """Choice columns (``outcome``, ``reason`` …) as words in ``lang``, true/false columns as 是/否."""
    out = frame
    for name in frame.columns:
        col = catalogue.column(str(name), table)
        if col is not None and col.choices is not None:
            words = {c.value: c.label(lang) for c in col.choices}
            out = out.assign(**{name: frame[name].map(lambda v, w=words: w.get(v, v))})
        elif col is not None and col.kind == "bool":
            out = out.assign(**{name: frame[name].map(lambda v: catalogue.yes_no(v is True or v == 1, lang))})
    return out


def _sheet(wb: Workbook, frame: pd.DataFrame, table: str, unit: str, lang: str, codes: list) -> None:
    ws = wb.create_sheet(sheet_name(table, lang))
    frame = localized(frame, table, lang)
    headers = [header(str(c), table, unit, lang) for c in frame.columns]
    formats = {str(c): number_format(str(c), table) for c in frame.columns}
    write_frame(ws, frame, headers, formats)
    for column, shown in zip(frame.columns, headers):
        col = catalogue.column(str(column), table)
        other = "en" if lang == "zh" else "zh"
        codes.append(
            (
                ws.title,
                shown,
                str(column),
                "" if col is None else col.unit.code,
                catalogue.column_label(str(column), table, other),
            )
        )


def _combined(results: dict, frame: str) -> pd.DataFrame:
    """One frame of every result; with several scenarios, a ``scenario`` column first."""
    frames = [getattr(r, frame) for r in results.values()]
    if len(results) == 1:
        return frames[0]
    out = [f.astype({c: object for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)}) for f in frames]
    out = [f.assign(scenario=label) for f, label in zip(out, results)]
    combined = pd.concat(out, ignore_index=True)
    return combined[["scenario", *[c for c in combined.columns if c != "scenario"]]]


def _metric_words(metric: str, lang: str) -> str:
    table, _, rest = metric.partition(".")
    return (
        catalogue.column_label(rest, "county", lang)
        if table == "county" and rest
        else catalogue.column_label(metric, "indicators", lang)
    )


def _year_differences(years: pd.DataFrame, unit: str, lang: str) -> pd.DataFrame:
    def is_money(metric):
        col = catalogue.column(metric.partition(".")[2] if metric.startswith("county.") else metric)
        return col is not None and col.unit.money

    return years.assign(
        metric=years["metric"].map(lambda m: _metric_words(m, lang)),
        unit=np.where(years["metric"].map(is_money), unit, ""),
    )


def _settings(comparison, lang: str) -> pd.DataFrame:
    """The settings that differ, in words (labels, shares in %, amounts with the unit; see settings_words)."""
    settings = comparison.settings.copy()
    for n, row in enumerate(settings.itertuples(index=False)):
        scenario = comparison.results[row.label].scenario
        settings.iat[n, settings.columns.get_loc("path")] = settings_words.label(row.path, scenario, lang)
        for column in ("baseline", "scenario"):
            value = settings_words.value_text(row.path, getattr(row, column), scenario.unit, lang, scenario)
            settings.iat[n, settings.columns.get_loc(column)] = value
    return settings


def workbook_charts(results: dict) -> tuple[str, ...]:
    """The charts of a workbook of ``results``: ``changes_by_town`` only when there is a scenario to compare."""
    return tuple(name for name in catalogue.CHARTS if name != "changes_by_town" or len(results) > 1)


def _add_charts(
    wb: Workbook,
    results: dict,
    montecarlo,
    dpi: float,
    lang: str,
    baseline: str | None = None,
    images: dict[str, bytes] | None = None,
) -> None:
    """The charts sheet (:func:`workbook_charts`); a chart of ``images`` (PNG bytes drawn before, e.g. the
    compare page's) is embedded as it is, the others are drawn here."""
    from openpyxl.drawing.image import Image

    ws = wb.create_sheet(CHARTS_SHEET.label(lang))
    ws.column_dimensions["A"].width = 40
    row = 1
    for name in workbook_charts(results):
        png = (images or {}).get(name)
        if png is None:
            from .charts import figure_bytes, make_chart

            band = montecarlo if name == "county_balance" else None
            fig = make_chart(name, results, montecarlo=band, baseline=baseline, dpi=dpi, lang=lang)
            png = figure_bytes(fig, "png")
        image = Image(io.BytesIO(png))
        ws.cell(row=row, column=1, value=catalogue.CHARTS[name].label(lang)).font = HEADER_FONT
        ws.add_image(image, f"A{row + 1}")
        row += 3 + math.ceil(image.height / CHART_ROW_PX)


def sheet_rows(results: dict, comparison=None, summary: pd.DataFrame | None = None) -> dict[str, int]:
    """The rows of each table sheet of the workbook, its header row included (from the frames' lengths)."""
    if summary is None:
        summary = comparison.summary if comparison is not None else summary_frame(results)
    rows = {"summary": len(summary) + 1}
    for name in RESULT_SHEETS[1:]:
        rows[name] = sum(len(getattr(r, name)) for r in results.values()) + 1
    if comparison is not None:
        for name, frame in zip(COMPARISON_SHEETS, ("towns", "years", "winners_losers", "settings")):
            rows[name] = len(getattr(comparison, frame)) + 1
    return rows


def check_rows(results: dict, comparison=None, *, summary: pd.DataFrame | None = None, lang: str = "zh") -> None:
    """Refuse (:class:`ScenarioError`) a workbook a sheet of which would pass Excel's 1,048,576 rows."""
    over = {n: rows for n, rows in sheet_rows(results, comparison, summary).items() if rows > EXCEL_MAX_ROWS}
    if over:
        sheets = ", ".join(f"{sheet_name(n, lang)} {rows:,}" for n, rows in over.items())
        raise ScenarioError(Message("excel_rows", max=f"{EXCEL_MAX_ROWS:,}", sheets=sheets))


def build_workbook(
    results: dict,
    comparison=None,
    charts: bool = True,
    *,
    montecarlo=None,
    dpi: float = 100,
    lang: str = "zh",
    chart_images: dict[str, bytes] | None = None,
) -> Workbook:
    """The results workbook in memory (see :func:`write_workbook`); refused before any sheet is written
    when one would pass Excel's rows (:func:`check_rows`)."""
    if not isinstance(results, dict) or not results:
        raise ScenarioError({"scenarios": [Message("length_min", n=1)]})
    unit = next(iter(results.values())).unit
    summary = comparison.summary if comparison is not None else summary_frame(results)
    check_rows(results, comparison, summary=summary, lang=lang)
    wb = Workbook()
    wb.remove(wb.active)
    codes: list[tuple] = []
    _sheet(wb, summary, "summary", unit, lang, codes)
    for name in RESULT_SHEETS[1:]:
        _sheet(wb, _combined(results, name), name, unit, lang, codes)
    if comparison is not None:
        _sheet(wb, comparison.towns, "differences", unit, lang, codes)
        _sheet(wb, _year_differences(comparison.years, unit, lang), "year_differences", unit, lang, codes)
        _sheet(wb, comparison.winners_losers, "winners_losers", unit, lang, codes)
        _sheet(wb, _settings(comparison, lang), "settings", unit, lang, codes)
    if charts:
        baseline = comparison.baseline if comparison is not None else None
        _add_charts(wb, results, montecarlo, dpi, lang, baseline, chart_images)
    ws = wb.create_sheet(FIELDS_SHEET.label(lang))
    other = "English" if lang == "zh" else "中文"
    ws.append(
        [
            "工作表" if lang == "zh" else "sheet",
            "表头" if lang == "zh" else "header",
            "代码" if lang == "zh" else "code",
            "单位类型" if lang == "zh" else "unit kind",
            other,
        ]
    )
    for row in codes:
        ws.append(list(row))
    style_header(ws, [20, 36, 30, 16, 36])
    return wb


def write_workbook(target, results: dict, comparison=None, charts: bool = True, **options) -> None:
    """Write results (``{label: Result}``) and optionally a Comparison as one .xlsx workbook.

    ``target`` is a path or a binary file object. Sheets: summary, towns, county, revenue, projects,
    indicators (a scenario column when there are several), with a comparison also the differences by
    town and by year, winners and losers and the settings that differ; ``charts`` adds the charts as
    images (``chart_images``: PNG bytes of some of them drawn already, by chart name, embedded as they are:
    they must be the same charts, of these results, ``montecarlo``, ``dpi`` and ``lang``); the last sheet lists
    every header's column code. ``options`` are :func:`build_workbook`'s (``montecarlo``, ``dpi``, ``lang``,
    ``chart_images``).
    """
    save_workbook(build_workbook(results, comparison, charts, **options), target)
