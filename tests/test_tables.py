"""Towns and projects tables read from files (docs/scenario-format.md): checked as columns, kept as read.

A table file is held whole (:class:`fiscal_sim.scenario.tables.Table`) and becomes inline records only where a
self-contained document is needed; every check still names the row, the id and the column of a bad cell.
"""

from __future__ import annotations

import copy
import json
import shutil

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim import ScenarioError, load_scenario
from fiscal_sim.scenario import read_document
from fiscal_sim.scenario.tables import Table

HEADER = "id,name,pilot,population,area_km2,gdp,vat,land,students\n"
GOOD_ROWS = "T1,甲镇,是,100,10,1000,100,20,10\nT2,乙镇,否,200,20,500,40,10,30\nT3,丙乡,false,100,30,200,10,0,20\n"


@pytest.fixture
def with_towns(tmp_path, make_scenario):
    """``with_towns(csv_text, **changes) -> path`` of a scenario whose towns table is that CSV file."""

    def write(text: str, **changes):
        (tmp_path / "towns.csv").write_text(text, encoding="utf-8")
        document = make_scenario(**changes)
        document["towns"] = "towns.csv"
        path = tmp_path / "scenario.yaml"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    return write


def one_line(path_or_document) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path_or_document)
    return info.value.one_line()


# ---------------------------------------------------------------------------------------------
# the same scenario from a file and inline


def test_file_table_and_inline_records_give_the_same_towns(small_dir):
    from_file = load_scenario(small_dir / "base.yaml")
    inline = load_scenario(read_document(small_dir / "base.yaml"))
    pd.testing.assert_frame_equal(from_file.towns, inline.towns)
    assert from_file.document == inline.document


def test_file_table_stays_a_frame_until_the_document_is_asked_for(small_dir):
    scenario = load_scenario(small_dir / "base.yaml")
    assert isinstance(scenario.held["towns"], Table) and "document" not in scenario.__dict__
    records = scenario.document["towns"]
    assert records == read_document(small_dir / "base.yaml")["towns"]
    assert records[0] == {
        "id": "T1", "name": "甲镇", "pilot": "是", "population": 100, "area_km2": 10, "gdp": 1000, "vat": 100,
        "land": 20, "students": 10,
    }  # fmt: skip
    assert json.loads(scenario.to_json())["towns"] == records


def test_numbers_written_as_text_in_a_file_are_numbers(with_towns):
    path = with_towns(HEADER + 'T1,甲镇,1,"1,200",10,1000,100,20,10\nT2,乙镇,0, 200 ,20,500,40,10,30\n')
    towns = load_scenario(path).towns
    assert towns["population"].tolist() == [1200.0, 200.0]
    assert towns["pilot"].tolist() == [True, False]
    assert load_scenario(path).document["towns"][0]["population"] == 1200.0


def test_numbers_written_as_text_inline_are_errors(make_scenario):
    message = one_line(make_scenario(towns={"T2": {"population": "1200"}}))
    assert "towns row 3 (id T2): population: not a number ('1200')" in message


def test_ids_stay_text_and_names_keep_their_spaces(with_towns):
    path = with_towns(HEADER + "001,甲 镇 ,1,100,10,1000,100,20,10\n 002 ,乙镇,0,200,20,500,40,10,30\n")
    towns = load_scenario(path).towns
    assert towns["id"].tolist() == ["001", "002"]
    assert towns["name"].tolist() == ["甲 镇 ", "乙镇"]


def test_other_columns_are_kept_as_their_records_give_them(with_towns):
    path = with_towns(
        HEADER.strip() + ",mountain,notes,empty\n"
        'T1,甲镇,1,100,10,1000,100,20,10,是,"1,000",\nT2,乙镇,0,200,20,500,40,10,30,否,,\nT3,丙乡,0,1,1,1,1,1,1,1,hi,\n',
        general_transfer={"priority": ["mountain"]},
    )
    scenario = load_scenario(path)
    inline = load_scenario(scenario.document)
    pd.testing.assert_frame_equal(scenario.towns, inline.towns)
    assert scenario.classes["mountain"].tolist() == [True, False, True]
    assert scenario.towns["notes"].tolist()[0] == 1000.0 and scenario.towns["notes"].tolist()[2] == "hi"


# ---------------------------------------------------------------------------------------------
# bad cells in a file name their row, id and column


def test_bad_cells_in_a_file_name_row_id_and_column(with_towns):
    message = one_line(
        with_towns(HEADER + "T1,甲镇,maybe,abc,10,1000,100,20,10\nT2,乙镇,0,200,20,,-40,10,30\nT3,丙乡,1,1,1,1,1,1,1\n")
    )
    assert message.startswith("scenario.yaml: ")
    assert "towns row 2 (id T1): pilot: 'maybe' is not true/false" in message
    assert "population: not a number ('abc')" in message
    assert "towns row 3 (id T2): gdp: missing vat: -40 is negative" in message
    assert "T3" not in message


def test_a_missing_id_in_a_file_is_named(with_towns):
    message = one_line(with_towns(HEADER + "T1,甲镇,1,100,10,1000,100,20,10\n,乙镇,0,200,20,500,40,10,30\n"))
    assert "towns row 3: id: missing" in message


def test_repeated_ids_in_a_file_are_named_with_all_their_rows(with_towns):
    rows = "".join(f"{i},镇,0,1,1,1,1,1,1\n" for i in ("A", "B", "A", "C", "B", "A"))
    message = one_line(with_towns(HEADER + rows))
    assert "towns: duplicate id A (rows 2, 4, 7) duplicate id B (rows 3, 6)" in message


def test_growth_rates_in_a_file_must_be_above_minus_one(with_towns):
    path = with_towns(
        HEADER.strip()
        + ",plan\n"
        + "".join(line + ",0.05\n" for line in GOOD_ROWS.splitlines()).replace("0.05", "-1", 1),
        growth={"gdp": "plan"},
    )
    assert "towns row 2 (id T1): plan: -1 must be above -1" in one_line(path)


def test_a_missing_column_in_a_file_is_named(with_towns):
    header = HEADER.replace(",students", "")
    rows = "".join(line.rsplit(",", 1)[0] + "\n" for line in GOOD_ROWS.splitlines())
    assert "towns: missing column students" in one_line(with_towns(header + rows))


def test_a_file_with_no_rows_is_an_error(with_towns):
    assert "towns: must be a .csv/.xlsx path or a non-empty list of records" in one_line(with_towns(HEADER))


def test_projects_file_cells_are_checked_by_row(tmp_path, fixtures_dir):
    folder = tmp_path / "special"
    shutil.copytree(fixtures_dir / "special", folder)
    with (folder / "projects.csv").open("a", encoding="utf-8") as f:
        f.write("X1,T9,2021,road,10,20,50,perhaps,0.2\n")
    message = one_line(folder / "scenario.yaml")
    assert "projects row" in message and "(id X1): town: unknown town 'T9'" in message
    assert "grant: 20 exceeds the project's cost 10" in message and "key_project: 'perhaps'" in message


def test_a_workbook_cell_that_is_not_unicode_is_named():
    frame = pd.DataFrame({"id": ["T1", "T2"], "name": ["甲", "bad \ud800"]})
    assert Table(frame=frame, name="towns.xlsx").unicode_problem("towns") == "towns[1].name"
    assert Table(frame=frame.iloc[:1], name="towns.xlsx").unicode_problem("towns") is None


# ---------------------------------------------------------------------------------------------
# variants and overrides of a scenario whose towns come from a file


def test_overrides_share_the_table_until_a_cell_changes(small_dir):
    parent = load_scenario(small_dir / "base.yaml")
    before = copy.deepcopy(parent.document)
    child = parent.with_overrides({"general_transfer.pool": 10})
    assert child.held["towns"] is parent.held["towns"] and child.towns is parent.towns
    assert child.town_categories is parent.town_categories
    changed = parent.with_overrides({"towns.T2.population": 999})
    assert changed.towns.set_index("id").loc["T2", "population"] == 999
    assert changed.document["towns"][1]["population"] == 999
    assert parent.document == before and parent.towns.set_index("id").loc["T2", "population"] == 200


def test_overrides_of_inline_towns_share_them_too(make_scenario):
    parent = load_scenario(make_scenario())
    child = parent.with_overrides({"general_transfer.pool": 10})
    assert child.held["towns"] is parent.held["towns"] and child.document["towns"] == parent.document["towns"]
    changed = child.with_overrides({"towns.T1.vat": 50})
    assert changed.document["towns"][0]["vat"] == 50 and parent.document["towns"][0]["vat"] == 100


def test_set_in_a_file_changes_a_cell_of_its_towns_file(tmp_path, small_dir):
    shutil.copy(small_dir / "towns.csv", tmp_path / "towns.csv")
    text = (small_dir / "base.yaml").read_text(encoding="utf-8") + "set:\n  towns.T3.vat: 70\n"
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.towns["vat"].tolist() == [100, 40, 70]


def test_extends_merges_a_child_towns_file_by_id(tmp_path, small_dir):
    for name in ("base.yaml", "towns.csv"):
        shutil.copy(small_dir / name, tmp_path / name)
    (tmp_path / "more.csv").write_text(HEADER + "T3,丙乡,1,100,30,200,99,0,20\nT4,丁镇,0,50,5,100,10,1,5\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\ntowns: more.csv\n", encoding="utf-8")
    scenario = load_scenario(tmp_path / "child.yaml")
    assert scenario.towns["id"].tolist() == ["T1", "T2", "T3", "T4"]
    assert scenario.towns["vat"].tolist() == [100, 40, 99, 10]
    assert scenario.towns["pilot"].tolist() == [True, False, True, False]
    result = fiscal_sim.simulate(scenario)
    np.testing.assert_array_equal(result.towns["town"].unique().tolist(), ["T1", "T2", "T3", "T4"])


def test_a_towns_workbook_reads_like_the_csv_file(tmp_path, small_dir):
    for name in ("base.yaml", "towns.csv"):
        shutil.copy(small_dir / name, tmp_path / name)
    frame = pd.read_csv(small_dir / "towns.csv", dtype={"id": str})
    frame["population"] = frame["population"].map(lambda v: f"{v:,}")  # numbers stored as text in Excel
    frame.to_excel(tmp_path / "towns.xlsx", index=False)
    text = (tmp_path / "base.yaml").read_text(encoding="utf-8").replace("towns: towns.csv", "towns: towns.xlsx")
    (tmp_path / "xlsx.yaml").write_text(text, encoding="utf-8")
    from_workbook, from_csv = load_scenario(tmp_path / "xlsx.yaml"), load_scenario(tmp_path / "base.yaml")
    pd.testing.assert_frame_equal(from_workbook.towns, from_csv.towns)
