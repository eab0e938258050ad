"""The web page through Flask's test client: every page, the language switch, upload, edit, run, explain,
compare and the downloads. Numbers are those of the tiny scenario (see conftest.py)."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile

import openpyxl
import pytest
import yaml

from .conftest import as_yaml, csrf_token, page_text, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VAT_SHARE = "revenue_items.vat.split.town_share"


def rows(store) -> int:
    return store.row_count()


def town_cell(text: str, town: str, column: str, table: str = 'id="towns"') -> str:
    """The number shown in a town table's row and (explained) column."""
    start = text.index(table)
    row = re.search(rf'<tr data-town="{town}">(.*?)</tr>', text[start:], re.S).group(1)
    return re.search(rf'data-column="{column}">([^<]+)<', row).group(1)


def edit_form(client, scenario_id: str) -> dict:
    """The edit form's fields as the page renders them (inputs' values, selects' selected options)."""
    text = client.get(f"/scenarios/{scenario_id}").get_data(as_text=True)
    form = text[text.index('id="edit-form"') : text.index("</form>", text.index('id="edit-form"'))]
    fields = dict(re.findall(r'<input type="(?:text|hidden)"[^>]*?name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        fields[name] = re.search(r'<option value="([^"]+)" selected', body).group(1)
    fields["description"] = re.search(r'<textarea name="description"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    fields.pop("save_as", None)  # a button: sent only when it is the one clicked
    return fields


# ------------------------------------------------------------------------------------------------
# the list, the language


def test_index_lists_the_scenarios_in_chinese(client, saved):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert '<html lang="zh-CN">' in text
    assert "方案列表" in text and "上传方案" in text
    assert "小县现行体制" in text and saved in text
    assert f"/scenarios/{saved}/download.yaml" in text and f"/scenarios/{saved}/download.xlsx" in text


def test_english_switch_is_remembered_in_a_cookie(client, saved):
    english = client.get("/?lang=en")
    assert english.status_code == 200
    assert "Upload a scenario" in page_text(english) and "上传方案" not in page_text(english)
    assert "fiscal_sim_lang=en" in english.headers["Set-Cookie"]
    again = page_text(client.get(f"/scenarios/{saved}"))  # no ?lang: the cookie decides
    assert "Edit the common levers" in again and '<html lang="en">' in again
    assert "方案列表" in page_text(client.get("/?lang=zh"))
    assert "方案列表" in page_text(client.get("/"))


def test_an_unknown_language_falls_back_to_chinese(client):
    response = client.get("/?lang=fr")
    assert "方案列表" in page_text(response) and "fiscal_sim_lang" not in response.headers.get("Set-Cookie", "")


def test_the_language_link_keeps_the_query(client, saved):
    text = client.get(f"/compare?ids={saved}&ids=other").get_data(as_text=True)
    link = re.search(r'<a class="lang" href="([^"]+)"', text).group(1)
    assert link == f"/compare?ids={saved}&amp;ids=other&amp;lang=en"


def test_static_assets_are_served_and_print_on_a4_landscape(client):
    css = client.get("/static/web/style.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "@page { size: A4 landscape" in text and "@media print" in text
    js = client.get("/static/web/app.js")
    assert js.status_code == 200 and "javascript" in js.mimetype
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page  # nothing from elsewhere


# ------------------------------------------------------------------------------------------------
# upload


def test_upload_yaml_saves_version_1(client, store, tiny):
    before = rows(store)
    response = upload(client, as_yaml(tiny), "tiny.yaml", name="上传的方案")
    assert response.status_code == 303
    scenario_id = re.search(r"/scenarios/([0-9a-f]+)\?saved=1", response.headers["Location"]).group(1)
    assert rows(store) == before + 1
    stored = store.get(scenario_id)
    assert stored.version == 1 and stored.name == "上传的方案"
    assert stored.document["towns"] == tiny["towns"]
    assert "已保存为第 1 版" in page_text(client.get(response.headers["Location"]))


def test_upload_json_and_a_scenario_workbook(client, store, tiny):
    from fiscal_sim.io.excel_template import scenario_workbook

    assert upload(client, json.dumps(tiny, ensure_ascii=False).encode(), "tiny.json").status_code == 303
    with client.application.test_request_context():
        workbook = scenario_workbook(tiny)
    assert upload(client, workbook, "tiny.xlsx").status_code == 303
    assert rows(store) == 2
    names = {s.name for s in store.list()}
    assert names == {"小县 tiny county"}


@pytest.mark.parametrize(
    ("lang", "where", "problem"),
    [
        ("zh", "工作表“收入项目（revenue_items）”第 2 行", "须为数字，收到 'abc'"),
        ("en", "sheet revenue_items (revenue items), row 2", "must be a number, got 'abc'"),
    ],
)
def test_a_workbook_upload_names_the_sheet_row_and_column_in_words(client, store, tiny, lang, where, problem):
    from openpyxl import load_workbook

    from fiscal_sim.io.excel_template import scenario_workbook

    workbook = load_workbook(io.BytesIO(scenario_workbook(tiny)))
    header = [c.value for c in workbook["revenue_items"][1]]
    column = header.index("elasticity") + 1
    workbook["revenue_items"].cell(row=2, column=column, value="abc")
    buffer = io.BytesIO()
    workbook.save(buffer)
    form = {"csrf_token": csrf_token(client), "file": (io.BytesIO(buffer.getvalue()), "tiny.xlsx")}
    response = client.post(f"/scenarios/upload?lang={lang}", data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and rows(store) == 0
    text = page_text(response)
    shown = re.sub(r"<[^>]+>", " ", text[text.index('id="upload-errors"') :])  # what the officer reads
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[column - 1]
    assert where in shown and letter in shown and problem in shown
    assert ("row 2 column" not in shown) if lang == "zh" else ("第 2 行" not in shown)


def _with(document: dict, **changes) -> dict:
    out = copy.deepcopy(document)
    out.update(changes)
    return out


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


BAD_UPLOADS = {
    # name: (file name, how to make the bytes from the tiny document, field shown, words of the message)
    "share_outside": ("a.yaml", lambda d: as_yaml(_with(d, revenue_items=[
        {"id": "vat", "split": {"rule": "proportional", "town_share": 1.5}}, d["revenue_items"][1]])),
        "revenue_items[vat].split.town_share", "须为0到1之间的比例"),
    "towns_path": ("a.yaml", lambda d: as_yaml(_with(d, towns="towns.csv")), "towns", "乡镇表是文件路径 'towns.csv'"),
    "projects_path": ("a.json", lambda d: json.dumps(_with(d, special_transfers={"budget": 1, "projects": "p.csv"})).encode(),
                      "special_transfers.projects", "项目表是文件路径 'p.csv'"),
    "extends": ("a.yaml", lambda d: as_yaml(_with(d, extends="baseline.yaml")), "extends", "不能用 extends"),
    "invalid_yaml": ("a.yaml", lambda d: b"name: [unclosed\nunit: x\n", "file", "不是有效的 YAML"),
    "invalid_json": ("a.json", lambda d: b"{name: 1}", "file", "不是有效的 JSON"),
    "not_a_mapping": ("a.yaml", lambda d: b"- 1\n- 2\n", "file", "方案必须是"),
    "alias": ("a.yaml", lambda d: b"a: &x [1, 2]\nb: *x\n", "file", "不接受 YAML 别名"),
    "not_utf8": ("a.yaml", lambda d: "name: 县".encode("gbk"), "file", "UTF-8"),
    "wrong_suffix": ("a.csv", lambda d: b"id,name\n", "file", "只接受 .yaml"),
    "broken_xlsx": ("a.xlsx", lambda d: b"PK not a zip", "_schema", "not a readable .xlsx workbook"),
    "corrupt_xlsx": ("a.xlsx", lambda d: _zip({"[Content_Types].xml": "<not xml"}), "file", "不是有效的 Excel (.xlsx)"),
    "unknown_key": ("a.yaml", lambda d: as_yaml(_with(d, bogus=1)), "bogus", "不是可用的设置项"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_a_bad_upload_shows_the_errors_and_saves_nothing(client, store, saved, tiny, case):
    filename, make, field, words = BAD_UPLOADS[case]
    before = rows(store)
    response = upload(client, make(tiny), filename)
    assert response.status_code == 422
    text = page_text(response)
    assert "上传失败，未保存任何内容" in text
    errors = text[text.index('id="upload-errors"') :]
    assert words in errors
    if field != "_schema":
        assert f'<dt title="{field}">' in errors
    assert rows(store) == before
    assert [s.id for s in store.list()] == [saved]


def test_an_upload_without_a_file(client, store):
    form = {"name": "x", "csrf_token": csrf_token(client)}
    response = client.post("/scenarios/upload", data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要上传的文件" in page_text(response)
    assert rows(store) == 0


def test_an_upload_over_the_api_limits_is_refused(app_factory, tiny):
    app = app_factory(MAX_TOWNS=2)
    response = upload(app.test_client(), as_yaml(tiny), "tiny.yaml")
    assert response.status_code == 422
    assert "at most 2 towns per request, got 3" in page_text(response)
    assert app.extensions["fiscal_sim"]["store"].row_count() == 0


def test_an_upload_over_the_size_limit_is_refused(app_factory, tiny):
    app = app_factory(MAX_CONTENT_LENGTH=1000)
    response = upload(app.test_client(), as_yaml(tiny), "tiny.yaml")
    assert response.status_code == 413 and "文件超过" in page_text(response)
    assert app.extensions["fiscal_sim"]["store"].row_count() == 0


def test_bad_upload_errors_in_english(client, tiny):
    client.get("/?lang=en")
    text = page_text(upload(client, as_yaml(_with(tiny, towns="towns.csv")), "a.yaml"))
    assert "Upload failed; nothing was saved" in text
    assert "towns is a file path ('towns.csv')" in text


# ------------------------------------------------------------------------------------------------
# the scenario page and the edit form


def test_the_scenario_page_shows_its_settings(client, saved):
    response = client.get(f"/scenarios/{saved}")
    assert response.status_code == 200
    text = page_text(response)
    assert "收入项目" in text and "分成规则" in text  # the catalogue's words
    assert "比例分成：乡镇 50%，县 50%" in text  # vat
    assert "乡镇固定收入（全部归乡镇）" in text  # land
    assert "一般公共服务" in text and "教育" in text
    assert "甲镇" in text and "丙乡" in text  # towns table
    assert "全额弥补缺口" in text  # pool: null
    fields = edit_form(client, saved)
    assert fields["version"] == "1" and fields[VAT_SHARE] == "50"
    assert fields["general_transfer.pool_mode"] == "full" and fields["growth.gdp"] == "0"


def test_edit_saves_a_new_version_and_keeps_the_old_one(client, store, saved):
    fields = {**edit_form(client, saved), VAT_SHARE: "60"}
    response = client.post(f"/scenarios/{saved}/edit", data=fields)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/scenarios/{saved}?saved=2")
    assert rows(store) == 2  # appended, nothing updated
    assert store.get(saved, 2).document["revenue_items"][0]["split"]["town_share"] == 0.6
    assert store.get(saved, 1).document["revenue_items"][0]["split"]["town_share"] == 0.5
    assert "已保存为第 2 版" in page_text(client.get(response.headers["Location"]))
    # T2 now keeps 0.6·40 + 10 = 34 against 60: gap 26 (was 30)
    run = page_text(client.get(f"/scenarios/{saved}/run"))
    assert town_cell(run, "T2", "gap") == "26.00"


def test_shares_may_be_typed_as_percentages(client, store, saved):
    client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), VAT_SHARE: "60%"})
    assert store.get(saved).document["revenue_items"][0]["split"]["town_share"] == 0.6


def test_saving_an_unchanged_form_saves_nothing(client, store, saved):
    response = client.post(f"/scenarios/{saved}/edit", data=edit_form(client, saved))
    assert response.status_code == 303 and "unchanged" in response.headers["Location"]
    assert rows(store) == 1
    assert "没有修改" in page_text(client.get(response.headers["Location"]))


def test_a_stale_edit_shows_the_conflict_and_saves_nothing(client, store, saved):
    form = edit_form(client, saved)  # two officers open version 1
    assert client.post(f"/scenarios/{saved}/edit", data={**form, VAT_SHARE: "60"}).status_code == 303
    response = client.post(f"/scenarios/{saved}/edit", data={**form, VAT_SHARE: "70"})
    assert response.status_code == 409
    text = page_text(response)
    assert "版本冲突，未保存" in text
    assert "您修改的是第 1 版，但期间已保存了第 2 版" in text
    assert f"{VAT_SHARE}</code> = 0.7" in text  # what was tried, to apply again
    assert "第 2 版" in text and 'name="version" value="2"' in text  # the latest version's form
    assert rows(store) == 2
    assert store.get(saved).document["revenue_items"][0]["split"]["town_share"] == 0.6


@pytest.mark.parametrize(
    ("value", "words"),
    [("150", "比例须在 0% 到 100% 之间，收到 150%"), ("abc", "不是数字：'abc'"), ("-10", "0% 到 100%")],
)
def test_an_invalid_edit_is_shown_next_to_the_field(client, store, saved, value, words):
    response = client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), VAT_SHARE: value})
    assert response.status_code == 422
    text = page_text(response)
    assert "修改有误，未保存" in text
    assert words in re.search(r'class="field-error">([^<]*)', text).group(1)
    assert f'name="{VAT_SHARE}" value="{value}"' in text  # what the officer typed stays in the box
    assert rows(store) == 1


def test_the_pool_modes(client, store, saved):
    # a fixed pool of 50 for gaps 30 and 45: proportional rationing pays 30·50/75 = 20 and 45·50/75 = 30
    form = {**edit_form(client, saved), "general_transfer.pool_mode": "amount", "general_transfer.pool_value": "50"}
    assert client.post(f"/scenarios/{saved}/edit", data=form).status_code == 303
    general = store.get(saved).document["general_transfer"]
    assert general == {"pool": 50}
    run = page_text(client.get(f"/scenarios/{saved}/run"))
    assert town_cell(run, "T2", "general_transfer") == "20.00"
    assert town_cell(run, "T3", "general_transfer") == "30.00"
    form = {
        **edit_form(client, saved),
        "general_transfer.pool_mode": "coefficient",
        "general_transfer.pool_value": "0.5",
    }
    assert client.post(f"/scenarios/{saved}/edit", data=form).status_code == 303
    general = store.get(saved).document["general_transfer"]
    assert general["pool"] is None and general["coefficient"] == 0.5
    form = {**edit_form(client, saved), "general_transfer.pool_mode": "amount", "general_transfer.pool_value": ""}
    response = client.post(f"/scenarios/{saved}/edit", data=form)
    assert response.status_code == 422 and rows(store) == 3


def test_a_pool_growing_year_by_year_has_one_input_per_year(client, store, tiny):
    tiny["general_transfer"] = {"pool": 50, "pool_growth": [0.0, 0.2]}
    saved = client.post("/api/v1/scenarios", json={"document": tiny, "name": "逐年增长"}).json["id"]
    fields = edit_form(client, saved)
    assert (fields["general_transfer.pool_growth[0]"], fields["general_transfer.pool_growth[1]"]) == ("0", "20")
    form = {**fields, "general_transfer.pool_growth[1]": "10%"}
    assert client.post(f"/scenarios/{saved}/edit", data=form).status_code == 303
    assert store.get(saved, 2).document["general_transfer"]["pool_growth"] == [0.0, 0.1]


def test_edit_the_special_budget_gdp_growth_and_tiered_shares(bundled_app):
    client = bundled_app.test_client()
    store = bundled_app.extensions["fiscal_sim"]["store"]
    fields = edit_form(client, "tiered_sharing")
    assert fields["revenue_items.vat.split.town_shares[2]"] == "55"
    assert (fields["growth.gdp.pilot"], fields["growth.gdp.other"]) == ("8.5", "7.5")
    changed = {
        **fields,
        "revenue_items.vat.split.town_shares[2]": "80",
        "growth.gdp.other": "7",
        "special_transfers.budget": "7000",
        "special_transfers.method": "optimal",
    }
    assert client.post("/scenarios/tiered_sharing/edit", data=changed).status_code == 303
    document = store.get("tiered_sharing", 2).document
    assert document["revenue_items"][0]["split"]["town_shares"] == [0.3, 0.4, 0.8]
    assert document["growth"]["gdp"] == {"pilot": 0.085, "other": 0.07}
    assert document["special_transfers"]["budget"] == 7000
    assert document["special_transfers"]["method"] == "optimal"


def test_edit_a_contract_the_floor_and_a_relative_target(bundled_app):
    client = bundled_app.test_client()
    store = bundled_app.extensions["fiscal_sim"]["store"]
    text = page_text(client.get("/scenarios/pilot_contracts"))
    assert "县乡体制安排" in text and "核定收支 C01 · 沣河店镇（T01）" in text and "超收留成比例" in text
    fields = edit_form(client, "pilot_contracts")
    assert fields["contracts.C01.over_share"] == "70" and fields["tax_returns.coefficient"] == "0.3"
    assert fields["general_transfer.floor"] == "false" and fields["assessment.targets.gdp_growth"] == "8"
    changed = {**fields, "contracts.C01.over_share": "60%", "general_transfer.floor": "true"}
    assert client.post("/scenarios/pilot_contracts/edit", data=changed).status_code == 303
    document = store.get("pilot_contracts", 2).document
    assert document["contracts"][0] == {**document["contracts"][0], "id": "C01", "over_share": 0.6}
    assert document["contracts"][1]["over_share"] == 0.7 and document["general_transfer"]["floor"] is True
    # a relative target: its margin is the lever
    fields = edit_form(client, "relative_assessment")
    assert fields["assessment.targets.gdp_growth.margin"] == "1"
    form = {**fields, "assessment.targets.gdp_growth.margin": "2"}
    assert client.post("/scenarios/relative_assessment/edit", data=form).status_code == 303
    target = store.get("relative_assessment", 2).document["assessment"]["targets"]["gdp_growth"]
    assert target == {"benchmark": "county_average", "margin": 0.02}
    # and each is a parameter goal seeking can solve for
    analysis = page_text(client.get("/scenarios/pilot_contracts/analysis"))
    assert 'value="contracts.C01.over_share"' in analysis


def test_an_old_version_is_shown_read_only(client, saved):
    client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), VAT_SHARE: "60"})
    text = page_text(client.get(f"/scenarios/{saved}?version=1"))
    assert "您正在查看第 1 版（最新为第 2 版）" in text and 'id="edit-form"' not in text
    assert "比例分成：乡镇 50%" in text
    assert client.get(f"/scenarios/{saved}?version=9").status_code == 404


def test_an_unknown_scenario_is_a_404_page(client):
    response = client.get("/scenarios/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "找不到该方案或版本" in page_text(response)
    assert client.get("/scenarios/nope/run").status_code == 404
    assert (
        client.post("/scenarios/nope/edit", data={"version": "1", "csrf_token": csrf_token(client)}).status_code == 404
    )


# ------------------------------------------------------------------------------------------------
# results and explanations


def test_the_run_page_formats_numbers_with_the_unit(client, saved):
    response = client.get(f"/scenarios/{saved}/run")
    assert response.status_code == 200
    text = page_text(response)
    assert "单位：万元" in text
    # county: total revenue 1000 + 75 + 100 = 1,175.00; balance 1175 − 800 − 60 − 75 = 240.00
    county = text[text.index('id="county"') : text.index("</table>", text.index('id="county"'))]
    assert "1,175.00" in county and "240.00" in county
    indicators = text[text.index('id="indicators"') :]
    assert "75.00" in indicators and "100.00%" in indicators  # required transfers, coverage
    assert (town_cell(text, "T2", "gap"), town_cell(text, "T3", "gap")) == ("30.00", "45.00")
    assert town_cell(text, "T1", "resources") == "70.00"  # own revenue 70, no transfer
    assert f"/scenarios/{saved}/explain?version=1&amp;town=T2&amp;year=2022&amp;column=general_transfer" in (
        response.get_data(as_text=True)
    )


def test_the_run_page_for_a_chosen_year(client, saved):
    text = page_text(client.get(f"/scenarios/{saved}/run?year=2021"))
    assert "各乡镇（2021年）" in text and "year=2021&column=gap" in text
    assert "各乡镇（2022年）" in page_text(client.get(f"/scenarios/{saved}/run?year=1999"))


def test_the_explain_page_shows_the_formula(client, saved):
    response = client.get(f"/scenarios/{saved}/explain?town=T2&year=2022&column=gap")
    assert response.status_code == 200
    text = page_text(response)
    assert "计算过程" in text and "乙镇 (T2)" in text
    assert "max(0, 标准财政支出 − 标准财政收入)" in text
    assert "30.00 万元" in text  # the gap, 60 − 30
    assert "60.00 万元" in text  # standard expenditure
    partial = client.get(f"/scenarios/{saved}/explain?town=T2&year=2022&column=gap&partial=1")
    assert partial.status_code == 200 and "<html" not in partial.get_data(as_text=True)
    assert "max(0, 标准财政支出 − 标准财政收入)" in page_text(partial)
    english = client.get(f"/scenarios/{saved}/explain?town=T2&year=2022&column=gap&lang=en")
    assert "max(0, standard_expenditure − capacity)" in page_text(english)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("town=T2&year=2022&column=bogus", "收到 'bogus'"),
        ("town=T9&year=2022&column=gap", "没有乡镇 'T9'"),
        ("town=T2&year=1999&column=gap", "须在 2021 到 2022 之间，收到 1999"),
        ("town=T2&year=soon&column=gap", "不是数字"),
    ],
)
def test_explaining_something_unknown_is_a_clear_422(client, saved, query, words):
    response = client.get(f"/scenarios/{saved}/explain?{query}")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert words in page_text(response)


def test_the_analysis_page_has_the_montecarlo_and_solve_forms(client, saved):
    text = page_text(client.get(f"/scenarios/{saved}/analysis"))
    assert 'data-endpoint="/api/v1/montecarlo"' in text and 'data-endpoint="/api/v1/solve"' in text
    # each parameter and metric says how its values read: a share as %, an amount with the unit
    assert f'<option value="{VAT_SHARE}" data-kind="percent">' in text
    assert '<option value="county_balance" data-kind="money" selected>' in text
    assert '<option value="gini_after" data-kind="plain">' in text
    assert "计算中…" in text


def ui_strings(text: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="ui-strings">(.*?)</script>', text, re.S).group(1))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", {"fan": "蒙特卡洛分位数图", "pilots": "试点镇被取消资格的概率", "solve": "目标求解曲线"}),
        ("en", {"fan": "Monte Carlo fan chart", "pilots": "Probability that a pilot town loses its status"}),
    ],
)
def test_the_analysis_page_shows_the_charts_of_its_answers(client, saved, lang, words):
    """The page's script puts each chart under its answer: the words it needs are on the page, and the API
    answers the pictures and their numbers in the page's language (the browser test sees them drawn)."""
    strings = ui_strings(page_text(client.get(f"/scenarios/{saved}/analysis?lang={lang}")))
    assert words.items() <= strings["charts"].items()
    assert strings["chart_csv"] == {"zh": "图表数据 CSV", "en": "Chart data (CSV)"}[lang]
    assert strings["solved"] == {"zh": "{parameter}为 {value} 时，{year}年{target}为 {metric}",
                                 "en": "With {parameter} at {value}, {target} in {year} is {metric}"}[lang]  # fmt: skip
    assert strings["draws"] == {"zh": "模拟次数", "en": "draws"}[lang]
    headers = {"X-CSRFToken": csrf_token(client)}
    answer = client.post(f"/api/v1/montecarlo?lang={lang}", json={"scenario_id": saved, "draws": 16}, headers=headers)
    assert answer.status_code == 200
    for chart in ("fan", "pilots"):
        body = {"scenario_id": saved, "draws": 16, "seed": answer.json["seed"], "chart": chart}
        png = client.post(f"/api/v1/montecarlo?lang={lang}", json=body, headers=headers)
        assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    body = {"scenario_id": saved, "parameter": VAT_SHARE, "target": "required_transfers", "value": 140}
    png = client.post(f"/api/v1/solve?lang={lang}", json={**body, "chart": True, "points": 3}, headers=headers)
    assert png.status_code == 200 and png.mimetype == "image/png"


# ------------------------------------------------------------------------------------------------
# comparison


@pytest.fixture
def variant(client, tiny) -> str:
    """A second scenario: the tiny one with towns keeping 60% of VAT (gaps T2 26, T3 44: 70 a year)."""
    document = copy.deepcopy(tiny)
    document["revenue_items"][0]["split"]["town_share"] = 0.6
    response = client.post("/api/v1/scenarios", json={"document": document, "name": "分成六成"})
    assert response.status_code == 201
    return response.json["id"]


def test_the_compare_form_lists_the_scenarios(client, saved):
    response = client.get("/compare")
    assert response.status_code == 200
    assert "方案比较" in page_text(response) and f'value="{saved}"' in response.get_data(as_text=True)


def test_compare_two_scenarios(client, saved, variant):
    response = client.get(f"/compare?ids={saved}&ids={variant}&baseline={saved}")
    assert response.status_code == 200
    text = page_text(response)
    summary = text[text.index('id="summary"') : text.index("</table>", text.index('id="summary"'))]
    assert "150.00" in summary and "140.00" in summary  # required transfers over 2 years: 2·75, 2·70
    assert "分成六成" in summary and "基准" in summary
    settings = text[text.index('id="settings-diff"') :]
    row = re.search(rf'<tr data-path="{VAT_SHARE}">(.*?)</tr>', settings, re.S).group(1)
    assert "增值税 › 分成规则 › 乡镇分成比例" in row and "50%" in row and "60%" in row  # in words, shares in %
    summary_row = re.search(r"<tr>\s*<th><a [^>]*>分成六成</a>(.*?)</tr>", summary, re.S).group(1)
    assert "较基准 -10.00" in summary_row  # required transfers 140 against the baseline's 150
    # T2 keeps 0.6·40 + 10 = 34 instead of 30: gap 26 instead of 30, resources 60 (34 + 26) as before
    assert town_cell(text, "T2", "gap_diff", "town-diffs") == "-4.00"
    assert town_cell(text, "T2", "own_revenue_diff", "town-diffs") == "4.00"
    assert town_cell(text, "T3", "gap_diff", "town-diffs") == "-1.00"  # 0.6·10 = 6 instead of 5
    assert town_cell(text, "T1", "resources_diff", "town-diffs") == "10.00"  # no gap: 0.6·100 + 20 = 80 vs 70
    for chart in ("transfers_by_town", "town_budgets", "county_balance", "lorenz", "changes_by_town"):
        assert f"chart={chart}" in text
    assert "/compare/workbook.xlsx?" in text


def test_compare_needs_two_scenarios_and_known_ids(client, saved):
    response = client.get(f"/compare?ids={saved}")
    assert response.status_code == 422 and "请至少勾选两个方案" in page_text(response)
    response = client.get(f"/compare?ids={saved}&ids=nope")
    assert response.status_code == 404 and "no scenario 'nope'" in page_text(response)


def test_a_chart_is_a_png_and_its_numbers_a_csv(client, saved, variant):
    query = f"ids={saved}&ids={variant}&baseline={saved}"
    png = client.get(f"/compare/chart.png?{query}&chart=transfers_by_town")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    csv = client.get(f"/compare/chart.csv?{query}&chart=transfers_by_town&year=2021")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("label,") and len(lines) == 1 + 2 * 3  # two scenarios × three towns
    assert client.get(f"/compare/chart.png?{query}&chart=pie").status_code == 422
    # the changes by town against the baseline chosen, first or not: 分成六成's towns against 小县现行体制's
    for ids, baseline, label in (((saved, variant), saved, "分成六成"), ((saved, variant), variant, "小县现行体制")):
        changes = client.get(f"/compare/chart.csv?ids={ids[0]}&ids={ids[1]}&baseline={baseline}&chart=changes_by_town")
        rows = changes.get_data(as_text=True).lstrip("\ufeff").splitlines()
        assert len(rows) == 1 + 3 and all(row.startswith(f"{label},") for row in rows[1:])
    # T1 keeps 0.6·100 + 20 = 80 instead of 70; T2 and T3 get their gaps covered either way: T1 last, −10
    assert [float(row.split(",")[-1]) for row in rows[1:]] == [0, 0, -10] and ",T1," in rows[-1]
    assert client.get(f"/compare/chart.png?{query}&chart=lorenz&year=1999").status_code == 422


def test_the_comparison_workbook(client, saved, variant):
    response = client.get(f"/compare/workbook.xlsx?ids={saved}&ids={variant}&baseline={saved}")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert {"方案汇总", "乡镇", "各乡镇变化", "与基准不同的设置", "字段说明"} <= set(workbook.sheetnames)


# ------------------------------------------------------------------------------------------------
# downloads


def test_download_the_document_as_yaml_and_json(client, saved, tiny):
    response = client.get(f"/scenarios/{saved}/download.yaml")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert yaml.safe_load(response.get_data(as_text=True))["towns"] == tiny["towns"]
    response = client.get(f"/scenarios/{saved}/download.json")
    assert response.mimetype == "application/json" and response.json["revenue_items"] == tiny["revenue_items"]
    assert client.get(f"/scenarios/{saved}/download.exe").status_code == 404


def test_download_the_results_and_the_template(client, saved):
    response = client.get(f"/scenarios/{saved}/results.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert {"方案汇总", "乡镇", "县本级收支"} <= set(openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames)
    response = client.get("/template.xlsx")
    assert response.mimetype == XLSX and "towns" in openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames


# ------------------------------------------------------------------------------------------------
# downloads never carry a formula


EVIL = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def test_text_that_looks_like_a_formula_is_downloaded_as_text_and_uploads_back(client, tiny):
    from fiscal_sim.io.excel_cells import FORMULA_STARTS

    for town, name in zip(tiny["towns"], EVIL):
        town["name"] = name
    tiny["towns"][0]["-note"] = "\tx"  # a free column whose name starts like a formula
    tiny["description"] = "-desc"
    saved = client.post("/api/v1/scenarios", json={"document": tiny, "name": "=1+1"}).json["id"]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/scenarios/{saved}/download.xlsx").data))
    risky = [c for ws in workbook for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in risky if c.value.startswith(FORMULA_STARTS)]
    assert {c.value for c in risky} >= {*EVIL, "-desc", "-note", "\tx"}
    assert all(c.data_type == "s" for c in risky)  # a string cell: Excel shows it, never runs it
    again = upload(client, client.get(f"/scenarios/{saved}/download.xlsx").data, "back.xlsx")
    assert again.status_code == 303
    new_id = again.location.split("/scenarios/")[1].split("?")[0]
    document = client.get(f"/api/v1/scenarios/{new_id}").json["document"]
    assert [t["name"] for t in document["towns"]] == EVIL and document["description"] == "-desc"


def test_chart_csvs_defuse_formulas(client, tiny):
    for town, name in zip(tiny["towns"], EVIL):
        town["name"] = name
    saved = client.post("/api/v1/scenarios", json={"document": tiny}).json["id"]
    other = client.post("/api/v1/scenarios", json={"document": tiny}).json["id"]
    body = {"scenarios": [{"scenario_id": saved, "label": "=lbl"}], "chart": "transfers_by_town", "format": "csv"}
    api_csv = client.post("/api/v1/charts", json=body).get_data(as_text=True)
    page_csv = client.get(f"/compare/chart.csv?ids={saved}&ids={other}&chart=transfers_by_town")
    assert page_csv.status_code == 200
    for text in (api_csv, page_csv.get_data(as_text=True)):
        cells = [cell for line in text.splitlines()[1:] for cell in line.split(",")]
        assert "'+1+1" in cells and "'@SUM(A1)" in cells
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert "'=lbl" in api_csv


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"a: " + b"[" * 3000 + b"]" * 3000, "deep.yaml", "嵌套超过"),
        (b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}", "deep.json", "嵌套超过"),
        (b'name: "\\ud800"\nschema_version: 1\n', "broken.yaml", "无效的 Unicode"),
    ],
)
def test_deep_or_broken_uploads_are_refused(client, store, data, filename, words):
    response = upload(client, data, filename)
    assert response.status_code == 422 and words in page_text(response)
    assert rows(store) == 0


def test_comparing_scenarios_with_different_towns_says_which(client, tiny):
    first = client.post("/api/v1/scenarios", json={"document": tiny}).json["id"]
    fewer = {**tiny, "towns": tiny["towns"][:2]}
    second = client.post("/api/v1/scenarios", json={"document": fewer}).json["id"]
    response = client.get(f"/compare?ids={first}&ids={second}")
    assert response.status_code == 200
    assert "只在“" in page_text(response) and "T3" in page_text(response)


def test_unusual_values_are_asked_to_be_confirmed(client, store, saved):
    # shares and rates are typed as percentages: 35 is 35% a year, unusual, so the page asks first
    form = {**edit_form(client, saved), "growth.gdp": "35"}
    response = client.post(f"/scenarios/{saved}/edit", data=form)
    assert response.status_code == 422 and rows(store) == 1
    text = page_text(response)
    assert "以下数值不常见" in text and "35%，每年增长超过 30%" in text and 'name="confirm"' in text
    assert client.post(f"/scenarios/{saved}/edit", data={**form, "confirm": "1"}).status_code == 303
    assert store.get(saved).document["growth"]["gdp"] == 0.35
    # 200 (20,000% a year) is refused outright
    response = client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), "growth.gdp": "200"})
    assert response.status_code == 422 and "增长率须在 −100% 到 100% 之间" in page_text(response)
