"""Validation of a scenario document before its towns table is read: the schema and the columns a config names.

:func:`validate_document` checks the document as plain data (:mod:`fiscal_sim.scenario.plain_data`) and
against the marshmallow schema (:mod:`fiscal_sim.scenario.schema`), naming each bad key; the other helpers
read a validated config for :func:`fiscal_sim.scenario.scenario.from_document`, which runs the checks that
need the towns table (columns, ids).
"""

from __future__ import annotations

from marshmallow import ValidationError

from ..errors import Message, ScenarioError
from .held_tables import TABLE_KEYS, Table, _table
from .plain_data import plain_data_problem
from .schema import ScenarioSchema


def _flatten(messages, document, prefix="") -> dict[str, list]:
    """Marshmallow's nested errors as ``revenue_items[vat].split.town_share: [...]`` (messages kept whole)."""
    out: dict[str, list] = {}
    if isinstance(messages, list):
        out[prefix or "_schema"] = list(messages)
        return out
    for key, sub in messages.items():
        if isinstance(key, int):
            record = document[key] if isinstance(document, list) and key < len(document) else None
            label = f"[{record['id']}]" if isinstance(record, dict) and "id" in record else f"[{key}]"
            path = f"{prefix}{label}"
            child_doc = record
        elif key == "_schema":
            path, child_doc = prefix, None
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
            child_doc = document.get(key) if isinstance(document, dict) else None
        if isinstance(sub, dict) and sub and set(sub) <= {"key", "value"}:  # a map entry: its key or its value
            for part in sub.values():
                if isinstance(part, dict):  # a value with parts of its own, e.g. a relative target's benchmark
                    out.update(_flatten(part, child_doc, path))
                else:
                    out.setdefault(path, []).extend(part if isinstance(part, list) else [part])
        elif isinstance(sub, dict):
            out.update(_flatten(sub, child_doc, path))
        else:
            out.setdefault(path or "_schema", []).extend(sub)
    return out


def validate_document(document: dict, source: str | None = None) -> dict:
    """The document with defaults filled in, or a ScenarioError naming each bad key."""
    if not isinstance(document, dict):
        raise ScenarioError(Message("mapping_required"), source)
    problem = plain_data_problem(document)  # held tables are skipped: inline ones were checked, files' are below
    if problem is not None:
        raise ScenarioError({problem[0]: [problem[1]]}, source)
    for key in TABLE_KEYS:
        table = _table(document, key)
        where = table.unicode_problem(key) if isinstance(table, Table) else None
        if where is not None:
            raise ScenarioError({where: [Message("not_unicode")]}, source)
    try:
        return ScenarioSchema().load(document)
    except ValidationError as exc:
        raise ScenarioError(_flatten(exc.messages, document), source) from None


def _growth_columns(spec) -> list[str]:
    if isinstance(spec, list):
        return [c for s in spec for c in _growth_columns(s)]
    if isinstance(spec, dict):
        return [c for s in spec.values() for c in _growth_columns(s)]
    return [spec] if isinstance(spec, str) else []


def referenced_columns(config: dict) -> list[str]:
    """The towns columns a config names as amounts, drivers, factors or grown columns (checked ≥ 0)."""
    cols = []
    splits = [i["split"] for i in config["revenue_items"]] + [o["split"] for o in config["split_overrides"]]
    for item in config["revenue_items"]:
        cols.append(item.get("column") or item["id"])
    cols += [s["base_column"] for s in splits if s.get("base_column")]
    if config["remittances"]:
        cols.append(config["remittances"]["column"])
    for f in config["expenditure_functions"]:
        if f["driver"] != "one":
            cols.append(f["driver"])
        if f["cost_factor"]:
            cols.append(f["cost_factor"])
    for factor in config["general_transfer"]["factors"]:
        cols += factor.get("columns") or [factor["column"]]
    difficulty = config["general_transfer"]["difficulty"]
    cols += [f["column"] for f in (difficulty or {}).get("factors", []) if "column" in f]
    cols += [i["standard_base"]["column"] for i in config["revenue_items"] if i.get("standard_base")]
    if config["tax_returns"]:
        cols.append(config["tax_returns"]["column"])
    cols += list(config["growth"]["drivers"])
    return list(dict.fromkeys(cols))


def own_rule_columns(config: dict) -> dict[str, str]:
    """Towns columns with a rule of their own, which ``growth.drivers`` may not list (column → the rule)."""
    rules = {"id": "id", "name": "name", "pilot": "pilot", "gdp": "growth.gdp"}
    for item in config["revenue_items"]:
        rules[item.get("column") or item["id"]] = f"revenue_items.{item['id']}"
    if config["remittances"]:
        rules[config["remittances"]["column"]] = "remittances"
    if config["tax_returns"]:
        rules[config["tax_returns"]["column"]] = "tax_returns"
    return rules


def _per_year_values(block, data: dict, prefix: str = ""):
    """``(key, value)`` of every per-year field (a number or one per year) in a validated block."""
    for f in block.fields:
        value, key = data.get(f.key), f"{prefix}{f.key}"
        if value is None:
            continue
        if f.per_year:
            yield key, value
        elif f.kind == "block" and f.block is not None:
            yield from _per_year_values(f.block, value, key + ".")
        elif f.kind == "records" and f.block is not None:
            for n, record in enumerate(value):
                yield from _per_year_values(f.block, record, _record_key(key, n, record) + ".")
        elif f.kind == "map" and f.values is not None and f.values.per_year:
            for name, one in value.items():
                yield f"{key}.{name}", one


def _record_key(name: str, n: int, record: dict) -> str:
    return f"{name}[{record['id']}]" if record.get("id") is not None else f"{name}[{n}]"
