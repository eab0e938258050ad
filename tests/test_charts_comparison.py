"""A comparison's charts (fiscal_sim.io.charts.comparison): Chinese labels render without missing glyphs, the
drawn numbers are the comparison's numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import fiscal_sim
from fiscal_sim.analysis.compare import compare
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.charts import CHARTS, LORENZ_TOLERANCE, chart_data, figure_bytes, lorenz_distance, make_chart

from .charts_helpers import DPI, LAST, _texts, render


@pytest.fixture(scope="module")
def montecarlo(chart_results) -> dict:
    """A Monte Carlo summary in the docs/model.md §1.9 format, made up around the central run."""
    ind = chart_results["基准方案"].indicators
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


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_renders_chinese_without_missing_glyphs(chart_results, montecarlo, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = make_chart(name, chart_results, montecarlo=montecarlo, dpi=DPI)
    png = render(fig)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    text = _texts(fig)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # Chinese in titles, axes, legends


def test_transfers_by_town_has_one_bar_per_town_and_scenario(chart_results):
    fig = make_chart("transfers_by_town", chart_results, dpi=DPI)
    (ax,) = fig.axes
    n_towns = len(chart_results["基准方案"].scenario.towns)
    assert len(ax.patches) == n_towns * len(chart_results)  # 16 towns × 2 scenarios
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(chart_results)
    labels = [t.get_text() for t in ax.get_yticklabels()]  # horizontal bars: town names read across
    assert labels[0] == "沣河店镇" and len(labels) == n_towns
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first town on top
    data = chart_data("transfers_by_town", chart_results)
    for label, result in chart_results.items():
        towns = result.towns[result.towns["year"] == LAST]
        rows = data[data["label"] == label]
        np.testing.assert_array_equal(rows["general_transfer"].to_numpy(), towns["general_transfer"].to_numpy())
        assert rows["town"].tolist() == towns["town"].astype(str).tolist()
    widths = np.array([p.get_width() for p in ax.patches])
    np.testing.assert_array_equal(widths, data["general_transfer"].to_numpy())  # bars drawn scenario by scenario


def test_transfers_by_town_takes_a_year(chart_results):
    data = chart_data("transfers_by_town", chart_results, year=2017)
    base = chart_results["基准方案"].towns
    expected = base.loc[base["year"] == 2017, "general_transfer"].to_numpy()
    np.testing.assert_array_equal(data.loc[data["label"] == "基准方案", "general_transfer"].to_numpy(), expected)
    assert "2017" in make_chart("transfers_by_town", chart_results, year=2017, dpi=DPI).axes[0].get_title()


def test_town_budgets_stacks_three_parts_per_town_in_one_panel_per_scenario(chart_results):
    fig = make_chart("town_budgets", chart_results, dpi=DPI)
    assert len(fig.axes) == len(chart_results)
    data = chart_data("town_budgets", chart_results)
    for ax, (label, result) in zip(fig.axes, chart_results.items()):
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


def test_county_balance_draws_a_line_per_scenario_and_the_monte_carlo_band(chart_results, montecarlo):
    fig = make_chart("county_balance", chart_results, montecarlo=montecarlo, dpi=DPI)
    (ax,) = fig.axes
    assert len(ax.lines) == len(chart_results) + 1  # one per scenario and the zero line
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1  # only the baseline has a Monte Carlo summary
    for line, result in zip(ax.lines, chart_results.values()):
        np.testing.assert_array_equal(line.get_ydata(), result.indicators["county_balance"].to_numpy())
    data = chart_data("county_balance", chart_results, montecarlo=montecarlo)
    base = data[data["label"] == "基准方案"]
    np.testing.assert_array_equal(base["county_balance_p95"], montecarlo["基准方案"]["county_balance_p95"])
    assert data.loc[data["label"] == "增值税六成", "county_balance_p5"].isna().all()
    plain = make_chart("county_balance", chart_results, dpi=DPI)
    assert not [c for c in plain.axes[0].collections if isinstance(c, PolyCollection)]


def test_lorenz_curves_match_the_result_gini(chart_results):
    fig = make_chart("lorenz", chart_results, dpi=DPI)
    (ax,) = fig.axes
    assert len(ax.lines) == 1 + 2 * len(chart_results)  # equality line, before and after per scenario
    data = chart_data("lorenz", chart_results, year=2018)
    n_towns = len(chart_results["基准方案"].scenario.towns)
    for label, result in chart_results.items():
        ind = result.indicators.set_index("year").loc[2018]
        for curve, column in (("before", "gini_before"), ("after", "gini_after")):
            points = data[(data["label"] == label) & (data["curve"] == curve)]
            assert len(points) == n_towns + 1 and points["resource_share"].iloc[-1] == pytest.approx(1.0)
            p, share = points["population_share"].to_numpy(), points["resource_share"].to_numpy()
            gini = 1.0 - np.sum(np.diff(p) * (share[1:] + share[:-1]))  # trapezoids under the curve
            assert gini == pytest.approx(ind[column], abs=1e-12)


def test_unknown_chart_year_format_and_montecarlo_are_errors(chart_results, montecarlo):
    with pytest.raises(ScenarioError) as exc:
        make_chart("pie", chart_results)
    assert "chart" in exc.value.errors and "pie" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        chart_data("lorenz", chart_results, year=1999)
    assert "year" in exc.value.errors and "2016-2020" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        figure_bytes(Figure(), "gif")
    assert "format" in exc.value.errors
    with pytest.raises(ScenarioError) as exc:
        chart_data("county_balance", chart_results, montecarlo={"other": montecarlo["基准方案"]})
    assert "montecarlo" in exc.value.errors
    with pytest.raises(ScenarioError) as exc:
        chart_data("county_balance", chart_results, montecarlo={"基准方案": pd.DataFrame({"year": [2016]})})
    assert "county_balance_p5" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        make_chart("lorenz", {})
    assert "scenarios" in exc.value.errors


def test_comparison_charts_are_the_same_charts(chart_results):
    c = compare(chart_results)
    pd.testing.assert_frame_equal(
        chart_data("transfers_by_town", c.results), chart_data("transfers_by_town", chart_results)
    )
    assert len(make_chart("lorenz", c.results, dpi=DPI).axes[0].lines) == 5


def test_chart_words_follow_the_language(chart_results):
    zh = make_chart("county_balance", chart_results, dpi=DPI)
    en = make_chart("county_balance", chart_results, dpi=DPI, lang="en")
    assert zh.axes[0].get_title() == "县级收支余额" and en.axes[0].get_title() == "County balance"
    assert en.axes[0].get_xlabel() == "year" and "万元" in en.axes[0].get_ylabel()


# ------------------------------------------------------------------------------------------------
# a comparison at a glance: changes by town, Lorenz only where it tells something, sized for the page


@pytest.fixture(scope="module")
def with_losses(chart_results) -> dict:
    """The two scenarios and a third with a smaller special budget: towns with projects lose resources."""
    base = chart_results["基准方案"]
    less = fiscal_sim.simulate(base.scenario.with_overrides({"special_transfers.budget": 1000}))
    return {**chart_results, "专项压缩": less}


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


def test_changes_by_town_against_another_baseline_or_none(chart_results):
    other = chart_data("changes_by_town", chart_results, baseline="增值税六成")
    assert set(other["label"]) == {"基准方案"} and (other["resources_diff"] <= 0.005).all()  # the gains, reversed
    with pytest.raises(ScenarioError) as exc:
        chart_data("changes_by_town", chart_results, baseline="nope")
    assert "baseline" in exc.value.errors
    alone = {"基准方案": chart_results["基准方案"]}
    assert chart_data("changes_by_town", alone).empty
    fig = make_chart("changes_by_town", alone, dpi=DPI)
    assert "只有基准方案" in _texts(fig) and not fig.axes[0].patches


def test_lorenz_curves_that_nearly_coincide_are_drawn_once_with_each_gini(chart_results):
    base = chart_results["基准方案"]
    alike = {
        "基准方案": base,
        "返还系数": fiscal_sim.simulate(base.scenario.with_overrides({"tax_returns.coefficient": 0.31})),
    }
    assert lorenz_distance(chart_data("lorenz", alike), "基准方案") < LORENZ_TOLERANCE
    assert lorenz_distance(chart_data("lorenz", chart_results), "基准方案") > LORENZ_TOLERANCE  # VAT 60%: apart
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
    assert not make_chart("lorenz", chart_results, dpi=DPI).axes[0].tables  # apart: every curve, no table


def test_comparison_charts_fit_the_compare_page(chart_results):
    """A wide chart fits the page's ~1,200 px content at the page's DPI; the others one of its two columns."""
    for name in CHARTS:
        fig = make_chart(name, chart_results)
        width = fig.get_size_inches()[0] * fig.dpi
        assert width <= (1200 if name in ("transfers_by_town", "town_budgets") else 640), (name, width)
