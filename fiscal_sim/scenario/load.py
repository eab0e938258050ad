"""Scenario files (docs/scenario-format.md): reading, variants (``extends``, ``set``) and overrides.

:func:`load_scenario` reads a YAML/JSON file (or one a registered reader reads, :mod:`fiscal_sim.scenario.readers`)
or takes a document dict, resolves ``extends`` and ``set``, applies overrides and builds the Scenario with
:func:`~fiscal_sim.scenario.scenario.from_document`. The :class:`~fiscal_sim.scenario.scenario.Scenario`
itself lives in :mod:`fiscal_sim.scenario.scenario`; it stays importable from here, so pickles that name
``fiscal_sim.scenario.load.Scenario`` still load.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml

from .. import catalogue
from ..errors import Message, ScenarioError
from .held_tables import Table, _apply, _records_to_merge, with_records
from .readers import reader_for
from .scenario import Scenario, from_document
from .variants import merge

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


class YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it: ~10× faster
    """PyYAML's safe loader that also reads ``1e-3`` and ``2e4`` as numbers (YAML 1.1 wants a dot)."""


YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


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


def as_scenario(value, overrides: dict[str, Any] | None = None) -> Scenario:
    """A Scenario from a Scenario, a file path or a document dict, with ``overrides`` applied.

    The one coercion every entry point (simulate, compare, Monte Carlo, goal seeking) uses.
    """
    return load_scenario(value, overrides)
