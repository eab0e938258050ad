"""The typed rules of a compiled model, one per part of a scenario, each read from the validated config once.

Classes of towns: ``pilot`` is the only class whose membership changes from year to year (assessment
revokes it), so every rule that a class can carry keeps a "pilot" variant beside the static one and the
year loop picks per town; any other class (a true/false towns column) is resolved here, at compile time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..catalogue import DifficultyMetric, FundedBy, PoolMode, Rationing, Shortfall, SpecialMethod
from ..model.arrangements import ContractTerms
from ..model.projection import column_path, cumulative_factor, grown_amount
from ..model.special_transfer import SpecialTransferRules
from ..scenario import Scenario
from ..scenario.settings import pool_mode


@dataclass(frozen=True)
class CountyBudget:
    """The county's own budget per simulated year (grown base-year amounts)."""

    own_revenue: np.ndarray  # (T,)
    own_expenditure: np.ndarray  # (T,)
    upper_transfers: np.ndarray  # (T,)


@dataclass(frozen=True)
class Difficulty:
    """困难程度系数 settings: per factor a grown towns column ``(T, N)`` or a metric computed each year."""

    columns: tuple  # per factor: (T, N) array, or a DifficultyMetric
    weights: np.ndarray  # (W,)
    uniform_weight: float


@dataclass(frozen=True)
class GeneralRules:
    """How gaps are covered (docs/model.md §1.4), typed."""

    mode: PoolMode
    pool: np.ndarray | None  # (T,) grown pool when ``mode`` is AMOUNT
    coefficient: float | None
    rationing: Rationing
    priority: tuple[str, ...]  # class names covered first
    static_classes: dict  # non-pilot priority classes: name -> (N,) bool
    eligible_all: bool
    factor_values: np.ndarray | None  # (T, N, W)
    factor_weights: np.ndarray | None  # (W,)
    growth_limits: tuple[float | None, float | None] | None
    floor: bool = False
    difficulty: Difficulty | None = None


@dataclass(frozen=True)
class Target:
    """A target growth rate: ``value``, or relative to a benchmark (county average or one per year) plus ``margin``."""

    value: float | None = None
    benchmark: np.ndarray | str | None = None  # (T,) per-year benchmark, or "county_average"
    margin: float = 0.0

    @classmethod
    def of(cls, spec, n_years: int) -> Target:
        if not isinstance(spec, dict):
            return cls(value=float(spec))
        benchmark = spec["benchmark"]
        if isinstance(benchmark, list):
            benchmark = np.asarray(benchmark, dtype=np.float64)
        return cls(benchmark=benchmark, margin=float(spec.get("margin", 0.0)))

    @property
    def relative(self) -> bool:
        return self.value is None

    def at(self, t: int, county_growth=None):
        """The target in year t: a number, or per draw the benchmark plus the margin (NaN: not assessable)."""
        if self.value is not None:
            return self.value
        if isinstance(self.benchmark, np.ndarray):
            return float(self.benchmark[t]) + self.margin
        return county_growth + self.margin


@dataclass(frozen=True)
class AssessmentRules:
    """Pilot assessment (docs/model.md §1.7), typed."""

    targets: dict  # indicator -> Target
    failures_to_revoke: int


@dataclass(frozen=True)
class ContractRules:
    """核定收支 contracts (docs/model.md §1.11): the static terms per town, and a pilot-class contract."""

    static_in_force: np.ndarray  # (N,) a town contract, or a contract of a static class
    static: ContractTerms
    pilot: ContractTerms | None  # the pilot-class contract for every town, in force while the status is

    def in_force(self, pilot: np.ndarray) -> np.ndarray:
        return (
            self.static_in_force | pilot
            if self.pilot is not None
            else np.broadcast_to(self.static_in_force, pilot.shape)
        )

    def terms(self, t: int, pilot: np.ndarray):
        """``(B_R, B_E, over_share, county_makes_up)`` in force in year t (a town's own terms win)."""
        if self.pilot is None:
            s = self.static
            return s.revenue_base[t], s.expenditure_base[t], s.over_share, s.county_makes_up
        return self.static.select(self.pilot, self.static_in_force, t)


@dataclass(frozen=True)
class TaxReturnRules:
    """税收返还 (docs/model.md §1.11): base-year returns, the items they follow, the growth coefficient."""

    base: np.ndarray  # (N,)
    items: np.ndarray  # item indices (empty: the return stays fixed)
    coefficient: float


@dataclass(frozen=True)
class IncentiveRules:
    """超收奖励 (docs/model.md §1.11)."""

    threshold: Target
    rate: float
    items: np.ndarray  # item indices
    class_name: str | None  # only this class (pilot: while in force)
    static_class: np.ndarray | None  # (N,) members of a static class
    budget: np.ndarray | None  # (T,)

    def eligible(self, pilot: np.ndarray) -> np.ndarray | bool:
        if self.class_name is None:
            return True
        return pilot if self.class_name == "pilot" else self.static_class


# ---------------------------------------------------------------------------------------------
# compiling each part


def general_rules(scenario: Scenario, drivers: dict, n_years: int) -> GeneralRules:
    gt = scenario.config["general_transfer"]
    mode, amount = pool_mode(gt)
    pool = grown_amount(amount, gt["pool_growth"], n_years) if mode is PoolMode.AMOUNT else None
    rationing = Rationing(gt["rationing"])
    towns = scenario.towns
    factor_values = factor_weights = None
    if rationing is Rationing.FACTOR:
        factor_values = np.stack(
            [
                np.prod([column_path(towns, c, drivers, n_years) for c in f.get("columns") or [f["column"]]], axis=0)
                for f in gt["factors"]
            ],
            axis=-1,
        )
        factor_weights = np.array([f["weight"] for f in gt["factors"]])
    difficulty = None
    if gt["difficulty"] is not None:
        spec = gt["difficulty"]
        columns = tuple(
            column_path(towns, f["column"], drivers, n_years) if "column" in f else DifficultyMetric(f["metric"])
            for f in spec["factors"]
        )
        weights = np.array([f["weight"] for f in spec["factors"]])
        difficulty = Difficulty(columns, weights, float(spec["uniform_weight"]))
    limits = gt["growth_limits"]
    return GeneralRules(
        mode=mode,
        pool=pool,
        coefficient=gt["coefficient"],
        rationing=rationing,
        priority=tuple(gt["priority"]),
        static_classes={name: scenario.classes[name] for name in gt["priority"] if name != "pilot"},
        eligible_all=gt["eligible"] == "all",
        factor_values=factor_values,
        factor_weights=factor_weights,
        growth_limits=(limits["min"], limits["max"]) if limits else None,
        floor=bool(gt["floor"]),
        difficulty=difficulty,
    )


def special_rules(scenario: Scenario, book, n_years: int) -> SpecialTransferRules | None:
    st = scenario.config["special_transfers"]
    if st is None:
        return None
    factor = cumulative_factor(st["budget_growth"], n_years)
    caps = np.full((n_years, len(book.categories)), np.inf)
    for j, category in enumerate(book.categories):
        if category in st["category_caps"]:
            caps[:, j] = st["category_caps"][category] * factor
    return SpecialTransferRules(
        book=book,
        method=SpecialMethod(st["method"]),
        priority_order=tuple(st["priority_order"]),
        pilot_weight=st["pilot_weight"],
        key_weight=st["key_weight"],
        require_cofinancing=st["require_cofinancing"],
        carry_over=st["carry_over"],
        budget=st["budget"] * factor,
        caps=caps,
        from_upper=FundedBy(st["funded_by"]) is FundedBy.UPPER,
    )


def assessment_rules(scenario: Scenario, n_years: int) -> AssessmentRules | None:
    a = scenario.config["assessment"]
    if a is None or not a["enabled"]:
        return None
    targets = {name: Target.of(spec, n_years) for name, spec in a["targets"].items()}
    return AssessmentRules(targets, a["failures_to_revoke"])


def _terms(contracts: list[tuple[dict, np.ndarray]], n_towns: int, n_years: int) -> ContractTerms:
    """Terms for every town from ``contracts`` applied in order to their masks (later ones win)."""
    revenue = np.zeros((n_years, n_towns))
    expenditure = np.zeros((n_years, n_towns))
    over = np.ones(n_towns)
    makes_up = np.zeros(n_towns, dtype=bool)
    for c, mask in contracts:
        base = c["base_growth"]
        rg = c["revenue_base_growth"] if c["revenue_base_growth"] is not None else base
        eg = c["expenditure_base_growth"] if c["expenditure_base_growth"] is not None else base
        revenue[:, mask] = grown_amount(c["revenue_base"], rg, n_years)[:, None]
        expenditure[:, mask] = grown_amount(c["expenditure_base"], eg, n_years)[:, None]
        over[mask] = c["over_share"]
        makes_up[mask] = Shortfall(c["shortfall"]) is Shortfall.COUNTY
    return ContractTerms(revenue, expenditure, over, makes_up)


def contract_rules(scenario: Scenario, position, n_years: int) -> ContractRules | None:
    contracts = scenario.config["contracts"]
    if not contracts:
        return None
    n_towns = len(scenario.towns)
    static_list, pilot_list = [], []
    static_mask = np.zeros(n_towns, dtype=bool)
    ordered = [c for c in contracts if "class" in c] + [c for c in contracts if "town" in c]  # a town's own wins
    for c in ordered:
        if c.get("class") == "pilot":
            pilot_list.append((c, np.ones(n_towns, dtype=bool)))
            continue
        mask = np.zeros(n_towns, dtype=bool)
        if "town" in c:
            mask[position[str(c["town"])]] = True
        else:
            mask = scenario.classes[c["class"]].copy()
        static_mask |= mask
        static_list.append((c, mask))
    pilot = _terms(pilot_list, n_towns, n_years) if pilot_list else None
    return ContractRules(static_mask, _terms(static_list, n_towns, n_years), pilot)


def tax_return_rules(scenario: Scenario, item_index: dict) -> TaxReturnRules | None:
    tr = scenario.config["tax_returns"]
    if tr is None:
        return None
    items = np.array([item_index[k] for k in tr["items"]], dtype=np.intp)
    return TaxReturnRules(scenario.towns[tr["column"]].to_numpy(np.float64), items, float(tr["coefficient"]))


def incentive_rules(scenario: Scenario, item_index: dict, n_years: int) -> IncentiveRules | None:
    spec = scenario.config["incentives"]
    if spec is None:
        return None
    items = np.array([item_index[k] for k in spec["items"]] or list(item_index.values()), dtype=np.intp)
    name = spec["class"]
    static = scenario.classes.get(name) if name not in (None, "pilot") else None
    budget = None if spec["budget"] is None else grown_amount(spec["budget"], spec["budget_growth"], n_years)
    return IncentiveRules(Target.of(spec["threshold"], n_years), float(spec["rate"]), items, name, static, budget)


def expenditure_shares(scenario: Scenario, position) -> tuple[np.ndarray, np.ndarray | None]:
    """The towns' shares of each function ``(F, N)``: without and with pilot-class overrides in force."""
    functions = scenario.config["expenditure_functions"]
    overrides = scenario.config["expenditure_overrides"]
    n_towns = len(scenario.towns)
    index = {fn["id"]: f for f, fn in enumerate(functions)}
    base = np.repeat(np.array([fn["town_share"] for fn in functions], dtype=np.float64)[:, None], n_towns, axis=1)
    ordered = [o for o in overrides if "class" in o] + [o for o in overrides if "town" in o]  # a town's own wins

    def apply(as_pilot: bool) -> np.ndarray:
        shares = base.copy()
        for o in ordered:
            f = index[o["function"]]
            if "town" in o:
                shares[f, position[str(o["town"])]] = o["town_share"]
            elif o["class"] == "pilot":
                if as_pilot:
                    shares[f, :] = o["town_share"]
            else:
                shares[f, scenario.classes[o["class"]]] = o["town_share"]
        return shares

    pilot_classes = any(o.get("class") == "pilot" for o in overrides)
    return apply(False), (apply(True) if pilot_classes else None)
