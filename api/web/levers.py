"""The edit form: the common levers (常用参数) a finance officer changes, read back as overrides."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import g

from fiscal_sim import catalogue
from fiscal_sim.catalogue import PoolMode
from fiscal_sim.io.settings_words import code_words
from fiscal_sim.scenario.settings import pool_mode, pool_settings

from .display import gdp_growth_text, rule_text
from .words import field_label, t, words

# ------------------------------------------------------------------------------------------------
# the edit form: the common levers (常用参数)


POOL = "general_transfer.pool"  # the pool mode and amount fields set general_transfer.pool and .coefficient
POOL_MODES = PoolMode.codes()
KIND_OF_UNIT = {catalogue.Unit.SHARE: "share", catalogue.Unit.RATE: "rate", catalogue.Unit.MONEY: "amount"}


@dataclass(frozen=True)
class Lever:
    """One input of the edit form: the override path it sets (docs/scenario-format.md), its kind and current value.

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
        return (_lever(f"{base}.town_share", split["town_share"]),)
    if rule == "base_plus_increment":
        return tuple(_lever(f"{base}.{key}", split[key]) for key in ("base_share", "increment_share"))
    if rule == "tiered":
        return tuple(
            Lever(f"{base}.town_shares[{j}]", f"{base}.town_shares", j, "share", s, t("band_share", n=j + 1))
            for j, s in enumerate(split["town_shares"])
        )
    return ()


def _lever(path: str, value, label: str | None = None) -> Lever:
    """A number lever for a scenario key: its kind and label from the catalogue."""
    f = catalogue.field(path)
    return Lever(path, path, None, KIND_OF_UNIT.get(f.unit, "amount"), value, label or f.label(g.get("lang", "zh")))


def _rate_levers(path: str, value, first_year: int) -> tuple[Lever, ...]:
    """A growth rate: one input, or one per year when the scenario gives it year by year."""
    if not isinstance(value, list):
        return (_lever(path, value),)
    label = catalogue.field(path).label(g.get("lang", "zh"))
    return tuple(Lever(f"{path}[{j}]", path, j, "rate", v, f"{label} {first_year + j}") for j, v in enumerate(value))


def _flag_lever(path: str, value: bool) -> Lever:
    """A true/false key as a yes/no choice."""
    choices = (("true", t("yes")), ("false", t("no")))
    return Lever(path, path, None, "flag", bool(value), field_label(path), choices)


def _arrangement_rows(scenario) -> list[LeverRow]:
    """核定收支 contracts (those with an id, which names them in a path), tax returns and rewards."""
    config, rows = scenario.config, []
    for contract in config["contracts"]:
        if contract.get("id") is None:
            continue
        base = f"contracts.{contract['id']}"
        who = code_words(str(contract.get("town") or contract.get("class")), scenario, g.get("lang", "zh"))
        keys = ("revenue_base", "expenditure_base", "over_share")
        rows.append(
            LeverRow(
                f"{field_label('contracts')} {contract['id']} · {who}",
                "",
                tuple(_lever(f"{base}.{k}", contract[k]) for k in keys),
            )
        )
    if config["tax_returns"] is not None:
        path = "tax_returns.coefficient"
        rows.append(LeverRow(field_label("tax_returns"), "", (_lever(path, config["tax_returns"]["coefficient"]),)))
    incentives = config["incentives"]
    if incentives is not None:
        levers = [_lever("incentives.rate", incentives["rate"])]
        levers += _target_levers("incentives.threshold", incentives["threshold"])
        rows.append(LeverRow(field_label("incentives"), "", tuple(levers)))
    return rows


def _target_levers(path: str, target) -> list[Lever]:
    """A target growth rate, or the margin of a relative one (its benchmark stays as it is)."""
    if isinstance(target, dict):
        return [_lever(f"{path}.margin", target["margin"], f"{field_label(path)}：{field_label(f'{path}.margin')}")]
    return [_lever(path, target, field_label(path))]


def _assessment_rows(config: dict) -> list[LeverRow]:
    assessment = config["assessment"]
    if not assessment or not assessment.get("enabled", True):
        return []
    targets = assessment.get("targets") or {}
    levers = []
    for key, target in targets.items():
        path = f"assessment.targets.{key}"
        name = words(catalogue.AssessmentIndicator(key))
        levers += [
            Lever(
                lv.field,
                lv.target,
                lv.slot,
                lv.kind,
                lv.value,
                f"{name}{'' if lv.target == path else '：' + field_label(lv.target)}",
            )
            for lv in _target_levers(path, target)
        ]
    return [LeverRow(field_label("assessment.targets"), "", tuple(levers))] if levers else []


def _choice_lever(path: str, value) -> Lever:
    f = catalogue.field(path)
    choices = tuple((c.value, words(c)) for c in f.choices)
    return Lever(path, path, None, "choice", value, f.label(g.get("lang", "zh")), choices)


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


def lever_rows(scenario) -> list[tuple[str, list[LeverRow]]]:
    """The edit form's sections: revenue split shares, general transfer, special transfers, GDP growth."""
    config = scenario.config
    unit, first = config["unit"], config["years"][0]
    split_rows = [
        LeverRow(f"{item.get('name') or item['id']}", rule_text(item["split"], unit), _split_levers(item))
        for item in config["revenue_items"]
    ]
    general = config["general_transfer"]
    mode, amount = pool_mode(general)
    modes = tuple((m.value, words(m)) for m in PoolMode)
    general_rows = [
        LeverRow(
            field_label(POOL),
            "",
            (
                Lever("general_transfer.pool_mode", POOL, "mode", "choice", mode.value, t("pool_mode"), modes),
                Lever("general_transfer.pool_value", POOL, "value", "amount", amount, t("pool_value")),
                *_rate_levers("general_transfer.pool_growth", general["pool_growth"], first),
            ),
        ),
        LeverRow(
            field_label("general_transfer.rationing"),
            "",
            (_choice_lever("general_transfer.rationing", general["rationing"]),),
        ),
        LeverRow(field_label("general_transfer.floor"), "", (_flag_lever("general_transfer.floor", general["floor"]),)),
    ]
    sections = [(field_label("revenue_items"), split_rows), (field_label("general_transfer"), general_rows)]
    special = config.get("special_transfers")
    if special is not None:
        levers = (
            _lever("special_transfers.budget", special["budget"]),
            *_rate_levers("special_transfers.budget_growth", special["budget_growth"], first),
            _choice_lever("special_transfers.method", special["method"]),
        )
        sections.append(
            (field_label("special_transfers"), [LeverRow(field_label("special_transfers.budget"), "", levers)])
        )
    arrangements = _arrangement_rows(scenario)
    if arrangements:
        sections.append((t("arrangements"), arrangements))
    gdp = config["growth"]["gdp"]
    row = LeverRow(field_label("growth.gdp"), gdp_growth_text(gdp), _gdp_levers(config))
    sections.append((field_label("growth"), [row]))
    assessment = _assessment_rows(config)
    if assessment:
        sections.append((field_label("assessment"), assessment))
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


PERCENT_KINDS = ("share", "rate")  # typed and shown as percentages: 6.5 is 6.5%
UNUSUAL_GROWTH = 0.30  # a yearly rate above this is asked to be confirmed
UNUSUAL_SHARE_CHANGE = 0.50  # so is a share moved by more than this


def shown_value(lever: Lever):
    """What the input box shows: shares and rates as percentages (0.35 → 35), other values as they are."""
    if lever.kind in PERCENT_KINDS and isinstance(lever.value, (int, float)) and not isinstance(lever.value, bool):
        return float(f"{lever.value * 100:.10g}")
    return lever.value


def _percent(lever: Lever, raw: str) -> float:
    """A percentage typed by a person (``35`` or ``35%``) as a fraction, within the lever's range."""
    number = parse_number(raw.strip().rstrip("%％")) / 100
    if lever.kind == "share" and not 0 <= number <= 1:
        raise ValueError(t("share_range", value=f"{number * 100:g}%"))
    if lever.kind == "rate" and not -1 < number < 1:
        raise ValueError(t("rate_range", value=f"{number * 100:g}%"))
    return number


def unusual(sections, overrides: dict) -> list[str]:
    """Possible but unusual values the page asks to confirm: growth above 30% a year, a share moved by more
    than 50 points."""
    notes = []
    for lever in all_levers(sections):
        if lever.target not in overrides or lever.kind not in PERCENT_KINDS:
            continue
        wanted = overrides[lever.target]
        value = (
            wanted[lever.slot] if isinstance(lever.slot, (int, str)) and isinstance(wanted, (list, dict)) else wanted
        )
        if not isinstance(value, (int, float)):
            continue
        if lever.kind == "rate" and abs(value) > UNUSUAL_GROWTH:
            notes.append(t("unusual_rate", label=lever.label, value=f"{value * 100:g}%"))
        old = lever.value
        if lever.kind == "share" and isinstance(old, (int, float)) and abs(value - old) > UNUSUAL_SHARE_CHANGE:
            notes.append(t("unusual_share", label=lever.label, old=f"{old * 100:g}%", value=f"{value * 100:g}%"))
    return notes


def parse_lever(lever: Lever, raw: str):
    """The value a form field asks for (the lever's kind decides how it is read)."""
    if lever.kind in ("choice", "flag"):
        if raw not in [value for value, _ in lever.choices]:
            raise ValueError(t("unknown_choice", value=raw))
        return raw == "true" if lever.kind == "flag" else raw
    if lever.kind in PERCENT_KINDS:
        return _percent(lever, raw)
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
    wanted = pool_settings(PoolMode(mode), amount)
    out = {}
    for key, value in wanted.items():
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
