"""Compiling a scenario into a typed :class:`Model`: float64 arrays and rule dataclasses with enums.

The validated config is read here once, so the year loop never reads a config dict (docs/model.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.expenditure import ExpenditureModel, expenditure_model
from ..model.projection import column_path, cumulative_factor, gdp_growth_rates, grown_amount
from ..model.revenue_division import RuleAssignment, SplitTable, assign_rules, compile_table
from ..model.special_transfer import ProjectBook, SpecialTransferRules
from ..scenario import Scenario
from .rules import (
    AssessmentRules,
    ContractRules,
    CountyBudget,
    GeneralRules,
    IncentiveRules,
    TaxReturnRules,
    assessment_rules,
    contract_rules,
    expenditure_shares,
    general_rules,
    incentive_rules,
    special_rules,
    tax_return_rules,
)


@dataclass(frozen=True)
class Model:
    """A scenario compiled to float64 arrays and typed rules: t indexes years, i towns, k revenue items."""

    scenario: Scenario
    years: np.ndarray
    town_ids: list[str]
    pilot0: np.ndarray  # (N,) pilot status in the base year
    gdp0: np.ndarray  # (N,)
    growth: np.ndarray  # (T, N) central GDP growth
    collected0: np.ndarray  # (N, K) base-year revenue collected
    elasticity: np.ndarray  # (K,)
    capacity_rate: np.ndarray  # (K,)
    rules: dict  # {False: RuleAssignment, True: RuleAssignment} by pilot status
    tables: dict  # {(t, as_pilot): SplitTable}; t = -1 is the base year; pilot tables hold pilot_items only
    pilot_items: np.ndarray  # items whose rule depends on pilot status (class: pilot overrides)
    remittance: np.ndarray  # (N,)
    expenditure: ExpenditureModel
    standard_expenditure: np.ndarray  # (T, N)
    town_function_expenditure: np.ndarray  # (T,) county's share of town-area functions
    population: np.ndarray  # (T, N)
    county: CountyBudget
    general: GeneralRules
    special: SpecialTransferRules | None
    assessment: AssessmentRules | None
    protected_need: np.ndarray  # (T, N), pilot-class overrides not applied
    se_pilot: np.ndarray | None  # (T, N) standard expenditure while pilot status is in force (None: the same)
    protected_pilot: np.ndarray | None  # (T, N)
    total_need: np.ndarray  # (T,) every town's need of every function
    standard_items: np.ndarray  # items whose capacity counts standard revenue (MOF: tax base × rate)
    standard_collection: np.ndarray | None  # (T, len(standard_items), N) rate × grown tax base
    contracts: ContractRules | None = None
    tax_returns: TaxReturnRules | None = None
    incentives: IncentiveRules | None = None

    @property
    def has_pilot_rules(self) -> bool:
        return self.pilot_items.size > 0

    @property
    def special_budget(self) -> np.ndarray:
        """(T,) the special-transfer budget, zeros without special transfers."""
        return self.special.budget if self.special is not None else np.zeros(len(self.years))

    def split_table(self, t: int, as_pilot: bool) -> SplitTable:
        return self.tables[(t, as_pilot)]

    def rule_assignment(self, pilot: bool) -> RuleAssignment:
        return self.rules[pilot and self.has_pilot_rules]


# ---------------------------------------------------------------------------------------------
# compiling a scenario


class _TownPositions:
    """Town id → row, looked up only for the towns that overrides name (no dict of every town)."""

    def __init__(self, ids):
        self.index = pd.Index(ids)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, town: str) -> int:
        return int(self.index.get_loc(town))


def _column_factor(drivers: dict, column: str, n_years: int) -> np.ndarray:
    """Growth factor of a towns column for the base year (index -1 → 1) and each simulated year."""
    return np.concatenate([[1.0], cumulative_factor(drivers.get(column, 0.0), n_years)])


def project_book(projects: pd.DataFrame, town_ids: list[str]) -> ProjectBook:
    """The projects table as arrays (town ids located with a pandas index, not a dict of every town)."""
    categories = sorted(set(projects["category"]))
    code = {c: j for j, c in enumerate(categories)}
    return ProjectBook(
        ids=projects["id"].to_numpy(object),
        town=pd.Index(town_ids).get_indexer(projects["town"]).astype(np.intp),
        year=projects["year"].to_numpy(np.int64),
        category=projects["category"].map(code).to_numpy(np.intp),
        categories=categories,
        cost=projects["cost"].to_numpy(np.float64),
        grant=projects["grant"].to_numpy(np.float64),
        cofinancing=(projects["cost"] * projects["cofinancing_rate"]).to_numpy(np.float64),
        score=projects["score"].to_numpy(np.float64),
        key=projects["key_project"].to_numpy(bool),
    )


def compile_model(scenario: Scenario) -> Model:
    """Turn a validated scenario into the arrays and typed rules the engine runs on."""
    cfg, towns = scenario.config, scenario.towns
    years = scenario.years
    n_years, n_towns = len(years), len(towns)
    ids = towns["id"].tolist()
    pilot0 = scenario.classes["pilot"]
    drivers = cfg["growth"]["drivers"]
    items = cfg["revenue_items"]
    collected0 = np.column_stack([towns[i.get("column") or i["id"]].to_numpy(np.float64) for i in items])

    position = _TownPositions(towns["id"])
    item_index = {item["id"]: k for k, item in enumerate(items)}
    rules = {
        flag: assign_rules(items, cfg["split_overrides"], position, scenario.classes, as_pilot=flag)
        for flag in (False, True)
    }
    pilot_items = np.array(
        sorted({item_index[o["item"]] for o in cfg["split_overrides"] if o.get("class") == "pilot"}), dtype=np.intp
    )
    remittance = towns[cfg["remittances"]["column"]].to_numpy(np.float64) if cfg["remittances"] else np.zeros(n_towns)
    shares = expenditure_shares(scenario, position)
    exp = expenditure_model(cfg["expenditure_functions"], towns, n_towns, drivers, n_years, shares)
    standard = [(k, item["standard_base"]) for k, item in enumerate(items) if item.get("standard_base")]
    standard_collection = None
    if standard:
        standard_collection = np.stack(
            [b["rate"] * column_path(towns, b["column"], drivers, n_years) for _, b in standard], axis=1
        )
    c = cfg["county"]
    county = CountyBudget(
        *(
            grown_amount(c[name], c[f"{name}_growth"], n_years)
            for name in ("own_revenue", "own_expenditure", "upper_transfers")
        )
    )
    se, protected = exp.standard_and_protected()
    se_pilot, protected_pilot = exp.standard_and_protected(pilot=True) if exp.pilot_share is not None else (None, None)
    total_need = exp.total_need()
    return Model(
        scenario=scenario,
        years=years,
        town_ids=ids,
        pilot0=pilot0,
        gdp0=towns["gdp"].to_numpy(np.float64),
        growth=gdp_growth_rates(cfg["growth"]["gdp"], towns, pilot0, n_years),
        collected0=collected0,
        elasticity=np.array([i["elasticity"] for i in items]),
        capacity_rate=np.array([i["capacity_rate"] for i in items]),
        rules=rules,
        tables=_compile_all_tables(rules, towns, collected0, drivers, n_years, pilot_items),
        pilot_items=pilot_items,
        remittance=remittance,
        expenditure=exp,
        standard_expenditure=se,
        town_function_expenditure=total_need - se.sum(axis=1),  # ExpenditureModel.county_share, not recomputed
        protected_need=protected,
        se_pilot=se_pilot,
        protected_pilot=protected_pilot,
        total_need=total_need,
        standard_items=np.array([k for k, _ in standard], dtype=np.intp),
        standard_collection=standard_collection,
        population=column_path(towns, "population", drivers, n_years),
        county=county,
        general=general_rules(scenario, drivers, n_years),
        special=special_rules(scenario, project_book(scenario.projects, ids), n_years)
        if scenario.projects is not None
        else None,
        assessment=assessment_rules(scenario, n_years),
        contracts=contract_rules(scenario, position, n_years),
        tax_returns=tax_return_rules(scenario, item_index),
        incentives=incentive_rules(scenario, item_index, n_years),
    )


def _compile_all_tables(rules: dict, towns, collected0, drivers, n_years, pilot_items) -> dict:
    """Split tables for the base year and every simulated year, rebuilt only where a base grows."""
    growing = {
        s.get("base_column")
        for assignment in rules.values()
        for item_rules in assignment.rules
        for s in item_rules
        if s.get("base_column") and drivers.get(s["base_column"], 0.0) != 0.0
    }

    def base_of_year(t):
        def base_of(k, split):
            if split.get("base_column"):
                column = split["base_column"]
                return towns[column].to_numpy(np.float64) * _column_factor(drivers, column, n_years)[t + 1]
            if split.get("base") is not None:
                return np.full(len(towns), float(split["base"]))
            return collected0[:, k]

        return base_of

    def compile_year(t, flag):
        if not flag:
            return compile_table(rules[False], base_of_year(t))
        base_of = base_of_year(t)  # pilot tables hold the items with pilot rules only
        return compile_table(rules[True].restrict(pilot_items), lambda kk, split: base_of(pilot_items[kk], split))

    out = {}
    for flag in (False, True) if pilot_items.size else (False,):
        static = compile_year(-1, flag)
        for t in range(-1, n_years):
            out[(t, flag)] = compile_year(t, flag) if growing and t >= 0 else static
    return out
