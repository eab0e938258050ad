"""The charts (README): names, titles, axes and legends in both languages, once.

Texts may hold ``{year}``, ``{unit}`` and ``{label}``, filled in when a chart is drawn.
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
            Text("乡镇", "town"),
            Text("一般性转移支付（{unit}）", "general transfer ({unit})"),
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

# words that charts share
LEGEND_SCENARIO = Text("方案", "scenario")
MONTECARLO_BAND = Text("{label}：蒙特卡洛 5%–95% 区间", "{label}: Monte Carlo 5–95% band")
EQUALITY_LINE = Text("绝对平均线", "line of equality")
CHART_FORMATS = ("png", "svg", "csv")
