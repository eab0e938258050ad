"""The engine (docs/model.md §1): :func:`compile_model` turns a validated scenario into a typed
:class:`Model`; :func:`run` runs its years by composing the parts of :mod:`fiscal_sim.model`."""

from __future__ import annotations

from .compile import Model, compile_model, project_book
from .revenue import item_split, item_split_years, town_portion
from .rules import AssessmentRules, CountyBudget, GeneralRules
from .run import run
from .trace import COUNTY_ARRAYS, TOWN_ARRAYS, Trace

__all__ = [
    "COUNTY_ARRAYS",
    "TOWN_ARRAYS",
    "AssessmentRules",
    "CountyBudget",
    "GeneralRules",
    "Model",
    "Trace",
    "compile_model",
    "item_split",
    "item_split_years",
    "project_book",
    "run",
    "town_portion",
]
