"""Numbers, names, split rules and settings as the page shows them."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime

import yaml
from flask import g

from fiscal_sim import Scenario
from fiscal_sim.excel import COUNT_COLUMNS, MONEY_COLUMNS, RATIO_COLUMNS

from ..storage import StoredScenario
from .words import label, t

PERCENT_COLUMNS = frozenset({"coverage", "change_pct", "p_county_deficit", "p_revoked", "p_non_pilot_last_year"})
PER_CAPITA = frozenset({"resources_per_capita"})


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
