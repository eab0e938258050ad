"""Readers of scenario files by suffix. YAML and JSON are the loader's own; an edge registers more.

The Excel reader lives at the edge (:mod:`fiscal_sim.io.excel_template`); ``fiscal_sim/__init__.py``
registers it here by name, so ``load_scenario("x.xlsx")`` works while the core never imports the edge.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

_READERS: dict[str, str] = {}  # ".xlsx" -> "package.module:function"


def register_reader(suffixes: tuple[str, ...], target: str) -> None:
    """Read files ending in ``suffixes`` with ``target`` ("module:function", imported on first use)."""
    for suffix in suffixes:
        _READERS[suffix.lower()] = target


def reader_for(suffix: str) -> Callable | None:
    """The registered reader of a suffix (``path -> document``), or None."""
    target = _READERS.get(suffix.lower())
    if target is None:
        return None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def suffixes() -> tuple[str, ...]:
    return tuple(_READERS)
