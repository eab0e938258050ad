"""Excel in and out: result workbooks (fiscal_sim.io.excel_results), the scenario template and reading a filled
template back (fiscal_sim.io.excel_template)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import fiscal_sim
from fiscal_sim import catalogue
from fiscal_sim.analysis.compare import compare
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.excel_cells import protect_text, write_frame
from fiscal_sim.io.excel_reader import read_scenario_workbook
from fiscal_sim.io.excel_results import RESULT_SHEETS, sheet_name, write_workbook
from fiscal_sim.io.excel_template import FIELDS_SHEET, SHEETS, write_template

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FORMULA_NAME, PHONE_NAME = "=SUM(A1)", "+86-123"

# A small 3-town scenario that uses most of the format: tiered and base-plus-increment splits, a pilot
# class override, remittances, cost factors, per-class and per-year growth, a limited pool with
# priority and growth limits, special transfers with caps and projects, assessment and uncertainty.
THREE_TOWNS = {
    "schema_version": 1,
    "name": "三镇测试 / three towns",
    "description": "round trip through the template",
    "unit": "万元",
    "years": [2021, 2023],
    "towns": [
        {"id": "T1", "name": FORMULA_NAME, "pilot": True, "population": 12000, "area_km2": 50.5, "gdp": 90000,
         "vat": 1500.0, "pit": 300.0, "students": 900, "remoteness": 1.0, "remit": 100.0},
        {"id": "T2", "name": PHONE_NAME, "pilot": False, "population": 8000, "area_km2": 80.0, "gdp": 30000,
         "vat": 400.0, "pit": 90.0, "students": 700, "remoteness": 1.2, "remit": 0.0},
        {"id": "T3", "name": "山前乡", "pilot": False, "population": 5000, "area_km2": 120.0, "gdp": 12000,
         "vat": 150.0, "pit": 30.0, "students": 450, "remoteness": 1.4, "remit": 0.0},
    ],
    "revenue_items": [
        {"id": "vat", "name": "增值税", "elasticity": 1.0,
         "split": {"rule": "tiered", "thresholds": [200, 1000], "town_shares": [0.3, 0.5, 0.7]}},
        {"id": "pit", "name": "个人所得税", "column": "pit", "elasticity": 1.1, "capacity_rate": 0.75,
         "split": {"rule": "base_plus_increment", "base_share": 1.0, "increment_share": 0.5, "base": 100}},
    ],
    "split_overrides": [{"class": "pilot", "item": "vat", "split": {"rule": "proportional", "town_share": 0.8}}],
    "remittances": {"column": "remit"},
    "expenditure_functions": [
        {"id": "admin", "name": "一般公共服务", "driver": "one", "unit_cost": 200, "town_share": 0.8, "growth": 0.03},
        {"id": "edu", "name": "教育", "driver": "students", "unit_cost": 0.5, "cost_factor": "remoteness",
         "town_share": 0.3, "growth": 0.05},
    ],
    "county": {"own_revenue": 5000, "own_revenue_growth": 0.05, "own_expenditure": 6000, "upper_transfers": 3000},
    "growth": {"gdp": {"pilot": 0.09, "other": 0.06}, "drivers": {"population": 0.01, "students": [0.0, 0.01, 0.02]}},
    "general_transfer": {"pool": 400, "pool_growth": 0.04, "priority": ["pilot"], "rationing": "need_adjusted",
                         "growth_limits": {"min": 0.0, "max": 0.2}},
    "special_transfers": {
        "budget": 500, "budget_growth": 0.05, "category_caps": {"road": 300}, "method": "priority",
        "priority_order": ["key_project", "score", "pilot"], "require_cofinancing": True, "carry_over": True,
        "projects": [
            {"id": "P1", "town": "T2", "year": 2021, "category": "road", "cost": 400, "grant": 280, "score": 80,
             "key_project": False, "cofinancing_rate": 0.3},
            {"id": "P2", "town": "T3", "year": 2022, "category": "school", "cost": 200, "grant": 200, "score": 90,
             "key_project": True, "cofinancing_rate": 0.0},
            {"id": "P3", "town": "T1", "year": 2023, "category": "road", "cost": 300, "grant": 150, "score": 70,
             "key_project": False, "cofinancing_rate": 0.5},
        ],
    },
    "assessment": {"enabled": True, "targets": {"gdp_growth": 0.07, "revenue_growth": 0.05}, "failures_to_revoke": 2},
    "uncertainty": {"draws": 200, "seed": 7, "gdp_growth_sd": 0.02, "common_share": 0.5},
}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# filling a template the way a person would (openpyxl standing in for Excel)


def put_text(cell, value):
    """Text typed with a leading apostrophe in Excel: stays text even when it looks like a formula."""
    cell.value = value
    protect_text(cell)


def fill_keys(ws, values: dict):
    """Key/value sheet: the value next to its key; keys the template lacks go on new rows."""
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for key, value in values.items():
        row = rows.get(key) or ws.max_row + 1
        ws.cell(row=row, column=1, value=key)
        put_text(ws.cell(row=row, column=2), value)


def fill_table(ws, columns: list[str], rows: list[list], start: int = 2):
    """Table sheet: values under the template's headers; headers it lacks are added on the right."""
    header = {ws.cell(row=1, column=j).value: j for j in range(1, ws.max_column + 1)}
    for name in columns:
        if name not in header:
            header[name] = len(header) + 1
            ws.cell(row=1, column=header[name], value=name)
    for r, values in enumerate(rows, start=start):
        for name, value in zip(columns, values):
            put_text(ws.cell(row=r, column=header[name]), value)


def fill_three_towns(wb):
    fill_keys(
        wb["scenario"],
        {
            "name": "三镇测试 / three towns",
            "description": "round trip through the template",
            "first_year": 2021,
            "last_year": 2023,
        },
    )
    fill_table(
        wb["towns"],
        ["id", "name", "pilot", "population", "area_km2", "gdp", "vat", "pit", "students", "remoteness", "remit"],
        [
            ["T1", FORMULA_NAME, True, 12000, 50.5, 90000, 1500.0, 300.0, 900, 1.0, 100.0],
            ["T2", PHONE_NAME, False, 8000, 80.0, 30000, 400.0, 90.0, 700, 1.2, 0.0],
            ["T3", "山前乡", False, 5000, 120.0, 12000, 150.0, 30.0, 450, 1.4, 0.0],
        ],
    )
    vat = ["id", "name", "elasticity", "rule", "thresholds", "town_shares"]
    fill_table(wb["revenue_items"], vat, [["vat", "增值税", 1, "tiered", "200, 1000", "0.3，0.5，0.7"]])  # ， too
    pit = ["id", "name", "column", "elasticity", "capacity_rate", "rule", "base_share", "increment_share", "base"]
    fill_table(
        wb["revenue_items"], pit, [["pit", "个人所得税", "pit", 1.1, 0.75, "base_plus_increment", 1, 0.5, 100]], 3
    )
    fill_table(wb["split_overrides"], ["class", "item", "rule", "town_share"], [["pilot", "vat", "proportional", 0.8]])
    fill_table(
        wb["expenditure_functions"],
        ["id", "name", "driver", "unit_cost", "cost_factor", "town_share", "growth"],
        [
            ["admin", "一般公共服务", "one", 200, None, 0.8, 0.03],
            ["edu", "教育", "students", 0.5, "remoteness", 0.3, 0.05],
        ],
    )
    fill_keys(
        wb["county"],
        {
            "own_revenue": 5000,
            "own_revenue_growth": 0.05,
            "own_expenditure": 6000,
            "upper_transfers": 3000,
        },
    )
    fill_keys(wb["remittances"], {"column": "remit"})
    fill_keys(
        wb["growth"],
        {"gdp.pilot": 0.09, "gdp.other": "0.06", "drivers.population": 0.01, "drivers.students": "0, 0.01, 0.02"},
    )
    fill_keys(
        wb["general_transfer"],
        {
            "pool": 400,
            "pool_growth": 0.04,
            "priority": "pilot",
            "rationing": "need_adjusted",
            "growth_limits.min": 0,
            "growth_limits.max": 0.2,
        },
    )
    fill_keys(
        wb["special_transfers"],
        {
            "budget": 500,
            "budget_growth": 0.05,
            "method": "priority",
            "priority_order": "key_project, score, pilot",
            "require_cofinancing": True,
            "carry_over": "是",
            "category_caps.road": 300,
        },
    )
    fill_table(
        wb["projects"],
        ["id", "town", "year", "category", "cost", "grant", "score", "key_project", "cofinancing_rate"],
        [
            ["P1", "T2", 2021, "road", 400, 280, 80, False, 0.3],
            ["P2", "T3", 2022, "school", 200, 200, 90, True, 0],
            ["P3", "T1", 2023, "road", 300, 150, 70, False, 0.5],
        ],
    )
    fill_keys(
        wb["assessment"],
        {"enabled": True, "targets.gdp_growth": 0.07, "targets.revenue_growth": 0.05, "failures_to_revoke": 2},
    )
    fill_keys(wb["uncertainty"], {"draws": 200, "seed": 7, "gdp_growth_sd": 0.02, "common_share": 0.5})  # fmt: skip


@pytest.fixture
def filled(tmp_path) -> Path:
    path = tmp_path / "three.xlsx"
    write_template(path)
    wb = load_workbook(path)
    fill_three_towns(wb)
    wb.save(path)
    return path


def _minimal(wb):
    """Just the required sheets of a one-town scenario; every optional sheet left empty."""
    fill_keys(wb["scenario"], {"name": "最小", "first_year": 2020, "last_year": 2020})
    fill_table(
        wb["towns"], ["id", "name", "pilot", "population", "area_km2", "gdp", "vat"], [[1, "一镇", "否", 100, 1, 10, 5]]
    )  # a number as id, 是/否 for pilot
    fill_table(wb["revenue_items"], ["id", "rule"], [["vat", "town"]])
    fill_table(wb["expenditure_functions"], ["id", "driver", "unit_cost", "town_share"], [["a", "one", 3, 1]])


# ---------------------------------------------------------------------------------------------
# template


def test_template_has_a_sheet_per_part_and_explains_every_field(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    wb = load_workbook(path)
    assert wb.sheetnames == [*(s.name for s in SHEETS), FIELDS_SHEET]
    # one sheet per part of a scenario, as the catalogue has them
    assert {"scenario", "towns", "revenue_items", "county", "general_transfer", "factors", "projects"} <= set(
        wb.sheetnames
    )
    explained = {(r[0], r[1]): (r[3], r[4]) for r in wb[FIELDS_SHEET].iter_rows(min_row=2, values_only=True)}
    for sheet in SHEETS:
        if sheet.kind == "kv":
            keys = [wb[sheet.name].cell(row=r, column=1).value for r in range(2, wb[sheet.name].max_row + 1)]
            assert keys == [row.key for row in sheet.rows if not row.pattern]
            names = [f"{row.key}.<…>" if row.pattern else row.key for row in sheet.rows]
        else:
            assert [c.value for c in wb[sheet.name][1]] == [name for name, _, _ in sheet.columns]
            assert wb[sheet.name].freeze_panes == "A2"
            names = [name for name, _, _ in sheet.columns]
        for name in names:
            zh, en = explained[(sheet.name, name)]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and re.search("[A-Za-z]{3,}", en), (sheet.name, name)
    assert wb["scenario"]["B2"].value == 1  # schema_version filled in


def test_a_key_added_to_the_catalogue_gets_a_template_row():
    """The template is derived from the catalogue: a new field needs no change to the Excel module."""
    from fiscal_sim.io import excel_template

    county = catalogue.SCENARIO["county"].block
    extra = catalogue.Field(
        "debt_service", "number", catalogue.Text("债务还本付息", "debt service"), unit=catalogue.Unit.MONEY
    )
    grown = catalogue.Block("county", county.text, (*county.fields, extra))
    (sheet,) = excel_template._sheets_of(grown, ("county",))
    assert [row.key for row in sheet.rows][-1] == "debt_service"


def test_filled_template_loads_as_the_same_scenario_as_yaml(filled, tmp_path):
    yaml_path = tmp_path / "three.yaml"
    yaml_path.write_text(yaml.safe_dump(THREE_TOWNS, allow_unicode=True), encoding="utf-8")
    from_yaml = fiscal_sim.load_scenario(yaml_path)
    from_xlsx = fiscal_sim.load_scenario(filled)
    assert from_xlsx.config == from_yaml.config
    pd.testing.assert_frame_equal(from_xlsx.towns, from_yaml.towns)
    pd.testing.assert_frame_equal(from_xlsx.projects, from_yaml.projects)
    assert from_xlsx.towns["name"].tolist() == [FORMULA_NAME, PHONE_NAME, "山前乡"]  # text, not formulas
    a, b = fiscal_sim.simulate(from_xlsx), fiscal_sim.simulate(from_yaml)
    pd.testing.assert_frame_equal(a.towns, b.towns)


def test_document_is_self_contained_and_validates(filled):
    doc = read_scenario_workbook(filled)
    assert isinstance(doc["towns"], list) and isinstance(doc["special_transfers"]["projects"], list)
    assert doc["years"] == [2021, 2023] and doc["growth"]["gdp"] == {"pilot": 0.09, "other": 0.06}
    assert doc["revenue_items"][0]["split"]["town_shares"] == [0.3, 0.5, 0.7]
    fiscal_sim.scenario.from_document(doc)


def test_empty_optional_sheets_are_left_out(tmp_path):
    path = tmp_path / "minimal.xlsx"
    write_template(path)
    wb = load_workbook(path)
    _minimal(wb)
    wb.save(path)
    doc = read_scenario_workbook(path)
    assert set(doc) == {"schema_version", "name", "unit", "years", "towns", "revenue_items", "expenditure_functions"}
    assert doc["towns"][0]["id"] == "1"
    s = fiscal_sim.load_scenario(path)
    assert s.towns["pilot"].tolist() == [False]
    assert s.config["special_transfers"] is None and s.config["general_transfer"]["pool"] is None


def test_per_year_class_growth_is_zipped(tmp_path):
    path = tmp_path / "growth.xlsx"
    write_template(path)
    wb = load_workbook(path)
    _minimal(wb)
    fill_keys(wb["scenario"], {"last_year": 2021})
    fill_keys(wb["growth"], {"gdp.pilot": "0.1, 0.08", "gdp.other": 0.05})
    wb.save(path)
    assert read_scenario_workbook(path)["growth"]["gdp"] == [
        {"pilot": 0.1, "other": 0.05},
        {"pilot": 0.08, "other": 0.05},
    ]


def test_bad_cells_are_errors_naming_sheet_row_and_column(filled):
    wb = load_workbook(filled)
    wb["revenue_items"]["D2"] = "abc"  # elasticity of vat
    wb["projects"]["C3"] = 2021.5  # year of P2
    fill_keys(wb["general_transfer"], {"colour": "blue"})
    fill_keys(wb["special_transfers"], {"carry_over": "maybe"})
    wb.save(filled)
    with pytest.raises(ScenarioError) as exc:
        fiscal_sim.load_scenario(filled)
    errors = exc.value.errors
    assert errors["revenue_items row 2 column D (elasticity)"] == ["must be a number, got 'abc'"]
    assert errors["projects row 3 column C (year)"] == ["must be a whole number, got 2021.5"]
    # in Chinese, the place and the problem in words (the page and `--lang zh` show them so)
    from fiscal_sim.catalogue import describe_key

    key = "revenue_items row 2 column D (elasticity)"
    assert describe_key(key, "zh") == "工作表“收入项目（revenue_items）”第 2 行 D 列（收入弹性系数）"
    assert errors[key][0].text("zh") == "须为数字，收到 'abc'"
    assert describe_key(key, "en") == "sheet revenue_items (revenue items), row 2, column D (revenue elasticity)"
    assert any(k.startswith("general_transfer row") and "unknown key 'colour'" in v[0] for k, v in errors.items())
    assert any(k.startswith("special_transfers row") and "carry_over" in k for k in errors)
    assert exc.value.source == "three.xlsx"


def test_unknown_column_and_schema_errors_name_the_place(filled):
    wb = load_workbook(filled)
    wb["expenditure_functions"]["H1"] = "colour"
    wb.save(filled)
    with pytest.raises(ScenarioError) as exc:
        read_scenario_workbook(filled)
    assert "expenditure_functions row 1 column H" in exc.value.errors
    wb["expenditure_functions"]["H1"] = None
    header = [c.value for c in wb["revenue_items"][1]]
    wb["revenue_items"].cell(row=2, column=header.index("town_share") + 1, value=1.5)  # not a tiered rule's parameter
    wb.save(filled)
    with pytest.raises(ScenarioError) as exc:
        fiscal_sim.load_scenario(filled)
    assert "revenue_items[vat].split.town_share" in exc.value.errors


def test_not_a_scenario_workbook(tmp_path):
    results_path = tmp_path / "result.xlsx"
    write_workbook(results_path, {"b": fiscal_sim.simulate(SCENARIOS / "baseline.yaml")}, charts=False)
    with pytest.raises(ScenarioError, match="no 'scenario' sheet"):
        fiscal_sim.load_scenario(results_path)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(ScenarioError, match="not a readable .xlsx"):
        fiscal_sim.load_scenario(junk)
    with pytest.raises(ScenarioError, match="not found"):
        fiscal_sim.load_scenario(tmp_path / "missing.xlsx")


# ---------------------------------------------------------------------------------------------
# result workbooks


@pytest.fixture(scope="module")
def three_results():
    base = fiscal_sim.simulate(THREE_TOWNS)
    reform = fiscal_sim.simulate(THREE_TOWNS, {"split_overrides": []})
    return {"现行": base, "取消试点分成": reform}


def _header(ws) -> list:
    return [c.value for c in ws[1]]


def test_result_workbook_sheets_headers_formats_and_values(tmp_path, three_results):
    base = three_results["现行"]
    path = tmp_path / "out" / "result.xlsx"
    write_workbook(path, {"现行": base}, charts=False, lang="en")
    wb = load_workbook(path)
    assert wb.sheetnames == [sheet_name(s, "en") for s in RESULT_SHEETS] + ["field codes"]
    assert all(wb[sheet_name(s, "en")].freeze_panes == "A2" for s in RESULT_SHEETS)
    towns = wb["towns"]
    header = _header(towns)
    assert header[:4] == ["year", "town id", "town", "pilot town"]  # one scenario: no scenario column
    assert "general transfer (万元)" in header and "population" in header
    col = header.index("general transfer (万元)") + 1
    values = [towns.cell(row=r, column=col).value for r in range(2, towns.max_row + 1)]
    assert values == pytest.approx(base.towns["general_transfer"].tolist(), rel=1e-15)
    assert towns.cell(row=2, column=col).number_format == "#,##0.00"
    assert towns.cell(row=2, column=1).number_format in ("General", "0")  # a year stays 2021, not 2,021
    assert towns.column_dimensions["C"].width >= 8
    summary = wb["summary"]
    assert summary.cell(row=2, column=1).value == "现行"
    assert len(list(wb["revenue by item"].iter_rows(min_row=2))) == len(base.revenue)
    codes = {row[1]: row[2] for row in wb["field codes"].iter_rows(min_row=2, values_only=True)}
    assert codes["general transfer (万元)"] == "general_transfer"
    chinese = load_workbook(io.BytesIO(_bytes({"现行": base})))
    assert "一般性转移支付（万元）" in _header(chinese["乡镇"])
    coverage = _header(chinese["主要指标"]).index("缺口弥补率") + 1
    assert chinese["主要指标"].cell(row=2, column=coverage).number_format == "0.00%"  # a share as a percentage


def _bytes(results, comparison=None) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, results, comparison, charts=False)
    return buffer.getvalue()


def test_formula_like_text_is_written_as_text(tmp_path, three_results):
    path = tmp_path / "result.xlsx"
    write_workbook(path, {"现行": three_results["现行"]}, charts=False, lang="en")
    towns = load_workbook(path)["towns"]
    names = {towns.cell(row=r, column=3).value: towns.cell(row=r, column=3) for r in (2, 3, 4)}
    for text in (FORMULA_NAME, PHONE_NAME):
        cell = names[text]
        assert cell.data_type == "s" and cell.quotePrefix  # a string, not a formula
    assert load_workbook(path, data_only=True)["towns"]["C2"].value == FORMULA_NAME


def test_comparison_workbook_has_differences_settings_and_charts(tmp_path, three_results):
    c = compare(three_results)
    buffer = io.BytesIO()  # a binary file object works as the target too
    write_workbook(buffer, three_results, c, dpi=60, lang="en")
    wb = load_workbook(io.BytesIO(buffer.getvalue()))
    comparison_sheets = ["differences", "year_differences", "winners_losers", "settings"]
    assert wb.sheetnames == [
        *(sheet_name(s, "en") for s in (*RESULT_SHEETS, *comparison_sheets)),
        "charts",
        "field codes",
    ]
    assert _header(wb["towns"])[0] == "scenario"
    assert {wb["towns"].cell(row=r, column=1).value for r in range(2, wb["towns"].max_row + 1)} == set(three_results)
    settings_rows = list(wb["settings that differ"].iter_rows(min_row=2, values_only=True))
    assert settings_rows[0][:2] == ("取消试点分成", "split overrides") and settings_rows[0][3] == "—"  # none: in words
    assert "own revenue change (万元)" in _header(wb["differences by town"])
    assert len(wb["charts"]._images) == 5  # the changes by town among them
    assert wb["charts"].freeze_panes is None


def test_one_result_has_no_changes_chart(three_results):
    from fiscal_sim.io.excel_results import build_workbook

    wb = build_workbook({"现行": three_results["现行"]}, dpi=40, lang="en")
    titles = [row[0] for row in wb["charts"].iter_rows(values_only=True) if row[0]]
    assert len(wb["charts"]._images) == 4 and catalogue.CHARTS["changes_by_town"].label("en") not in titles


def test_charts_drawn_before_are_embedded_as_they_are(monkeypatch, three_results):
    from fiscal_sim.io import charts
    from fiscal_sim.io.excel_results import build_workbook, workbook_charts

    one = {"现行": three_results["现行"]}
    drawn = {"lorenz": charts.figure_bytes(charts.make_chart("lorenz", one, dpi=40, lang="en"), "png")}
    asked = []
    real = charts.make_chart
    monkeypatch.setattr(charts, "make_chart", lambda name, *a, **k: asked.append(name) or real(name, *a, **k))
    wb = build_workbook(one, dpi=40, lang="en", chart_images=drawn)
    assert asked == [n for n in workbook_charts(one) if n != "lorenz"]  # the others drawn, lorenz not again
    images = wb["charts"]._images
    assert len(images) == 4 and images[3]._data() == drawn["lorenz"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, three_results):
    path = tmp_path / "result.xlsx"
    path.write_bytes(b"old workbook")

    def broken_save(self, target):
        target.write(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(path, three_results, charts=False)
    assert path.read_bytes() == b"old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["result.xlsx"]


@settings(max_examples=40, deadline=None)
@given(
    first=st.sampled_from(["=", "+", "-", "@", "", "a"]),
    rest=st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=20),
)
def test_any_text_comes_back_as_the_same_text(first, rest):
    text = first + rest
    wb = openpyxl.Workbook()
    write_frame(wb.active, pd.DataFrame({"name": [text], "x": [1.0]}), ["name", "x"], {"x": "#,##0.00"})
    buffer = io.BytesIO()
    wb.save(buffer)
    cell = load_workbook(io.BytesIO(buffer.getvalue()))["Sheet"]["A2"]
    assert cell.value == (text or None)
    assert cell.data_type in ("s", "n")  # never "f": nothing Excel would run
