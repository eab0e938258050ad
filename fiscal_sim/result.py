"""Simulation results (docs/model.md §1.6): frames with the catalogue's column names, built on first access.

:func:`simulate` is the one way to run a scenario: :func:`fiscal_sim.simulate`, goal seeking and
Monte Carlo's central run all go through it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import catalogue
from .engine import TOWN_ARRAYS, Model, Trace, compile_model, item_split, item_split_years, run
from .model.indicators import coefficient_of_variation, gini, per_capita
from .scenario import as_scenario

TOWN_COLUMNS = list(catalogue.RESULT_TABLES["towns"].keys)
COUNTY_COLUMNS = list(catalogue.RESULT_TABLES["county"].keys)
INDICATOR_COLUMNS = list(catalogue.RESULT_TABLES["indicators"].keys)
PROJECT_COLUMNS = list(catalogue.RESULT_TABLES["projects"].required_keys())
PROJECT_DETAIL_COLUMNS = list(catalogue.RESULT_TABLES["projects"].keys)
REVOCATION_COLUMNS = list(catalogue.RESULT_TABLES["revocations"].keys)
BATCHED_TABLES = ("towns", "revenue")  # the tables :meth:`Result.batches` gives a year at a time


class Coded(NamedTuple):
    """A column of repeated labels: ``labels[codes]``, a code of -1 a gap (like ``pd.Categorical``)."""

    codes: np.ndarray
    labels: Sequence


class Result:
    """What :func:`fiscal_sim.simulate` returns: the frames of docs/model.md §1.6 and ``explain``."""

    BATCHED_TABLES = BATCHED_TABLES

    def __init__(self, model: Model, trace: Trace):
        self.model = model
        self.trace = trace
        self.scenario = model.scenario

    def __repr__(self) -> str:
        years = self.model.years
        return f"<Result {self.scenario.name!r}: {len(self.model.town_ids)} towns, {years[0]}-{years[-1]}>"

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def unit(self) -> str:
        return self.scenario.config["unit"]

    @property
    def years(self) -> np.ndarray:
        return self.model.years

    @property
    def pilot(self) -> np.ndarray:
        """Pilot status in force, ``[t, i]``."""
        return self.trace.arrays["pilot"][0]

    def town_array(self, name: str) -> np.ndarray:
        """A per-year, per-town quantity as an array ``[t, i]``."""
        return self.trace.arrays[name][0]

    @cached_property
    def towns(self) -> pd.DataFrame:
        m = self.model
        n_years, n_towns = len(m.years), len(m.town_ids)
        codes = np.tile(np.arange(n_towns), n_years)
        # the engine's output block is already column-major: the frame wraps it without copying
        block = self.trace.block[:, 0].reshape(len(TOWN_ARRAYS), n_years * n_towns).T
        frame = pd.DataFrame(block, columns=list(TOWN_ARRAYS), copy=False)
        frame.insert(0, "year", np.repeat(m.years, n_towns))
        frame.insert(1, "town", pd.Categorical.from_codes(codes, dtype=m.scenario.town_categories))
        if m.scenario.name_categories is not None:
            frame.insert(2, "name", pd.Categorical.from_codes(codes, dtype=m.scenario.name_categories))
        else:
            frame.insert(2, "name", np.tile(m.scenario.towns["name"].to_numpy(object), n_years))
        frame.insert(3, "pilot", self.trace.arrays["pilot"][0].ravel())
        return frame

    @cached_property
    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Collected and town-kept amounts per item, arrays ``[t, k, i]``."""
        return item_split(self.model, self.trace.arrays["pilot"][0])

    @cached_property
    def revenue(self) -> pd.DataFrame:
        m = self.model
        n_years, n_towns, n_items = len(m.years), len(m.town_ids), len(self._item_ids)
        # the three amounts in one column-major block that the frame wraps (no consolidating copy)
        block = np.empty((3, n_years, n_towns, n_items))
        for t, amounts in enumerate(self._revenue_years()):
            block[:, t] = amounts
        frame = pd.DataFrame(block.reshape(3, -1).T, columns=["collected", "to_town", "to_county"], copy=False)
        frame.insert(0, "year", np.repeat(m.years, n_towns * n_items))
        frame.insert(
            1,
            "town",
            pd.Categorical.from_codes(
                np.tile(np.repeat(np.arange(n_towns), n_items), n_years), dtype=m.scenario.town_categories
            ),
        )
        frame.insert(
            2,
            "item",
            pd.Categorical.from_codes(
                np.tile(np.arange(n_items), n_years * n_towns), categories=pd.Index(self._item_ids, dtype=object)
            ),
        )
        return frame

    @property
    def _item_ids(self) -> list[str]:
        return [i["id"] for i in self.scenario.config["revenue_items"]]

    def _revenue_years(self) -> Iterator[np.ndarray]:
        """Each year's collected, town-kept and county-kept amounts, ``[3, i, k]`` (the revenue table's rows)."""
        for collected, to_town in item_split_years(self.model, self.pilot):
            amounts = np.empty((3, *collected.shape[::-1]))
            amounts[0] = collected.T
            amounts[1] = to_town.T
            np.subtract(amounts[0], amounts[1], out=amounts[2])
            yield amounts

    def batches(self, name: str) -> Iterator[dict[str, np.ndarray | Coded]]:
        """The ``towns`` or ``revenue`` table a year at a time, each year's rows as columns (numpy arrays and
        :class:`Coded` labels): the rows and values of the frame, for writing a large table without building it.
        """
        if name == "towns":
            return self._town_batches()
        if name == "revenue":
            return self._revenue_batches()
        raise ValueError(f"batches are given for {', '.join(BATCHED_TABLES)}, not {name!r}")

    def _town_batches(self) -> Iterator[dict[str, np.ndarray | Coded]]:
        m = self.model
        towns = m.scenario.town_categories.categories
        names = m.scenario.name_categories
        names = names.categories if names is not None else m.scenario.towns["name"].to_numpy(object)
        codes = np.arange(len(towns))
        block = self.trace.block[:, 0]  # [c, t, i]: each year's column is contiguous
        for t, year in enumerate(m.years):
            yield {
                "year": np.full(len(towns), year),
                "town": Coded(codes, towns),
                "name": Coded(codes, names),
                "pilot": self.pilot[t],
                **{column: block[c, t] for c, column in enumerate(TOWN_ARRAYS)},
            }

    def _revenue_batches(self) -> Iterator[dict[str, np.ndarray | Coded]]:
        m = self.model
        towns = m.scenario.town_categories.categories
        items = pd.Index(self._item_ids, dtype=object)
        town_codes = np.repeat(np.arange(len(towns)), len(items))
        item_codes = np.tile(np.arange(len(items)), len(towns))
        for year, amounts in zip(m.years, self._revenue_years()):
            yield {
                "year": np.full(len(town_codes), year),
                "town": Coded(town_codes, towns),
                "item": Coded(item_codes, items),
                **{column: amounts[j].reshape(-1) for j, column in enumerate(("collected", "to_town", "to_county"))},
            }

    @cached_property
    def county(self) -> pd.DataFrame:
        m, c = self.model, self.trace.arrays["county"]
        return pd.DataFrame(
            {
                "year": m.years,
                "own_revenue": m.county.own_revenue,
                "shared_revenue": c["shared_revenue"][0],
                "remittances": c["remittances"][0],
                "upper_transfers": m.county.upper_transfers,
                "total_revenue": c["total_revenue"][0],
                "own_expenditure": m.county.own_expenditure,
                "town_function_expenditure": c["town_function_expenditure"][0],
                "general_transfers_paid": c["general_transfers_paid"][0],
                "special_transfers_paid": c["special_transfers_paid"][0],
                "balance": c["balance"][0],
                **{name: c[name][0] for name in COUNTY_COLUMNS[len(COUNTY_COLUMNS) - 6 :]},
            },
            columns=COUNTY_COLUMNS,
        )

    @cached_property
    def indicators(self) -> pd.DataFrame:
        m, c = self.model, self.trace.arrays["county"]
        population = m.population
        before = per_capita(self.town_array("own_revenue"), population)
        after = per_capita(self.town_array("resources"), population)
        weights = np.where(population > 0, population, 0.0)
        required = c["required_transfers"][0]
        general = c["general_transfers_paid"][0]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            coverage = np.where(required > 0, general / np.where(required > 0, required, 1.0), 1.0)
        return pd.DataFrame(
            {
                "year": m.years,
                "required_transfers": required,
                "general_transfers": general,
                "coverage": coverage,
                "special_transfers": c["special_transfers_paid"][0],
                "county_balance": c["balance"][0],
                "gini_before": gini(np.nan_to_num(before), weights),
                "gini_after": gini(np.nan_to_num(after), weights),
                "cv_before": coefficient_of_variation(np.nan_to_num(before), weights),
                "cv_after": coefficient_of_variation(np.nan_to_num(after), weights),
                "pilots_active": self.trace.arrays["pilot"][0].sum(axis=-1).astype(np.int64),
            },
            columns=INDICATOR_COLUMNS,
        )

    @cached_property
    def projects(self) -> pd.DataFrame:
        """Per project, the docs/model.md §1.6 columns: what was funded, when, and why not."""
        return self.project_details[PROJECT_COLUMNS]

    @cached_property
    def project_details(self) -> pd.DataFrame:
        """``projects`` plus each project's year, cost, score and key flag (for tables and Excel)."""
        table = self.scenario.projects
        special = self.trace.special
        if table is None or special is None:
            return pd.DataFrame({c: [] for c in PROJECT_DETAIL_COLUMNS})
        book = self.model.special.book
        year_funded = pd.array(np.where(special.funded, special.year_funded, 0), dtype="Int64")
        year_funded[~special.funded] = pd.NA
        return pd.DataFrame(
            {
                "id": table["id"].to_numpy(object),
                "town": table["town"].to_numpy(object),
                "category": table["category"].to_numpy(object),
                "grant": book.grant,
                "cofinancing": book.cofinancing,
                "funded": special.funded,
                "year_funded": year_funded,
                "reason": special.reason.astype(str),
                "year": table["year"].to_numpy(np.int64),
                "cost": book.cost,
                "score": book.score,
                "key_project": book.key,
            }
        )

    def revocations_in(self, lang: str = "en") -> pd.DataFrame:
        """:attr:`revocations` with the reasons in ``lang``."""
        frame = self.revocations
        if lang == "en" or frame.empty:
            return frame
        reasons = [
            self._revocation_reason(self.model.town_ids.index(t), int(y), lang)
            for t, y in zip(frame["town"], frame["revoked_from"])
        ]
        return frame.assign(reason=reasons)

    @cached_property
    def revocations(self) -> pd.DataFrame:
        """Pilots that lost their status: the first year as a non-pilot and why (in English; see :meth:`revocations_in`)."""
        m = self.model
        revoked = self.trace.revoked_year[0] if self.trace.revoked_year is not None else np.zeros(0)
        rows = []
        for i in np.flatnonzero(revoked):
            rows.append(
                {
                    "town": m.town_ids[i],
                    "name": m.scenario.towns["name"].iat[i],
                    "revoked_from": int(revoked[i]),
                    "reason": self._revocation_reason(i, int(revoked[i])),
                }
            )
        return pd.DataFrame(rows, columns=REVOCATION_COLUMNS)

    def _revocation_reason(self, i: int, year: int, lang: str = "en") -> str:
        from .explain import revocation_reason

        return revocation_reason(self, i, year).label(lang)

    def explain(self, town: str, year: int, column: str = "general_transfer"):
        """How one number was computed: formula, inputs and their own explanations."""
        from .explain import explain

        return explain(self, town, year, column)


def simulate(scenario, overrides: dict | None = None) -> Result:
    """Run a scenario (a Scenario, a file path or a document dict) with ``overrides`` and return its Result."""
    scenario = as_scenario(scenario, overrides)
    model = compile_model(scenario)
    return Result(model, run(model, model.growth[None]))
