"""Scenarios (docs/scenario-format.md): files, variants, overrides and validation, built on the catalogue."""

from __future__ import annotations

from pathlib import Path

from .load import as_scenario, load_scenario, read_document
from .readers import register_reader
from .scenario import Scenario, from_document
from .variants import apply_overrides

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "scenarios"  # the bundled county (package data)

__all__ = [
    "BUNDLED_DIR",
    "Scenario",
    "apply_overrides",
    "as_scenario",
    "from_document",
    "load_scenario",
    "read_document",
    "register_reader",
]
