"""The :class:`Scenario` (docs/scenario-format.md) and :func:`from_document`, the one way a Scenario is built.

A :class:`Scenario` is immutable in use: overrides and variants always build a new one from a deep
copy of the document, so a variant never changes its parent. The towns and projects tables are the
exception: they are held whole (:class:`~fiscal_sim.scenario.held_tables.Table`, a file's frame as read or
validated inline records) and shared by copies until an override changes one of their cells.

:func:`from_document` lives with the class because :meth:`Scenario.with_overrides` builds a new Scenario
with it (in a module of its own, it and this one would import each other). Reading files is
:mod:`fiscal_sim.scenario.load`; the checks of a document before the towns table is known are
:mod:`fiscal_sim.scenario.validation`. Scenarios are pickled (worker processes, Dask workers) under this
module's path, ``fiscal_sim.scenario.scenario.Scenario``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import catalogue
from ..errors import Message, ScenarioError
from .held_tables import _apply, _held, with_records
from .tables import boolean_column, projects_frame, towns_frame
from .validation import (
    _growth_columns,
    _per_year_values,
    _record_key,
    own_rule_columns,
    referenced_columns,
    validate_document,
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
