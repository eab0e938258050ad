"""Every choice a key or a result column takes, with its words (the only list of them)."""

from __future__ import annotations

from .kinds import Choice


class SplitRule(Choice):
    """How an item's collected amount is divided (收入划分办法, docs/model.md §1.2)."""

    TOWN = ("town", "乡镇固定收入", "town revenue", "全部归乡镇", "the town keeps all")
    COUNTY = ("county", "县级固定收入", "county revenue", "全部归县", "the county keeps all")
    PROPORTIONAL = ("proportional", "比例分成", "proportional", "乡镇 = s·R", "town = s·R")
    BASE_PLUS_INCREMENT = (
        "base_plus_increment",
        "基数分成+增量分成",
        "base plus increment",
        "乡镇 = b·min(R, B) + s·max(R − B, 0)",
        "town = b·min(R, B) + s·max(R − B, 0)",
    )
    TIERED = (
        "tiered",
        "超额累进分成",
        "tiered",
        "各档分别按比例分成：乡镇 = Σj sj·clamp(R − τj, 0, τj+1 − τj)",
        "each band shared at its own rate: town = Σj sj·clamp(R − τj, 0, τj+1 − τj)",
    )


# the parameters each split rule takes, and those it requires
SPLIT_PARAMETERS: dict[SplitRule, tuple[frozenset, frozenset]] = {
    SplitRule.TOWN: (frozenset(), frozenset()),
    SplitRule.COUNTY: (frozenset(), frozenset()),
    SplitRule.PROPORTIONAL: (frozenset({"town_share"}), frozenset({"town_share"})),
    SplitRule.BASE_PLUS_INCREMENT: (
        frozenset({"base_share", "increment_share", "base", "base_column"}),
        frozenset({"base_share", "increment_share"}),
    ),
    SplitRule.TIERED: (frozenset({"thresholds", "town_shares"}), frozenset({"thresholds", "town_shares"})),
}


class Rationing(Choice):
    """How a pool short of the gaps is shared (缺口分配办法, §1.4)."""

    PROPORTIONAL = (
        "proportional",
        "按转移支付系数",
        "proportional",
        "各乡镇缺口按同一比例（资金÷缺口总额）弥补",
        "every gap covered at the same ratio, pool ÷ total gaps",
    )
    NEED_ADJUSTED = (
        "need_adjusted",
        "按调整系数扣减",
        "need-adjusted",
        "缺口减去调整系数×标准财政支出，调整系数使总额等于资金",
        "gap less one rate r × standard expenditure, r chosen so the pool is used exactly",
    )
    FACTOR = (
        "factor",
        "因素法",
        "factor method",
        "资金按人口、面积等因素及权重分配",
        "the pool handed out by weighted factors such as population and area",
    )


class Eligible(Choice):
    """Which towns the factor method serves (因素法分配范围)."""

    GAP = ("gap", "有缺口的乡镇", "towns with a gap")
    ALL = ("all", "全部乡镇", "all towns")


class PoolMode(Choice):
    """How the general-transfer money is set (均衡性转移支付资金安排方式), from ``pool`` and ``coefficient``."""

    FULL = ("full", "全额弥补缺口", "cover every gap in full", "pool 不填", "pool left empty (null)")
    AMOUNT = ("amount", "固定金额（基期）", "a fixed amount (base year)", "pool 填金额", "pool is a number")
    COUNTY_SURPLUS = (
        "county_surplus",
        "县级可调剂财力",
        "the county's disposable surplus",
        "县级收入减县本级支出、承担的乡镇事权支出和专项预算（不低于0）",
        "county revenue less its own spending, town-area functions and the special budget (≥ 0)",
    )
    COEFFICIENT = (
        "coefficient",
        "固定转移支付系数",
        "a fixed coefficient",
        "按固定系数 φ 弥补缺口",
        "every gap covered at a fixed coefficient φ",
    )


class SpecialMethod(Choice):
    """How special-transfer projects are chosen (专项资金安排方式, §1.5)."""

    PRIORITY = ("priority", "按优先顺序", "in priority order")
    OPTIMAL = ("optimal", "优化选择", "optimal selection")


class PriorityKey(Choice):
    """What orders projects under ``priority`` (排序依据), each descending."""

    KEY_PROJECT = ("key_project", "重点项目优先", "key projects first")
    SCORE = ("score", "评审得分高者优先", "higher score first")
    PILOT = ("pilot", "试点镇优先", "pilot towns first")


class AssessmentIndicator(Choice):
    """What a pilot town is assessed on (考评指标, §1.7)."""

    GDP_GROWTH = ("gdp_growth", "GDP增长率", "GDP growth")
    REVENUE_GROWTH = ("revenue_growth", "乡镇自有财力增长率", "own-revenue growth")
    COLLECTED_GROWTH = (
        "collected_growth",
        "地方财政收入增长率",
        "growth of revenue collected",
        "辖区征收收入的增长率（分成前）",
        "growth of the revenue collected in the town, before the split",
    )


class Benchmark(Choice):
    """What a relative target is measured against (考评基准)."""

    COUNTY_AVERAGE = (
        "county_average",
        "全县平均水平",
        "county average",
        "全县各乡镇合计的增长率",
        "the growth of the sum over every town of the county",
    )


class Shortfall(Choice):
    """Who bears a contracted town's revenue shortfall (短收处理)."""

    TOWN = (
        "town",
        "短收不补",
        "the town bears it",
        "收入低于核定基数时县不补助",
        "the county does not make up a shortfall",
    )
    COUNTY = (
        "county",
        "短收由县保底",
        "the county makes it up",
        "收入低于核定基数时由县补足",
        "the county makes up a shortfall",
    )


class FundedBy(Choice):
    """Whose money special-transfer grants are (专项资金来源)."""

    COUNTY = ("county", "县级财力安排", "the county's own money")
    UPPER = (
        "upper",
        "上级专项资金",
        "higher-level earmarked money",
        "上级下达、县转拨，不影响县级收支余额",
        "passed through the county: its balance is unchanged",
    )


class DifficultyMetric(Choice):
    """A measure of a town's difficulty computed by the model (困难程度指标)."""

    GAP_RATE = ("gap_rate", "缺口率", "gap rate", "标准财政收支缺口 ÷ 标准财政支出", "gap ÷ standard expenditure")
    PROTECTED_TO_CAPACITY = (
        "protected_to_capacity",
        "必保支出占标准财政收入比",
        "protected need to capacity",
        "三保支出需求 ÷ 标准财政收入",
        "protected need ÷ fiscal capacity",
    )


class ProjectReason(Choice):
    """Why a project was or was not funded (项目安排结果)."""

    FUNDED = ("funded", "已安排", "funded")
    BUDGET = ("budget", "预算不足", "budget used up")
    CATEGORY_CAP = ("category_cap", "类别上限已满", "category cap reached")
    COFINANCING = ("cofinancing", "乡镇无力配套", "town cannot co-finance")
    NOT_SELECTED = ("not_selected", "未入选最优组合", "not in the optimal set")
    NOT_CONSIDERED = ("not_considered", "未参与安排", "not considered")


class Outcome(Choice):
    """A town's change in 可用财力 against the baseline (比较结果)."""

    GAIN = ("gain", "增加", "gain")
    LOSS = ("loss", "减少", "loss")
    NO_CHANGE = ("no change", "不变", "no change")
    NOT_COMPARABLE = ("not comparable", "无法比较", "not comparable")


class Curve(Choice):
    """Lorenz curve before or after transfers (洛伦兹曲线)."""

    BEFORE = ("before", "转移支付前（乡镇自有财力）", "before transfers (own revenue)")
    AFTER = ("after", "转移支付后（可用财力）", "after transfers (resources)")


class Language(Choice):
    ZH = ("zh", "中文", "Chinese")
    EN = ("en", "English", "English")
