"""Every key of a scenario file (docs/scenario-format.md), once: kind, range or choices, unit, default, words.

The marshmallow schemas, the Excel template and its reader, the page's labels and forms, the settings
shown, ``explain`` and ``docs/scenario-format.md`` are all built from :data:`SCENARIO`.
"""

from __future__ import annotations

import math

from .choices import (
    AssessmentIndicator,
    Benchmark,
    DifficultyMetric,
    Eligible,
    FundedBy,
    PriorityKey,
    Rationing,
    Shortfall,
    SpecialMethod,
    SplitRule,
)
from .kinds import Block, Field, Text, Unit

MAX_DRAWS = 100_000  # Monte Carlo draws one run may ask for
MAX_YEARS = 100  # simulated years a scenario may span
MAX_TEXT = 1_000  # characters of any text of a scenario (ids, names, columns) unless its field says otherwise
MAX_DEPTH = 64  # how deeply a scenario document (or a request) may nest
INF = math.inf


def _f(key, kind, zh, en, help_zh="", help_en="", **kw) -> Field:
    return Field(key, kind, Text(zh, en, help_zh, help_en), **kw)


def _growth(key, zh, en, help_zh="", help_en="", **kw) -> Field:
    """A yearly growth rate of an amount (a fraction in (−1, 1): 0.08 is 8%; or one per year), default 0."""
    return _f(key, "number", zh, en, help_zh, help_en, unit=Unit.RATE, default=0.0, per_year=True, **kw)


SPLIT = Block(
    "split",
    Text("分成规则", "split rule", "收入在县乡之间的划分办法", "how the amount collected is divided"),
    (
        _f("rule", "choice", "分成办法", "split rule", required=True, choices=SplitRule),
        _f("town_share", "number", "乡镇分成比例", "town share", "比例分成：乡镇所得比例 s", "proportional: the town's share s", unit=Unit.SHARE, formula="s"),
        _f("base_share", "number", "基数内乡镇分成比例", "base share", "基数内乡镇所得比例 b", "the town's share b up to the base", unit=Unit.SHARE, formula="b"),
        _f("increment_share", "number", "增量乡镇分成比例", "increment share", "超过基数部分乡镇所得比例 s", "the town's share s above the base", unit=Unit.SHARE, formula="s"),
        _f("base", "number", "固定基数", "fixed base", "固定的基数金额 B（不增长）；不填则为基期征收额", "a fixed base B (does not grow); left out: the base-year amount", unit=Unit.MONEY, formula="B"),
        _f("base_column", "text", "基数所在列", "base column", "各乡镇基数所在的乡镇表列（与固定基数二选一）", "towns column with each town's base (instead of base)"),
        _f("thresholds", "numbers", "累进分档起点", "band thresholds", "各档起点 τ1<…<τn，递增", "thresholds τ1 < … < τn, increasing", unit=Unit.MONEY, formula="τ"),
        _f("town_shares", "numbers", "各档乡镇分成比例", "town shares by band", "各档乡镇所得比例 s0…sn，比分档起点多一个", "the town's share in each band, s0…sn, one more than thresholds", unit=Unit.SHARE, formula="sj"),
    ),
)  # fmt: skip

STANDARD_BASE = Block(
    "standard_base",
    Text("标准收入测算", "standard revenue", "税基 × 平均有效税率（财政部标准收入法）", "tax base × average effective rate (the MOF's standard revenue)"),
    (
        _f("column", "text", "税基所在列", "tax base column", "乡镇表中税基所在列（随增长设置增长）", "towns column holding the tax base (grows as growth.drivers says)", required=True),
        _f("rate", "number", "平均有效税率", "average effective rate", "标准征收额 = 税率 × 税基", "standard collection = rate × tax base", unit=Unit.FACTOR, required=True, formula="r"),
    ),
)  # fmt: skip

REVENUE_ITEM = Block(
    "revenue_items",
    Text("收入项目", "revenue item", "参与县乡划分的税种或收入", "a tax or revenue shared between county and towns"),
    (
        _f("id", "text", "收入项目代码", "item id", "唯一", "unique", required=True, min_length=1),
        _f("name", "text", "收入项目名称", "item name", default=""),
        _f("column", "text", "征收额所在列", "towns column", "乡镇表中基期征收额所在列（默认同代码）", "towns column with the base-year amount collected (default: the id)"),
        _f("elasticity", "number", "收入弹性系数", "revenue elasticity", "征收额增长率 = 弹性 × GDP增长率", "growth of the amount collected = elasticity × GDP growth", unit=Unit.FACTOR, default=1.0, formula="elasticity[k]"),
        _f("capacity_rate", "number", "计入标准财政收入比例", "capacity rate", "乡镇分成收入计入标准财政收入的比例", "share of the town's part counted in fiscal capacity", unit=Unit.SHARE, default=1.0, formula="capacity_rate[k]"),
        _f("standard_base", "block", "标准收入测算", "standard revenue", "标准财政收入按税基 × 税率测算，而不按实际征收", "capacity counts the town's share of rate × tax base instead of what it collects", nullable=True, block=STANDARD_BASE),
        _f("split", "block", "分成规则", "split rule", required=True, block=SPLIT),
    ),
)  # fmt: skip

SPLIT_OVERRIDE = Block(
    "split_overrides",
    Text("分成规则例外", "split override", "个别乡镇或一类乡镇适用的分成规则", "a split rule for a town or a class of towns"),
    (
        _f("town", "text", "适用乡镇", "town", "乡镇代码（与类别二选一）", "a town id (or class)"),
        _f("class", "text", "适用类别", "class", "pilot（试点镇）或乡镇表中的是/否列", "pilot, or a true/false towns column"),
        _f("item", "text", "收入项目", "revenue item", required=True),
        _f("split", "block", "分成规则", "split rule", required=True, block=SPLIT),
    ),
)  # fmt: skip

REMITTANCES = Block(
    "remittances",
    Text("定额上解", "fixed remittance", "乡镇每年向县定额上解", "a fixed amount each town remits to the county every year"),
    (_f("column", "text", "定额上解列", "remittance column", "乡镇表中各乡镇年上解额所在列", "towns column with each town's yearly remittance", required=True),),
)  # fmt: skip

EXPENDITURE_FUNCTION = Block(
    "expenditure_functions",
    Text("支出事项", "expenditure function", "按标准支出公式测算的事权", "a responsibility costed by a standard formula"),
    (
        _f("id", "text", "支出事项代码", "function id", "唯一", "unique", required=True, min_length=1),
        _f("name", "text", "支出事项名称", "function name", default=""),
        _f("driver", "text", "支出因素", "driver", "乡镇表列名，或 one（每个乡镇一份）", "a towns column, or one (one per town)", required=True, formula="driver[i,f]"),
        _f("unit_cost", "number", "基期单位成本", "unit cost", "每单位支出因素的标准支出（基期）", "standard cost per driver unit (base year)", unit=Unit.MONEY, required=True, formula="unit_cost[f]"),
        _f("cost_factor", "text", "支出成本差异系数列", "cost factor column", "乡镇表中支出成本差异系数所在列（不填为1）", "towns column of cost factors (default 1)", nullable=True, formula="cost_factor[i,f]"),
        _f("town_share", "number", "乡镇支出责任比例", "town's share of the responsibility", "乡镇承担的比例，其余由县承担", "the town's part; the county bears the rest", unit=Unit.SHARE, required=True, formula="town_share[f]"),
        _f("protected", "number", "三保比例", "protected part", "支出需求中属于保工资、保运转、保基本民生的比例", "the part of the need that is wages, running costs and basic livelihoods (三保)", unit=Unit.SHARE, default=0.0, formula="protected[f]"),
        _growth("growth", "单位成本年增长率", "unit cost growth", "单位成本每年增长率", "yearly growth of the unit cost"),
    ),
)  # fmt: skip

EXPENDITURE_OVERRIDE = Block(
    "expenditure_overrides",
    Text("事权调整", "responsibility override", "个别乡镇或一类乡镇承担的支出责任比例", "a town's or a class's share of a responsibility"),
    (
        _f("id", "text", "调整代码", "override id", "可不填；用于按路径修改", "optional; names it in a set path"),
        _f("town", "text", "适用乡镇", "town", "乡镇代码（与类别二选一）", "a town id (or class)"),
        _f("class", "text", "适用类别", "class", "pilot（试点镇，资格有效的年度）或乡镇表中的是/否列", "pilot (in the years the status is in force), or a true/false towns column"),
        _f("function", "text", "支出事项", "expenditure function", required=True),
        _f("town_share", "number", "乡镇支出责任比例", "town's share of the responsibility", unit=Unit.SHARE, required=True, formula="town_share[i,f]"),
    ),
)  # fmt: skip

CONTRACT = Block(
    "contracts",
    Text("核定收支", "contract", "核定收入基数和支出基数，定额上解或定额补助，超收分成", "agreed revenue and expenditure bases: a fixed remittance or subsidy, over-collection shared"),
    (
        _f("id", "text", "合同代码", "contract id", "可不填；用于按路径修改", "optional; names it in a set path"),
        _f("town", "text", "适用乡镇", "town", "乡镇代码（与类别二选一）", "a town id (or class)"),
        _f("class", "text", "适用类别", "class", "pilot（试点镇，资格有效的年度）或乡镇表中的是/否列", "pilot (in the years the status is in force), or a true/false towns column"),
        _f("revenue_base", "number", "核定收入基数", "revenue base", "乡镇本级收入的核定基数（基期）", "the agreed base of the town's retained revenue (base year)", unit=Unit.MONEY, required=True, formula="B_R"),
        _f("expenditure_base", "number", "核定支出基数", "expenditure base", "核定的支出基数（基期）", "the agreed expenditure base (base year)", unit=Unit.MONEY, required=True, formula="B_E"),
        _growth("base_growth", "基数年增长率", "base growth", "两项基数的年增长率", "yearly growth of both bases"),
        _f("revenue_base_growth", "number", "收入基数年增长率", "revenue base growth", "不填则同基数年增长率", "default: base_growth", unit=Unit.RATE, nullable=True, per_year=True),
        _f("expenditure_base_growth", "number", "支出基数年增长率", "expenditure base growth", "不填则同基数年增长率", "default: base_growth", unit=Unit.RATE, nullable=True, per_year=True),
        _f("over_share", "number", "超收留成比例", "over-collection share", "超过收入基数部分乡镇留成的比例，其余上缴县", "the town keeps this share of what it collects above the base; the rest goes to the county", unit=Unit.SHARE, default=1.0, formula="over_share"),
        _f("shortfall", "choice", "短收处理", "shortfall", choices=Shortfall, default=Shortfall.TOWN.value),
    ),
)  # fmt: skip

TAX_RETURNS = Block(
    "tax_returns",
    Text("税收返还", "tax returns", "县对乡镇的税收返还，随相关税收增长", "returns the county pays each town, growing with the named taxes"),
    (
        _f("column", "text", "返还基数列", "base column", "乡镇表中基期税收返还额所在列", "towns column with each town's base-year return", required=True),
        _f("items", "texts", "挂钩税种", "items", "返还随这些收入项目的辖区征收额增长；不填则固定", "the return grows with these items' collections; none keeps it fixed", default=list),
        _f("coefficient", "number", "增长系数", "coefficient", "征收额每增长1%，返还增长 c%（1994年为0.3）；下降时全额扣减", "each 1% growth of the items adds c% to the return (0.3 in 1994); a fall is passed on in full", unit=Unit.FACTOR, default=0.0, formula="c"),
    ),
)  # fmt: skip

RELATIVE_TARGET = Block(
    "relative_target",
    Text("相对目标", "relative target", "目标 = 基准增长率 + 高出幅度", "target = benchmark growth + margin"),
    (
        _f("benchmark", "choice", "基准", "benchmark", "county_average（全县平均增长率）或逐年列表", "county_average (growth of the county's sum) or one per year", choices=Benchmark, required=True),
        _f("margin", "number", "高出幅度", "margin", "如 0.01 即高于基准1个百分点", "e.g. 0.01: one point above the benchmark", unit=Unit.RATE, default=0.0, minimum=-INF, maximum=INF, formula="margin"),
    ),
)  # fmt: skip

TARGET = _f(
    "target",
    "target",
    "目标增长率",
    "target",
    "数字，或相对目标 {benchmark: county_average 或逐年列表, margin}",
    "a number, or relative {benchmark: county_average or one per year, margin}",
    unit=Unit.RATE,
    choices=Benchmark,
)

INCENTIVES = Block(
    "incentives",
    Text("超收奖励", "rewards", "乡镇收入增长超过门槛的部分按比例奖励", "a share of collection growth above a threshold is paid back as a reward"),
    (
        _f("threshold", "target", "奖励门槛增长率", "threshold", "数字，或相对目标 {benchmark, margin}", "a number, or relative {benchmark, margin}", unit=Unit.RATE, default=0.0, choices=Benchmark, formula="θ"),
        _f("rate", "number", "奖励比例", "reward rate", "超过门槛部分的奖励比例", "share of the growth above the threshold paid as a reward", unit=Unit.SHARE, required=True, formula="ρ"),
        _f("items", "texts", "计奖收入项目", "items", "不填则为全部收入项目", "default: every item", default=list),
        _f("class", "text", "适用类别", "class", "只奖励这一类乡镇，如 pilot", "reward only this class, e.g. pilot", nullable=True),
        _f("budget", "number", "奖励资金上限", "budget", "奖励合计超过时同比例压减（基期）", "rewards are scaled down when they sum to more (base year)", unit=Unit.MONEY, nullable=True),
        _growth("budget_growth", "上限年增长率", "budget growth"),
    ),
)  # fmt: skip

COUNTY = Block(
    "county",
    Text("县本级", "county budget", "乡镇以外的县本级收支（基期）", "the county's own budget outside the towns (base year)"),
    (
        _f("own_revenue", "number", "县本级收入", "county own revenue", "县本级自有收入（基期）", "the county's own revenue (base year)", unit=Unit.MONEY, default=0.0),
        _growth("own_revenue_growth", "县本级收入年增长率", "county own revenue growth"),
        _f("own_expenditure", "number", "县本级支出", "county own expenditure", "县本级自身支出（基期）", "the county's own spending (base year)", unit=Unit.MONEY, default=0.0),
        _growth("own_expenditure_growth", "县本级支出年增长率", "county own expenditure growth"),
        _f("upper_transfers", "number", "上级转移支付", "transfers from above", "上级对县的转移支付收入（基期）", "transfers the county receives from above (base year)", unit=Unit.MONEY, default=0.0),
        _growth("upper_transfers_growth", "上级转移支付年增长率", "growth of transfers from above"),
    ),
)  # fmt: skip

GROWTH_VALUE = _f(
    "rate",
    "number",
    "年增长率",
    "yearly growth",
    "数字或逐年列表",
    "a number or one per year",
    unit=Unit.RATE,
    per_year=True,
)

GROWTH = Block(
    "growth",
    Text("增长", "growth", "GDP与乡镇表各列的年增长率", "growth of GDP and of the towns columns"),
    (
        _f("gdp", "growth", "GDP增长率", "GDP growth", "数字、{pilot, other}（试点镇/其他）、乡镇表列名，或逐年列表", "a number, {pilot, other}, a towns column, or one of these per year", unit=Unit.RATE, default=0.0, formula="g[i,t]"),
        _f("drivers", "map", "乡镇表各列年增长率", "growth of towns columns", "列名: 年增长率（数字或逐年列表）；未列出的列不变", "column: yearly growth (a number or one per year); a column not listed stays at its base-year value", unit=Unit.RATE, default=dict, values=GROWTH_VALUE),
    ),
)  # fmt: skip

FACTOR = Block(
    "factors",
    Text("分配因素", "factor", "因素法的一个因素及其权重", "one factor of the factor method and its weight"),
    (
        _f("column", "text", "因素列", "factor column", "乡镇表列名", "a towns column"),
        _f("columns", "texts", "因素列（相乘）", "factor columns (product)", "多列相乘时的列名（与因素列二选一）", "a product of towns columns (instead of column)", min_length=1),
        _f("weight", "number", "权重", "weight", "各因素权重合计为1", "weights sum to 1", unit=Unit.SHARE, required=True, formula="weight_w"),
    ),
)  # fmt: skip

DIFFICULTY_FACTOR = Block(
    "difficulty_factors",
    Text("困难程度因素", "difficulty factor", "困难程度系数的一个因素及其权重", "one factor of the difficulty coefficient and its weight"),
    (
        _f("column", "text", "因素列", "factor column", "乡镇表列名（与指标二选一）", "a towns column (or metric)"),
        _f("metric", "choice", "测算指标", "metric", choices=DifficultyMetric),
        _f("weight", "number", "权重", "weight", "各因素权重合计为1", "weights sum to 1", unit=Unit.SHARE, required=True, formula="w"),
    ),
)  # fmt: skip

DIFFICULTY = Block(
    "difficulty",
    Text("困难程度系数", "difficulty coefficient", "按因素标准化后加权（财预〔2022〕58号）", "standardised factors, weighted (MOF 财预〔2022〕58号)"),
    (
        _f("factors", "records", "困难程度因素", "factors", required=True, min_length=1, block=DIFFICULTY_FACTOR),
        _f("uniform_weight", "number", "统一系数权重", "uniform weight", "转移支付系数 = a × 资金÷缺口 + (1 − a) × 困难程度系数", "coefficient = a × pool ÷ gaps + (1 − a) × difficulty", unit=Unit.SHARE, default=0.5, formula="a"),
    ),
)  # fmt: skip

GROWTH_LIMITS = Block(
    "growth_limits",
    Text("增幅控制", "growth limits", "乡镇转移支付较上年的变动幅度", "how far a town's transfer may move from last year's"),
    (
        _f("min", "number", "增幅下限", "lowest change", "如 0 即不低于上年", "e.g. 0: not below last year", unit=Unit.RATE, nullable=True, maximum=INF),
        _f("max", "number", "增幅上限", "highest change", "如 0.15 即最多增长15%", "e.g. 0.15: at most 15% more", unit=Unit.RATE, nullable=True, maximum=INF),
    ),
)  # fmt: skip

GENERAL_TRANSFER = Block(
    "general_transfer",
    Text("一般性转移支付", "general transfers", "县对乡镇的均衡性转移支付如何弥补标准财政收支缺口", "how the county's equalization transfers cover each town's gap"),
    (
        _f("pool", "pool", "均衡性转移支付资金", "pool", "不填 = 全额弥补缺口；金额 = 每年可用资金（基期）；county_surplus = 县级可调剂财力", "empty = cover every gap; an amount = money available each year (base year); county_surplus = what the county has left", unit=Unit.MONEY, nullable=True, formula="P"),
        _growth("pool_growth", "资金年增长率", "pool growth"),
        _f("coefficient", "number", "转移支付系数", "coefficient", "固定系数 φ：转移支付 = φ × 缺口（与资金二选一）", "a fixed φ: transfer = φ × gap (instead of a pool)", unit=Unit.SHARE, nullable=True, formula="φ"),
        _f("priority", "texts", "优先保障类别", "priority classes", "先全额保障这些类别的缺口，如 pilot", "classes whose gaps are covered first, e.g. pilot", default=list),
        _f("rationing", "choice", "分配办法", "rationing", "资金不足时如何分配", "how a pool short of the gaps is shared", choices=Rationing, default=Rationing.PROPORTIONAL.value),
        _f("eligible", "choice", "因素法分配范围", "factor method: towns served", choices=Eligible, default=Eligible.GAP.value),
        _f("factors", "records", "分配因素", "factors", "因素法的因素与权重", "the factor method's factors and weights", default=list, block=FACTOR),
        _f("growth_limits", "block", "增幅控制", "growth limits", nullable=True, block=GROWTH_LIMITS),
        _f("floor", "bool", "基本财力保障", "floor", "先足额保障各乡镇三保支出（严禁留硬缺口），不受资金限制", "every town's protected need (三保) is paid first and in full, whatever the pool", default=False),
        _f("difficulty", "block", "困难程度系数", "difficulty coefficient", "按比例分配时按困难程度调整各乡镇系数", "under proportional rationing, each town's coefficient moves with its difficulty", nullable=True, block=DIFFICULTY),
    ),
)  # fmt: skip

SPECIAL_TRANSFERS = Block(
    "special_transfers",
    Text("专项转移支付", "special transfers", "按项目安排的专项资金", "earmarked project grants under a yearly budget"),
    (
        _f("budget", "number", "专项年度预算", "yearly budget", "每年可安排的专项资金（基期）", "money for projects each year (base year)", unit=Unit.MONEY, required=True),
        _growth("budget_growth", "预算年增长率", "budget growth"),
        _f("category_caps", "map", "类别上限", "category caps", "项目类别: 年度上限（基期）", "category: yearly cap (base year)", unit=Unit.MONEY, default=dict, values=_f("cap", "number", "年度上限", "yearly cap", unit=Unit.MONEY)),
        _f("method", "choice", "安排方式", "allocation", choices=SpecialMethod, default=SpecialMethod.PRIORITY.value),
        _f("priority_order", "choices", "排序依据", "priority order", "按顺序比较，各项从高到低", "compared in this order, each descending", choices=PriorityKey, default=lambda: list(PriorityKey.codes())),
        _f("pilot_weight", "number", "试点镇项目权重", "pilot weight", "优化选择时试点镇项目得分的权重", "optimal: weight of pilot towns' projects", unit=Unit.FACTOR, default=1.0, minimum=0.0, min_inclusive=False),
        _f("key_weight", "number", "重点项目权重", "key-project weight", "优化选择时重点项目的权重", "optimal: weight of key projects", unit=Unit.FACTOR, default=1.0, minimum=0.0, min_inclusive=False),
        _f("require_cofinancing", "bool", "要求乡镇配套", "require co-financing", "乡镇收支余额不足以配套时不安排", "fund a project only while the town can co-finance it", default=False),
        _f("carry_over", "bool", "未安排项目结转下年", "carry over", "当年未安排的项目参加下一年安排", "unfunded projects wait for next year", default=False),
        _f("funded_by", "choice", "资金来源", "funded by", choices=FundedBy, default=FundedBy.COUNTY.value),
        _f("projects", "table", "项目表", "projects", "CSV/Excel 文件路径或记录列表", "a .csv/.xlsx path or inline records", required=True, table="projects"),
    ),
)  # fmt: skip

ASSESSMENT = Block(
    "assessment",
    Text("试点考评", "pilot assessment", "试点镇每年按增长目标考评，连续未达标取消试点资格", "pilot towns are held against growth targets every year"),
    (
        _f("enabled", "bool", "开展考评", "assess pilots", default=True),
        _f("targets", "map", "考评目标", "targets", "指标: 目标增长率，或相对目标 {benchmark: county_average, margin: 0.01}", "indicator: target growth, or relative {benchmark: county_average, margin: 0.01}", unit=Unit.RATE, default=dict, choices=AssessmentIndicator, values=TARGET),
        _f("failures_to_revoke", "integer", "连续未达标年数", "failed years before revocation", "连续几年未达标即取消试点资格", "consecutive failed years before pilot status is revoked", unit=Unit.COUNT, default=3, minimum=1),
    ),
)  # fmt: skip

UNCERTAINTY = Block(
    "uncertainty",
    Text("不确定性分析", "uncertainty", "GDP增长率的蒙特卡洛模拟", "Monte Carlo of GDP growth"),
    (
        _f("draws", "integer", "模拟次数", "draws", unit=Unit.COUNT, default=1000, minimum=1, maximum=MAX_DRAWS),
        _f("seed", "integer", "随机数种子", "seed", "相同种子得到相同结果", "the same seed gives the same numbers", unit=Unit.COUNT, nullable=True),
        _f("gdp_growth_sd", "number", "GDP增长率标准差", "SD of GDP growth", unit=Unit.RATE, default=0.0, minimum=0.0, maximum=INF),
        _f("common_share", "number", "共同冲击比例", "common shock share", "全县共同冲击占方差的比例", "share of the variance common to all towns", unit=Unit.SHARE, default=0.0, formula="c"),
    ),
)  # fmt: skip

SCENARIO = Block(
    "scenario",
    Text("方案", "scenario", "一个县及其乡镇的财政体制方案", "one county's arrangement with its towns"),
    (
        _f("schema_version", "integer", "格式版本", "format version", "填 1", "1", required=True, minimum=1, maximum=1),
        _f("name", "text", "方案名称", "scenario name", required=True, min_length=1, max_length=200),
        _f("description", "text", "方案说明", "description", "方案测试什么", "what the scenario tests", default="", max_length=10_000),
        _f("unit", "text", "金额单位", "currency unit", "所有金额的单位，如 万元", "the unit of every amount, e.g. 万元", default="万元"),
        _f("years", "integers", "模拟年度", "simulated years", "[首年, 末年]；乡镇表为首年上一年的基期数据", "[first, last]; the towns table holds the year before the first", unit=Unit.YEAR, required=True, length=2),
        _f("towns", "table", "乡镇表", "towns table", "CSV/Excel 文件路径或记录列表（基期数据）", "a .csv/.xlsx path or inline records (base year)", required=True, table="towns"),
        _f("revenue_items", "records", "收入项目", "revenue items", required=True, min_length=1, block=REVENUE_ITEM),
        _f("split_overrides", "records", "分成规则例外", "split overrides", default=list, block=SPLIT_OVERRIDE),
        _f("remittances", "block", "定额上解", "fixed remittances", nullable=True, block=REMITTANCES),
        _f("expenditure_functions", "records", "支出事项", "expenditure functions", required=True, min_length=1, block=EXPENDITURE_FUNCTION),
        _f("expenditure_overrides", "records", "事权调整", "responsibility overrides", default=list, block=EXPENDITURE_OVERRIDE),
        _f("contracts", "records", "核定收支", "contracts", default=list, block=CONTRACT),
        _f("tax_returns", "block", "税收返还", "tax returns", nullable=True, block=TAX_RETURNS),
        _f("incentives", "block", "超收奖励", "rewards", nullable=True, block=INCENTIVES),
        _f("county", "block", "县本级", "county budget", block=COUNTY),
        _f("growth", "block", "增长", "growth", block=GROWTH),
        _f("general_transfer", "block", "一般性转移支付", "general transfers", block=GENERAL_TRANSFER),
        _f("special_transfers", "block", "专项转移支付", "special transfers", nullable=True, block=SPECIAL_TRANSFERS),
        _f("assessment", "block", "试点考评", "pilot assessment", nullable=True, block=ASSESSMENT),
        _f("uncertainty", "block", "不确定性分析", "uncertainty", nullable=True, block=UNCERTAINTY),
    ),
)  # fmt: skip

# keys a scenario file may hold besides its fields (docs/scenario-format.md)
VARIANT_KEYS = {
    "extends": Text("继承方案", "extends", "在此方案文件的基础上修改", "the scenario file this one changes"),
    "set": Text(
        "按路径修改",
        "set",
        "PATH: 值，如 revenue_items.vat.split.town_share: 0.6",
        "PATH: value, e.g. revenue_items.vat.split.town_share: 0.6",
    ),
}


def blocks(root: Block = SCENARIO, prefix: str = ""):
    """``(path, block)`` of every block under ``root``, depth first (records as ``name[]``)."""
    yield prefix or root.name, root
    for f in root.fields:
        if f.block is not None:
            path = f"{prefix}.{f.key}" if prefix else f.key
            yield from blocks(f.block, path + ("[]" if f.kind == "records" else ""))
