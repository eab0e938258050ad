"""Scenario files (docs/scenario-format.md): reading, variants (``extends``, ``set``), overrides and validation.

A :class:`Scenario` is immutable in use: overrides and variants always build a new one from a deep
copy of the document, so a variant never changes its parent. The towns and projects tables are the
exception: they are held whole (:class:`~fiscal_sim.scenario.tables.Table`, a file's frame as read or
validated inline records) and shared by copies until an override changes one of their cells.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from marshmallow import ValidationError

from .. import catalogue
from ..errors import Message, ScenarioError
from .readers import reader_for
from .schema import ScenarioSchema
from .tables import Table, boolean_column, projects_frame, towns_frame
from .variants import apply_overrides, merge

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


class YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it: ~10× faster
    """PyYAML's safe loader that also reads ``1e-3`` and ``2e4`` as numbers (YAML 1.1 wants a dot)."""


YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario: the self-contained ``document`` and what the engine reads from it."""

    held: dict  # as written (after extends/set), its tables held whole (Table) — see ``document``
    config: dict  # the document with every default filled in (tables as in ``held``)
    towns: pd.DataFrame  # validated towns table, base year
    projects: pd.DataFrame | None  # validated projects table, when special transfers are set
    source: str | None = None
    classes: dict[str, np.ndarray] = field(default_factory=dict)  # boolean town classes by name
    checked_columns: tuple[str, ...] = ()  # towns columns validated as numbers

    @cached_property
    def document(self) -> dict:
        """The self-contained document: as written (after extends/set), towns and projects as inline records.

        Made on first use (a table read from a file becomes records only here).
        """
        return with_records(self.held)

    @property
    def name(self) -> str:
        return self.config["name"]

    @property
    def unit(self) -> str:
        return self.config["unit"]

    @cached_property
    def town_categories(self) -> pd.CategoricalDtype:
        """Town ids as a categorical type, for result frames (built once per scenario)."""
        return pd.CategoricalDtype(pd.Index(self.towns["id"].tolist(), dtype=object))

    @cached_property
    def name_categories(self) -> pd.CategoricalDtype | None:
        """Town names as a categorical type when they are unique (else result frames keep text)."""
        names = self.towns["name"]
        return pd.CategoricalDtype(pd.Index(names.tolist(), dtype=object)) if names.is_unique else None

    @property
    def years(self) -> np.ndarray:
        first, last = self.config["years"]
        return np.arange(first, last + 1)

    def with_overrides(self, overrides: dict[str, Any] | None) -> Scenario:
        """A new scenario with ``{PATH: value}`` applied; all are checked before any is applied.

        The validated towns and projects tables are reused when no override touches them.
        """
        if not overrides:
            return self
        paths = [str(p) for p in overrides]
        reuse = {
            "towns": not any(p == "towns" or p.startswith("towns.") for p in paths),
            "projects": not any(
                p in ("special_transfers", "years") or p.startswith("special_transfers.projects") for p in paths
            ),
        }
        return from_document(_apply(self.held, overrides), source=self.source, reuse=(self, reuse))

    def to_json(self) -> str:
        return json.dumps(self.document, ensure_ascii=False, default=_json_default)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# reading files


def load_scenario(path_or_dict, overrides: dict[str, Any] | None = None) -> Scenario:
    """A validated scenario from a YAML/JSON/XLSX file, a document dict (towns inline) or a Scenario.

    Raises :class:`ScenarioError` naming the file, the key or row, and the problem.
    """
    if isinstance(path_or_dict, Scenario):
        return path_or_dict.with_overrides(overrides)
    if isinstance(path_or_dict, dict):
        source = None
        document = _resolve(copy.deepcopy(path_or_dict), None, source, seen=())
    else:
        path = Path(path_or_dict)
        source = path.name
        document = _read_document(path)
    if overrides:
        document = _apply(document, overrides, source)
    return from_document(document, source=source)


def read_document(path: Path) -> dict:
    """The self-contained document of a scenario file: tables inlined, ``extends`` and ``set`` applied."""
    return with_records(_read_document(Path(path)))


def _read_document(path: Path, seen: tuple = ()) -> dict:
    """The document of a scenario file with its table files held whole (:class:`Table`)."""
    suffix = path.suffix.lower()
    reader = reader_for(suffix)
    if reader is not None:
        return reader(path)
    if suffix not in SCENARIO_SUFFIXES:
        raise ScenarioError(Message("scenario_suffix", name=path.name))
    if not path.exists():
        raise ScenarioError(Message("file_not_found", path=str(path)))
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        text = path.read_text(encoding="utf-8-sig")
        document = json.loads(text) if kind == "JSON" else yaml.load(text, Loader=YamlLoader)  # noqa: S506
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())
        raise ScenarioError(Message("not_valid", kind=kind, detail=detail), path.name) from None
    except RecursionError:
        raise ScenarioError(Message("too_deep", n=catalogue.MAX_DEPTH), path.name) from None
    if not isinstance(document, dict):
        raise ScenarioError(Message("mapping_required"), path.name)
    return _resolve(document, path.parent, path.name, seen + (path.resolve(),))


def _resolve(document: dict, base_dir: Path | None, source: str | None, seen: tuple) -> dict:
    """Inline tables, then merge over the parent (``extends``) and apply ``set``."""
    document = dict(document)
    parent_name = document.pop("extends", None)
    overrides = document.pop("set", None)
    _inline_tables(document, base_dir, source)
    if parent_name is not None:
        if base_dir is None:
            raise ScenarioError({"extends": [Message("extends_inline")]}, source)
        parent_path = (base_dir / str(parent_name)).resolve()
        if parent_path in seen:
            raise ScenarioError({"extends": [Message("extends_circular", parent=str(parent_name))]}, source)
        try:
            parent = _read_document(parent_path, seen)
        except ScenarioError as exc:
            detail = exc.one_line()
            raise ScenarioError(
                {"extends": [Message("extends_failed", parent=str(parent_name), detail=detail)]}, source
            ) from None
        document = merge(*_records_to_merge(parent, document))
    if overrides is not None:
        if not isinstance(overrides, dict):
            raise ScenarioError({"set": [Message("set_mapping")]}, source)
        document = _apply(document, overrides, source)
    return document


def _inline_tables(document: dict, base_dir: Path | None, source: str | None) -> None:
    """Read the table files a document names (held whole, as :class:`Table`)."""

    def inline(value, key):
        if isinstance(value, str):
            if base_dir is None:
                raise ScenarioError({key: [Message("inline_records_only")]}, source)
            try:
                return Table.read(base_dir / value)
            except ScenarioError as exc:
                raise ScenarioError({key: list(exc.errors.get("_schema", [exc.one_line()]))}, source) from None
        return value

    if "towns" in document:
        document["towns"] = inline(document["towns"], "towns")
    special = document.get("special_transfers")
    if isinstance(special, dict) and "projects" in special:
        special = dict(special)
        special["projects"] = inline(special["projects"], "special_transfers.projects")
        document["special_transfers"] = special


# ---------------------------------------------------------------------------------------------
# tables held whole

TABLE_KEYS = ("towns", "special_transfers.projects")  # where a document holds a table


def _table(document: dict, key: str):
    node = document
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _with_table(document: dict, key: str, value) -> dict:
    """A shallow copy of ``document`` with the table at ``key`` replaced (nothing else copied)."""
    head, _, rest = key.partition(".")
    out = dict(document)
    out[head] = _with_table(out[head], rest, value) if rest else value
    return out


def with_records(document: dict, keys=TABLE_KEYS) -> dict:
    """``document`` with the tables held whole at ``keys`` as inline records (the document itself if none is)."""
    for key in keys:
        table = _table(document, key)
        if isinstance(table, Table):
            document = _with_table(document, key, table.records())
    return document


def _held(document: dict) -> dict:
    """``document`` with its validated inline tables held whole, so copies and overrides share them."""
    for key in TABLE_KEYS:
        table = _table(document, key)
        if isinstance(table, list):
            document = _with_table(document, key, Table(records=table))
    return document


def _records_to_merge(parent: dict, child: dict) -> tuple[dict, dict]:
    """``extends`` merges the records of a table both files give by id: those tables as records."""
    both = [key for key in TABLE_KEYS if _table(parent, key) is not None and _table(child, key) is not None]
    return with_records(parent, both), with_records(child, both)


def _apply(document: dict, overrides, source: str | None = None) -> dict:
    """:func:`apply_overrides`, with a held table made records first where an override reaches into its cells."""
    if isinstance(overrides, dict):
        paths = [str(p) for p in overrides]
        touched = [key for key in TABLE_KEYS if any(p.startswith(key + ".") for p in paths)]
        document = with_records(document, touched)
    return apply_overrides(document, overrides, source)


# ---------------------------------------------------------------------------------------------
# validation


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


def plain_data_problem(value, max_depth: int = catalogue.MAX_DEPTH) -> tuple[str, Message] | None:
    """``(key path, message)`` for the first place a document nests too deeply or holds text that is not
    valid Unicode (a lone surrogate, which no database or file can store); None when it is fine."""
    stack = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > max_depth:
            return path or "_schema", Message("too_deep", n=max_depth)
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    return path or "_schema", Message("not_unicode")
                stack.append((child, child_path, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{n}]", depth + 1) for n, child in enumerate(node))
        elif isinstance(node, str) and _SURROGATE.search(node):
            return path or "_schema", Message("not_unicode")
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


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


def from_document(document: dict, source: str | None = None, reuse: tuple | None = None) -> Scenario:
    """Validate a document (tables inline, or held whole as :class:`Table`) and build the Scenario.

    ``reuse = (parent, {"towns": bool, "projects": bool})`` takes the parent's validated tables
    where the caller knows the document's tables are the parent's (overrides that do not touch them).
    """
    config = validate_document(document, source)
    n_years = config["years"][1] - config["years"][0] + 1
    errors: dict[str, list] = {}

    def add(key, message):
        errors.setdefault(key, []).append(message)

    def per_year(spec, key):
        if isinstance(spec, list) and len(spec) != n_years:
            add(key, Message("per_year_length", n=n_years, got=len(spec)))

    per_year(config["growth"]["gdp"], "growth.gdp")
    for key, value in _per_year_values(catalogue.SCENARIO, config):
        per_year(value, key)
    own_rules = own_rule_columns(config)
    for column in config["growth"]["drivers"]:
        if column in own_rules:
            add(f"growth.drivers.{column}", Message("column_has_own_rule", column=repr(column), rule=own_rules[column]))
    targets = {f"assessment.targets.{k}": v for k, v in ((config["assessment"] or {}).get("targets") or {}).items()}
    if config["incentives"]:
        targets["incentives.threshold"] = config["incentives"]["threshold"]
    for key, target in targets.items():
        if isinstance(target, dict) and isinstance(target["benchmark"], list) and len(target["benchmark"]) != n_years:
            add(f"{key}.benchmark", Message("benchmark_length", n=n_years, got=len(target["benchmark"])))
    if errors:
        raise ScenarioError(errors, source)

    label = "towns"
    numeric, signed = referenced_columns(config), _growth_columns(config["growth"]["gdp"])
    parent, reusable = reuse if reuse is not None else (None, {})
    if reusable.get("towns") and set(numeric) | set(signed) <= set(parent.checked_columns):
        towns = parent.towns  # the same records, and every column this config names was checked
    else:
        towns = towns_frame(config["towns"], label=label, numeric_columns=numeric, signed_columns=signed, source=source)
    town_ids = set(towns["id"].tolist())
    items = {i["id"] for i in config["revenue_items"]}
    classes = {"pilot": towns["pilot"].to_numpy(bool)}

    def known_class(name, key):
        if name in classes:
            return
        if name not in towns.columns or name in ("id", "name"):
            add(key, Message("unknown_class", name=repr(name)))
            return
        try:
            classes[name] = boolean_column(towns, name, label, None)
        except ScenarioError as exc:
            add(key, exc.one_line())

    for n, o in enumerate(config["split_overrides"]):
        key = f"split_overrides[{n}]"
        if o["item"] not in items:
            add(f"{key}.item", Message("unknown_item", item=repr(o["item"])))
        if "town" in o and str(o["town"]) not in town_ids:
            add(f"{key}.town", Message("unknown_town", town=repr(o["town"])))
        if "class" in o:
            known_class(o["class"], f"{key}.class")
    for name in config["general_transfer"]["priority"]:
        known_class(name, "general_transfer.priority")
    functions = {f["id"] for f in config["expenditure_functions"]}
    for name in ("expenditure_overrides", "contracts"):
        for n, record in enumerate(config[name]):
            key = _record_key(name, n, record)
            if "town" in record and str(record["town"]) not in town_ids:
                add(f"{key}.town", Message("unknown_town", town=repr(record["town"])))
            if "class" in record:
                known_class(record["class"], f"{key}.class")
            if name == "expenditure_overrides" and record["function"] not in functions:
                add(f"{key}.function", Message("unknown_function", function=repr(record["function"])))
    for name in ("tax_returns", "incentives"):
        block = config[name]
        unknown = [k for k in (block or {}).get("items", []) if k not in items]
        if unknown:
            add(f"{name}.items", Message("unknown_items", items=", ".join(map(repr, unknown))))
    if config["incentives"] and config["incentives"]["class"] is not None:
        known_class(config["incentives"]["class"], "incentives.class")
    if errors:
        raise ScenarioError(errors, source)

    projects = None
    if config["special_transfers"] is not None and reusable.get("projects") and parent.projects is not None:
        projects = parent.projects
    elif config["special_transfers"] is not None:
        projects = projects_frame(
            config["special_transfers"]["projects"],
            label="projects",
            town_ids=town_ids,
            years=config["years"],
            source=source,
        )
    checked = tuple(
        dict.fromkeys(
            [*numeric, *signed, *(parent.checked_columns if parent is not None and towns is parent.towns else ())]
        )
    )
    scenario = Scenario(
        held=_held(document),
        config=config,
        towns=towns,
        projects=projects,
        source=source,
        classes=classes,
        checked_columns=checked,
    )
    if parent is not None and towns is parent.towns:  # the same towns: the same categories
        for name in ("town_categories", "name_categories"):
            scenario.__dict__[name] = getattr(parent, name)
    scenario.town_categories, scenario.name_categories  # noqa: B018  (part of loading: built once, here)
    return scenario


def as_scenario(value, overrides: dict[str, Any] | None = None) -> Scenario:
    """A Scenario from a Scenario, a file path or a document dict, with ``overrides`` applied.

    The one coercion every entry point (simulate, compare, Monte Carlo, goal seeking) uses.
    """
    return load_scenario(value, overrides)
