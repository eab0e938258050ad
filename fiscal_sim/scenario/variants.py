"""Variants (docs/scenario-format.md): ``extends`` merges a file over its parent; ``set`` and overrides change
keys by path. Paths follow the catalogue, records are addressed by id, and no override is applied
unless all are valid; a variant never changes its parent (every change is made on a deep copy).
"""

from __future__ import annotations

import copy
from typing import Any

from .. import catalogue
from ..errors import Message, ScenarioError


def merge(parent, child):
    """``extends``: maps merge by key, lists of records with ``id`` merge by id, other values replace."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = copy.deepcopy(parent)
        for key, value in child.items():
            out[key] = merge(parent[key], value) if key in parent else copy.deepcopy(value)
        return out
    if is_records(parent) and is_records(child):
        out = copy.deepcopy(parent)
        index = {str(r["id"]): i for i, r in enumerate(out)}
        for record in child:
            key = str(record["id"])
            if key in index:
                out[index[key]] = merge(out[index[key]], record)
            else:
                index[key] = len(out)
                out.append(copy.deepcopy(record))
        return out
    return copy.deepcopy(child)


def is_records(value) -> bool:
    """A non-empty list of maps that all have an ``id`` (merged and addressed by id)."""
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) and "id" in r for r in value)


def _child(f: catalogue.Field) -> tuple[str, catalogue.Block | None]:
    """What a field holds, for walking a path: records (by id), a block, a free map, a table, or a value."""
    if f.kind == "records":
        return "records", f.block
    if f.kind == "table":
        return "records", None  # rows by id, then a column
    if f.kind == "block":
        return "block", f.block
    if f.kind == "map":
        return "free", None
    return "leaf", None


def set_path(document: dict, path: str, value) -> None:
    """Set one ``PATH: value`` in place; raises KeyError with the reason when the path does not exist.

    The path follows the catalogue: a key the catalogue knows but the file leaves at its default is a
    valid path; records are addressed by id.
    """
    segments = path.split(".")
    if not path or any(s == "" for s in segments):
        raise KeyError("empty path segment")
    node, kind, block = document, "block", catalogue.SCENARIO
    for depth, seg in enumerate(segments):
        last = depth == len(segments) - 1
        where = ".".join(segments[:depth]) or "the scenario"
        if kind == "records":
            if not isinstance(node, list):
                raise KeyError(f"{where} is not a list of records")
            matches = [i for i, r in enumerate(node) if isinstance(r, dict) and str(r.get("id")) == seg]
            if not matches:
                raise KeyError(f"{where} has no element with id {seg!r}")
            if last:
                node[matches[0]] = copy.deepcopy(value)
                return
            node = node[matches[0]]
            kind = "block" if block is not None else "row"
            continue
        if not isinstance(node, dict):
            raise KeyError(f"{where} is a value, not a map")
        if kind == "leaf":  # a value given as a map ({benchmark, margin}, {pilot, other}): its keys are settable
            kind = "free"
        if kind == "block":
            f = block.by_key.get(seg)
            if f is None:
                raise KeyError(f"{where} has no key {seg!r}")
            child_kind, child_block = _child(f)
        elif kind == "row":
            if seg not in node:
                raise KeyError(f"{where} has no column {seg!r}")
            child_kind, child_block = "leaf", None
        else:  # a free-keyed map (category_caps, targets, drivers)
            child_kind, child_block = "leaf", None
        if last:
            node[seg] = copy.deepcopy(value)
            return
        if node.get(seg) is None:
            if child_kind in ("block", "free"):
                node[seg] = {}
            else:
                raise KeyError(f"{where}.{seg} is empty")
        node, kind, block = node[seg], child_kind, child_block
    raise KeyError(path)  # unreachable


def apply_overrides(document: dict, overrides: dict[str, Any], source: str | None = None) -> dict:
    """A new document with every override applied, or an error naming every bad path (none applied)."""
    if not isinstance(overrides, dict):
        raise ScenarioError({"overrides": [Message("set_mapping")]}, source)
    out = copy.deepcopy(document)
    errors = {}
    for path, value in overrides.items():
        try:
            set_path(out, str(path), value)
        except KeyError as exc:
            errors[f"set.{path}"] = [Message("no_such_path", reason=str(exc.args[0]))]
    if errors:
        raise ScenarioError(errors, source)
    return out
