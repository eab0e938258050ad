"""Parameter sweeps (docs/model.md §1.12): the frame, hand-computed values on the tiny county, checks
before anything runs, the same frame on a Dask cluster, and the ``fiscal-sim sweep`` command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim.analysis import sweep as sweep_module
from fiscal_sim.analysis.sweep import MAX_COMBINATIONS
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.charts import make_sweep_chart
from fiscal_sim.io.cli import main
from fiscal_sim.result import INDICATOR_COLUMNS

BASELINE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
SHARE = "revenue_items.vat.split.town_share"
POOL = "general_transfer.pool"


@pytest.fixture(scope="module")
def client():
    """A 2-worker LocalCluster (single-threaded worker processes) for this module's tests, closed at the end."""
    pytest.importorskip("distributed")
    from fiscal_sim.analysis.workers import local_cluster

    with local_cluster(2, memory_limit="2GiB") as client:
        yield client


# ---------------------------------------------------------------------------------------------
# the frame


def test_one_parameter_on_the_tiny_county_by_hand(make_scenario):
    """The tiny county (tests/conftest.py) with VAT town share s; no growth, so both years are alike.

    own revenue = s·vat + land: T1 100s + 20, T2 40s + 10, T3 10s; standard expenditure 40, 60, 50.
    Gaps max(0, se − own): T1 0 (20 − 100s < 0 for s ≥ 0.3), T2 50 − 40s, T3 50 − 10s;
    required = 100 − 50s → 85, 75, 65 at s = 0.3, 0.5, 0.7, all paid (no pool: full coverage).
    County balance = 1000 + 150·(1 − s) + 100 − 800 − 60 − required = 240 + 150·(1 − s) − (100 − 50s)
    = 290 − 100s → 260, 240, 220.
    """
    table = fiscal_sim.sweep(make_scenario(), {SHARE: [0.3, 0.5, 0.7]})
    assert list(table.columns) == [SHARE, *INDICATOR_COLUMNS]
    assert table[SHARE].tolist() == [0.3, 0.3, 0.5, 0.5, 0.7, 0.7]
    assert table["year"].tolist() == [2021, 2022] * 3
    assert table["required_transfers"].tolist() == pytest.approx([85, 85, 75, 75, 65, 65], rel=1e-12)
    assert table["general_transfers"].tolist() == pytest.approx([85, 85, 75, 75, 65, 65], rel=1e-12)
    assert table["coverage"].tolist() == [1.0] * 6
    assert table["county_balance"].tolist() == pytest.approx([260, 260, 240, 240, 220, 220], rel=1e-12)
    assert table["pilots_active"].tolist() == [1] * 6


def test_two_parameters_first_slowest_each_a_full_simulation(make_scenario):
    document = make_scenario()
    table = fiscal_sim.sweep(document, {SHARE: [0.3, 0.5], POOL: [50, 100.0, 70]})
    assert list(table.columns) == [SHARE, POOL, *INDICATOR_COLUMNS]
    combinations = [(s, p) for s in (0.3, 0.5) for p in (50, 100.0, 70)]
    assert list(zip(table[SHARE], table[POOL]))[::2] == combinations
    for n, (share, pool) in enumerate(combinations):
        expected = fiscal_sim.simulate(document, {SHARE: share, POOL: pool}).indicators
        got = table.iloc[2 * n : 2 * n + 2][INDICATOR_COLUMNS].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # a pool of 50 pays 50 of the 85 required at s = 0.3: balance 260 + 35 = 295
    row = table[(table[SHARE] == 0.3) & (table[POOL] == 50)].iloc[0]
    assert (row["general_transfers"], row["county_balance"]) == pytest.approx((50, 295), rel=1e-12)


def test_text_and_true_false_values(make_scenario):
    document = make_scenario(general_transfer={"pool": 50})
    parameters = {"general_transfer.rationing": ["proportional", "need_adjusted"], "towns.T2.pilot": [False, True]}
    table = fiscal_sim.sweep(document, parameters)
    assert table["general_transfer.rationing"].tolist() == ["proportional"] * 4 + ["need_adjusted"] * 4
    assert table["towns.T2.pilot"].tolist() == [False, False, True, True] * 2
    assert table["pilots_active"].tolist() == [1, 1, 2, 2] * 2  # T2 made a pilot
    assert table["general_transfers"].tolist() == pytest.approx([50] * 8, rel=1e-12)  # the pool, all paid
    for rationing in parameters["general_transfer.rationing"]:
        expected = fiscal_sim.simulate(document, {"general_transfer.rationing": rationing}).indicators
        got = table[(table["general_transfer.rationing"] == rationing) & ~table["towns.T2.pilot"]]
        pd.testing.assert_frame_equal(got[INDICATOR_COLUMNS].reset_index(drop=True), expected, check_exact=True)


def test_progress_is_reported_per_combination(make_scenario):
    calls = []
    fiscal_sim.sweep(make_scenario(), {SHARE: [0.3, 0.5, 0.7]}, progress=lambda d, n: calls.append((d, n)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


# ---------------------------------------------------------------------------------------------
# checks: all before anything runs


@pytest.mark.parametrize(
    ("parameters", "key", "words"),
    [
        ({"revenue_items.vat.split.town_shar": [0.3]}, "revenue_items.vat.split.town_shar", "no key 'town_shar'"),
        ({SHARE: [0.3, 1.5]}, "revenue_items[vat].split.town_share", "between 0 and 1, got 1.5"),
        ({SHARE: [0.3, "half"]}, "parameters", f"{SHARE} = 'half'"),
        ({SHARE: [0.5], POOL: [100, -5]}, "general_transfer.pool", "must not be negative, got -5"),
        (
            {"general_transfer.coefficient": [0.5], POOL: [100]},
            "parameters",
            "coefficient = 0.5, general_transfer.pool = 100",
        ),
        ({SHARE: []}, SHARE, "non-empty list"),
        ({SHARE: 0.5}, SHARE, "non-empty list"),
        ({SHARE: "0.3,0.5"}, SHARE, "non-empty list"),
        ({SHARE: [0.3, 0.3]}, SHARE, "value 0.3 is given twice"),
        ({SHARE: [0.3, [0.5]]}, SHARE, "got [0.5]"),
        ({SHARE: [0.3, float("nan")]}, SHARE, "got nan"),
        ({SHARE: [0.3], POOL: [1], "general_transfer.pool_growth": [0.1]}, "parameters", "1 to 2 scenario paths"),
        ({}, "parameters", "1 to 2 scenario paths"),
        ([(SHARE, [0.5])], "parameters", "1 to 2 scenario paths"),
        ({SHARE: list(range(101)), POOL: list(range(100))}, "parameters", f"at most {MAX_COMBINATIONS} combinations"),
    ],
)
def test_bad_parameters_are_named_before_anything_runs(make_scenario, monkeypatch, parameters, key, words):
    runs = []
    monkeypatch.setattr(sweep_module, "simulate", lambda scenario: runs.append(scenario))
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.sweep(make_scenario(), parameters)
    assert key in info.value.errors, info.value.errors
    assert words in info.value.one_line()
    assert runs == []


def test_a_bad_value_is_named_in_chinese_too(make_scenario):
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.sweep(make_scenario(), {SHARE: [0.5, 2]})
    assert f"{SHARE} = 2 时方案无效" in info.value.one_line("zh") and "收到 2" in info.value.one_line("zh")


# ---------------------------------------------------------------------------------------------
# on a Dask cluster


def test_a_cluster_gives_the_frame_of_one_process(client):
    parameters = {SHARE: [0.3, 0.45, 0.6], POOL: [3000, 4500.0]}
    alone = fiscal_sim.sweep(BASELINE, parameters)
    calls = []
    spread = fiscal_sim.sweep(BASELINE, parameters, client, progress=lambda d, n: calls.append((d, n)))
    pd.testing.assert_frame_equal(spread, alone, check_exact=True)
    assert [d for d, _ in calls] == [1, 2, 3, 4, 5, 6]


def test_on_a_cluster_bad_values_fail_before_anything_is_sent(client, make_scenario):
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.sweep(make_scenario(), {SHARE: [0.5, 1.5]}, client)
    assert "1.5" in info.value.one_line()
    with pytest.raises(ScenarioError):
        fiscal_sim.sweep(make_scenario(), {SHARE: [0.5]}, client=object())


# ---------------------------------------------------------------------------------------------
# the chart and the command


def test_the_chart_words_come_from_the_catalogue(make_scenario):
    from matplotlib.text import Text

    table = fiscal_sim.sweep(make_scenario(), {SHARE: [0.3, 0.5], POOL: [50, 100]})
    fig = make_sweep_chart(table, [SHARE, POOL], "county_balance", 2022, "万元", lang="zh")
    texts = {t.get_text() for t in fig.findobj(Text)}
    assert "参数扫描：县级收支余额（2022年）" in texts
    assert "收入项目 vat › 分成规则 › 乡镇分成比例" in texts and "县级收支余额（万元）" in texts
    assert {"295", "260"} <= texts  # each cell says its value
    line = make_sweep_chart(table[table[POOL] == 50], [SHARE], "coverage", 2021, "万元", lang="en")
    texts = {t.get_text() for t in line.findobj(Text)}
    assert "Parameter sweep: coverage (2021)" in texts and "revenue items vat › split rule › town share" in texts


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_sweep_command_writes_a_table_and_a_heat_map(capsys, tmp_path):
    argv = ["sweep", BASELINE, "--param", SHARE, "--values", "0.3,0.45,0.6", "--param", POOL, "--values", "3000,4500"]
    code, out, err = run_cli(capsys, *argv, "--out", tmp_path, "--year", 2019)
    assert code == 0 and err == ""
    assert "6 combinations, county_balance in 2019" in out
    raw = (tmp_path / "sweep.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    table = pd.read_csv(tmp_path / "sweep.csv", encoding="utf-8-sig")
    assert list(table.columns) == [SHARE, POOL, *INDICATOR_COLUMNS]
    expected = fiscal_sim.sweep(BASELINE, {SHARE: [0.3, 0.45, 0.6], POOL: [3000, 4500]})
    np.testing.assert_allclose(table["county_balance"], expected["county_balance"], rtol=1e-9)
    assert (tmp_path / "sweep.png").read_bytes().startswith(b"\x89PNG")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_sweep_command_on_a_cluster_with_one_parameter(capsys, tmp_path, client):
    address = client.scheduler.address
    argv = ["sweep", BASELINE, "--param", SHARE, "--values", "0.3,0.5", "--metric", "gini_after"]
    code, out, err = run_cli(capsys, *argv, "--scheduler", address, "--out", tmp_path / "cluster")
    assert code == 0 and err == ""
    code, _, _ = run_cli(capsys, *argv, "--out", tmp_path / "alone")
    assert code == 0
    assert (tmp_path / "cluster" / "sweep.csv").read_bytes() == (tmp_path / "alone" / "sweep.csv").read_bytes()
    assert (tmp_path / "cluster" / "sweep.png").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "general_transfer.poool", "--values", "1,2"], "general_transfer.poool: no such path"),
        (["--param", SHARE, "--values", "0.3,1.5"], "got 1.5"),
        (["--param", SHARE, "--values", "0.3,,0.5"], "an empty value"),
        (["--param", SHARE, "--values", "0.3", "--param", POOL], "one --values"),
        (["--param", SHARE, "--values", "0.3", "--param", SHARE, "--values", "0.5"], "given twice"),
        (["--param", SHARE, "--values", "0.3", "--metric", "balance"], "--metric must be one of"),
        (["--param", SHARE, "--values", "0.3", "--year", "1990"], "--year must be a simulated year"),
        (["--param", SHARE, "--values", "0.3", "--workers", "2", "--scheduler", "tcp://x:1"], "not allowed with"),
        (["--param", SHARE, "--values", "0.3", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_sweep_command_errors_are_one_line(capsys, tmp_path, extra, message):
    code, out, err = run_cli(capsys, "sweep", BASELINE, *extra, "--out", tmp_path)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "sweep.csv").exists()


@pytest.mark.parametrize("command", ["sweep", "montecarlo"])
@pytest.mark.parametrize("option", [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]])
def test_without_dask_the_cluster_options_say_what_to_install(capsys, monkeypatch, tmp_path, command, option):
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # `import distributed` fails
    extra = ["--param", SHARE, "--values", "0.3"] if command == "sweep" else ["--draws", "32"]
    code, out, err = run_cli(capsys, command, BASELINE, *extra, *option, "--out", tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    assert f'{option[0]} needs Dask, which is not installed: pip install "fiscal-sim[dask]"' in err
