"""The web page for finance officers (SPEC §4 "Web page at /"): server-rendered, Chinese with an English switch.

Pages: the scenario list with upload (YAML/JSON/XLSX) and downloads; a scenario's settings with an edit
form for the common levers, each save a new version (乡镇分成比例, 均衡性转移支付资金, 专项预算, GDP增长);
its results, any town number explained; scenarios compared (summary, per-town differences, the four
charts, the workbook); Monte Carlo and goal seeking (forms that call the JSON API from the page).

Validation, storage, limits and caching are the API's own (:mod:`api.runner`, :mod:`api.storage`), so a
document the page accepts is one the API accepts and the other way round. ``?lang=en`` (or ``zh``)
switches the language and is remembered in a cookie.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask
import yaml
from flask import g, request
from werkzeug.exceptions import RequestEntityTooLarge

from fiscal_sim import Scenario, ScenarioError, SolveError
from fiscal_sim.excel import COUNT_COLUMNS, MONEY_COLUMNS, RATIO_COLUMNS, scenario_workbook
from fiscal_sim.explain import EXPLAINERS

from . import runner
from .errors import ApiError
from .storage import ConflictError, NotFoundError, StoredScenario

bp = flask.Blueprint("web", __name__)

LANGS = ("zh", "en")
LANG_COOKIE = "fiscal_sim_lang"
API_PREFIX = "/api/v1"
CHARTS = ("transfers_by_town", "town_budgets", "county_balance", "lorenz")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xlsm")

# result columns shown in the town table of a run (the full frame has 20; these fit a 1366-wide screen)
RUN_TOWN_COLUMNS = (
    "pilot", "revenue_collected", "own_revenue", "capacity", "standard_expenditure", "gap", "general_transfer",
    "special_transfer", "cofinancing", "balance", "resources", "resources_per_capita",
)  # fmt: skip
# per-town differences of a comparison: the change of each, and resources in full
DIFF_COLUMNS = ("own_revenue_diff", "general_transfer_diff", "special_transfer_diff", "gap_diff", "balance_diff")
SUMMARY_COLUMNS = (
    "required_transfers", "general_transfers", "coverage", "special_transfers", "county_balance",
    "county_balance_min", "gini_before", "gini_after", "pilots_active",
)  # fmt: skip
PERCENT_COLUMNS = frozenset({"coverage", "change_pct", "p_county_deficit", "p_revoked", "p_non_pilot_last_year"})
PER_CAPITA = frozenset({"resources_per_capita"})

# ------------------------------------------------------------------------------------------------
# words of the page (界面文字), one dict per language

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "县乡财政体制模拟",
        "nav_scenarios": "方案列表",
        "nav_compare": "方案比较",
        "nav_api": "接口文档",
        "switch_lang": "English",
        "scenarios": "方案列表",
        "name": "名称",
        "description": "说明",
        "versions": "版本",
        "last_changed": "最后修改",
        "actions": "操作",
        "open": "查看",
        "run": "运行结果",
        "settings": "方案设置",
        "analysis": "不确定性与目标求解",
        "download": "下载",
        "no_scenarios": "还没有方案，请上传。",
        "upload_title": "上传方案",
        "upload_help": "YAML、JSON 或 Excel 方案工作簿（.xlsx）。文件须自带乡镇表和项目表（不能引用 towns.csv 等文件）。",
        "file": "文件",
        "name_optional": "名称（可不填，默认用文件中的名称）",
        "description_optional": "说明（可不填）",
        "upload": "上传并保存",
        "template": "下载空白 Excel 模板",
        "upload_failed": "上传失败，未保存任何内容。请修改后重新上传：",
        "uploaded": "已上传并保存为第 {version} 版。",
        "no_file": "请选择要上传的文件",
        "bad_suffix": "只接受 .yaml、.yml、.json 或 .xlsx 文件，收到的是 {name}",
        "not_utf8": "文件不是 UTF-8 编码的文本",
        "not_valid": "不是有效的 {kind}：{detail}",
        "not_mapping": "方案必须是“键: 值”的映射（YAML/JSON 对象）",
        "towns_is_path": "乡镇表是文件路径 {path!r}。上传的方案必须自带乡镇表：把乡镇写成记录列表（towns: [{{id: T01, name: …}}, …]），或上传 Excel 方案工作簿",
        "projects_is_path": "项目表是文件路径 {path!r}。上传的方案必须自带项目表（记录列表），或上传 Excel 方案工作簿",
        "no_extends": "上传的方案不能用 extends 引用其他文件；请上传完整方案（可先用“下载 YAML”得到完整文件）",
        "no_aliases": "不接受 YAML 别名（*名称），请把内容写完整",
        "too_large": "文件超过 {size} 上限",
        "version": "第 {version} 版",
        "version_short": "版本",
        "all_versions": "所有版本",
        "viewing_old": "您正在查看第 {version} 版（最新为第 {latest} 版），修改须在最新版上进行。",
        "latest": "查看最新版",
        "saved": "已保存为第 {version} 版。",
        "no_changes": "没有修改，未保存新版本。",
        "conflict_title": "版本冲突，未保存",
        "conflict": "您修改的是第 {expected} 版，但期间已保存了第 {latest} 版。您的修改未保存；下面显示的是最新版，请在其上重新修改：",
        "edit_failed": "修改有误，未保存。请更正标出的项目：",
        "edit_title": "修改常用参数（保存为新版本）",
        "edit_help": "比例填 0 到 1 之间的小数（0.5 即 50%，也可写 50%）；金额单位为 {unit}。",
        "save": "保存为新版本",
        "basic": "基本信息",
        "unit": "金额单位",
        "years": "模拟年度",
        "revenue_items": "收入项目与分成规则（收入划分）",
        "item": "收入项目",
        "column": "乡镇表列",
        "elasticity": "GDP弹性",
        "capacity_rate": "计入标准收入比例",
        "split_rule": "分成规则",
        "split_overrides": "分成规则例外",
        "applies_to": "适用于",
        "class": "类别",
        "expenditure_functions": "支出事项（标准财政支出）",
        "function": "支出事项",
        "driver": "支出因素",
        "unit_cost": "基期单位成本",
        "cost_factor": "补正系数列",
        "town_share_resp": "乡镇承担比例",
        "growth_rate": "年增长率",
        "county": "县本级",
        "general_transfer": "一般性转移支付（均衡性）",
        "special_transfers": "专项转移支付",
        "assessment": "试点考评",
        "uncertainty": "不确定性（蒙特卡洛）",
        "growth": "增长",
        "towns_table": "乡镇表（基期数据）",
        "projects_count": "申报项目数",
        "setting": "项目",
        "value": "取值",
        "none": "无",
        "yes": "是",
        "no": "否",
        "rule_town": "乡镇固定收入（全部归乡镇）",
        "rule_county": "县级固定收入（全部归县）",
        "rule_proportional": "比例分成：乡镇 {s}，县 {c}",
        "rule_bpi": "基数返还+增量分成：基数内乡镇 {b}，超基数部分乡镇 {s}（基数：{base}）",
        "base_default": "基期征收额",
        "base_fixed": "固定 {amount}",
        "base_column": "乡镇表列 {column}",
        "rule_tiered": "超额分档分成：{bands}",
        "band": "{lo}–{hi} 部分乡镇 {s}",
        "band_top": "{lo} 以上部分乡镇 {s}",
        "list_sep": "；",
        "town_share": "乡镇分成比例",
        "base_share": "基数内乡镇比例",
        "increment_share": "增量乡镇比例",
        "band_share": "第 {n} 档",
        "pool": "资金池",
        "pool_mode": "资金安排方式",
        "pool_full": "全额弥补缺口",
        "pool_amount": "固定金额（基期）",
        "pool_county_surplus": "县级结余（county_surplus）",
        "pool_coefficient": "固定转移支付系数 φ",
        "pool_value": "金额或系数",
        "pool_growth": "资金年增长率",
        "coefficient": "转移支付系数",
        "priority": "优先保障类别",
        "rationing": "分配办法",
        "rationing_proportional": "按缺口同比例（转移支付系数）",
        "rationing_need_adjusted": "标准支出×调整率扣减",
        "rationing_factor": "因素法",
        "eligible": "因素法适用范围",
        "factors": "分配因素",
        "growth_limits": "增幅控制",
        "budget": "年度预算（基期）",
        "budget_growth": "预算年增长率",
        "method": "安排方式",
        "method_priority": "按优先顺序",
        "method_optimal": "优化选择",
        "category_caps": "类别上限",
        "require_cofinancing": "要求乡镇能够配套",
        "carry_over": "未安排项目结转下年",
        "gdp_growth": "GDP增长率",
        "gdp_all": "全部乡镇",
        "gdp_pilot": "试点镇",
        "gdp_other": "其他乡镇",
        "gdp_year": "{year}年",
        "gdp_column": "按乡镇表列 {column}（请在文件中修改）",
        "drivers": "因素年增长率",
        "targets": "考评目标",
        "failures_to_revoke": "连续未达标几年取消资格",
        "enabled": "开展考评",
        "draws": "模拟次数",
        "seed": "随机数种子",
        "gdp_growth_sd": "GDP增长率标准差",
        "common_share": "共同冲击比例",
        "results": "运行结果",
        "year": "年度",
        "show_year": "显示年度",
        "show": "显示",
        "indicators": "主要指标",
        "county_table": "县本级收支",
        "towns_results": "各乡镇（{year}年）",
        "click_hint": "点击带下划线的数字可查看其计算过程。",
        "download_results": "下载结果 Excel",
        "explain_title": "计算过程",
        "explain_of": "{town} {year}年 {column}",
        "formula": "公式",
        "as_text": "纯文本",
        "close": "关闭",
        "back_to_results": "返回运行结果",
        "compare_title": "方案比较",
        "compare_help": "勾选两个或更多方案，并选择一个作为基准，然后点击“比较”。",
        "compare": "比较",
        "include": "比较",
        "baseline": "基准",
        "pick_two": "请至少勾选两个方案。",
        "summary": "汇总（整个模拟期）",
        "scenario": "方案",
        "balance_by_year": "县级收支余额（逐年）",
        "settings_diff": "与基准不同的设置",
        "path": "参数",
        "baseline_value": "基准",
        "scenario_value": "本方案",
        "town_diffs": "各乡镇变化（{label} 相对基准，{year}年）",
        "sort_hint": "点击表头可排序。",
        "charts": "图表",
        "chart_transfers_by_town": "各乡镇一般性转移支付",
        "chart_town_budgets": "各乡镇收支构成",
        "chart_county_balance": "县级收支余额",
        "chart_lorenz": "洛伦兹曲线（转移前后）",
        "chart_csv": "图表数据 CSV",
        "download_workbook": "下载比较工作簿（Excel）",
        "min_year": "（{year}年）",
        "town": "乡镇",
        "montecarlo_title": "蒙特卡洛模拟（GDP增长不确定性）",
        "montecarlo_help": "按方案的不确定性设置随机抽取GDP增长路径，给出各年份的分位数和县级出现赤字的概率。",
        "run_montecarlo": "运行蒙特卡洛",
        "solve_title": "目标求解",
        "solve_help": "求一个参数取何值时，某项指标在指定年度达到目标值。",
        "parameter": "参数",
        "parameter_path": "或输入参数路径",
        "target": "指标",
        "target_value": "目标值",
        "bounds": "搜索范围（下限、上限，可不填：比例默认 0–1）",
        "run_solve": "求解",
        "computing": "计算中…",
        "failed": "计算失败：",
        "solved": "{parameter} = {value} 时，{target}（{year}年）= {metric}",
        "not_exact": "注意：",
        "percentiles": "分位数（P5 / P50 / P95）",
        "p_deficit": "县级赤字概率",
        "pilots_revoked": "试点镇被取消资格的概率",
        "p_revoked": "取消概率",
        "error_title": "出错了",
        "not_found": "找不到该方案或版本",
        "print": "打印",
        "unit_suffix": "单位：{unit}",
        "illustrative": "所有数据均为示意性数据。",
        "town_id": "代码",
        "not_a_number": "不是数字：{value!r}",
        "not_finite": "必须是有限的数字",
        "negative": "不能为负数",
        "unknown_choice": "{value!r} 不是可选项",
        "bad_version": "缺少或无效的版本号",
        "unknown_chart": "未知图表 {name!r}",
    },
    "en": {
        "app_title": "County-town fiscal simulator",
        "nav_scenarios": "Scenarios",
        "nav_compare": "Compare",
        "nav_api": "API docs",
        "switch_lang": "中文",
        "scenarios": "Scenarios",
        "name": "Name",
        "description": "Description",
        "versions": "Versions",
        "last_changed": "Last changed",
        "actions": "Actions",
        "open": "Open",
        "run": "Results",
        "settings": "Settings",
        "analysis": "Uncertainty & goal seeking",
        "download": "Download",
        "no_scenarios": "No scenarios yet: upload one.",
        "upload_title": "Upload a scenario",
        "upload_help": "YAML, JSON or an Excel scenario workbook (.xlsx). The file must hold its towns and projects itself (no paths such as towns.csv).",
        "file": "File",
        "name_optional": "Name (optional: default the file's name)",
        "description_optional": "Description (optional)",
        "upload": "Upload and save",
        "template": "Empty Excel template",
        "upload_failed": "Upload failed; nothing was saved. Fix these and upload again:",
        "uploaded": "Uploaded and saved as version {version}.",
        "no_file": "choose a file to upload",
        "bad_suffix": "only .yaml, .yml, .json or .xlsx files are accepted, got {name}",
        "not_utf8": "the file is not UTF-8 text",
        "not_valid": "not valid {kind}: {detail}",
        "not_mapping": "a scenario must be a mapping of keys to values (a YAML/JSON object)",
        "towns_is_path": "towns is a file path ({path!r}). An uploaded scenario must hold its towns table itself: write the towns as a list of records (towns: [{{id: T01, name: …}}, …]) or upload an Excel scenario workbook",
        "projects_is_path": "projects is a file path ({path!r}). An uploaded scenario must hold its projects itself (a list of records), or upload an Excel scenario workbook",
        "no_extends": 'an uploaded scenario cannot extend another file; upload the whole scenario ("Download YAML" gives one)',
        "no_aliases": "YAML aliases (*name) are not accepted; write the content out",
        "too_large": "the file is larger than the {size} limit",
        "version": "version {version}",
        "version_short": "Version",
        "all_versions": "All versions",
        "viewing_old": "You are viewing version {version} (the latest is {latest}); edits start from the latest version.",
        "latest": "Go to the latest",
        "saved": "Saved as version {version}.",
        "no_changes": "Nothing changed; no new version saved.",
        "conflict_title": "Version conflict: not saved",
        "conflict": "You edited version {expected}, but version {latest} was saved meanwhile. Your changes were not saved; below is the latest version, apply them again:",
        "edit_failed": "Some values are wrong; nothing was saved. Fix the marked fields:",
        "edit_title": "Edit the common levers (saved as a new version)",
        "edit_help": "Shares are decimals from 0 to 1 (0.5 = 50%, or write 50%); amounts are in {unit}.",
        "save": "Save as a new version",
        "basic": "General",
        "unit": "Currency unit",
        "years": "Simulated years",
        "revenue_items": "Revenue items and split rules",
        "item": "Revenue item",
        "column": "Towns column",
        "elasticity": "GDP elasticity",
        "capacity_rate": "Capacity rate",
        "split_rule": "Split rule",
        "split_overrides": "Split overrides",
        "applies_to": "Applies to",
        "class": "class",
        "expenditure_functions": "Expenditure functions (standard expenditure)",
        "function": "Function",
        "driver": "Driver",
        "unit_cost": "Base-year unit cost",
        "cost_factor": "Cost factor column",
        "town_share_resp": "Town's share",
        "growth_rate": "Yearly growth",
        "county": "County budget",
        "general_transfer": "General (equalization) transfers",
        "special_transfers": "Special transfers",
        "assessment": "Pilot assessment",
        "uncertainty": "Uncertainty (Monte Carlo)",
        "growth": "Growth",
        "towns_table": "Towns (base year)",
        "projects_count": "Projects applied for",
        "setting": "Setting",
        "value": "Value",
        "none": "none",
        "yes": "yes",
        "no": "no",
        "rule_town": "Town revenue (the town keeps all)",
        "rule_county": "County revenue (the county keeps all)",
        "rule_proportional": "Proportional: town {s}, county {c}",
        "rule_bpi": "Base plus increment: town {b} of the base, {s} above it (base: {base})",
        "base_default": "base-year amount",
        "base_fixed": "fixed {amount}",
        "base_column": "towns column {column}",
        "rule_tiered": "Tiered: {bands}",
        "band": "town {s} of {lo}–{hi}",
        "band_top": "town {s} above {lo}",
        "list_sep": "; ",
        "town_share": "Town share",
        "base_share": "Base share",
        "increment_share": "Increment share",
        "band_share": "Band {n}",
        "pool": "Pool",
        "pool_mode": "Funding",
        "pool_full": "Cover every gap in full",
        "pool_amount": "Fixed amount (base year)",
        "pool_county_surplus": "County surplus (county_surplus)",
        "pool_coefficient": "Fixed coefficient φ",
        "pool_value": "Amount or coefficient",
        "pool_growth": "Pool growth",
        "coefficient": "Coefficient",
        "priority": "Priority classes",
        "rationing": "Rationing",
        "rationing_proportional": "Proportional to gaps",
        "rationing_need_adjusted": "Need-adjusted (common rate)",
        "rationing_factor": "Factor method",
        "eligible": "Factor method: eligible",
        "factors": "Factors",
        "growth_limits": "Growth limits",
        "budget": "Yearly budget (base year)",
        "budget_growth": "Budget growth",
        "method": "Allocation",
        "method_priority": "In priority order",
        "method_optimal": "Optimal selection",
        "category_caps": "Category caps",
        "require_cofinancing": "Require co-financing",
        "carry_over": "Carry unfunded projects over",
        "gdp_growth": "GDP growth",
        "gdp_all": "All towns",
        "gdp_pilot": "Pilot towns",
        "gdp_other": "Other towns",
        "gdp_year": "{year}",
        "gdp_column": "from towns column {column} (edit it in the file)",
        "drivers": "Driver growth",
        "targets": "Targets",
        "failures_to_revoke": "Failed years before revocation",
        "enabled": "Assess pilots",
        "draws": "Draws",
        "seed": "Seed",
        "gdp_growth_sd": "SD of GDP growth",
        "common_share": "Common shock share",
        "results": "Results",
        "year": "Year",
        "show_year": "Year shown",
        "show": "Show",
        "indicators": "Indicators",
        "county_table": "County budget",
        "towns_results": "Towns ({year})",
        "click_hint": "Click an underlined number to see how it was computed.",
        "download_results": "Download results (Excel)",
        "explain_title": "How it was computed",
        "explain_of": "{town} {year} {column}",
        "formula": "Formula",
        "as_text": "As text",
        "close": "Close",
        "back_to_results": "Back to the results",
        "compare_title": "Compare scenarios",
        "compare_help": "Tick two or more scenarios, choose one as the baseline, then press Compare.",
        "compare": "Compare",
        "include": "Compare",
        "baseline": "Baseline",
        "pick_two": "Tick at least two scenarios.",
        "summary": "Summary (whole period)",
        "scenario": "Scenario",
        "balance_by_year": "County balance by year",
        "settings_diff": "Settings that differ from the baseline",
        "path": "Setting",
        "baseline_value": "Baseline",
        "scenario_value": "Scenario",
        "town_diffs": "Change by town ({label} against the baseline, {year})",
        "sort_hint": "Click a column header to sort.",
        "charts": "Charts",
        "chart_transfers_by_town": "General transfers by town",
        "chart_town_budgets": "Town budgets",
        "chart_county_balance": "County balance",
        "chart_lorenz": "Lorenz curves (before and after transfers)",
        "chart_csv": "Chart data (CSV)",
        "download_workbook": "Download the comparison workbook (Excel)",
        "min_year": " ({year})",
        "town": "Town",
        "montecarlo_title": "Monte Carlo (GDP growth uncertainty)",
        "montecarlo_help": "Draws GDP growth paths from the scenario's uncertainty settings: percentiles per year and the probability of a county deficit.",
        "run_montecarlo": "Run Monte Carlo",
        "solve_title": "Goal seeking",
        "solve_help": "Find the value of one setting at which a metric reaches a target in a given year.",
        "parameter": "Setting",
        "parameter_path": "or type a setting path",
        "target": "Metric",
        "target_value": "Target value",
        "bounds": "Search range (low, high; optional: shares default to 0–1)",
        "run_solve": "Solve",
        "computing": "Computing…",
        "failed": "Failed: ",
        "solved": "{parameter} = {value} gives {target} ({year}) = {metric}",
        "not_exact": "Note: ",
        "percentiles": "Percentiles (P5 / P50 / P95)",
        "p_deficit": "P(county deficit)",
        "pilots_revoked": "Probability that a pilot town loses its status",
        "p_revoked": "P(revoked)",
        "error_title": "Something went wrong",
        "not_found": "No such scenario or version",
        "print": "Print",
        "unit_suffix": "unit: {unit}",
        "illustrative": "All data are illustrative.",
        "town_id": "ID",
        "not_a_number": "not a number: {value!r}",
        "not_finite": "must be a finite number",
        "negative": "must not be negative",
        "unknown_choice": "{value!r} is not one of the choices",
        "bad_version": "missing or invalid version number",
        "unknown_chart": "unknown chart {name!r}",
    },
}

# result columns by table (列名)
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "zh": {
        "towns": {
            "year": "年度", "town": "代码", "name": "乡镇", "pilot": "试点镇", "gdp": "地区生产总值",
            "population": "人口", "area_km2": "面积（平方公里）", "revenue_collected": "辖区税收收入", "town_retained": "乡镇分成",
            "county_retained": "县级分成", "remittance": "定额上解", "own_revenue": "乡镇本级收入",
            "capacity": "标准财政收入", "standard_expenditure": "标准财政支出", "gap": "收支缺口",
            "general_transfer": "一般性转移支付", "special_transfer": "专项转移支付", "cofinancing": "配套资金",
            "balance": "收支余额", "resources": "可用财力", "resources_per_capita": "人均可用财力",
            "own_revenue_diff": "本级收入变化", "general_transfer_diff": "一般性转移支付变化",
            "special_transfer_diff": "专项转移支付变化", "gap_diff": "缺口变化", "balance_diff": "收支余额变化",
            "resources_baseline": "可用财力（基准）", "resources_scenario": "可用财力（本方案）",
            "resources_diff": "可用财力变化", "change_pct": "变化率",
        },
        "county": {
            "year": "年度", "own_revenue": "县本级收入", "shared_revenue": "县级分成收入", "remittances": "乡镇上解",
            "upper_transfers": "上级转移支付", "total_revenue": "县级收入合计", "own_expenditure": "县本级支出",
            "town_function_expenditure": "承担乡镇事权支出", "general_transfers_paid": "一般性转移支付",
            "special_transfers_paid": "专项转移支付", "balance": "县级收支余额",
        },
        "indicators": {
            "year": "年度", "label": "方案", "required_transfers": "弥补缺口所需", "general_transfers": "一般性转移支付",
            "coverage": "缺口弥补率", "special_transfers": "专项转移支付", "county_balance": "县级收支余额",
            "county_balance_min": "最低年度余额", "gini_before": "基尼系数（转移前）",
            "gini_after": "基尼系数（转移后）", "cv_before": "变异系数（转移前）", "cv_after": "变异系数（转移后）",
            "pilots_active": "试点镇数",
        },
    },
    "en": {
        "towns": {
            "year": "Year", "town": "ID", "name": "Town", "pilot": "Pilot", "gdp": "GDP", "population": "Population", "area_km2": "Area (km²)",
            "revenue_collected": "Revenue collected", "town_retained": "Town share", "county_retained": "County share",
            "remittance": "Remittance", "own_revenue": "Own revenue", "capacity": "Fiscal capacity",
            "standard_expenditure": "Standard expenditure", "gap": "Gap", "general_transfer": "General transfer",
            "special_transfer": "Special transfers", "cofinancing": "Co-financing", "balance": "Balance",
            "resources": "Resources", "resources_per_capita": "Resources per capita",
            "own_revenue_diff": "Own revenue change", "general_transfer_diff": "General transfer change",
            "special_transfer_diff": "Special transfer change", "gap_diff": "Gap change",
            "balance_diff": "Balance change", "resources_baseline": "Resources (baseline)",
            "resources_scenario": "Resources (scenario)", "resources_diff": "Resources change",
            "change_pct": "Change",
        },
        "county": {
            "year": "Year", "own_revenue": "Own revenue", "shared_revenue": "Shared revenue",
            "remittances": "Remittances", "upper_transfers": "Transfers from above", "total_revenue": "Total revenue",
            "own_expenditure": "Own expenditure", "town_function_expenditure": "Town-area functions",
            "general_transfers_paid": "General transfers", "special_transfers_paid": "Special transfers",
            "balance": "County balance",
        },
        "indicators": {
            "year": "Year", "label": "Scenario", "required_transfers": "Required transfers",
            "general_transfers": "General transfers", "coverage": "Coverage", "special_transfers": "Special transfers",
            "county_balance": "County balance", "county_balance_min": "Lowest yearly balance",
            "gini_before": "Gini before", "gini_after": "Gini after", "cv_before": "CV before", "cv_after": "CV after",
            "pilots_active": "Pilot towns",
        },
    },
}  # fmt: skip


def t(key: str, **values) -> str:
    """The UI string ``key`` in the page's language, filled with ``values``."""
    lang = g.get("lang", "zh")
    text = STRINGS[lang].get(key) or STRINGS["zh"].get(key) or key
    return text.format(**values) if values else text


def label(column: str, table: str = "towns") -> str:
    """A result column's heading in the page's language (the column name itself when unknown)."""
    lang = g.get("lang", "zh")
    for name in (table, "towns", "indicators", "county"):
        found = LABELS[lang][name].get(column)
        if found:
            return found
    return column


def chosen_lang() -> str:
    """``?lang=`` when valid, else the remembered cookie, else Chinese."""
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    return remembered if remembered in LANGS else "zh"


@bp.before_request
def _set_lang():
    g.lang = chosen_lang()


@bp.after_request
def _remember_lang(response: flask.Response):
    if request.args.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, g.lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def lang_url(lang: str) -> str:
    """This page in another language (after a form post: the page the form belongs to)."""
    if request.method == "GET":
        args = request.args.to_dict(flat=False)
        args["lang"] = [lang]
        return request.script_root + request.path + "?" + urlencode(args, doseq=True)
    return g.get("back_path", flask.url_for("web.index")) + "?" + urlencode({"lang": lang})


# ------------------------------------------------------------------------------------------------
# numbers and names as shown


def column_kind(column: str) -> str:
    """How a column's numbers are shown: money, percent, ratio, count, per_capita or plain."""
    base = re.sub(r"_(baseline|scenario|diff|p5|p50|p95|mean)$", "", column)
    if column in PERCENT_COLUMNS or base in PERCENT_COLUMNS:
        return "percent"
    if base in PER_CAPITA:
        return "per_capita"
    if base in MONEY_COLUMNS:
        return "money"
    if base in RATIO_COLUMNS:
        return "ratio"
    if base in COUNT_COLUMNS or base == "pilots_active":
        return "count"
    return "plain"


def format_number(value, column: str = "") -> str:
    """A number as shown in tables: thousands separators, 2 decimals for money, — for none."""
    if value is None or isinstance(value, str):
        return "—" if value is None else value
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    value = float(value)
    if not math.isfinite(value):
        return "—"
    kind = column_kind(column)
    digits = {"percent": 2, "ratio": 4, "count": 0, "per_capita": 4}.get(kind, 2)
    shown = value * 100 if kind == "percent" else value
    if round(shown, digits) == 0:
        shown = 0.0  # no "-0.00"
    text = f"{shown:,.{digits}f}"
    return text + "%" if kind == "percent" else text


def format_setting(value) -> str:
    """A setting as written: 86,420 / 0.092 / 1.06 / 是 (no rounding of small rates)."""
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, (int, float)):
        value = float(value)
        if not math.isfinite(value):
            return "—"
        if value.is_integer():
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:,.2f}"
        return f"{value:.6f}".rstrip("0").rstrip(".")
    nested = isinstance(value, (list, dict)) and any(
        isinstance(v, (list, dict)) for v in (value.values() if isinstance(value, dict) else value)
    )
    if nested:  # records (split overrides, factors) in YAML's flow style, as a scenario file writes them
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10**6).strip()
    if isinstance(value, list):
        return ", ".join(format_setting(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_setting(v)}" for k, v in value.items())
    return str(value)


def percent(value) -> str:
    """A share as a percentage without trailing zeros: 0.5 → 50%, 0.333 → 33.3%."""
    return f"{float(value) * 100:.2f}".rstrip("0").rstrip(".") + "%"


def is_negative(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < -0.005


def display_name(name: str, lang: str | None = None) -> str:
    """The part of a bilingual "中文 / English" name for the page's language (the whole name otherwise)."""
    lang = lang or g.get("lang", "zh")
    parts = [p.strip() for p in name.split(" / ")]
    if len(parts) != 2 or not all(parts):
        return name
    has_cjk = [bool(re.search(r"[\u4e00-\u9fff]", p)) for p in parts]
    if has_cjk[0] == has_cjk[1]:
        return name
    zh, en = (parts[0], parts[1]) if has_cjk[0] else (parts[1], parts[0])
    return zh if lang == "zh" else en


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def input_value(value) -> str:
    """A number as put in an input box (no thousands separators, full precision up to 12 digits)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{float(value):.12g}"
    return str(value)


# ------------------------------------------------------------------------------------------------
# split rules in words (分成规则)


def rule_text(split: dict, unit: str) -> str:
    """A split rule as a sentence: 比例分成：乡镇 50%，县 50%."""
    rule = split.get("rule")
    if rule == "town":
        return t("rule_town")
    if rule == "county":
        return t("rule_county")
    if rule == "proportional":
        s = float(split["town_share"])
        return t("rule_proportional", s=percent(s), c=percent(1 - s))
    if rule == "base_plus_increment":
        if split.get("base") is not None:
            base = t("base_fixed", amount=f"{format_setting(split['base'])} {unit}")
        elif split.get("base_column"):
            base = t("base_column", column=split["base_column"])
        else:
            base = t("base_default")
        return t("rule_bpi", b=percent(split["base_share"]), s=percent(split["increment_share"]), base=base)
    if rule == "tiered":
        edges = [0, *split["thresholds"]]
        bands = []
        for j, share in enumerate(split["town_shares"]):
            lo = format_setting(edges[j])
            if j + 1 < len(edges):
                bands.append(t("band", lo=lo, hi=format_setting(edges[j + 1]), s=percent(share)))
            else:
                bands.append(t("band_top", lo=lo, s=percent(share)))
        return t("rule_tiered", bands=t("list_sep").join(bands))
    return json.dumps(split, ensure_ascii=False)


def gdp_growth_text(gdp) -> str:
    """growth.gdp in words: a rate, pilot/other rates, a towns column, or one of these per year."""
    if isinstance(gdp, dict):
        return f"{t('gdp_pilot')} {percent(gdp['pilot'])}{t('list_sep')}{t('gdp_other')} {percent(gdp['other'])}"
    if isinstance(gdp, str):
        return t("gdp_column", column=gdp)
    if isinstance(gdp, list):
        return " / ".join(gdp_growth_text(v) for v in gdp)
    return percent(gdp)


def _rows(pairs) -> list[tuple[str, str]]:
    """Key/value rows of a settings card, the unset ones left out."""
    return [(key, str(value)) for key, value in pairs if value is not None and value != ""]


def settings_cards(stored: StoredScenario, scenario: Scenario) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scenario's settings as titled key/value cards (general, county, growth, transfers, assessment …)."""
    config, unit = scenario.config, scenario.config["unit"]
    first, last = config["years"]
    cards = [
        (
            t("basic"),
            _rows(
                [
                    (t("name"), stored.name),
                    (t("unit"), unit),
                    (t("years"), f"{first}–{last}"),
                    (t("version_short"), stored.version),
                    (t("last_changed"), local_time(stored.created_at)),
                ]
            ),
        )
    ]
    county = []
    for key, value in config["county"].items():
        if key.endswith("_growth"):
            county.append((f"{label(key[: -len('_growth')], 'county')} · {t('growth_rate')}", percent(value)))
        else:
            county.append((f"{label(key, 'county')} ({unit})", format_number(value, "own_revenue")))
    if config.get("remittances"):
        county.append((label("remittance"), f"{t('column')} {config['remittances']['column']}"))
    cards.append((t("county"), _rows(county)))
    growth = [(t("gdp_growth"), gdp_growth_text(config["growth"]["gdp"]))]
    for column, rate in (config["growth"].get("drivers") or {}).items():
        growth.append(
            (f"{t('drivers')} · {column}", percent(rate) if isinstance(rate, (int, float)) else format_setting(rate))
        )
    cards.append((t("growth"), _rows(growth)))
    gt = config["general_transfer"]
    mode, amount = pool_mode(gt)
    pool = t(f"pool_{mode}")
    if mode == "amount":
        pool += f": {format_number(amount, 'gap')} {unit}"
    elif mode == "coefficient":
        pool += f": {format_setting(amount)}"
    general = [
        (t("pool_mode"), pool),
        (t("pool_growth"), percent(gt["pool_growth"]) if gt["pool_growth"] else None),
        (t("rationing"), t(f"rationing_{gt['rationing']}")),
        (t("priority"), ", ".join(gt["priority"]) if gt["priority"] else None),
        (t("eligible"), gt["eligible"] if gt["rationing"] == "factor" else None),
        (t("factors"), format_setting(gt["factors"]) if gt["factors"] else None),
        (t("growth_limits"), format_setting(gt["growth_limits"]) if gt["growth_limits"] else None),
    ]
    cards.append((t("general_transfer"), _rows(general)))
    st = config.get("special_transfers")
    if st is not None:
        optimal = st["method"] == "optimal"
        special = [
            (f"{t('budget')} ({unit})", format_number(st["budget"], "grant")),
            (t("budget_growth"), percent(st["budget_growth"])),
            (t("category_caps"), format_setting(st["category_caps"]) if st["category_caps"] else None),
            (t("method"), t(f"method_{st['method']}")),
            ("priority_order", None if optimal else ", ".join(st["priority_order"])),
            ("pilot_weight / key_weight", f"{st['pilot_weight']:g} / {st['key_weight']:g}" if optimal else None),
            (t("require_cofinancing"), format_setting(bool(st["require_cofinancing"]))),
            (t("carry_over"), format_setting(bool(st["carry_over"]))),
            (t("projects_count"), 0 if scenario.projects is None else len(scenario.projects)),
        ]
        cards.append((t("special_transfers"), _rows(special)))
    assessment = config.get("assessment")
    if assessment:
        rows = [(t("enabled"), format_setting(bool(assessment["enabled"])))]
        rows += [(f"{t('targets')} · {key}", percent(value)) for key, value in assessment["targets"].items()]
        rows.append((t("failures_to_revoke"), assessment["failures_to_revoke"]))
        cards.append((t("assessment"), _rows(rows)))
    uncertainty = config.get("uncertainty")
    if uncertainty:
        rows = [
            (t("draws"), uncertainty["draws"]),
            (t("seed"), uncertainty["seed"]),
            (t("gdp_growth_sd"), percent(uncertainty["gdp_growth_sd"])),
            (t("common_share"), percent(uncertainty["common_share"])),
        ]
        cards.append((t("uncertainty"), _rows(rows)))
    return cards


# ------------------------------------------------------------------------------------------------
# the edit form: the common levers (常用参数)


POOL = "general_transfer.pool"  # the pool mode and amount fields set general_transfer.pool and .coefficient
POOL_MODES = ("full", "amount", "county_surplus", "coefficient")


@dataclass(frozen=True)
class Lever:
    """One input of the edit form: the override path it sets (SPEC §2.2), its kind and current value.

    Several inputs may set one path together (``slot``: a list index or a map key), e.g. the town
    shares of a tiered rule, or GDP growth of pilot and other towns.
    """

    field: str  # the form field's name
    target: str  # the override path
    slot: int | str | None
    kind: str  # share | rate | amount | choice | text
    value: Any
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)


@dataclass(frozen=True)
class LeverRow:
    """A row of the form: what it sets, a note (e.g. the rule in words), and its inputs."""

    title: str
    note: str
    levers: tuple[Lever, ...]


def _split_levers(item: dict) -> tuple[Lever, ...]:
    split, base = item["split"], f"revenue_items.{item['id']}.split"
    rule = split["rule"]
    if rule == "proportional":
        return (Lever(f"{base}.town_share", f"{base}.town_share", None, "share", split["town_share"], t("town_share")),)
    if rule == "base_plus_increment":
        return tuple(
            Lever(f"{base}.{key}", f"{base}.{key}", None, "share", split[key], t(key))
            for key in ("base_share", "increment_share")
        )
    if rule == "tiered":
        return tuple(
            Lever(f"{base}.town_shares[{j}]", f"{base}.town_shares", j, "share", s, t("band_share", n=j + 1))
            for j, s in enumerate(split["town_shares"])
        )
    return ()


def _gdp_levers(config: dict) -> tuple[Lever, ...]:
    gdp = config["growth"]["gdp"]
    if isinstance(gdp, dict):
        return tuple(
            Lever(f"growth.gdp.{k}", "growth.gdp", k, "rate", gdp[k], t(f"gdp_{k}")) for k in ("pilot", "other")
        )
    if isinstance(gdp, list) and all(isinstance(v, (int, float)) for v in gdp):
        first = config["years"][0]
        return tuple(
            Lever(f"growth.gdp[{j}]", "growth.gdp", j, "rate", v, t("gdp_year", year=first + j))
            for j, v in enumerate(gdp)
        )
    if isinstance(gdp, (int, float)):
        return (Lever("growth.gdp", "growth.gdp", None, "rate", gdp, t("gdp_all")),)
    return ()


def _choices(prefix: str, values) -> tuple[tuple[str, str], ...]:
    return tuple((v, t(f"{prefix}_{v}")) for v in values)


def pool_mode(general: dict) -> tuple[str, float | None]:
    """How the general-transfer pool is set, and its amount (or the coefficient)."""
    if general.get("coefficient") is not None:
        return "coefficient", general["coefficient"]
    pool = general.get("pool")
    if pool is None:
        return "full", None
    if pool == "county_surplus":
        return "county_surplus", None
    return "amount", pool


def lever_rows(config: dict) -> list[tuple[str, list[LeverRow]]]:
    """The edit form's sections: revenue split shares, general transfer, special transfers, GDP growth."""
    unit = config["unit"]
    split_rows = [
        LeverRow(f"{item.get('name') or item['id']}", rule_text(item["split"], unit), _split_levers(item))
        for item in config["revenue_items"]
    ]
    general = config["general_transfer"]
    mode, amount = pool_mode(general)
    general_rows = [
        LeverRow(
            t("pool"),
            "",
            (
                Lever("general_transfer.pool_mode", POOL, "mode", "choice", mode, t("pool_mode"), _choices("pool", POOL_MODES)),
                Lever("general_transfer.pool_value", POOL, "value", "amount", amount, t("pool_value")),
                Lever("general_transfer.pool_growth", "general_transfer.pool_growth", None, "rate", general["pool_growth"], t("pool_growth")),
            ),
        ),
        LeverRow(
            t("rationing"),
            "",
            (
                Lever(
                    "general_transfer.rationing", "general_transfer.rationing", None, "choice", general["rationing"],
                    t("rationing"), _choices("rationing", ("proportional", "need_adjusted", "factor")),
                ),
            ),
        ),
    ]  # fmt: skip
    sections = [(t("revenue_items"), split_rows), (t("general_transfer"), general_rows)]
    special = config.get("special_transfers")
    if special is not None:
        sections.append(
            (
                t("special_transfers"),
                [
                    LeverRow(
                        t("budget"),
                        "",
                        (
                            Lever("special_transfers.budget", "special_transfers.budget", None, "amount", special["budget"], t("budget")),
                            Lever("special_transfers.budget_growth", "special_transfers.budget_growth", None, "rate", special["budget_growth"], t("budget_growth")),
                            Lever(
                                "special_transfers.method", "special_transfers.method", None, "choice", special["method"],
                                t("method"), _choices("method", ("priority", "optimal")),
                            ),
                        ),
                    )
                ],
            )
        )  # fmt: skip
    gdp = config["growth"]["gdp"]
    sections.append((t("growth"), [LeverRow(t("gdp_growth"), gdp_growth_text(gdp), _gdp_levers(config))]))
    return sections


def all_levers(sections) -> list[Lever]:
    return [lever for _, rows in sections for row in rows for lever in row.levers]


def parse_number(text: str) -> float:
    """A number typed by a person: 1,234.5 / 50% / 0.5 (ValueError with a message in the page's language)."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    scale = 1.0
    if cleaned.endswith("%") or cleaned.endswith("％"):
        cleaned, scale = cleaned[:-1], 0.01
    try:
        number = float(cleaned) * scale
    except ValueError:
        raise ValueError(t("not_a_number", value=text)) from None
    if not math.isfinite(number):
        raise ValueError(t("not_finite"))
    return number


def parse_lever(lever: Lever, raw: str):
    """The value a form field asks for (the lever's kind decides how it is read)."""
    if lever.kind == "choice":
        if raw not in [value for value, _ in lever.choices]:
            raise ValueError(t("unknown_choice", value=raw))
        return raw
    if lever.kind == "amount" and lever.target == POOL and not raw.strip():
        return None  # no amount: only valid with the modes that take none
    number = parse_number(raw)
    if lever.kind == "amount" and number < 0:
        raise ValueError(t("negative"))
    return int(number) if number.is_integer() and lever.kind == "amount" else number


def _same(a, b) -> bool:
    """Equal, numbers within rounding of the form's 12 digits."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _assemble(parts: list[tuple[Lever, Any]]):
    """One override value from the inputs that set it together: a scalar, a list or a map."""
    if parts[0][0].slot is None:
        return parts[0][1]
    if isinstance(parts[0][0].slot, int):
        return [value for _, value in sorted(parts, key=lambda p: p[0].slot)]
    return {lever.slot: value for lever, value in parts}


def _pool_overrides(general: dict, values: dict) -> tuple[dict, dict]:
    """general_transfer.pool / .coefficient from the mode and the amount (errors by field)."""
    mode, amount = values.get("mode"), values.get("value", 0)
    if mode not in POOL_MODES or "value" not in values:
        return {}, {}  # the field's own error is already reported
    if mode in ("amount", "coefficient") and amount is None:
        return {}, {"general_transfer.pool_value": [t("not_a_number", value="")]}
    wanted = {
        "full": (None, None),
        "amount": (amount, None),
        "county_surplus": ("county_surplus", None),
        "coefficient": (None, amount),
    }[mode]
    out = {}
    for key, value in zip(("pool", "coefficient"), wanted):
        if not _same(general.get(key), value):
            out[f"general_transfer.{key}"] = value
    return out, {}


def edit_overrides(config: dict, sections, form) -> tuple[dict, dict]:
    """``{PATH: value}`` for every lever the form changes, and errors by form field."""
    errors: dict[str, list[str]] = {}
    by_target: dict[str, list[tuple[Lever, Any]]] = {}
    levers = all_levers(sections)
    inputs = Counter(lever.target for lever in levers)  # how many inputs set each path together
    for lever in levers:
        raw = form.get(lever.field)
        value = lever.value
        if raw is not None:
            try:
                value = parse_lever(lever, raw)
            except ValueError as exc:
                errors[lever.field] = [str(exc)]
                continue
        by_target.setdefault(lever.target, []).append((lever, value))
    overrides: dict[str, Any] = {}
    for target, parts in by_target.items():
        if target == POOL:
            pool, pool_errors = _pool_overrides(config["general_transfer"], {lv.slot: v for lv, v in parts})
            overrides.update(pool)
            errors.update(pool_errors)
            continue
        current = _assemble([(lever, lever.value) for lever, _ in parts])
        wanted = _assemble(parts)
        if len(parts) == inputs[target] and not _same(current, wanted):  # an input in error: not this path
            overrides[target] = wanted
    return overrides, errors


def field_errors(errors: dict[str, list[str]], sections) -> dict[str, list[str]]:
    """Loader errors (``revenue_items[vat].split.town_share``, ``set.PATH``) keyed by the form field at fault."""
    levers = all_levers(sections)
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        dotted = re.sub(r"\[([^\]]+)\]", r".\1", key[4:] if key.startswith("set.") else key)
        lever = next(
            (lv for lv in levers if dotted in (lv.field, lv.target) or dotted.startswith(lv.target + ".")), None
        )
        if lever is None and dotted.startswith("general_transfer.coefficient"):
            lever = next(lv for lv in levers if lv.target == POOL)
        where = lever.field if lever is not None else ("_schema" if key == "_schema" else key)
        out.setdefault(where, []).extend(messages)
    return out


# ------------------------------------------------------------------------------------------------
# uploads


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases, so a small upload cannot expand into a huge document."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, t("no_aliases"), event.start_mark)
        return super().compose_node(parent, index)


def parse_upload(filename: str, data: bytes) -> dict:
    """The scenario document in an uploaded file; ScenarioError (by field) when it cannot be read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ScenarioError({"file": [t("bad_suffix", name=filename)]})
    if suffix in (".xlsx", ".xlsm"):
        from fiscal_sim.excel import read_scenario_workbook

        try:
            return read_scenario_workbook(io.BytesIO(data))
        except ScenarioError as exc:
            if set(exc.errors) != {"_schema"}:
                raise
            # a file-level problem (not a workbook, broken XML, no scenario sheet): shown at the file field
            raise ScenarioError({"file": [t("not_valid", kind="Excel (.xlsx)", detail=exc.one_line())]}) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError({"file": [t("not_utf8")]}) from None
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        document = json.loads(text) if kind == "JSON" else yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ScenarioError({"file": [t("not_valid", kind=kind, detail=" ".join(str(exc).split()))]}) from None
    if not isinstance(document, dict):
        raise ScenarioError({"file": [t("not_mapping")]})
    refuse_paths(document)
    return document


def refuse_paths(document: dict) -> None:
    """An upload is self-contained: towns and projects inline, no ``extends`` (SPEC §4 bodies)."""
    errors = {}
    if isinstance(document.get("towns"), str):
        errors["towns"] = [t("towns_is_path", path=document["towns"])]
    special = document.get("special_transfers")
    if isinstance(special, dict) and isinstance(special.get("projects"), str):
        errors["special_transfers.projects"] = [t("projects_is_path", path=special["projects"])]
    if "extends" in document:
        errors["extends"] = [t("no_extends")]
    if errors:
        raise ScenarioError(errors)


def validated(document: dict) -> Scenario:
    """:func:`api.runner.validated` (the API's path and limits), errors keyed as the loader names them."""
    try:
        return runner.validated(document, "document")
    except ApiError as exc:
        errors = {(k[len("document.") :] if k.startswith("document.") else "_schema"): v for k, v in exc.errors.items()}
        raise ScenarioError(errors) from None


# ------------------------------------------------------------------------------------------------
# helpers of the views


def render(template: str, status: int = 200, **context):
    return flask.render_template(f"web/{template}", **context), status


def render_error(status: int, errors: dict[str, list[str]]):
    if request.args.get("partial"):
        return render("_errors.html", status, errors=errors)
    return render("error.html", status, code=status, errors=errors)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return render_error(error.status, error.errors)


@bp.errorhandler(NotFoundError)
def _not_found(error: NotFoundError):
    return render_error(404, {"id": [str(error)]})


@bp.errorhandler(ScenarioError)
def _scenario_error(error: ScenarioError):
    return render_error(422, error.errors)


@bp.errorhandler(SolveError)
def _solve_error(error: SolveError):
    return render_error(422, {"target": [str(error)]})


def query_version() -> int | None:
    return request.args.get("version", type=int)


def stored_version(scenario_id: str, version: int | None) -> tuple[StoredScenario, Scenario]:
    """The stored row and its validated scenario (404 when absent)."""
    stored = runner.store().get(scenario_id, version)
    return stored, runner.stored_scenario(scenario_id, stored.version, "id")


def lang_strings_for_js() -> dict:
    """The strings the page's scripts need, and the column headings of Monte Carlo tables."""
    keys = (
        "computing", "failed", "solved", "not_exact", "year", "p_deficit", "town", "name", "p_revoked", "draws",
        "seed", "percentiles", "pilots_revoked",
    )  # fmt: skip
    out = {key: t(key) for key in keys}
    out["columns"] = {c: label(c, "indicators") for c in ("required_transfers", "general_transfers", "county_balance")}
    return out


@bp.context_processor
def _template_globals():
    return {
        "t": t,
        "label": label,
        "fmt": format_number,
        "fmt_setting": format_setting,
        "percent": percent,
        "negative": is_negative,
        "display_name": display_name,
        "local_time": local_time,
        "input_value": input_value,
        "rule_text": rule_text,
        "lang": g.get("lang", "zh"),
        "lang_url": lang_url,
        "explainable": EXPLAINERS,
        "api_prefix": request.script_root + API_PREFIX,
        "column_kind": column_kind,
    }


# ------------------------------------------------------------------------------------------------
# views: the scenario list, upload, template


@bp.get("/")
def index():
    return render("index.html", scenarios=runner.store().list(), errors=None, form={})


@bp.post("/scenarios/upload")
def upload():
    """Save an uploaded scenario as version 1 of a new scenario; show the errors and save nothing if invalid."""
    g.back_path = flask.url_for("web.index")
    try:
        file = request.files.get("file")
        form = request.form
    except RequestEntityTooLarge:
        limit = flask.current_app.config["MAX_CONTENT_LENGTH"]
        errors = {"file": [t("too_large", size=f"{limit / 2**20:g} MB")]}
        return render("index.html", 413, scenarios=runner.store().list(), errors=errors, form={})
    name = (form.get("name") or "").strip()
    description = (form.get("description") or "").strip()
    try:
        if file is None or not file.filename:
            raise ScenarioError({"file": [t("no_file")]})
        document = parse_upload(file.filename, file.read())
        if name:
            document["name"] = name
        if description:
            document["description"] = description
        scenario = validated(document)
    except ScenarioError as exc:
        return render("index.html", 422, scenarios=runner.store().list(), errors=exc.errors, form=form)
    scenario_id, version = runner.store().create(
        name or scenario.name, description or scenario.config.get("description") or "", scenario.document
    )
    runner.cache().put((scenario_id, version), scenario)
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=version), 303)


@bp.get("/template.xlsx")
def template_workbook():
    from fiscal_sim.excel import build_template

    buffer = io.BytesIO()
    build_template().save(buffer)
    buffer.seek(0)
    return flask.send_file(buffer, mimetype=XLSX, as_attachment=True, download_name="fiscal-sim-template.xlsx")


# ------------------------------------------------------------------------------------------------
# views: one scenario


def town_column_labels(config: dict) -> dict[str, str]:
    """Headings of the towns table: known columns, and each revenue item's column by the item's name."""
    labels = {c: label(c) for c in LABELS["zh"]["towns"]}
    labels["id"] = t("town_id")
    labels.update(
        {item.get("column") or item["id"]: item.get("name") or item["id"] for item in config["revenue_items"]}
    )
    if config.get("remittances"):
        labels[config["remittances"]["column"]] = label("remittance")
    return labels


def scenario_context(stored: StoredScenario, scenario: Scenario, **extra) -> dict:
    latest = runner.store().head(stored.id)[1]
    sections = lever_rows(scenario.config)
    return {
        "stored": stored,
        "scenario": scenario,
        "config": scenario.config,
        "towns": runner.records(scenario.towns),
        "town_columns": [str(c) for c in scenario.towns.columns],
        "town_labels": town_column_labels(scenario.config),
        "versions": runner.store().versions(stored.id),
        "latest": latest,
        "sections": sections,
        "cards": settings_cards(stored, scenario),
        "submitted": {},
        "field_errors": {},
        **extra,
    }


@bp.get("/scenarios/<scenario_id>")
def scenario_page(scenario_id: str):
    stored, scenario = stored_version(scenario_id, query_version())
    return render(
        "scenario.html",
        **scenario_context(
            stored, scenario, saved=request.args.get("saved", type=int), unchanged="unchanged" in request.args
        ),
    )


@bp.post("/scenarios/<scenario_id>/edit")
def edit(scenario_id: str):
    """Save the levers as a new version (append-only); a stale version shows the conflict, nothing saved."""
    g.back_path = flask.url_for("web.scenario_page", scenario_id=scenario_id)
    expected = request.form.get("version", type=int)
    if expected is None or expected < 1:
        raise ApiError(400, {"version": [t("bad_version")]})
    stored, scenario = stored_version(scenario_id, expected)
    sections = lever_rows(scenario.config)
    overrides, errors = edit_overrides(scenario.config, sections, request.form)
    name = (request.form.get("name") or stored.name).strip() or stored.name
    description = (request.form.get("description") if "description" in request.form else stored.description).strip()
    if name != stored.name:
        overrides["name"] = name
    if description != stored.description:
        overrides["description"] = description
    if not errors and not overrides:
        return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, unchanged=1), 303)
    if not errors:
        try:
            changed = scenario.with_overrides(overrides)
        except ScenarioError as exc:
            errors = field_errors(exc.errors, sections)
    if errors:
        context = scenario_context(stored, scenario, submitted=request.form, field_errors=errors)
        return render("scenario.html", 422, **context)
    try:
        version = runner.store().replace(scenario_id, expected, name, description, changed.document)
    except ConflictError:
        latest, latest_scenario = stored_version(scenario_id, None)
        conflict = {"expected": expected, "latest": latest.version, "overrides": overrides}
        return render("scenario.html", 409, **scenario_context(latest, latest_scenario, conflict=conflict))
    runner.cache().put((scenario_id, version), changed)
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=version), 303)


def chosen_year(years, asked: int | None) -> int:
    years = [int(y) for y in years]
    return asked if asked in years else years[-1]


@bp.get("/scenarios/<scenario_id>/run")
def run_page(scenario_id: str):
    stored, scenario = stored_version(scenario_id, query_version())
    result = runner.simulate(scenario)
    year = chosen_year(result.years, request.args.get("year", type=int))
    towns = result.towns[result.towns["year"] == year]
    return render(
        "run.html",
        stored=stored,
        latest=runner.store().head(scenario_id)[1],
        result=result,
        year=year,
        years=[int(y) for y in result.years],
        indicators=runner.records(result.indicators),
        indicator_columns=list(result.indicators.columns[1:]),
        county=runner.records(result.county),
        county_columns=list(result.county.columns[1:]),
        towns=runner.records(towns),
        town_columns=RUN_TOWN_COLUMNS,
    )


@bp.get("/scenarios/<scenario_id>/explain")
def explain_page(scenario_id: str):
    """How one number was computed (``Result.explain``): a page, or with ``partial=1`` the panel's HTML."""
    stored, scenario = stored_version(scenario_id, query_version())
    town = request.args.get("town", "")
    year = request.args.get("year", type=int)
    column = request.args.get("column", "general_transfer")
    if year is None:
        raise ApiError(422, {"year": [t("not_a_number", value=request.args.get("year", ""))]})
    result = runner.simulate(scenario)
    explanation = result.explain(town, year, column)  # ScenarioError → 422 page naming the field
    names = dict(zip(result.towns["town"].astype(str), result.towns["name"].astype(str)))
    context = {
        "stored": stored,
        "node": explanation.to_dict(),
        "text": explanation.text(),
        "town": town,
        "town_name": names.get(town, town),
        "year": year,
        "column": column,
        "unit": result.unit,
    }
    if request.args.get("partial"):
        return render("_explain.html", **context)
    return render("explain.html", latest=runner.store().head(scenario_id)[1], **context)


@bp.get("/scenarios/<scenario_id>/analysis")
def analysis_page(scenario_id: str):
    """Monte Carlo and goal seeking: forms whose scripts call ``POST /api/v1/montecarlo`` and ``/solve``."""
    from fiscal_sim.goal_seek import metric_names

    stored, scenario = stored_version(scenario_id, query_version())
    sections = lever_rows(scenario.config)
    parameters = []  # (override path, label) of each numeric lever that is a single number
    for _, rows in sections:
        for row in rows:
            for lever in row.levers:
                if lever.slot is None and lever.kind in ("share", "rate", "amount"):
                    parameters.append(
                        (lever.target, row.title if lever.label == row.title else f"{row.title} — {lever.label}")
                    )
    if pool_mode(scenario.config["general_transfer"])[0] == "amount":
        parameters.append((POOL, f"{t('general_transfer')} — {t('pool_amount')}"))
    metrics = [m for m in metric_names() if not m.startswith("towns.")]
    metric_labels = [
        (m, label(m[len("county.") :], "county") if m.startswith("county.") else label(m, "indicators"))
        for m in metrics
    ]
    return render(
        "analysis.html",
        stored=stored,
        latest=runner.store().head(scenario_id)[1],
        config=scenario.config,
        years=[int(y) for y in scenario.years],
        parameters=parameters,
        metrics=metric_labels,
        js_strings=lang_strings_for_js(),
    )


@bp.get("/scenarios/<scenario_id>/download.<fmt>")
def download(scenario_id: str, fmt: str):
    """The stored document as YAML, JSON or an Excel scenario workbook."""
    stored = runner.store().get(scenario_id, query_version())
    filename = f"{scenario_id}-v{stored.version}.{fmt}"
    if fmt == "yaml":
        text = yaml.safe_dump(stored.document, allow_unicode=True, sort_keys=False, width=120)
        data, mimetype = text.encode("utf-8"), "application/yaml"
    elif fmt == "json":
        data, mimetype = json.dumps(stored.document, ensure_ascii=False, indent=1).encode("utf-8"), "application/json"
    elif fmt == "xlsx":
        data, mimetype = scenario_workbook(stored.document), XLSX
    else:
        raise ApiError(404, {"format": [t("bad_suffix", name=filename)]})
    return flask.send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.get("/scenarios/<scenario_id>/results.xlsx")
def results_workbook(scenario_id: str):
    from fiscal_sim.excel import write_workbook

    stored, scenario = stored_version(scenario_id, query_version())
    result = runner.simulate(scenario)
    buffer = io.BytesIO()
    write_workbook(buffer, {display_name(stored.name): result}, charts=False)
    buffer.seek(0)
    name = f"{scenario_id}-v{stored.version}-results.xlsx"
    return flask.send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)


# ------------------------------------------------------------------------------------------------
# views: comparison


def comparison_labels(ids: list[str]) -> dict[str, str]:
    """A short, unique label per scenario id: the name in the page's language (``name #id`` when two clash)."""
    names = {s.id: display_name(s.name) for s in runner.store().list()}
    labels = {i: names.get(i, i) for i in ids}
    counts: dict[str, int] = {}
    for value in labels.values():
        counts[value] = counts.get(value, 0) + 1
    return {i: (v if counts[v] == 1 else f"{v} #{i}") for i, v in labels.items()}


def comparison_request() -> dict | None:
    """The comparison body of the query (``ids``, ``baseline``, ``year``): the API's shape, labels by name."""
    ids = list(dict.fromkeys(i for i in request.args.getlist("ids") if i))
    baseline = request.args.get("baseline") or (ids[0] if ids else None)
    if baseline and baseline not in ids:
        ids.insert(0, baseline)
    if len(ids) < 2:
        return None
    labels = comparison_labels(ids)
    body = {"scenarios": [{"label": labels[i], "scenario_id": i} for i in ids], "baseline": labels[baseline]}
    year = request.args.get("year", type=int)
    if year is not None:
        body["year"] = year
    return body


def compared(body: dict):
    from fiscal_sim.compare import compare

    results, baseline = runner.labelled_results(body)
    return compare(results, baseline=baseline)


def query_string(**changes) -> str:
    args = request.args.to_dict(flat=False)
    args.update({k: [v] for k, v in changes.items()})
    args["lang"] = [g.lang]
    return urlencode(args, doseq=True)


@bp.get("/compare")
def compare_page():
    scenarios = runner.store().list()
    ids = request.args.getlist("ids")
    body = comparison_request()
    context = {
        "scenarios": scenarios,
        "ids": ids,
        "baseline": request.args.get("baseline") or (ids[0] if ids else None),
        "comparison": None,
        "errors": {"ids": [t("pick_two")]} if ids and body is None else None,
    }
    if body is None:
        return render("compare.html", 422 if context["errors"] else 200, **context)
    try:
        comparison = compared(body)
    except ApiError as exc:
        return render("compare.html", exc.status, **{**context, "errors": exc.errors})
    years = [int(y) for y in comparison.summary_by_year["year"].unique()]
    year = chosen_year(years, request.args.get("year", type=int))
    ids_by_label = {entry["label"]: entry["scenario_id"] for entry in body["scenarios"]}
    towns = comparison.towns[comparison.towns["year"] == year]
    by_year = comparison.summary_by_year.pivot(index="year", columns="label", values="county_balance")
    context.update(
        comparison=comparison,
        summary=runner.records(comparison.summary),
        summary_columns=SUMMARY_COLUMNS,
        balance_years=[(int(y), [by_year.at[y, lbl] for lbl in comparison.labels]) for y in by_year.index],
        town_tables=[
            (lbl, runner.records(towns[towns["label"] == lbl]))
            for lbl in comparison.labels
            if lbl != comparison.baseline
        ],
        diff_columns=DIFF_COLUMNS,
        settings=runner.records(comparison.settings),
        ids_by_label=ids_by_label,
        year=year,
        years=years,
        charts=CHARTS,
        chart_query=lambda chart: query_string(chart=chart, year=str(year)),
        workbook_query=query_string(),
        unit=next(iter(comparison.results.values())).unit,
    )
    return render("compare.html", **context)


def _chart_response(body: dict) -> flask.Response:
    """A chart as PNG or the numbers behind it as CSV (``make_chart`` + ``figure_bytes`` / ``chart_data``)."""
    from fiscal_sim.charts import chart_data, figure_bytes, make_chart

    results, _ = runner.labelled_results(body)
    options = {"year": body.get("year")}
    if body["format"] == "csv":
        frame = chart_data(body["chart"], results, **options)
        response = flask.Response(frame.to_csv(index=False).encode("utf-8-sig"), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{body["chart"]}.csv"'
        return response
    return flask.Response(figure_bytes(make_chart(body["chart"], results, **options), "png"), mimetype="image/png")


@bp.get("/compare/chart.<fmt>")
def compare_chart(fmt: str):
    chart = request.args.get("chart", "")
    if fmt not in ("png", "csv"):
        raise ApiError(404, {"format": [t("bad_suffix", name=f"chart.{fmt}")]})
    if chart not in CHARTS:
        raise ApiError(422, {"chart": [t("unknown_chart", name=chart)]})
    body = comparison_request()
    if body is None:
        raise ApiError(422, {"ids": [t("pick_two")]})
    return runner.cached("web.chart", {**body, "chart": chart, "format": fmt}, _chart_response)


def _workbook_response(body: dict) -> flask.Response:
    from fiscal_sim.excel import write_workbook

    comparison = compared(body)
    buffer = io.BytesIO()
    write_workbook(buffer, comparison.results, comparison=comparison, charts=True)
    return flask.Response(
        buffer.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="fiscal-sim-compare.xlsx"'},
    )


@bp.get("/compare/workbook.xlsx")
def compare_workbook():
    body = comparison_request()
    if body is None:
        raise ApiError(422, {"ids": [t("pick_two")]})
    body.pop("year", None)
    return runner.cached("web.workbook", body, _workbook_response)
