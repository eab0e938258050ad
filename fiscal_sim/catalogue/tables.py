"""Every table column, once: the input tables (towns, projects) and every result frame (docs/model.md §1.6).

Result frames, workbooks, page tables, charts, ``explain`` and the glossary take their column names,
units and words from here.
"""

from __future__ import annotations

from .choices import Curve, Outcome, ProjectReason
from .kinds import Column, Table, Text, Unit


def _c(key, kind, zh, en, help_zh="", help_en="", **kw) -> Column:
    return Column(key, kind, Text(zh, en, help_zh, help_en), **kw)


def _money(key, zh, en, help_zh="", help_en="", **kw) -> Column:
    return _c(key, "number", zh, en, help_zh, help_en, unit=Unit.MONEY, **kw)


def _signed(key, zh, en, help_zh="", help_en="", **kw) -> Column:
    return _c(key, "number", zh, en, help_zh, help_en, unit=Unit.SIGNED_MONEY, **kw)


YEAR = _c("year", "integer", "年度", "year", unit=Unit.YEAR)
TOWN = _c("town", "text", "乡镇代码", "town id")
NAME = _c("name", "text", "乡镇", "town")
PILOT = _c("pilot", "bool", "试点镇", "pilot town", "当年试点资格是否有效", "pilot status in force that year")
LABEL = _c("label", "text", "方案", "scenario")

# ------------------------------------------------------------------------------------------------
# input tables

TOWNS_INPUT = Table(
    "towns",
    Text("乡镇表", "towns table", "各乡镇基期数据，一行一个乡镇", "each town's base-year data, one row a town"),
    (
        _c("id", "text", "乡镇代码", "town id", "唯一", "unique"),
        _c("name", "text", "乡镇名称", "town name"),
        _c("pilot", "bool", "是否试点镇", "pilot town", "是/否、TRUE/FALSE 或 1/0", "true/false, 1/0 or 是/否"),
        _c("population", "number", "人口", "population", "常住人口（人）", "residents", unit=Unit.COUNT),
        _c("area_km2", "number", "面积（平方公里）", "area (km²)", unit=Unit.FACTOR),
        _money("gdp", "地区生产总值", "GDP", "基期", "base year"),
    ),
)  # fmt: skip

# columns of the towns table that scenarios name (drivers, factors, bases) and that have a usual meaning:
# not required, but known by name, so pages, workbooks and explanations call them by their label
TOWN_DATA = Table(
    "town_data",
    Text("乡镇表常用列", "common towns columns", "支出因素、成本差异系数、基数等常用列", "drivers, cost factors, bases and the like"),
    (
        _c("students", "number", "义务教育在校生", "pupils", "人", "compulsory-education pupils", unit=Unit.COUNT, required=False),
        _c("elderly", "number", "60岁以上人口", "residents aged 60+", unit=Unit.COUNT, required=False),
        _c("road_km", "number", "农村公路里程（公里）", "rural roads (km)", unit=Unit.FACTOR, required=False),
        _c("farmland_mu", "number", "耕地面积（亩）", "farmland (mu)", unit=Unit.FACTOR, required=False),
        _c("remoteness", "number", "偏远系数", "remoteness factor", "支出成本差异系数，1为一般", "cost factor, 1 for an ordinary town", unit=Unit.FACTOR, required=False),
        _c("cost_factor_edu", "number", "教育成本差异系数", "education cost factor", unit=Unit.FACTOR, required=False),
        _money("remittance", "定额上解", "fixed remittance", "每年上解县的定额", "the yearly fixed remittance", required=False),
        _money("tax_return", "税收返还基数", "tax-return base", "基期税收返还额", "the base-year tax return", required=False),
        _money("return_after_vat_shift", "调整后税收返还基数", "tax-return base after the VAT shift", required=False),
        _money("value_added", "二三产业增加值", "value added (industry and services)", "标准收入法的税基", "the tax base of standard revenue", required=False),
        _c("growth_plan", "number", "规划GDP增速", "planned GDP growth", unit=Unit.RATE, required=False),
    ),
)  # fmt: skip

PROJECTS_INPUT = Table(
    "projects",
    Text("项目表", "projects table", "申报专项转移支付的项目，一行一个项目", "projects applying for special transfers, one row a project"),
    (
        _c("id", "text", "项目代码", "project id", "唯一", "unique"),
        _c("town", "text", "所在乡镇代码", "town id"),
        _c("year", "integer", "申报年度", "year applied for", unit=Unit.YEAR),
        _c("category", "text", "项目类别", "category"),
        _money("cost", "项目总投资", "total cost"),
        _money("grant", "补助金额", "grant", "申请的专项补助", "the grant asked for"),
        _c("score", "number", "评审得分", "score", unit=Unit.SCORE),
        _c("key_project", "bool", "重点项目", "key project", "是/否、TRUE/FALSE 或 1/0", "true/false, 1/0 or 是/否"),
        _c("cofinancing_rate", "number", "乡镇配套比例", "co-financing rate", "乡镇配套资金占总投资的比例", "the town's share of the cost", unit=Unit.SHARE),
    ),
)  # fmt: skip

# ------------------------------------------------------------------------------------------------
# result frames (docs/model.md §1.6)

TOWNS = Table(
    "towns",
    Text("乡镇", "towns", "每年每个乡镇一行", "one row per year and town"),
    (
        YEAR, TOWN, NAME, PILOT,
        _money("gdp", "地区生产总值", "GDP", formula="gdp[i,t] = gdp[i,t−1]·(1 + g[i,t])"),
        _c("population", "number", "人口", "population", unit=Unit.COUNT),
        _money("revenue_collected", "辖区征收收入", "revenue collected", "在乡镇辖区征收的各项收入合计", "all items collected in the town", formula="Σk R[i,k,t]"),
        _money("town_retained", "乡镇本级收入", "town share of revenue", "按分成规则留归乡镇的收入（上解前）", "what the split leaves the town, before remittances", formula="Σk town[i,k,t]"),
        _money("county_retained", "县级分享收入", "county share of revenue", "按分成规则归县的收入", "what the split gives the county", formula="Σk (R − town)[i,k,t]"),
        _money("remittance", "定额上解", "fixed remittance", "核定收支合同生效时不再收取", "not charged while a contract is in force", formula="remittance[i]"),
        _signed("own_revenue", "乡镇自有财力", "own revenue", "乡镇本级收入减定额上解和超收上缴", "the town's share less its remittance and over-collection paid to the county", formula="Σk town[k] − remittance − over_collection_to_county"),
        _signed("capacity", "标准财政收入", "fiscal capacity", "按计入比例折算的乡镇本级收入（或标准收入）减上解，加税收返还", "the town's shares (or standard revenue) at their capacity rates, less remittance, plus tax return", formula="Σk capacity_rate[k]·town*[k] − remittance + tax_return"),
        _money("standard_expenditure", "标准财政支出", "standard expenditure", "乡镇承担的各项事权按标准公式测算的支出", "the town's responsibilities costed by formula", formula="Σf town_share[f]·need[i,f,t]"),
        _money("gap", "标准财政收支缺口", "fiscal gap", "标准财政支出减标准财政收入，不小于0", "standard expenditure less capacity, at least 0", formula="max(0, standard_expenditure − capacity)"),
        _money("general_transfer", "一般性转移支付", "general transfer", "县对乡镇的均衡性转移支付（含基本财力保障）", "the county's equalization transfer to the town (its floor included)", formula="T[i,t]"),
        _money("special_transfer", "专项转移支付", "special transfers", "当年安排的专项项目补助", "grants of projects funded that year"),
        _money("cofinancing", "配套资金", "co-financing", "乡镇为专项项目配套的资金", "what the town pays towards its funded projects", formula="Σ cost·cofinancing_rate"),
        _signed("balance", "乡镇收支余额", "town balance", "自有财力 + 税收返还 + 定额补助 + 奖励 + 一般性转移支付 − 标准财政支出 − 配套资金", "own revenue + tax return + contract transfer + reward + general transfer − standard expenditure − co-financing", formula="own_revenue + tax_return + contract_transfer + incentive + general_transfer − standard_expenditure − cofinancing"),
        _signed("resources", "可用财力", "resources", "自有财力 + 税收返还 + 定额补助 + 奖励 + 一般性和专项转移支付", "own revenue + tax return + contract transfer + reward + general and special transfers", formula="own_revenue + tax_return + contract_transfer + incentive + general_transfer + special_transfer"),
        _c("resources_per_capita", "number", "人均可用财力", "resources per capita", unit=Unit.MONEY_PER_CAPITA, formula="resources ÷ population"),
        _money("protected_need", "三保支出需求", "protected need", "标准财政支出中保工资、保运转、保基本民生的部分", "the part of standard expenditure that is wages, running costs and basic livelihoods", formula="Σf protected[f]·town_share[i,f]·need[i,f,t]"),
        _money("floor", "基本财力保障", "floor", "三保支出需求减实有财力，不小于0；先足额安排", "protected need less what the town has, at least 0; paid first and in full", formula="max(0, protected_need − (own_revenue + tax_return + contract_transfer))"),
        _money("tax_return", "税收返还", "tax return", "上年返还 ×（1 + c × 挂钩税收增长率），下降时全额扣减", "last year's return × (1 + c × growth of the items); a fall is passed on in full", formula="tax_return[t−1]·(1 + c·growth)"),
        _signed("contract_transfer", "定额补助（上解）", "contract transfer", "核定支出基数 − 核定收入基数，加县保底补足的短收；负数为定额上解", "expenditure base − revenue base, plus any shortfall the county makes up; negative is a fixed remittance", formula="(B_E − B_R) + shortfall made up"),
        _money("over_collection_to_county", "超收上缴", "over-collection to the county", "超过收入基数部分中上缴县的份额", "the county's share of what the town collects above its revenue base", formula="(1 − over_share)·max(R − B_R, 0)"),
        _money("incentive", "超收奖励", "reward", "收入增长超过门槛部分的奖励", "reward for collection growth above the threshold", formula="ρ·max(0, C[t] − C[t−1]·(1 + θ))"),
    ),
)  # fmt: skip

REVENUE = Table(
    "revenue",
    Text("分项收入", "revenue by item", "每年每个乡镇每个收入项目一行", "one row per year, town and item"),
    (
        YEAR, TOWN,
        _c("item", "text", "收入项目", "revenue item"),
        _money("collected", "征收额", "collected", formula="R[i,k,t] = R[i,k,t−1]·(1 + elasticity[k]·g[i,t])"),
        _money("to_town", "归乡镇", "to the town", formula="town[i,k,t]"),
        _money("to_county", "归县", "to the county", formula="R − town"),
    ),
)  # fmt: skip

COUNTY = Table(
    "county",
    Text("县本级收支", "county budget", "每年一行", "one row per year"),
    (
        YEAR,
        _money("own_revenue", "县本级收入", "county own revenue"),
        _money("shared_revenue", "县级分享收入", "county share of revenue", formula="Σi county_retained"),
        _money("remittances", "乡镇上解收入", "remittances received", formula="Σi remittance (towns under a contract remit none)"),
        _money("upper_transfers", "上级转移支付", "transfers from above"),
        _money("total_revenue", "县级收入合计", "county total revenue", formula="own_revenue + shared_revenue + remittances + over_collection_received + upper_transfers + upper_special_grants"),
        _money("own_expenditure", "县本级支出", "county own expenditure"),
        _money("town_function_expenditure", "县级承担的乡镇事权支出", "county's share of town functions", formula="Σi Σf (1 − town_share[f])·need[i,f,t]"),
        _money("general_transfers_paid", "一般性转移支付", "general transfers", formula="Σi general_transfer"),
        _money("special_transfers_paid", "专项转移支付", "special transfers", formula="Σi special_transfer"),
        _signed("balance", "县级收支余额", "county balance", formula="total_revenue − own_expenditure − town functions − general − special − tax returns − contract transfers − rewards"),
        _money("over_collection_received", "超收上缴收入", "over-collection received", formula="Σi over_collection_to_county"),
        _money("upper_special_grants", "上级专项资金", "higher-level special grants", "上级下达、县转拨给乡镇的专项资金（收支两条线）", "earmarked money from above passed to towns (received and paid)"),
        _money("tax_returns_paid", "税收返还支出", "tax returns paid", formula="Σi tax_return"),
        _signed("contract_transfers_paid", "定额补助支出（净）", "contract transfers paid (net)", "定额补助减定额上解", "fixed subsidies less fixed remittances", formula="Σi contract_transfer"),
        _money("incentives_paid", "超收奖励支出", "rewards paid", formula="Σi incentive"),
        _money("pool_overrun", "资金超支", "pool overrun", "基本财力保障超过资金的部分（县仍须支付）", "what the floors cost beyond the pool (paid all the same)", formula="max(0, Σ floor − P)"),
    ),
)  # fmt: skip

INDICATORS = Table(
    "indicators",
    Text("主要指标", "indicators", "每年一行", "one row per year"),
    (
        YEAR,
        _money("required_transfers", "弥补缺口所需转移支付", "required transfers", "全额弥补各乡镇缺口所需资金", "what covering every gap in full would cost", formula="Σi gap"),
        _money("general_transfers", "一般性转移支付", "general transfers", formula="Σi general_transfer"),
        _c("coverage", "number", "缺口弥补率", "coverage", "一般性转移支付 ÷ 所需转移支付", "general transfers ÷ required transfers", unit=Unit.SHARE, formula="general ÷ required (1 when nothing is required)"),
        _money("special_transfers", "专项转移支付", "special transfers"),
        _signed("county_balance", "县级收支余额", "county balance"),
        _c("gini_before", "number", "基尼系数（转移支付前）", "Gini before transfers", "按人口加权的人均自有财力基尼系数", "population-weighted Gini of per-capita own revenue", unit=Unit.RATIO),
        _c("gini_after", "number", "基尼系数（转移支付后）", "Gini after transfers", "按人口加权的人均可用财力基尼系数", "population-weighted Gini of per-capita resources", unit=Unit.RATIO),
        _c("cv_before", "number", "变异系数（转移支付前）", "CV before transfers", unit=Unit.RATIO),
        _c("cv_after", "number", "变异系数（转移支付后）", "CV after transfers", unit=Unit.RATIO),
        _c("pilots_active", "integer", "试点镇数", "pilot towns", unit=Unit.COUNT),
    ),
)  # fmt: skip

PROJECTS = Table(
    "projects",
    Text("专项项目", "projects", "每个项目一行", "one row per project"),
    (
        _c("id", "text", "项目代码", "project id"),
        TOWN,
        _c("category", "text", "项目类别", "category"),
        _money("grant", "补助金额", "grant"),
        _money("cofinancing", "配套资金", "co-financing", formula="cost·cofinancing_rate"),
        _c("funded", "bool", "是否安排", "funded"),
        _c("year_funded", "integer", "安排年度", "year funded", unit=Unit.YEAR),
        _c("reason", "choice", "安排结果", "outcome", choices=ProjectReason),
        _c("year", "integer", "申报年度", "year applied for", unit=Unit.YEAR, required=False),
        _money("cost", "项目总投资", "total cost", required=False),
        _c("score", "number", "评审得分", "score", unit=Unit.SCORE, required=False),
        _c("key_project", "bool", "重点项目", "key project", required=False),
    ),
)  # fmt: skip

REVOCATIONS = Table(
    "revocations",
    Text("取消试点", "revocations", "失去试点资格的乡镇", "pilot towns that lost their status"),
    (
        TOWN, NAME,
        _c("revoked_from", "integer", "取消试点年度", "revoked from", "首个非试点年度", "the first year as a non-pilot", unit=Unit.YEAR),
        _c("reason", "text", "原因", "reason"),
    ),
)  # fmt: skip

# ------------------------------------------------------------------------------------------------
# comparisons, Monte Carlo, charts (docs/model.md §1.6 compare, §1.9)

SUMMARY = Table(
    "summary",
    Text("方案汇总", "summary", "每个方案一行，整个模拟期", "one row per scenario over the whole period"),
    (
        LABEL,
        _c("name", "text", "方案名称", "scenario name"),
        _c("unit", "text", "金额单位", "unit"),
        _c("first_year", "integer", "首年", "first year", unit=Unit.YEAR),
        _c("last_year", "integer", "末年", "last year", unit=Unit.YEAR),
        _money("required_transfers", "弥补缺口所需转移支付（合计）", "required transfers (sum)"),
        _money("general_transfers", "一般性转移支付（合计）", "general transfers (sum)"),
        _c("coverage", "number", "缺口弥补率（合计）", "coverage (whole period)", unit=Unit.SHARE),
        _money("special_transfers", "专项转移支付（合计）", "special transfers (sum)"),
        _signed("county_balance", "县级收支余额（合计）", "county balance (sum)"),
        _signed("county_balance_min", "最低年度县级收支余额", "lowest yearly county balance"),
        _c("county_balance_min_year", "integer", "最低余额年度", "year of the lowest balance", unit=Unit.YEAR),
        _c("gini_before", "number", "基尼系数（转移支付前，末年）", "Gini before (last year)", unit=Unit.RATIO),
        _c("gini_after", "number", "基尼系数（转移支付后，末年）", "Gini after (last year)", unit=Unit.RATIO),
        _c("cv_before", "number", "变异系数（转移支付前，末年）", "CV before (last year)", unit=Unit.RATIO),
        _c("cv_after", "number", "变异系数（转移支付后，末年）", "CV after (last year)", unit=Unit.RATIO),
        _c("pilots_active", "integer", "试点镇数（末年）", "pilot towns (last year)", unit=Unit.COUNT),
    ),
)  # fmt: skip

KEY_TOWN_COLUMNS = ("own_revenue", "general_transfer", "special_transfer", "resources", "balance", "gap")

DIFFERENCES = Table(
    "differences",
    Text(
        "各乡镇变化",
        "differences by town",
        "每个方案、年度、乡镇一行：基准、本方案与变化",
        "per scenario, year and town: baseline, scenario and change",
    ),
    (LABEL, YEAR, TOWN, NAME),
)

YEAR_DIFFERENCES = Table(
    "year_differences",
    Text("逐年指标变化", "differences by year", "每个方案、年度、指标一行", "per scenario, year and metric"),
    (
        LABEL, YEAR,
        _c("metric", "text", "指标", "metric"),
        _c("baseline", "number", "基准", "baseline"),
        _c("scenario", "number", "本方案", "scenario"),
        _c("difference", "number", "变化", "change"),
    ),
)  # fmt: skip

WINNERS_LOSERS = Table(
    "winners_losers",
    Text("得失排序", "winners and losers", "按可用财力变化排序的乡镇", "towns ranked by the change in resources"),
    (
        LABEL,
        _c("rank", "integer", "排名", "rank", unit=Unit.COUNT),
        TOWN, NAME,
        _signed("resources_baseline", "可用财力（基准，合计）", "resources, baseline (sum)"),
        _signed("resources_scenario", "可用财力（本方案，合计）", "resources, scenario (sum)"),
        _signed("change", "变化", "change"),
        _c("change_pct", "number", "变化率", "change (%)", unit=Unit.RATE),
        _c("outcome", "choice", "结果", "outcome", choices=Outcome),
    ),
)  # fmt: skip

SETTINGS = Table(
    "settings",
    Text("与基准不同的设置", "settings that differ", "每个方案与基准不同的设置", "each scenario's settings that differ from the baseline"),
    (
        LABEL,
        _c("path", "text", "设置项", "setting"),
        _c("baseline", "text", "基准", "baseline"),
        _c("scenario", "text", "本方案", "scenario"),
    ),
)  # fmt: skip

MONTECARLO_SERIES = ("required_transfers", "general_transfers", "county_balance")
PERCENTILES = (5, 50, 95)

MONTECARLO_SUMMARY = Table(
    "montecarlo_summary",
    Text("蒙特卡洛汇总", "Monte Carlo summary", "每年一行：各序列的分位数与均值", "one row per year: percentiles and mean of each series"),
    (
        YEAR,
        _c("p_county_deficit", "number", "县级赤字概率", "P(county deficit)", "县级收支余额小于0的概率", "probability that the county balance is below 0", unit=Unit.PROBABILITY),
    ),
)  # fmt: skip

MONTECARLO_PILOTS = Table(
    "montecarlo_pilots",
    Text("试点镇取消资格概率", "pilot revocation", "每个基期试点镇一行", "one row per base-year pilot town"),
    (
        TOWN, NAME,
        _c("p_revoked", "number", "取消试点概率", "P(revoked)", "模拟期内被取消试点资格的概率", "probability of losing pilot status by the last year", unit=Unit.PROBABILITY),
        _c("p_non_pilot_last_year", "number", "末年非试点概率", "P(not a pilot in the last year)", unit=Unit.PROBABILITY),
        _c("mean_revoked_from", "number", "平均取消年度", "mean year revoked", unit=Unit.YEAR),
    ),
)  # fmt: skip

# a parameter sweep (docs/model.md §1.12): a column per parameter, named by its path, leads each row
SWEEP = Table(
    "sweep",
    Text(
        "参数扫描",
        "parameter sweep",
        "每个参数取值组合、每年一行：各参数的取值（列名为设置项路径），随后为主要指标",
        "one row per combination of values and year: each parameter's value (the column named by its path), then the indicators",
    ),
    INDICATORS.columns,
)

CHART_DATA = Table(
    "chart_data",
    Text("图表数据", "chart data", "图表背后的数字", "the numbers behind a chart"),
    (
        LABEL, YEAR, TOWN, NAME,
        _signed("returns_and_settlements", "税收返还和体制结算", "returns and settlements", "税收返还 + 定额补助（上解为负）+ 超收奖励", "tax return + contract transfer (negative when remitting) + reward", formula="tax_return + contract_transfer + incentive"),
        _c("curve", "choice", "曲线", "curve", choices=Curve),
        _c("point", "integer", "点", "point", unit=Unit.COUNT),
        _c("population_share", "number", "人口累计占比", "cumulative population share", unit=Unit.SHARE),
        _c("resource_share", "number", "财力累计占比", "cumulative resource share", unit=Unit.SHARE),
    ),
)  # fmt: skip

# a column name with one of these endings is its base column in a variant (baseline, scenario, …)
SUFFIXES: dict[str, Text] = {
    "_baseline": Text("（基准）", " (baseline)"),
    "_scenario": Text("（本方案）", " (scenario)"),
    "_diff": Text("变化", " change"),
    "_p5": Text("（P5）", " (P5)"),
    "_p50": Text("（中位数）", " (median)"),
    "_p95": Text("（P95）", " (P95)"),
    "_mean": Text("（均值）", " (mean)"),
}

RESULT_TABLES = {
    t.name: t
    for t in (
        TOWNS, REVENUE, COUNTY, INDICATORS, PROJECTS, REVOCATIONS, SUMMARY, DIFFERENCES, YEAR_DIFFERENCES,
        WINNERS_LOSERS, SETTINGS, MONTECARLO_SUMMARY, MONTECARLO_PILOTS, SWEEP, CHART_DATA,
    )
}  # fmt: skip
INPUT_TABLES = {t.name: t for t in (TOWNS_INPUT, PROJECTS_INPUT, TOWN_DATA)}
