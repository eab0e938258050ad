"""Settings in words (设置变化): "label: old → new" with the catalogue's labels and units, in Chinese or English.

One way to say what a scenario changed, used by the web page (a variant's changes, the version history, the
comparison), the comparison workbook's settings sheet and the command line's comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import yaml

from .. import catalogue
from ..analysis.compare import settings_differences
from ..scenario import Scenario


@dataclass(frozen=True)
class Change:
    path: str  # the override path (kept for the API and tests)
    label: str
    old: str
    new: str


def setting_text(value, lang: str = "zh") -> str:
    """A setting as written: 86,420 / 0.092 / 1.06 / 是 (no rounding of small rates); records in YAML's flow style."""
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return catalogue.yes_no(value, lang)
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
    if nested:
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10**6).strip()
    if isinstance(value, list):
        return ", ".join(setting_text(v, lang) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {setting_text(v, lang)}" for k, v in value.items())
    return str(value)


def percent(value) -> str:
    """A share as a percentage without trailing zeros: 0.5 → 50%, 0.333 → 33.3%."""
    return f"{float(value) * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _names(scenario: Scenario | None) -> dict[str, str]:
    """Record ids → their names (revenue items, functions), so a label reads 增值税, not vat."""
    out = {}
    for key in ("revenue_items", "expenditure_functions"):
        for record in (scenario.config.get(key) if scenario is not None else None) or []:
            if record.get("name"):
                out[str(record["id"])] = str(record["name"])
    return out


def town_words(code: str, scenario: Scenario | None, lang: str = "zh") -> str | None:
    """A town id as an officer reads it, its name and its id: 龙港镇（T09）; None when no town has the id."""
    if scenario is None:
        return None
    position = scenario.town_categories.categories.get_indexer([code])[0]  # the ids' index, built once
    if position < 0:
        return None
    name = str(scenario.towns["name"].iat[position])
    return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"


def label(path: str, scenario: Scenario | None, lang: str = "zh") -> str:
    """A setting's path in words: 收入项目 增值税 › 分成规则 › 乡镇分成比例; a towns cell names its town."""
    names = _names(scenario)
    parts = path.split(".")
    if parts[0] == "towns" and len(parts) == 3:  # a cell of the towns table
        known = catalogue.column(parts[2], "towns")
        column = known.label(lang) if known is not None else parts[2]
        town = town_words(parts[1], scenario, lang) or parts[1]
        return f"{catalogue.INPUT_TABLES['towns'].label(lang)} {town} › {column}"
    text = catalogue.path_label(path, lang)
    for record_id, name in names.items():
        text = text.replace(f" {record_id} ›", f" {name} ›").replace(f" {record_id}", f" {name}")
    for indicator in catalogue.AssessmentIndicator:
        text = text.replace(f"› {indicator.value}", f"› {indicator.label(lang)}")
    return text


SEPARATORS = {"zh": ("；", "，", "、"), "en": ("; ", ", ", ", ")}


def value_text(path: str, value, unit: str, lang: str = "zh", scenario: Scenario | None = None) -> str:
    """A setting's value in words: shares and rates as %, amounts with the unit, choices, classes, revenue
    items, functions and towns by their labels or names (the ``scenario``'s), records (a contract, a split
    exception) field by field."""
    return _words(catalogue.field(path), path, value, _Say(unit, lang, _names(scenario), scenario))


@dataclass(frozen=True)
class _Say:
    unit: str
    lang: str
    names: dict[str, str]  # record ids → names (增值税 for vat)
    scenario: Scenario | None  # whose towns the ids name


def code_words(code: str, scenario: Scenario | None, lang: str = "zh") -> str:
    """A code as :func:`value_text` says it: 增值税 for vat, 试点镇 for pilot, 沣河店镇（T01） for T01."""
    return _name(code, _Say("", lang, _names(scenario), scenario))


def _name(text: str, say: _Say) -> str:
    """A code in words: a record's name, a town's name and id, a towns column's or class's label (pilot → 试点镇),
    other → 其他乡镇."""
    if text in say.names:
        return say.names[text]
    known = catalogue.column(text, "towns")
    if known is not None:
        return known.label(say.lang)
    if text == "other":
        return catalogue.OTHER_TOWNS.label(say.lang)
    return town_words(text, say.scenario, say.lang) or text


def _words(field, path: str, value, say: _Say) -> str:
    records, fields, items = SEPARATORS[say.lang]
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float, str, list, dict)):
        return setting_text(value, say.lang)
    if isinstance(value, (int, float)):
        if field is not None and math.isfinite(value):
            if field.unit in (catalogue.Unit.SHARE, catalogue.Unit.RATE):
                return percent(value)
            if field.unit is catalogue.Unit.MONEY:
                return f"{setting_text(value, say.lang)} {say.unit}"
        return setting_text(value, say.lang)
    if isinstance(value, str):
        if field is not None and field.choices is not None and value in field.choices.codes():
            return field.choices(value).label(say.lang)
        return _name(value, say)
    if isinstance(value, list):
        if field is not None and field.kind == "records" and field.block is not None:
            return records.join(_record(field.block, path, v, say) for v in value)
        return items.join(_words(field, path, v, say) for v in value)
    if field is not None and field.block is not None:  # a block, or one record of a list (contracts.C01)
        return _record(field.block, path, value, say, records)
    # a map: by class (pilot, other), or a target's settings (benchmark, margin)
    parts = []
    for key, item in value.items():
        sub = catalogue.field(f"{path}.{key}")
        sub = sub if sub is not None and sub is not field else field
        known = sub is not field and sub is not None
        parts.append(f"{sub.label(say.lang) if known else _name(str(key), say)} {_words(sub, path, item, say)}")
    return records.join(parts)


def _record(block, path: str, record, say: _Say, separator: str | None = None) -> str:
    """A record or block field by field: 适用类别 试点镇，收入项目 增值税，分成规则 比例分成、乡镇分成比例 70%."""
    if not isinstance(record, dict):
        return _words(None, path, record, say)
    records, fields, items = SEPARATORS[say.lang]
    parts = []
    for key, item in record.items():
        if key == "id" or item is None or key not in block:
            continue
        sub = block[key]
        if isinstance(item, dict) and sub.block is not None:  # a record inside a record: a split rule
            parts.append(f"{sub.label(say.lang)} {_record(sub.block, f'{path}.{key}', item, say, items)}")
        elif separator == items and sub.choices is not None:  # 比例分成, not 分成办法 比例分成
            parts.append(_words(sub, path, item, say))
        else:
            parts.append(f"{sub.label(say.lang)} {_words(sub, path, item, say)}")
    return (separator or fields).join(parts) or "—"


def describe(differences, scenario: Scenario, lang: str = "zh") -> list[Change]:
    """``(path, old, new)`` triples (``settings_differences``) as :class:`Change` rows, in the words of
    ``scenario`` (its unit, and its records' and towns' names); name and description, which label a
    scenario rather than set it, are left out."""
    return [
        Change(
            path,
            label(path, scenario, lang),
            value_text(path, old, scenario.unit, lang, scenario),
            value_text(path, new, scenario.unit, lang, scenario),
        )
        for path, old, new in differences
        if path not in ("name", "description")
    ]


def changes_between(before: Scenario, after: Scenario, lang: str = "zh") -> list[Change]:
    """What changed from one Scenario to another, in words."""
    return describe(settings_differences(before, after), after, lang)


def summary(changes: list[Change], lang: str = "zh", limit: int = 3) -> str:
    """One line for a history table: "乡镇分成比例 35% → 45%；…"."""
    if not changes:
        return catalogue.NO_CHANGE.label(lang)
    shown = [f"{c.label.split(' › ')[-1]} {c.old} → {c.new}" for c in changes[:limit]]
    more = len(changes) - limit
    sep = "；" if lang == "zh" else "; "
    return sep.join(shown) + (catalogue.AND_MORE.label(lang).format(n=more) if more > 0 else "")
