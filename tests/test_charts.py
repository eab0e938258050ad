"""Charts: Chinese labels render without missing glyphs, the drawn numbers are the result's numbers (a
comparison's, a Monte Carlo run's, goal seeking's curve)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import fiscal_sim
from fiscal_sim import catalogue
from fiscal_sim.analysis.compare import compare
from fiscal_sim.analysis.curve import metric_curve
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io import fonts
from fiscal_sim.io.charts import (
    CHARTS,
    LORENZ_TOLERANCE,
    chart_data,
    figure_bytes,
    lorenz_distance,
    make_chart,
    montecarlo_chart,
    montecarlo_chart_data,
    shown_value,
    solve_chart,
    solve_chart_data,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DPI = 80
LAST = 2020
VAT = "revenue_items.vat.split.town_share"


@pytest.fixture(scope="module")
def results() -> dict:
    base = fiscal_sim.simulate(SCENARIOS / "baseline.yaml")
    reform = fiscal_sim.simulate(base.scenario.with_overrides({"revenue_items.vat.split.town_share": 0.6}))
    return {"基准方案": base, "增值税六成": reform}


@pytest.fixture(scope="module")
def montecarlo(results) -> dict:
    """A Monte Carlo summary in the docs/model.md §1.9 format, made up around the central run."""
    ind = results["基准方案"].indicators
    return {
        "基准方案": pd.DataFrame(
            {
                "year": ind["year"],
                "county_balance_p5": ind["county_balance"] - 800.0,
                "county_balance_p50": ind["county_balance"],
                "county_balance_p95": ind["county_balance"] + 600.0,
            }
        )
    }


def render(fig: Figure, fmt: str = "png") -> bytes:
    """Render with every warning an error: a "Glyph missing" or no-font warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return figure_bytes(fig, fmt)


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text())


def test_a_cjk_font_is_found():
    rc = fonts.cjk_rc()
    assert rc["font.sans-serif"][0] in fonts.PREFERRED_FAMILIES, (
        "no CJK font: install fonts-wqy-microhei (apt-get install -y fonts-wqy-microhei)"
    )
    assert rc["axes.unicode_minus"] is False


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_renders_chinese_without_missing_glyphs(results, montecarlo, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = make_chart(name, results, montecarlo=montecarlo, dpi=DPI)
    png = render(fig)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    text = _texts(fig)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # Chinese in titles, axes, legends


def test_svg_renders_too(results):
    svg = render(make_chart("county_balance", results, dpi=DPI), "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg


def test_transfers_by_town_has_one_bar_per_town_and_scenario(results):
    fig = make_chart("transfers_by_town", results, dpi=DPI)
    (ax,) = fig.axes
    n_towns = len(results["基准方案"].scenario.towns)
    assert len(ax.patches) == n_towns * len(results)  # 16 towns × 2 scenarios
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(results)
    labels = [t.get_text() for t in ax.get_yticklabels()]  # horizontal bars: town names read across
    assert labels[0] == "沣河店镇" and len(labels) == n_towns
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first town on top
    data = chart_data("transfers_by_town", results)
    for label, result in results.items():
        towns = result.towns[result.towns["year"] == LAST]
        rows = data[data["label"] == label]
        np.testing.assert_array_equal(rows["general_transfer"].to_numpy(), towns["general_transfer"].to_numpy())
        assert rows["town"].tolist() == towns["town"].astype(str).tolist()
    widths = np.array([p.get_width() for p in ax.patches])
    np.testing.assert_array_equal(widths, data["general_transfer"].to_numpy())  # bars drawn scenario by scenario


def test_transfers_by_town_takes_a_year(results):
    data = chart_data("transfers_by_town", results, year=2017)
    base = results["基准方案"].towns
    expected = base.loc[base["year"] == 2017, "general_transfer"].to_numpy()
    np.testing.assert_array_equal(data.loc[data["label"] == "基准方案", "general_transfer"].to_numpy(), expected)
    assert "2017" in make_chart("transfers_by_town", results, year=2017, dpi=DPI).axes[0].get_title()


def test_town_budgets_stacks_three_parts_per_town_in_one_panel_per_scenario(results):
    fig = make_chart("town_budgets", results, dpi=DPI)
    assert len(fig.axes) == len(results)
    data = chart_data("town_budgets", results)
    for ax, (label, result) in zip(fig.axes, results.items()):
        towns = result.towns[result.towns["year"] == LAST]
        n = len(towns)
        # own revenue, returns and settlements, general, special; expenditure marker
        assert len(ax.patches) == 4 * n and len(ax.lines) == 1
        heights = np.array([p.get_height() for p in ax.patches]).reshape(4, n)
        np.testing.assert_array_equal(heights[0], towns["own_revenue"].to_numpy())
        # stacked parts: matplotlib stores base and top, so heights come back to rounding
        settlements = towns[["tax_return", "contract_transfer", "incentive"]].sum(axis=1).to_numpy()
        assert settlements.any()  # the bundled county pays tax returns
        np.testing.assert_allclose(heights[1], settlements, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(heights[2], towns["general_transfer"].to_numpy(), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(heights[3], towns["special_transfer"].to_numpy(), rtol=1e-12, atol=1e-9)
        tops = np.array([p.get_y() + p.get_height() for p in ax.patches[3 * n :]])
        np.testing.assert_allclose(tops, towns["resources"].to_numpy(), rtol=1e-12)  # stack = resources
        np.testing.assert_array_equal(ax.lines[0].get_ydata(), towns["standard_expenditure"].to_numpy())
        assert label in ax.get_title()
        rows = data[data["label"] == label]
        np.testing.assert_array_equal(rows["standard_expenditure"].to_numpy(), towns["standard_expenditure"].to_numpy())
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert set(legend) == {"乡镇自有财力", "税收返还和体制结算", "一般性转移支付", "专项转移支付", "标准财政支出"}


def test_county_balance_draws_a_line_per_scenario_and_the_monte_carlo_band(results, montecarlo):
    fig = make_chart("county_balance", results, montecarlo=montecarlo, dpi=DPI)
    (ax,) = fig.axes
    assert len(ax.lines) == len(results) + 1  # one per scenario and the zero line
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1  # only the baseline has a Monte Carlo summary
    for line, result in zip(ax.lines, results.values()):
        np.testing.assert_array_equal(line.get_ydata(), result.indicators["county_balance"].to_numpy())
    data = chart_data("county_balance", results, montecarlo=montecarlo)
    base = data[data["label"] == "基准方案"]
    np.testing.assert_array_equal(base["county_balance_p95"], montecarlo["基准方案"]["county_balance_p95"])
    assert data.loc[data["label"] == "增值税六成", "county_balance_p5"].isna().all()
    plain = make_chart("county_balance", results, dpi=DPI)
    assert not [c for c in plain.axes[0].collections if isinstance(c, PolyCollection)]


def test_lorenz_curves_match_the_result_gini(results):
    fig = make_chart("lorenz", results, dpi=DPI)
    (ax,) = fig.axes
    assert len(ax.lines) == 1 + 2 * len(results)  # equality line, before and after per scenario
    data = chart_data("lorenz", results, year=2018)
    n_towns = len(results["基准方案"].scenario.towns)
    for label, result in results.items():
        ind = result.indicators.set_index("year").loc[2018]
        for curve, column in (("before", "gini_before"), ("after", "gini_after")):
            points = data[(data["label"] == label) & (data["curve"] == curve)]
            assert len(points) == n_towns + 1 and points["resource_share"].iloc[-1] == pytest.approx(1.0)
            p, share = points["population_share"].to_numpy(), points["resource_share"].to_numpy()
            gini = 1.0 - np.sum(np.diff(p) * (share[1:] + share[:-1]))  # trapezoids under the curve
            assert gini == pytest.approx(ind[column], abs=1e-12)


def test_unknown_chart_year_format_and_montecarlo_are_errors(results, montecarlo):
    with pytest.raises(ScenarioError) as exc:
        make_chart("pie", results)
    assert "chart" in exc.value.errors and "pie" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        chart_data("lorenz", results, year=1999)
    assert "year" in exc.value.errors and "2016-2020" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        figure_bytes(Figure(), "gif")
    assert "format" in exc.value.errors
    with pytest.raises(ScenarioError) as exc:
        chart_data("county_balance", results, montecarlo={"other": montecarlo["基准方案"]})
    assert "montecarlo" in exc.value.errors
    with pytest.raises(ScenarioError) as exc:
        chart_data("county_balance", results, montecarlo={"基准方案": pd.DataFrame({"year": [2016]})})
    assert "county_balance_p5" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        make_chart("lorenz", {})
    assert "scenarios" in exc.value.errors


def test_comparison_charts_are_the_same_charts(results):
    c = compare(results)
    pd.testing.assert_frame_equal(chart_data("transfers_by_town", c.results), chart_data("transfers_by_town", results))
    assert len(make_chart("lorenz", c.results, dpi=DPI).axes[0].lines) == 5


def test_chart_words_follow_the_language(results):
    zh = make_chart("county_balance", results, dpi=DPI)
    en = make_chart("county_balance", results, dpi=DPI, lang="en")
    assert zh.axes[0].get_title() == "县级收支余额" and en.axes[0].get_title() == "County balance"
    assert en.axes[0].get_xlabel() == "year" and "万元" in en.axes[0].get_ylabel()


def test_without_a_cjk_font_one_warning_and_a_chart_all_the_same(results, monkeypatch):
    monkeypatch.setattr(fonts, "PREFERRED_FAMILIES", ("No Such CJK Font",))
    fonts.reset()
    try:
        with pytest.warns(UserWarning, match="no CJK font found") as caught:
            rc = fonts.cjk_rc()
            fonts.cjk_rc()
        assert len([w for w in caught if "CJK" in str(w.message)]) == 1
        assert "font.sans-serif" not in rc
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # boxes for Chinese: expected here
            assert figure_bytes(make_chart("county_balance", results, dpi=DPI)).startswith(b"\x89PNG")
    finally:
        fonts.reset()


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists(), reason="needs fonts-wqy-microhei"
)
def test_a_font_installed_after_the_cache_was_built_is_found(tmp_path):
    """matplotlib's cached font list misses the CJK font: the lookup adds the font files it lacks."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True)
    (cache,) = tmp_path.glob("fontlist-*.json")
    fontlist = json.loads(cache.read_text())
    fontlist["ttflist"] = [f for f in fontlist["ttflist"] if "WenQuanYi" not in f["name"]]
    cache.write_text(json.dumps(fontlist))
    script = (
        "from matplotlib import font_manager as fm\n"
        "assert 'WenQuanYi Micro Hei' not in {f.name for f in fm.fontManager.ttflist}\n"
        "from fiscal_sim.io.fonts import cjk_rc\n"
        "print(cjk_rc()['font.sans-serif'][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "WenQuanYi Micro Hei"


# ------------------------------------------------------------------------------------------------
# a comparison at a glance: changes by town, Lorenz only where it tells something, sized for the page


@pytest.fixture(scope="module")
def with_losses(results) -> dict:
    """The two scenarios and a third with a smaller special budget: towns with projects lose resources."""
    base = results["基准方案"]
    less = fiscal_sim.simulate(base.scenario.with_overrides({"special_transfers.budget": 1000}))
    return {**results, "专项压缩": less}


def test_changes_by_town_are_the_comparisons_changes_largest_gain_first(with_losses):
    data = chart_data("changes_by_town", with_losses, baseline="基准方案")
    c = compare(with_losses, baseline="基准方案")
    assert list(dict.fromkeys(data["label"])) == ["增值税六成", "专项压缩"]  # every scenario but the baseline
    for label in ("增值税六成", "专项压缩"):
        rows = data[data["label"] == label]
        towns = c.towns[(c.towns["label"] == label) & (c.towns["year"] == LAST)]
        expected = towns.sort_values("resources_diff", ascending=False, kind="stable")
        np.testing.assert_array_equal(rows["resources_diff"].to_numpy(), expected["resources_diff"].to_numpy())
        assert rows["town"].tolist() == expected["town"].tolist() and (rows["baseline"] == "基准方案").all()
        assert rows["resources_diff"].is_monotonic_decreasing
    fig = make_chart("changes_by_town", with_losses, baseline="基准方案", dpi=DPI)
    assert len(fig.axes) == 2  # a panel per scenario compared
    for ax, label in zip(fig.axes, ("增值税六成", "专项压缩")):
        rows = data[data["label"] == label]
        widths = np.array([p.get_width() for p in ax.patches])
        np.testing.assert_allclose(widths, rows["resources_diff"].to_numpy(), atol=0.005)
        assert [t.get_text() for t in ax.get_yticklabels()] == rows["name"].tolist()
        assert ax.get_title() == f"{label}：各乡镇可用财力变化（相对基准方案，{LAST}年）"
        assert ax.get_xlabel() == "可用财力变化（万元）"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["增加", "减少"]
    bars = [p for ax in fig.axes for p in ax.patches]
    gains = {to_hex(p.get_facecolor()) for p in bars if p.get_width() > 0}
    losses = {to_hex(p.get_facecolor()) for p in bars if p.get_width() < 0}
    assert gains == {"#13795b"} and losses == {"#b42318"}  # the page's green and red
    en = make_chart("changes_by_town", with_losses, baseline="基准方案", dpi=DPI, lang="en")
    assert en.axes[0].get_title() == f"增值税六成: change in resources by town against 基准方案 ({LAST})"
    assert en.axes[0].get_xlabel() == "change in resources (万元)"


def test_changes_by_town_against_another_baseline_or_none(results):
    other = chart_data("changes_by_town", results, baseline="增值税六成")
    assert set(other["label"]) == {"基准方案"} and (other["resources_diff"] <= 0.005).all()  # the gains, reversed
    with pytest.raises(ScenarioError) as exc:
        chart_data("changes_by_town", results, baseline="nope")
    assert "baseline" in exc.value.errors
    alone = {"基准方案": results["基准方案"]}
    assert chart_data("changes_by_town", alone).empty
    fig = make_chart("changes_by_town", alone, dpi=DPI)
    assert "只有基准方案" in _texts(fig) and not fig.axes[0].patches


def test_lorenz_curves_that_nearly_coincide_are_drawn_once_with_each_gini(results):
    base = results["基准方案"]
    alike = {
        "基准方案": base,
        "返还系数": fiscal_sim.simulate(base.scenario.with_overrides({"tax_returns.coefficient": 0.31})),
    }
    assert lorenz_distance(chart_data("lorenz", alike), "基准方案") < LORENZ_TOLERANCE
    assert lorenz_distance(chart_data("lorenz", results), "基准方案") > LORENZ_TOLERANCE  # VAT 60%: apart
    fig = make_chart("lorenz", alike, dpi=DPI)
    ax, under = fig.axes
    assert len(ax.lines) == 3  # the line of equality, the baseline's after and before
    assert "几乎重合" in ax.get_title() and "只画基准方案" in ax.get_title()
    (table,) = under.tables
    cells = {(r, c): cell.get_text().get_text() for (r, c), cell in table.get_celld().items()}
    assert [cells[(0, c)] for c in range(3)] == ["方案", "基尼系数（转移支付前）", "基尼系数（转移支付后）"]
    for row, (label, result) in enumerate(alike.items(), start=1):
        last = result.indicators.iloc[-1]
        assert [cells[(row, c)] for c in range(3)] == [label, f"{last['gini_before']:.4f}", f"{last['gini_after']:.4f}"]
    en = make_chart("lorenz", alike, dpi=DPI, lang="en")
    assert "nearly coincide" in en.axes[0].get_title()
    assert not make_chart("lorenz", results, dpi=DPI).axes[0].tables  # apart: every curve, no table


def test_comparison_charts_fit_the_compare_page(results):
    """A wide chart fits the page's ~1,200 px content at the page's DPI; the others one of its two columns."""
    for name in CHARTS:
        fig = make_chart(name, results)
        width = fig.get_size_inches()[0] * fig.dpi
        assert width <= (1200 if name in ("transfers_by_town", "town_budgets") else 640), (name, width)


# ------------------------------------------------------------------------------------------------
# a Monte Carlo run


@pytest.fixture(scope="module")
def mc(results):
    return fiscal_sim.montecarlo(results["基准方案"].scenario, draws=64, seed=5)


def test_the_fan_chart_is_the_monte_carlo_percentiles_and_the_central_run(mc):
    data = montecarlo_chart_data(mc, "fan")
    central = mc.central.indicators
    for series in ("required_transfers", "county_balance"):
        for p in (5, 50, 95):
            np.testing.assert_array_equal(data[f"{series}_p{p}"], mc.summary[f"{series}_p{p}"])
        np.testing.assert_array_equal(data[f"{series}_central"], central[series])
    assert data["year"].tolist() == list(range(2016, 2021))
    fig = montecarlo_chart(mc, "fan", dpi=DPI)
    assert len(fig.axes) == 2
    for ax, series in zip(fig.axes, ("required_transfers", "county_balance")):
        (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
        low, high = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
        assert low == pytest.approx(data[f"{series}_p5"].min()) and high == pytest.approx(data[f"{series}_p95"].max())
        median, central_line = ax.lines[:2]
        np.testing.assert_array_equal(median.get_ydata(), data[f"{series}_p50"])
        np.testing.assert_array_equal(central_line.get_ydata(), data[f"{series}_central"])
    assert [ax.get_title() for ax in fig.axes] == ["弥补缺口所需转移支付", "县级收支余额"]
    assert fig.get_suptitle() == "GDP增长不确定性：64次模拟（随机数种子 5）"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "5%–95% 区间",
        "中位数（P50）",
        "中心情景（不加随机扰动）",
    ]
    en = montecarlo_chart(mc, "fan", dpi=DPI, lang="en")
    assert (
        en.get_suptitle() == "GDP growth uncertainty: 64 draws (seed 5)" and en.axes[1].get_title() == "county balance"
    )
    assert render(fig).startswith(b"\x89PNG")


def test_the_pilots_chart_is_each_pilots_probability_most_at_risk_on_top(mc):
    data = montecarlo_chart_data(mc, "pilots")
    expected = mc.pilots.sort_values("p_revoked", ascending=False, kind="stable")
    np.testing.assert_array_equal(data["p_revoked"], expected["p_revoked"])
    assert data["town"].tolist() == expected["town"].astype(str).tolist()
    fig = montecarlo_chart(mc, "pilots", dpi=DPI)
    (ax,) = fig.axes
    np.testing.assert_array_equal([p.get_width() for p in ax.patches], data["p_revoked"])
    assert [t.get_text() for t in ax.get_yticklabels()] == data["name"].tolist()
    assert ax.get_xlim() == (0, 1) and ax.get_title() == "试点镇被取消资格的概率（64次模拟）"
    assert f"{data['p_revoked'].iloc[0]:.1%}" in _texts(fig)  # each bar says its probability
    en = montecarlo_chart(mc, "pilots", dpi=DPI, lang="en")
    assert en.axes[0].get_xlabel() == "probability of losing the status by the last year"
    none = montecarlo_chart(dataclasses.replace(mc, pilots=mc.pilots.iloc[:0]), "pilots", dpi=DPI)
    assert "本方案没有试点镇" in _texts(none) and not none.axes[0].patches
    render(none)


def test_a_monte_carlo_chart_needs_a_known_name_and_a_run(mc, results):
    with pytest.raises(ScenarioError) as exc:
        montecarlo_chart(mc, "pie")
    assert "chart" in exc.value.errors and "fan, pilots" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        montecarlo_chart_data(results, "fan")
    assert "montecarlo" in exc.value.errors


# ------------------------------------------------------------------------------------------------
# goal seeking: the metric against the parameter


def test_the_solve_curve_is_the_metric_at_each_value_and_the_solution(make_scenario):
    # tiny county: required transfers 120 − 100s below s = 0.2 (T1 has a gap too), 100 − 50s above; 80 at 0.4
    curve = metric_curve(make_scenario(), VAT, "required_transfers", 80, bounds=(0, 1), points=5)
    np.testing.assert_allclose(curve.metrics, [120, 87.5, 75, 62.5, 50])
    data = solve_chart_data(curve)
    assert data["point"].tolist() == ["grid"] * 5 + ["solution"]
    assert data.iloc[-1]["value"] == pytest.approx(0.4) and data.iloc[-1]["metric"] == pytest.approx(80)
    assert (data["goal"] == 80).all() and (data["year"] == 2022).all() and (data["parameter"] == VAT).all()
    fig = solve_chart(curve, dpi=DPI)
    (ax,) = fig.axes
    line, goal_line, solution = ax.lines[0], ax.lines[1], ax.lines[2]
    np.testing.assert_array_equal(line.get_xdata(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(line.get_ydata(), curve.metrics)
    assert goal_line.get_ydata()[0] == 80
    assert solution.get_xdata()[0] == pytest.approx(0.4) and solution.get_ydata()[0] == pytest.approx(80)
    assert ax.get_xlabel() == "增值税 — 乡镇分成比例" and ax.get_ylabel() == "弥补缺口所需转移支付（万元）"
    assert fig.get_suptitle() == "弥补缺口所需转移支付（2022年）随参数的变化"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["弥补缺口所需转移支付（5个取值）", "目标值 80.00 万元", "求解结果：40.00%"]
    assert [t.get_text() for t in ax.get_xticklabels()][-1].endswith("%")  # a share, shown as %
    en = solve_chart(curve, dpi=DPI, lang="en")
    assert en.axes[0].get_xlabel() == "增值税 — town share" and "solution: 40.00%" in _texts(en)
    render(fig)


def test_a_target_out_of_reach_is_drawn_without_a_solution(make_scenario):
    curve = metric_curve(make_scenario(), VAT, "required_transfers", 10, points=3)
    assert curve.solution is None and "cannot reach" in curve.unreachable
    assert (solve_chart_data(curve)["point"] == "grid").all()
    fig = solve_chart(curve, dpi=DPI)
    assert fig.axes[0].get_title() == "搜索范围内达不到目标值" and len(fig.axes[0].lines) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": 2}, "points"),
        ({"target": "nope"}, "target"),
        ({"bounds": (1, 0)}, "bounds"),
        ({"year": 1999}, "year"),
    ],
)
def test_a_bad_curve_is_a_scenario_error(make_scenario, change, field):
    options = {"parameter": VAT, "target": "required_transfers", **change}
    with pytest.raises(ScenarioError) as exc:
        metric_curve(make_scenario(), **options)
    assert field in exc.value.errors


def test_values_are_shown_with_their_unit():
    assert shown_value(0.5460677347, catalogue.Unit.SHARE) == "54.61%"
    assert shown_value(-1234.5678, catalogue.Unit.SIGNED_MONEY, "万元") == "-1,234.57 万元"
    assert shown_value(0.123456, catalogue.Unit.RATIO) == "0.1235"
