"""What a run keeps (docs/model.md §1.6): each year's arrays for the towns and the county, the central run's
allocations and assessments for explanations, and the check that no number overflowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import catalogue
from ..errors import Message, ScenarioError
from ..model.general_transfer import Allocation
from ..model.special_transfer import SpecialOutcome
from .compile import Model


@dataclass
class Trace:
    """Per-year arrays of a run, shape (D, T, N) for towns and (D, T) for the county."""

    arrays: dict
    allocations: list[Allocation] = field(default_factory=list)  # per year (central run only)
    assessments: list = field(default_factory=list)  # per year AssessmentStep (central run only)
    special: SpecialOutcome | None = None
    revoked_year: np.ndarray | None = None  # (D, N) first year as a non-pilot, 0 if never
    block: np.ndarray | None = None  # (len(TOWN_ARRAYS), D, T, N) when every town output is kept


# the number columns of the towns frame, in its order (docs/model.md §1.6)
TOWN_ARRAYS = tuple(c.key for c in catalogue.RESULT_TABLES["towns"].columns if c.kind == "number")
COUNTY_ARRAYS = (
    "shared_revenue", "total_revenue", "general_transfers_paid", "special_transfers_paid", "balance",
    "required_transfers", "pool", "remittances", "town_function_expenditure", "over_collection_received",
    "upper_special_grants", "tax_returns_paid", "contract_transfers_paid", "incentives_paid", "pool_overrun",
)  # fmt: skip


# every input reaches one of these: a non-finite value anywhere shows in them (one cheap pass each)
_SENTINELS = ("gdp", "balance", "resources")


def check_finite(model: Model, trace: Trace) -> None:
    """A ScenarioError naming the first town, year and column that overflowed (inf or NaN)."""
    arrays = trace.arrays
    county = arrays["county"]["balance"]
    if np.isfinite(county.sum()) and all(np.isfinite(arrays[c].sum()) for c in _SENTINELS if c in arrays):
        return
    ids = model.scenario.towns["id"].astype(str).tolist()
    for column in TOWN_ARRAYS:
        values = arrays.get(column)
        if values is None or column == "resources_per_capita":
            continue
        bad = np.argwhere(~np.isfinite(values))
        if len(bad):
            _, t, i = bad[0]
            input_column = column in model.scenario.towns.columns
            key = f"towns[{ids[i]}].{column}" if input_column else "_schema"
            what = f"{column} of {ids[i]} in {int(model.years[t])}"
            raise ScenarioError({key: [Message("result_not_finite", what=what)]})
    raise ScenarioError({"_schema": [Message("result_not_finite", what="the county balance")]})
