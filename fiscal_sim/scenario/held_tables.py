"""Tables held whole in a document: the towns and projects tables as :class:`~fiscal_sim.scenario.tables.Table`.

A document holds a table whole (a file's frame as read, or validated inline records) so copies and overrides
share it; these helpers find the tables a document holds and make them inline records where that is needed:
a self-contained document (:func:`with_records`), ``extends`` merging two tables by id
(:func:`_records_to_merge`) and an override that reaches into a table's cells (:func:`_apply`).
"""

from __future__ import annotations

from .tables import Table
from .variants import apply_overrides

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
