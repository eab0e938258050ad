"""The charts (README): names, titles, axes and legends in both languages, once.

Texts may hold ``{year}``, ``{unit}``, ``{label}`` and ``{baseline}`` (a comparison's), ``{draws}`` and
``{seed}`` (a Monte Carlo run's), ``{parameter}`` and ``{target}`` (goal seeking's), filled in when a chart
is drawn. :data:`CHARTS` are a comparison's (the compare page, its workbook, ``POST charts``, the CLI);
:data:`ANALYSIS_CHARTS` are drawn from a Monte Carlo run or goal seeking (the analysis page).
"""

from __future__ import annotations

from dataclasses import dataclass

from .kinds import Text


@dataclass(frozen=True)
class Chart:
    name: str
    text: Text  # what the chart shows, as a link or a heading names it
    title: Text  # the title drawn on it
    x: Text
    y: Text

    def label(self, lang: str = "zh") -> str:
        return self.text.label(lang)


CHARTS: dict[str, Chart] = {
    c.name: c
    for c in (
        Chart(
            "transfers_by_town",
            Text("各乡镇一般性转移支付", "General transfers by town"),
            Text("各乡镇一般性转移支付（{year}年）", "General transfers by town ({year})"),
            Text("一般性转移支付（{unit}）", "general transfer ({unit})"),  # horizontal bars: the amount runs along x
            Text("乡镇", "town"),
        ),
        Chart(
            "town_budgets",
            Text("各乡镇财力构成与标准财政支出", "Town budgets and standard expenditure"),
            Text("{label}：各乡镇财力构成与标准财政支出（{year}年）", "{label}: town budgets and standard expenditure ({year})"),
            Text("乡镇", "town"),
            Text("金额（{unit}）", "amount ({unit})"),
        ),
        Chart(
            "county_balance",
            Text("县级收支余额（逐年）", "County balance by year"),
            Text("县级收支余额", "County balance"),
            Text("年度", "year"),
            Text("县级收支余额（{unit}）", "county balance ({unit})"),
        ),
        Chart(
            "lorenz",
            Text("洛伦兹曲线（转移支付前后）", "Lorenz curves (before and after transfers)"),
            Text("人均财力洛伦兹曲线（{year}年，按人口加权）", "Lorenz curves of per-capita resources ({year}, by population)"),
            Text("人口累计占比", "cumulative population share"),
            Text("财力累计占比", "cumulative resource share"),
        ),
        Chart(
            "changes_by_town",
            Text("各乡镇可用财力变化（相对基准）", "Change in resources by town (against the baseline)"),
            Text("{label}：各乡镇可用财力变化（相对{baseline}，{year}年）", "{label}: change in resources by town against {baseline} ({year})"),
            Text("可用财力变化（{unit}）", "change in resources ({unit})"),
            Text("乡镇", "town"),
        ),
    )
}  # fmt: skip

# the parameter-sweep chart (docs/model.md §1.12): a line over one parameter, a heat map over two;
# {metric} is the indicator's label, {parameter} a path's label. Not one of CHARTS, which compare scenarios.
SWEEP_CHART = Chart(
    "sweep",
    Text("参数扫描", "Parameter sweep"),
    Text("参数扫描：{metric}（{year}年）", "Parameter sweep: {metric} ({year})"),
    Text("{parameter}", "{parameter}"),
    Text("{metric}（{unit}）", "{metric} ({unit})"),
)

ANALYSIS_CHARTS: dict[str, Chart] = {
    c.name: c
    for c in (
        Chart(
            "fan",
            Text("蒙特卡洛分位数图", "Monte Carlo fan chart"),
            Text("GDP增长不确定性：{draws}次模拟（随机数种子 {seed}）", "GDP growth uncertainty: {draws} draws (seed {seed})"),
            Text("年度", "year"),
            Text("金额（{unit}）", "amount ({unit})"),
        ),
        Chart(
            "pilots",
            Text("试点镇被取消资格的概率", "Probability that a pilot town loses its status"),
            Text("试点镇被取消资格的概率（{draws}次模拟）", "Probability that a pilot town loses its status ({draws} draws)"),
            Text("模拟期内被取消资格的概率", "probability of losing the status by the last year"),
            Text("试点镇", "pilot town"),
        ),
        Chart(
            "solve",
            Text("目标求解曲线", "Goal seeking curve"),
            Text("{target}（{year}年）随参数的变化", "{target} ({year}) against the parameter"),
            Text("{parameter}", "{parameter}"),
            Text("{target}", "{target}"),
        ),
    )
}  # fmt: skip

MONTECARLO_CHARTS = ("fan", "pilots")  # of ANALYSIS_CHARTS, those of a Monte Carlo run (POST montecarlo's chart)

# words that charts share
LEGEND_SCENARIO = Text("方案", "scenario")
MONTECARLO_BAND = Text("{label}：蒙特卡洛 5%–95% 区间", "{label}: Monte Carlo 5–95% band")
EQUALITY_LINE = Text("绝对平均线", "line of equality")
GAIN = Text("增加", "gain")
LOSS = Text("减少", "loss")
NOTHING_TO_COMPARE = Text("只有基准方案，没有可比较的方案", "only the baseline: no scenario to compare with it")
LORENZ_COINCIDE = Text(
    "各方案的洛伦兹曲线几乎重合（相差不到 {distance}），只画{baseline}",
    "The scenarios' curves nearly coincide (less than {distance} apart): {baseline} only",
)
GINI = Text("基尼系数", "Gini")
MONTECARLO_RANGE = Text("5%–95% 区间", "5–95% band")
MONTECARLO_MEDIAN = Text("中位数（P50）", "median (P50)")
CENTRAL_RUN = Text("中心情景（不加随机扰动）", "central run (no noise)")
NO_PILOTS = Text("本方案没有试点镇", "this scenario has no pilot towns")
SOLVE_CURVE = Text("{target}（{points}个取值）", "{target} ({points} values)")
SOLVE_GOAL = Text("目标值 {goal}", "target {goal}")
SOLVE_SOLUTION = Text("求解结果：{value}", "solution: {value}")
SOLVE_NOT_REACHED = Text("搜索范围内达不到目标值", "the target is not reached in the search range")
WITH_UNIT = Text("{label}（{unit}）", "{label} ({unit})")
CHART_FORMATS = ("png", "svg", "csv")
