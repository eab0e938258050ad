"""Numbers, names, split rules and settings as the page shows them, all worded by the catalogue."""

from __future__ import annotations

import math
import re
from datetime import datetime

from flask import g

from fiscal_sim import Scenario, catalogue
from fiscal_sim.catalogue import PoolMode, SplitRule, Unit
from fiscal_sim.io import settings_words
from fiscal_sim.io.settings_words import percent
from fiscal_sim.scenario.settings import pool_mode

from ..storage import StoredScenario
from .words import t

KINDS = {  # how a unit's numbers are shown
    Unit.MONEY: "money",
    Unit.SIGNED_MONEY: "money",
    Unit.MONEY_PER_CAPITA: "per_capita",
    Unit.SHARE: "percent",
    Unit.RATE: "percent",
    Unit.PROBABILITY: "percent",
    Unit.RATIO: "ratio",
    Unit.FACTOR: "ratio",
    Unit.COUNT: "count",
    Unit.SCORE: "money",
}
DIGITS = {"percent": 2, "ratio": 4, "count": 0, "per_capita": 4, "money": 2, "plain": 2}


def lang() -> str:
    return g.get("lang", "zh")


# ------------------------------------------------------------------------------------------------
# numbers and names as shown


def column_kind(column: str, table: str | None = None) -> str:
    """How a column's numbers are shown: money, percent, ratio, count, per_capita or plain."""
    col = catalogue.column(column, table)
    return KINDS.get(col.unit, "plain") if col is not None else "plain"


def format_number(value, column: str = "", table: str | None = None) -> str:
    """A number as shown in tables: thousands separators, 2 decimals for money, — for none."""
    if value is None or isinstance(value, str):
        return "—" if value is None else value
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    value = float(value)
    if not math.isfinite(value):
        return "—"
    kind = column_kind(column, table)
    digits = DIGITS[kind]
    shown = value * 100 if kind == "percent" else value
    if round(shown, digits) == 0:
        shown = 0.0  # no "-0.00"
    text = f"{shown:,.{digits}f}"
    return text + "%" if kind == "percent" else text


def format_setting(value) -> str:
    """A setting as written, in the page's language (see :func:`fiscal_sim.io.settings_words.setting_text`)."""
    return settings_words.setting_text(value, g.get("lang", "zh"))


def is_negative(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < -0.005


def display_name(name: str, language: str | None = None) -> str:
    """The part of a bilingual "中文 / English" name for the page's language (the whole name otherwise)."""
    language = language or lang()
    parts = [p.strip() for p in name.split(" / ")]
    if len(parts) != 2 or not all(parts):
        return name
    has_cjk = [bool(re.search(r"[\u4e00-\u9fff]", p)) for p in parts]
    if has_cjk[0] == has_cjk[1]:
        return name
    zh, en = (parts[0], parts[1]) if has_cjk[0] else (parts[1], parts[0])
    return zh if language == "zh" else en


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def input_value(value) -> str:
    """A number as put in an input box (no thousands separators, full precision up to 12 digits)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a yes/no choice's value
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{float(value):.12g}"
    return str(value)


# ------------------------------------------------------------------------------------------------
# split rules in words (分成规则)


def rule_text(split: dict, unit: str) -> str:
    """A split rule as a sentence: 比例分成：乡镇 50%，县 50%."""
    rule = SplitRule(split.get("rule"))
    sep = "：" if lang() == "zh" else ": "
    name = rule.label(lang())
    if rule in (SplitRule.TOWN, SplitRule.COUNTY):
        return f"{name}（{rule.help_zh}）" if lang() == "zh" else f"{name} ({rule.help_en})"
    if rule is SplitRule.PROPORTIONAL:
        s = float(split["town_share"])
        return name + sep + t("rule_proportional", s=percent(s), c=percent(1 - s))
    if rule is SplitRule.BASE_PLUS_INCREMENT:
        if split.get("base") is not None:
            base = t("base_fixed", amount=f"{format_setting(split['base'])} {unit}")
        elif split.get("base_column"):
            base = t("base_column", column=split["base_column"])
        else:
            base = t("base_default")
        return (
            name + sep + t("rule_bpi", b=percent(split["base_share"]), s=percent(split["increment_share"]), base=base)
        )
    edges = [0, *split["thresholds"]]
    bands = []
    for j, share in enumerate(split["town_shares"]):
        lo = format_setting(edges[j])
        if j + 1 < len(edges):
            bands.append(t("band", lo=lo, hi=format_setting(edges[j + 1]), s=percent(share)))
        else:
            bands.append(t("band_top", lo=lo, s=percent(share)))
    return name + sep + t("rule_tiered", bands=t("list_sep").join(bands))


def gdp_growth_text(gdp) -> str:
    """growth.gdp in words: a rate, pilot/other rates, a towns column, or one of these per year."""
    if isinstance(gdp, dict):
        return f"{t('gdp_pilot')} {percent(gdp['pilot'])}{t('list_sep')}{t('gdp_other')} {percent(gdp['other'])}"
    if isinstance(gdp, str):
        return t("gdp_column", column=gdp)
    if isinstance(gdp, list):
        return " / ".join(gdp_growth_text(v) for v in gdp)
    return percent(gdp)


def pool_text(general: dict, unit: str) -> str:
    """The general-transfer money in words: 全额弥补缺口 / 固定金额（基期）：12,000 万元 …"""
    mode, amount = pool_mode(general)
    text = mode.label(lang())
    if mode is PoolMode.AMOUNT:
        text += f": {format_number(amount, 'gap')} {unit}"
    elif mode is PoolMode.COEFFICIENT:
        text += f": {format_setting(amount)}"
    return text


# ------------------------------------------------------------------------------------------------
# a scenario's settings, walked with the catalogue


def setting_text(f: catalogue.Field, value, unit: str) -> str | None:
    """One setting's value in words, by its catalogue kind and unit (None when it is not set)."""
    if value is None or value == [] or value == {}:
        return None
    if f.kind == "choice":
        return f.choices(value).label(lang())
    if f.kind == "choices":
        return (
            "、".join(f.choices(v).label(lang()) for v in value)
            if lang() == "zh"
            else ", ".join(f.choices(v).label(lang()) for v in value)
        )
    if f.kind == "growth":
        return gdp_growth_text(value)
    if f.kind in ("number", "numbers") and f.unit in (Unit.SHARE, Unit.RATE):
        return ", ".join(percent(v) for v in value) if isinstance(value, list) else percent(value)
    if f.kind == "number" and f.unit.money:
        return f"{format_setting(value)} {unit}"
    return format_setting(value)


def _block_rows(block: catalogue.Block, value: dict, unit: str, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for f in block.fields:
        v = value.get(f.key)
        name = f"{prefix}{f.label(lang())}"
        if f.kind == "block":
            if v:
                rows += _block_rows(f.block, v, unit, f"{name} · ")
        elif f.kind == "map":
            spec = f.values or f
            for key, item in (v or {}).items():
                shown = f.choices(key).label(lang()) if f.choices is not None else key
                rows.append((f"{name} · {shown}", setting_text(spec, item, unit)))
        elif f.kind == "records":
            rows.append((name, format_setting(v) if v else None))
        elif f.kind == "table":
            rows.append((name, str(len(v)) if isinstance(v, list) else None))
        elif f.kind == "pool":
            rows.append((name, pool_text(value, unit)))
        elif not (f.key == "coefficient" and "pool" in block):  # φ is shown with the pool
            rows.append((name, setting_text(f, v, unit)))
    return [(k, v) for k, v in rows if v is not None and v != ""]


def settings_cards(stored: StoredScenario, scenario: Scenario) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scenario's settings as titled key/value cards: its own keys, then each part of it."""
    config, unit = scenario.config, scenario.unit
    first, last = config["years"]
    cards = [
        (
            t("basic"),
            [
                (t("name"), stored.name),
                (field_words("unit"), unit),
                (field_words("years"), f"{first}–{last}"),
                (t("version_short"), str(stored.version)),
                (t("last_changed"), local_time(stored.created_at)),
            ],
        )
    ]
    for f in catalogue.SCENARIO.fields:
        if f.kind == "block" and config.get(f.key):
            rows = _block_rows(f.block, config[f.key], unit)
            if rows:
                cards.append((f.label(lang()), rows))
    return cards


def field_words(path: str) -> str:
    f = catalogue.field(path)
    return f.label(lang()) if f is not None else path


def records_tables(config: dict) -> list[dict]:
    """Each list of records of a scenario (revenue items, split overrides, expenditure functions) as a table.

    Columns are the records' keys as the catalogue names them; a nested rule (``split``) is one column in words.
    """
    tables = []
    for f in catalogue.SCENARIO.fields:
        records = config.get(f.key)
        if f.kind != "records" or not records:
            continue
        columns = [g for g in f.block.fields if g.kind != "block"]
        nested = [g for g in f.block.fields if g.kind == "block"]
        heads = [g.label(lang()) for g in columns] + [g.label(lang()) for g in nested]
        rows = []
        for record in records:
            cells = [setting_text(g, record.get(g.key), config["unit"]) or "—" for g in columns]
            cells += [
                rule_text(record[g.key], config["unit"]) if g.key == "split" else format_setting(record.get(g.key))
                for g in nested
            ]
            rows.append(cells)
        tables.append({"key": f.key, "title": f.label(lang()), "heads": heads, "rows": rows})
    return tables


def in_list_order(scenarios: list) -> list:
    """The baseline (现行体制) first, then by name; a variant right under the scenario it was made from."""
    names = {s.id: s.name for s in scenarios}

    def is_baseline(s) -> bool:
        return s.id == "baseline" or "基准" in s.name or "baseline" in s.name.lower()

    def key(s):
        root = s.parent_id if s.parent_id in names else s.id
        root_summary = next(r for r in scenarios if r.id == root)
        return (not is_baseline(root_summary), names[root], root, s.id != root, s.name)

    return sorted(scenarios, key=key)
