"""A Monte Carlo run's charts (fiscal_sim.io.charts.montecarlo): the fan is the run's percentiles and central
run, the pilots chart each pilot's probability of losing its status."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import fiscal_sim
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.charts import montecarlo_chart, montecarlo_chart_data

from .charts_helpers import DPI, _texts, render


@pytest.fixture(scope="module")
def mc(chart_results):
    return fiscal_sim.montecarlo(chart_results["基准方案"].scenario, draws=64, seed=5)


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


def test_a_monte_carlo_chart_needs_a_known_name_and_a_run(mc, chart_results):
    with pytest.raises(ScenarioError) as exc:
        montecarlo_chart(mc, "pie")
    assert "chart" in exc.value.errors and "fan, pilots" in exc.value.one_line()
    with pytest.raises(ScenarioError) as exc:
        montecarlo_chart_data(chart_results, "fan")
    assert "montecarlo" in exc.value.errors
