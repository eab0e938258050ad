"""Every message a user can get about bad input, in Chinese and English (``code: (zh, en)``).

A :class:`fiscal_sim.errors.Message` names one of these codes and its values; it reads in English
by default and in either language on request, so the CLI, the API and the page say the same thing.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # a value of the wrong kind (any key)
    "required": ("必须填写", "required"),
    "null": ("不能为空（null）", "may not be null"),
    "unknown_key": ("不是可用的设置项", "unknown key"),
    "not_a_number": ("须为数字，收到 {value}", "must be a number, got {value}"),
    "not_finite": ("须为有限的数字，收到 {value}", "must be a finite number, got {value}"),
    "not_an_integer": ("须为整数，收到 {value}", "must be a whole number, got {value}"),
    "not_text": ("须为文本，收到 {value}", "must be text, got {value}"),
    "not_a_bool": ("须为 true 或 false，收到 {value}", "must be true or false, got {value}"),
    "not_a_list": ("须为列表", "must be a list"),
    "not_a_mapping": ("须为“键: 值”映射", "must be a mapping of keys to values"),
    "empty_text": ("不能为空", "must not be empty"),
    "text_too_long": ("不能超过 {n} 个字符，收到 {got} 个", "must be at most {n} characters, got {got}"),
    "not_unicode": ("含有无效的 Unicode 字符（孤立代理项）", "holds an invalid Unicode character (a lone surrogate)"),
    "too_deep": ("嵌套超过 {n} 层", "is nested deeper than {n} levels"),
    "result_not_finite": (
        "计算结果溢出：{what} 不是有限数；请检查方案中的金额和增长率",
        "the results overflow: {what} is not a finite number; check the scenario's amounts and growth rates",
    ),
    "not_a_choice": ("须为以下之一：{choices}；收到 {value}", "must be one of {choices}, got {value}"),
    "length_exact": ("须为 {n} 个值，收到 {got} 个", "needs exactly {n} values, got {got}"),
    "length_min": ("至少需要 {n} 个", "needs at least {n}"),
    # ranges (the unit decides which)
    "share": ("须为0到1之间的比例（0.5 即 50%），收到 {value}", "must be a share between 0 and 1, got {value}"),
    "growth_rate": (
        "须为-1到1之间的增长率（0.08 即 8%），收到 {value}",
        "must be a growth rate between -1 and 1 (0.08 is 8%), got {value}",
    ),
    "negative": ("不能为负数，收到 {value}", "must not be negative, got {value}"),
    "above": ("须大于 {min}，收到 {value}", "must be above {min}, got {value}"),
    "at_least": ("须不小于 {min}，收到 {value}", "must be at least {min}, got {value}"),
    "at_most": ("须不大于 {max}，收到 {value}", "must be at most {max}, got {value}"),
    "between": ("须在 {min} 到 {max} 之间，收到 {value}", "must be between {min} and {max}, got {value}"),
    "only_version": ("格式版本只能是 1", "only schema_version 1 exists"),
    # split rules
    "not_a_rule_parameter": ("不是“{rule}”规则的参数", "not a parameter of the '{rule}' rule"),
    "required_by_rule": ("“{rule}”规则必须填写", "required by the '{rule}' rule"),
    "base_or_column": ("固定基数与基数所在列只能填一个", "give either base or base_column, not both"),
    "thresholds_increasing": ("须严格递增，收到 {values}", "must be strictly increasing, got {values}"),
    "shares_per_band": (
        "每档需要一个比例：{n} 个分档起点需要 {need} 个比例，收到 {got} 个",
        "needs one share per band: {need} for {n} thresholds, got {got}",
    ),
    # targets of overrides, factors, growth
    "town_or_class": ("乡镇和类别须填且只填一个", "give exactly one of 'town' or 'class'"),
    "column_or_columns": ("因素列与多列相乘须填且只填一个", "give exactly one of 'column' or 'columns'"),
    "class_map_keys": (
        "须恰好包含 pilot 和 other 两项，收到 {keys}",
        "a class map needs exactly the keys pilot and other, got {keys}",
    ),
    "column_not_allowed": ("此处不能填列名，收到 {value}", "a column name is not allowed here, got {value}"),
    "class_map_not_allowed": ("此处不能按试点镇/其他分别填写", "a {pilot, other} map is not allowed here"),
    "per_year_empty": ("逐年列表不能为空", "a per-year list must not be empty"),
    "per_year_length": ("逐年列表需要 {n} 个值，收到 {got} 个", "a per-year list needs {n} values, got {got}"),
    "min_above_max": ("下限（{lo}）不能大于上限（{hi}）", "min ({lo}) must not exceed max ({hi})"),
    "pool_value": (
        "须为空（null）、金额或 county_surplus，收到 {value}",
        "must be null, a number or 'county_surplus', got {value}",
    ),
    "pool_or_coefficient": ("资金和固定转移支付系数只能填一个", "give either a pool or a fixed coefficient, not both"),
    "factor_needs_pool": (
        "因素法需要资金（金额或 county_surplus）",
        "the factor method needs a pool (a number or county_surplus)",
    ),
    "factor_needs_factors": ("因素法至少需要一个因素", "the factor method needs at least one factor"),
    "weights_sum": ("各因素权重之和须为1，现为 {total}", "factor weights must sum to 1, they sum to {total}"),
    "column_or_metric": ("因素列与测算指标须填且只填一个", "give exactly one of 'column' or 'metric'"),
    "difficulty_needs_proportional_pool": (
        "困难程度系数只用于按转移支付系数分配、且设定了资金的情形",
        "the difficulty coefficient needs rationing: proportional and a pool",
    ),
    "target_value": (
        "须为数字或相对目标 {{benchmark, margin}}，收到 {value}",
        "must be a number or a relative target {{benchmark, margin}}, got {value}",
    ),
    "benchmark_value": (
        "须为 county_average 或逐年数字列表，收到 {value}",
        "must be county_average or a list of numbers, one per year, got {value}",
    ),
    "benchmark_length": ("逐年基准需要 {n} 个值，收到 {got} 个", "a per-year benchmark needs {n} values, got {got}"),
    "unknown_function": ("没有支出事项 {function}", "unknown expenditure function {function}"),
    "unknown_items": ("没有收入项目 {items}", "unknown revenue item {items}"),
    "column_has_own_rule": (
        "{column} 有自己的增长规则（{rule}），不能再列入增长设置",
        "{column} has its own rule ({rule}); it cannot be listed here",
    ),
    "factors_only_for_factor": ("只有分配办法为因素法时才填分配因素", "factors are used only with rationing: factor"),
    # the scenario as a whole
    "years_order": ("首年 {first} 晚于末年 {last}", "first year {first} is after last year {last}"),
    "years_too_many": ("最多模拟 {n} 年", "at most {n} simulated years"),
    "duplicate_ids": ("代码重复：{ids}", "duplicate id {ids}"),
    "unknown_item": ("没有收入项目 {item}", "unknown revenue item {item}"),
    "unknown_town": ("没有乡镇 {town}", "unknown town {town}"),
    "unknown_class": (
        "没有类别 {name}：请用 pilot 或乡镇表中的是/否列",
        "unknown class {name}: use pilot or a true/false towns column",
    ),
    "unknown_project": ("没有项目 {project}", "unknown project {project}"),
    "no_special_transfers": ("本方案没有专项转移支付", "this scenario has no special transfers"),
    "no_uncertainty": (
        "方案没有不确定性设置：请添加 uncertainty（draws、seed、gdp_growth_sd），或指定模拟次数",
        "the scenario has no uncertainty block: add one (draws, seed, gdp_growth_sd) or give draws",
    ),
    "mapping_required": ("方案必须是“键: 值”映射", "a scenario must be a mapping of keys to values"),
    # parameter sweeps (docs/model.md §1.12)
    "sweep_parameters": (
        "须为“路径: 取值列表”映射，1 到 {max} 个参数",
        "must map 1 to {max} scenario paths to lists of values",
    ),
    "sweep_values": ("须为非空的取值列表", "must be a non-empty list of values"),
    "sweep_value": (
        "取值须为有限的数字、文本或 true/false，收到 {value}",
        "each value must be a finite number, text or true/false, got {value}",
    ),
    "sweep_duplicate": ("取值 {value} 重复", "value {value} is given twice"),
    "sweep_combinations": ("参数组合不能超过 {max} 个，收到 {got} 个", "at most {max} combinations, got {got}"),
    "sweep_invalid": ("{setting} 时方案无效", "the scenario is invalid with {setting}"),
    # files
    "file_not_found": ("找不到文件：{path}", "file not found: {path}"),
    "scenario_suffix": (
        "方案文件须为 .yaml、.yml、.json 或 .xlsx，收到 {name}",
        "scenario files are .yaml, .yml, .json or .xlsx, got {name}",
    ),
    "table_suffix": ("表格须为 .csv 或 .xlsx，收到 {name}", "tables must be .csv or .xlsx, got {name}"),
    # workbooks that cannot be read, or that would take too much to read
    "xlsx_unreadable": (
        "不是可读取的 Excel (.xlsx) 工作簿（{detail}）；请在 Excel 中另存为 .xlsx",
        "not a readable .xlsx workbook ({detail}); save it from Excel as .xlsx",
    ),
    "xlsx_missing_parts": (
        "不是可读取的 Excel (.xlsx) 工作簿：压缩包中缺少 {parts}；请在 Excel 中另存为 .xlsx",
        "not a readable .xlsx workbook: the zip has no {parts} (save it from Excel as .xlsx)",
    ),
    "xlsx_broken_xml": (
        "不是可读取的 Excel (.xlsx) 工作簿（{part} 中的 XML 已损坏：{detail}）",
        "not a readable .xlsx workbook (broken XML in {part}: {detail})",
    ),
    "xlsx_too_many": (
        "工作簿被拒绝：{what}超过 {limit} 个，方案工作簿远用不了这么多",
        "workbook refused: it holds more than {limit} {what_en}; a scenario workbook needs far fewer",
    ),
    "xlsx_declared_strings": (
        "工作簿被拒绝：{part} 声明了 {count} 个共享字符串（{attribute}），超过 {limit} 个",
        "workbook refused: {part} declares {count} shared strings ({attribute}), more than {limit}",
    ),
    "xlsx_doctype": (
        "工作簿被拒绝：{part} 含有 DTD 声明（<!DOCTYPE …>），正常工作簿没有",
        "workbook refused: {part} declares a DTD (<!DOCTYPE …>), which no workbook part has",
    ),
    "xlsx_part_too_large": (
        "工作簿被拒绝：{part} 解压后超过 {limit}",
        "workbook refused: {part} unpacks to more than {limit}",
    ),
    "xlsx_part_size": (
        "工作簿被拒绝：{part} 解压后为 {size}，超过每个部件 {limit} 的上限",
        "workbook refused: {part} would unpack to {size}, more than {limit} per part",
    ),
    "xlsx_too_large": (
        "工作簿被拒绝：解压后为 {size}，超过 {limit}",
        "workbook refused: it would unpack to {size}, more than {limit}",
    ),
    "not_scenario_workbook": (
        "不是方案工作簿：没有 scenario 工作表（可先用 fiscal-sim template OUT.xlsx 生成模板）",
        "not a scenario workbook: it has no 'scenario' sheet (start from `fiscal-sim template OUT.xlsx`)",
    ),
    "cell_list_empty_item": ("列表 {value} 中有空项", "an empty item in the list {value}"),
    "cell_bool": ("{value} 不是 TRUE/FALSE、1/0 或 是/否", "{value} is not TRUE/FALSE, 1/0 or 是/否"),
    "sheet_value_without_key": ("有值但没有填键（A 列）", "a value without a key"),
    "sheet_unknown_key": ("不是可用的键：{key}；可用的键有 {keys}", "unknown key {key}; keys are {keys}"),
    "sheet_key_twice": (
        "{key} 填写了两次（第 {first} 行和第 {second} 行）",
        "{key} is given twice (rows {first} and {second})",
    ),
    "sheet_growth_both": (
        "{key} 与 {key}.pilot、{key}.other 只能填写一种",
        "give {key}, or {key}.pilot and {key}.other, not both",
    ),
    "sheet_growth_pair": ("{key}.pilot 与 {key}.other 须同时填写", "{key}.pilot and {key}.other go together"),
    "sheet_growth_lengths": (
        "{key}.pilot 有 {pilot} 个逐年值，{key}.other 有 {other} 个",
        "{key}.pilot has {pilot} yearly values and {key}.other {other}",
    ),
    "sheet_column_twice": ("列 {name} 出现了两次", "column {name} appears twice"),
    "sheet_unknown_column": (
        "不是可用的列：{name}；可用的列有 {columns}",
        "unknown column {name}; columns are {columns}",
    ),
    "excel_rows": (
        "超出 Excel 的容量：每个工作表最多 {max} 行，本工作簿会更多（{sheets}）；请减少乡镇、年份或方案",
        "too large for Excel: a sheet holds at most {max} rows and this workbook's would have more ({sheets});"
        " ask for fewer towns, years or scenarios",
    ),
    "xlsx_parts": (
        "工作簿被拒绝：包含 {count} 个文件，超过 {limit} 个",
        "workbook refused: it holds {count} files, more than {limit}",
    ),
    "not_valid": ("不是有效的 {kind}：{detail}", "not valid {kind}: {detail}"),
    "cannot_read_table": ("无法读取表格（{detail}）", "cannot read table ({detail})"),
    "extends_inline": ("自带数据的方案不能用 extends", "not allowed in a self-contained document"),
    "extends_circular": ("循环引用：{parent} 又继承了本文件", "circular: {parent} extends this file again"),
    "extends_failed": ("{parent}：{detail}", "{parent}: {detail}"),
    "set_mapping": ("须为“路径: 值”映射", "must be a mapping of PATH: value"),
    "no_such_path": ("没有这个设置项：{reason}", "no such path: {reason}"),
    "inline_records_only": (
        "此处须为记录列表（不接受文件路径）",
        "must be inline records here (paths to files are not accepted)",
    ),
    "table_records": (
        "须为 .csv/.xlsx 文件路径或非空的记录列表",
        "must be a .csv/.xlsx path or a non-empty list of records",
    ),
    "table_records_or_empty": ("须为 .csv/.xlsx 文件路径或记录列表", "must be a .csv/.xlsx path or a list of records"),
    # table cells
    "missing_columns": ("缺少列：{columns}", "missing column{s} {columns}"),
    "cell_missing": ("{column}：未填写", "{column}: missing"),
    "cell_not_a_number": ("{column}：不是数字（{value}）", "{column}: not a number ({value})"),
    "cell_negative": ("{column}：{value} 为负数", "{column}: {value} is negative"),
    "cell_above": ("{column}：{value} 须大于 {min}", "{column}: {value} must be above {min}"),
    "cell_not_a_bool": (
        "{column}：{value} 不是 是/否、true/false 或 1/0",
        "{column}: {value} is not true/false, 1/0 or 是/否",
    ),
    "cell_unknown_town": ("town：没有乡镇 {town}", "town: unknown town {town}"),
    "cell_year_outside": (
        "year：{value} 不在模拟年度 {first}–{last} 内",
        "year: {value} is outside the simulated years {first}-{last}",
    ),
    "cell_not_whole_year": ("year：{value} 不是整年", "year: {value} is not a whole year"),
    "cell_rate_above_one": ("cofinancing_rate：{value} 大于1", "cofinancing_rate: {value} is above 1"),
    "cell_grant_over_cost": (
        "grant：{value} 超过项目总投资 {cost}",
        "grant: {value} exceeds the project's cost {cost}",
    ),
    "id_missing": ("id：未填写", "id: missing"),
    "duplicate_rows": ("代码 {value} 重复（第 {rows} 行）", "duplicate id {value} (rows {rows})"),
}

# where a table-row problem sits: "towns row 4 (id T03)"
SHEET_CELL_WHERE = (
    "工作表“{sheet}”第 {row} 行{column_part}{field_part}",
    "sheet {sheet}, row {row}{column_part}{field_part}",
)
SHEET_COLUMN = (" {column} 列", ", column {column}")
SHEET_KEY = ("键", "key")
SCENARIO_SHEET = ("方案（scenario）", "scenario")
ROW_WHERE = ("{table}第 {row} 行{id_part}", "{table} row {row}{id_part}")
ROW_ID = ("（{id}）", " (id {id})")
