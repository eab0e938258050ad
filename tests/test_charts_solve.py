"""Goal seeking's chart (fiscal_sim.io.charts.solve): the metric against the parameter, the goal and the
solution."""

from __future__ import annotations

import numpy as np
import pytest

from fiscal_sim.analysis.curve import metric_curve
from fiscal_sim.errors import ScenarioError
from fiscal_sim.io.charts import solve_chart, solve_chart_data

from .charts_helpers import DPI, _texts, render

VAT = "revenue_items.vat.split.town_share"


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
