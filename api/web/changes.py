"""Settings that differ, in words (设置变化): "label: old → new", with the catalogue's labels and units.

Used by the comparison ("settings that differ from the baseline"), a variant's page ("what changed from
its parent") and the version history (what each version changed, and any two versions side by side).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import g

from fiscal_sim import catalogue
from fiscal_sim.analysis.compare import settings_differences

from .display import format_setting, percent
from .words import t, words


@dataclass(frozen=True)
class Change:
    path: str  # the override path (kept for the API and tests)
    label: str
    old: str
    new: str


def _names(config: dict) -> dict[str, str]:
    """Record ids → their names (revenue items, functions, towns), so a label reads 增值税, not vat."""
    out = {}
    for key in ("revenue_items", "expenditure_functions"):
        for record in config.get(key) or []:
            if record.get("name"):
                out[str(record["id"])] = str(record["name"])
    return out


def _label(path: str, names: dict[str, str], lang: str) -> str:
    parts = path.split(".")
    if parts[0] == "towns" and len(parts) == 3:  # a cell of the towns table
        column = catalogue.column_label(parts[2], "towns", lang) if catalogue.column(parts[2], "towns") else parts[2]
        return f"{catalogue.INPUT_TABLES['towns'].label(lang)} {names.get(parts[1], parts[1])} › {column}"
    text = catalogue.path_label(path, lang)
    for record_id, name in names.items():
        text = text.replace(f" {record_id} ›", f" {name} ›").replace(f" {record_id}", f" {name}")
    for indicator in catalogue.AssessmentIndicator:
        text = text.replace(f"› {indicator.value}", f"› {indicator.label(lang)}")
    return text


def format_value(path: str, value, unit: str) -> str:
    """A setting's value in words: shares and rates as %, amounts with the unit, choices by their label."""
    if value is None:
        return "—"
    field = catalogue.field(path)
    if field is not None and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        if field.unit in (catalogue.Unit.SHARE, catalogue.Unit.RATE):
            return percent(value)
        if field.unit is catalogue.Unit.MONEY:
            return f"{format_setting(value)} {unit}"
    if field is not None and field.choices is not None and isinstance(value, str) and value in field.choices.codes():
        return words(field.choices(value))
    if isinstance(value, list) and field is not None and field.kind == "texts":
        return "、".join(str(v) for v in value) or "—"
    if isinstance(value, dict) and field is not None and field.block is not None:  # a record: its keys in words
        sep = "；" if g.get("lang", "zh") == "zh" else "; "
        parts = [
            f"{field.block[k].label(g.get('lang', 'zh'))} {format_value(f'{path}.{k}', v, unit)}"
            for k, v in value.items()
            if k in field.block and k != "id" and v is not None
        ]
        return sep.join(parts) or "—"
    return format_setting(value)


def describe(differences, config: dict, unit: str) -> list[Change]:
    """``(path, old, new)`` triples (``settings_differences``) as :class:`Change` rows in the page's language."""
    lang = g.get("lang", "zh")
    names = _names(config)
    rows = []
    for path, old, new in differences:
        if path in ("name", "description"):
            continue  # they label a scenario; the page shows them anyway
        rows.append(
            Change(path, _label(path, names, lang), format_value(path, old, unit), format_value(path, new, unit))
        )
    return rows


def changes_between(before, after) -> list[Change]:
    """What changed from one Scenario to another, in words."""
    return describe(settings_differences(before, after), after.config, after.config["unit"])


def summary(changes: list[Change], limit: int = 3) -> str:
    """A one-line summary of changes for a history table ("乡镇分成比例 35% → 45%；…")."""
    if not changes:
        return t("no_setting_changes")
    shown = [f"{c.label.split(' › ')[-1]} {c.old} → {c.new}" for c in changes[:limit]]
    more = len(changes) - limit
    return "；".join(shown) + (t("and_more", n=more) if more > 0 else "")
