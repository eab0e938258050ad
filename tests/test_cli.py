"""The ``fiscal-sim`` command line (README): validate, run, explain, --set, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fiscal_sim.io.cli import main

BASELINE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err):
    assert code == 2
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("error: ") and "Traceback" not in err


def test_validate(capsys, small_dir):
    code, out, err = run_cli(capsys, "validate", small_dir / "variant.yaml")
    assert code == 0 and err == ""
    assert out.startswith("OK ") and "小县 资金有限 limited pool" in out and "3 towns (1 pilots)" in out


def test_run_csv(capsys, small_dir, tmp_path, spec_columns):
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "run", small_dir / "base.yaml", "--format", "csv", "--out", out_dir)
    assert code == 0 and err == ""
    assert "written" in out and "小县 tiny county" in out
    for name, columns in spec_columns.items():
        frame = pd.read_csv(out_dir / f"{name}.csv", encoding="utf-8-sig")
        assert list(frame.columns) == columns, name
    towns = pd.read_csv(out_dir / "towns.csv", encoding="utf-8-sig")
    assert towns["name"].tolist()[:3] == ["甲镇", "乙镇", "丙乡"]
    assert towns["general_transfer"].tolist() == [0.0, 30.0, 45.0, 0.0, 30.0, 45.0]
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_run_json_keeps_chinese(capsys, small_dir, tmp_path, spec_columns):
    code, _, err = run_cli(capsys, "run", small_dir / "base.yaml", "--format", "json", "--out", tmp_path)
    assert code == 0 and err == ""
    text = (tmp_path / "result.json").read_text(encoding="utf-8")
    assert "甲镇" in text and "\\u" not in text
    data = json.loads(text)
    assert data["unit"] == "万元" and data["name"] == "小县 tiny county"
    for name in ("towns", "county", "indicators", "projects"):
        assert isinstance(data[name], list)
    for name in ("towns", "county", "indicators"):
        assert list(data[name][0]) == spec_columns[name], name
    assert data["towns"][1]["general_transfer"] == 30.0 and data["towns"][1]["town"] == "T2"


def test_run_with_set(capsys, small_dir, tmp_path):
    code, _, err = run_cli(
        capsys, "run", small_dir / "base.yaml", "--out", tmp_path, "--set", "general_transfer.pool=50",
        "--set", "revenue_items.vat.split.town_share=0.5",
    )  # fmt: skip
    assert code == 0 and err == ""
    towns = pd.read_csv(tmp_path / "towns.csv", encoding="utf-8-sig")
    assert towns["general_transfer"].tolist()[:3] == pytest.approx([0.0, 20.0, 30.0])  # 50/75 of 30, 45


def test_explain_text_and_json(capsys, small_dir):
    code, out, err = run_cli(capsys, "explain", small_dir / "variant.yaml", "--town", "T2", "--year", "2021")
    assert code == 0 and err == ""
    assert "general transfer" in out and "T2 2021" in out and "pool" in out
    code, out, _ = run_cli(
        capsys, "explain", small_dir / "variant.yaml", "--town", "T2", "--year", "2021", "--column", "gap", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["value"] == pytest.approx(26.0)  # 60 − (0.6·40 + 10)
    assert "\\u" not in out  # Chinese kept as is
    code, out, _ = run_cli(
        capsys,
        "--lang",
        "zh",
        "explain",
        small_dir / "variant.yaml",
        "--town",
        "T2",
        "--year",
        "2021",
        "--column",
        "gap",
        "--json",
    )
    assert "标准财政收支缺口" in out and "\\u" not in out


def test_explain_with_set(capsys, small_dir):
    argv = ["explain", small_dir / "base.yaml", "--town", "T3", "--year", "2022", "--json"]
    code, out, _ = run_cli(capsys, *argv, "--set", "general_transfer.coefficient=0.6")
    assert code == 0 and json.loads(out)["value"] == pytest.approx(27.0)


def test_bad_scenario_is_one_line_exit_2_and_writes_nothing(capsys, bad_dir, bad_files, tmp_path, bad_name):
    code, out, err = run_cli(capsys, "validate", bad_dir / bad_name)
    assert_one_line_error(code, out, err)
    assert bad_name in err and bad_files[bad_name][1] in err
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "run", bad_dir / bad_name, "--out", out_dir)
    assert_one_line_error(code, out, err)
    assert not out_dir.exists() or not any(out_dir.iterdir())


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{small}/base.yaml", "--set", "general_transfer.poool=5"],
        ["run", "{small}/base.yaml", "--set", "no_equals_sign"],
        ["run", "{small}/no_such_file.yaml"],
        ["run", "{small}/towns.csv"],
        ["run", "{small}/base.yaml", "--format", "pdf"],
        ["explain", "{small}/base.yaml", "--town", "T9", "--year", "2021"],
        ["explain", "{small}/base.yaml", "--town", "T1", "--year", "1999"],
        ["explain", "{small}/base.yaml", "--town", "T1", "--year", "2021", "--column", "nope"],
        ["explain", "{small}/base.yaml", "--town", "T1"],
        ["validate"],
        [],
    ],
)
def test_usage_and_request_errors_are_one_line(capsys, small_dir, tmp_path, argv):
    argv = [a.format(small=small_dir) for a in argv]
    out_dir = tmp_path / "out"
    if argv and argv[0] == "run":
        argv += ["--out", str(out_dir)]
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, out, err)
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_run_xlsx_writes_one_workbook(capsys, small_dir, tmp_path):
    from openpyxl import load_workbook

    code, out, err = run_cli(capsys, "run", small_dir / "base.yaml", "--format", "xlsx", "--out", tmp_path)
    assert code == 0 and err == ""
    wb = load_workbook(tmp_path / "result.xlsx")
    assert {"towns", "county budget", "indicators", "revenue by item", "field codes"} <= set(wb.sheetnames)
    assert [p.name for p in tmp_path.iterdir()] == ["result.xlsx"]  # no temporary files left


def test_compare_writes_tables_workbook_and_charts(capsys, small_dir, tmp_path):
    # the baseline second: every table and chart measures against it all the same
    code, out, err = run_cli(
        capsys, "compare", small_dir / "variant.yaml", small_dir / "base.yaml", "--baseline", "base", "--out", tmp_path
    )
    assert code == 0 and err == ""
    assert out.startswith("baseline: base")
    names = {p.name for p in tmp_path.iterdir()}
    assert {"summary.csv", "towns.csv", "settings.csv", "comparison.xlsx"} <= names
    assert {"transfers_by_town.png", "town_budgets.png", "county_balance.png", "lorenz.png"} <= names
    assert (tmp_path / "lorenz.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # every chart comes with the numbers behind it: the transfers chart's CSV is the towns' general transfers
    import fiscal_sim

    data = pd.read_csv(tmp_path / "transfers_by_town_data.csv", encoding="utf-8-sig")
    base = fiscal_sim.simulate(small_dir / "base.yaml").towns
    last = base[base["year"] == base["year"].max()]
    assert set(data.columns) >= {"label", "town", "general_transfer"}
    shown = data[data["label"] == "base"].set_index("town")["general_transfer"]
    expected = last.set_index(last["town"].astype(str))["general_transfer"]
    assert shown.to_dict() == pytest.approx(expected.to_dict())
    summary = pd.read_csv(tmp_path / "summary.csv", encoding="utf-8-sig")
    assert summary["label"].tolist() == ["variant", "base"]
    settings = pd.read_csv(tmp_path / "settings.csv", encoding="utf-8-sig")
    assert (settings["label"] == "variant").all() and len(settings) > 0  # the variant's own changes are listed
    # the changes by town: the variant's against the baseline, as the comparison's differences by town
    assert "changes_by_town.png" in names
    changes = pd.read_csv(tmp_path / "changes_by_town_data.csv", encoding="utf-8-sig")
    towns = pd.read_csv(tmp_path / "towns.csv", encoding="utf-8-sig")
    last = towns[(towns["year"] == towns["year"].max()) & (towns["label"] == "variant")]
    assert set(changes["label"]) == {"variant"} and set(changes["baseline"]) == {"base"}
    assert changes.set_index("town")["resources_diff"].to_dict() == pytest.approx(
        last.set_index("town")["resources_diff"].to_dict()
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "BASE"], "at least two scenario files"),
        (["compare", "BASE", "BASE", "--baseline", "nope"], "--baseline 'nope' is not one of the labels base, base_2"),
        (["template", "out.csv"], "template writes an .xlsx workbook"),
    ],
)
def test_compare_and_template_usage_errors(capsys, small_dir, argv, message):
    argv = [str(small_dir / "base.yaml") if a == "BASE" else a for a in argv]
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, out, err)
    assert message in err


def test_template_then_load_is_a_clear_error_until_filled(capsys, tmp_path):
    path = tmp_path / "blank.xlsx"
    code, out, _ = run_cli(capsys, "template", path)
    assert code == 0 and path.exists()
    code, out, err = run_cli(capsys, "validate", path)
    assert_one_line_error(code, out, err)  # an empty workbook is not a scenario yet


def test_montecarlo_csv_and_json(capsys, tmp_path):
    baseline = BASELINE
    code, out, err = run_cli(capsys, "montecarlo", baseline, "--draws", 64, "--seed", 5, "--out", tmp_path / "csv")
    assert code == 0 and err == ""
    assert "64 draws, seed 5" in out
    summary = pd.read_csv(tmp_path / "csv" / "summary.csv", encoding="utf-8-sig")
    assert (summary["required_transfers_p5"] <= summary["required_transfers_p95"]).all()
    assert summary["p_county_deficit"].between(0, 1).all()
    code, _, err = run_cli(
        capsys, "montecarlo", baseline, "--draws", 64, "--seed", 5, "--format", "json", "--out", tmp_path / "json"
    )
    data = json.loads((tmp_path / "json" / "montecarlo.json").read_text(encoding="utf-8"))
    assert code == 0 and data["draws"] == 64 and data["seed"] == 5
    # same seed, same numbers, whatever the output format
    assert [r["county_balance_p50"] for r in data["summary"]] == pytest.approx(summary["county_balance_p50"].tolist())
    # the run drawn: the fan chart and the pilots' probabilities, each with the numbers behind it
    for folder in ("csv", "json"):
        assert (tmp_path / folder / "fan.png").read_bytes().startswith(b"\x89PNG")
        assert (tmp_path / folder / "pilots.png").read_bytes().startswith(b"\x89PNG")
    fan = pd.read_csv(tmp_path / "csv" / "fan_data.csv", encoding="utf-8-sig")
    assert fan["county_balance_p50"].tolist() == pytest.approx(summary["county_balance_p50"].tolist())
    pilots = pd.read_csv(tmp_path / "csv" / "pilots_data.csv", encoding="utf-8-sig")
    assert pilots["p_revoked"].is_monotonic_decreasing and "written: " in out and "fan.png" in out


def test_solve_prints_the_value_and_the_metric(capsys):
    code, out, err = run_cli(
        capsys,
        "solve",
        BASELINE,
        "--parameter",
        "revenue_items.vat.split.town_share",
        "--target",
        "county.balance",
        "--value",
        0,
        "--year",
        2020,
    )
    assert code == 0 and err == ""
    value = float(out.split("=")[1].split()[0])
    assert 0 < value < 1 and "county.balance in 2020 = 0.000000" in out
    # the solved share reproduces the target when simulated again
    import fiscal_sim

    r = fiscal_sim.simulate(BASELINE, {"revenue_items.vat.split.town_share": value})
    assert r.county.set_index("year").loc[2020, "balance"] == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["montecarlo", BASELINE, "--draws", "200000"],
            "draws: must be between 1 and 100000",
        ),
        (
            ["solve", BASELINE, "--parameter", "revenue_items.vat.split.town_share"]
            + ["--target", "county.balance", "--value", "99999"],
            "cannot reach 99,999.00 in 2020",
        ),
        (["solve", BASELINE, "--target", "county.balance", "--value", "0"], "--parameter"),
        (["serve", "--port", "70000"], "--port must be between 0 and 65535"),
    ],
)
def test_montecarlo_solve_serve_errors_are_one_line(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, out, err)
    assert message in err
