"""Charts: Chinese labels render without missing glyphs, the drawn numbers are the result's numbers."""

from __future__ import annotations

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
from matplotlib.figure import Figure

import fiscal_sim
from fiscal_sim.analysis.compare import compare
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io import fonts
from fiscal_sim.io.charts import CHARTS, chart_data, figure_bytes, make_chart

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DPI = 80
LAST = 2020


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
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(results)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "沣河店镇" and len(labels) == n_towns
    data = chart_data("transfers_by_town", results)
    for label, result in results.items():
        towns = result.towns[result.towns["year"] == LAST]
        rows = data[data["label"] == label]
        np.testing.assert_array_equal(rows["general_transfer"].to_numpy(), towns["general_transfer"].to_numpy())
        assert rows["town"].tolist() == towns["town"].astype(str).tolist()
    heights = np.array([p.get_height() for p in ax.patches])
    np.testing.assert_array_equal(heights, data["general_transfer"].to_numpy())  # bars drawn scenario by scenario


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
