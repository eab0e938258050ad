"""Revenue division (收入划分, docs/model.md §1.2): who keeps what of each item collected in a town.

Every split rule is a piecewise-linear function of the amount collected R with bands above
thresholds τ1 < … < τn: the town keeps ``s0`` of the first band and ``sj`` of band j. Written with
marginal rates it is ``town = s0·R + Σj (sj − sj−1)·max(R − τj, 0)``: ``town``, ``county`` and
``proportional`` have no threshold, ``base_plus_increment`` has one (the base), ``tiered`` one per
threshold. One vectorised formula then serves all rules, towns and items; the county keeps
exactly ``R − town``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def bands(split: dict, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(thresholds, shares)`` of one split rule, shapes ``(n or 1, n_bands − 1)`` and ``(1, n_bands)``.

    ``base`` is each town's base of a ``base_plus_increment`` rule (the only per-town thresholds;
    other rules return one row that broadcasts over towns).

    >>> bands({"rule": "tiered", "thresholds": [100, 300], "town_shares": [0.2, 0.5, 0.8]}, np.zeros(1))
    (array([[100., 300.]]), array([[0.2, 0.5, 0.8]]))
    >>> bands({"rule": "base_plus_increment", "base_share": 1.0, "increment_share": 0.5}, np.array([40.0]))
    (array([[40.]]), array([[1. , 0.5]]))
    """
    rule = split["rule"]
    if rule in ("town", "county", "proportional"):
        share = {"town": 1.0, "county": 0.0}.get(rule, split.get("town_share"))
        return np.zeros((1, 0)), np.array([[float(share)]])
    if rule == "base_plus_increment":
        shares = np.array([[split["base_share"], split["increment_share"]]], dtype=np.float64)
        return np.asarray(base, dtype=np.float64).reshape(-1, 1), shares
    if rule == "tiered":
        thresholds = np.asarray(split["thresholds"], dtype=np.float64).reshape(1, -1)
        return thresholds, np.asarray(split["town_shares"], dtype=np.float64).reshape(1, -1)
    raise ValueError(f"unknown split rule {rule!r}")


def town_portion(collected: np.ndarray, thresholds: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Town portion ``s0·R + Σj (sj − sj−1)·max(R − τj, 0)`` (bands on the last axis).

    Equal to ``Σj sj·clamp(R − τj, 0, τj+1 − τj)`` for R ≥ 0; a negative R is shared like the first band.

    Base plus increment, base 1000, base share 1, increment share 0.5, on R = 1500:
    1·1000 + 0.5·500 = 1250.

    >>> town_portion(np.array([1500.0]), np.array([[1000.0]]), np.array([[1.0, 0.5]]))
    array([1250.])
    """
    out = shares[..., 0] * collected
    steps = np.diff(shares, axis=-1)
    for j in range(thresholds.shape[-1]):
        out = out + steps[..., j] * np.maximum(collected - thresholds[..., j], 0.0)
    return out


@dataclass(frozen=True)
class ItemBands:
    """One item's rules over the towns in marginal form: ``first`` is s0, ``steps`` the (threshold τj,
    increment sj − sj−1) pairs in order. Each array holds one value per town, or a single value when every
    town has the same (most items: then the towns' row is never read from memory)."""

    first: np.ndarray  # (n_towns,) or (1,)
    steps: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class SplitTable:
    """The rules of every (item, town) in marginal form, one :class:`ItemBands` per item."""

    items: tuple[ItemBands, ...]

    def town_portion(self, collected: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """What the towns keep of ``collected[item, ..., town]`` (into ``out`` when given), item by item."""
        out = np.empty_like(collected) if out is None else out
        scratch = np.empty(collected.shape[1:]) if any(b.steps for b in self.items) else None
        for k in range(len(self.items)):
            self.item_portion(k, collected[k], out[k], scratch)
        return out

    def item_portion(self, k: int, collected: np.ndarray, out: np.ndarray, scratch: np.ndarray | None) -> np.ndarray:
        """What the towns keep of item k's ``collected[..., town]``, into ``out`` (``scratch``: its shape)."""
        item = self.items[k]
        np.multiply(collected, item.first, out=out)
        for threshold, increment in item.steps:
            np.subtract(collected, threshold, out=scratch)
            np.maximum(scratch, 0.0, out=scratch)
            scratch *= increment
            out += scratch
        return out

    def threshold(self, k: int, i: int, j: int = 0) -> float:
        """The j-th threshold of town i's rule for item k (for explanations)."""
        steps = self.items[k].steps
        if j < len(steps):
            threshold = steps[j][0]
            return float(threshold[i if threshold.size > 1 else 0])
        return float("nan")


@dataclass(frozen=True)
class RuleAssignment:
    """Which split rule is in force for each (item, town): ``rules[k][index[k, i]]``."""

    rules: list[list[dict]]
    index: np.ndarray  # (n_items, n_towns) int

    def rule(self, k: int, i: int) -> dict:
        return self.rules[k][self.index[k, i]]

    def restrict(self, items: np.ndarray) -> RuleAssignment:
        """The assignment of some items only (renumbered in the order given)."""
        return RuleAssignment([self.rules[k] for k in items], self.index[items])


def assign_rules(
    items: list[dict], overrides: list[dict], position: dict, classes: dict, as_pilot: bool
) -> RuleAssignment:
    """The split rule in force for each item and town.

    Precedence: the item's rule, then a class override (``pilot`` applies to every town when
    ``as_pilot``, to none otherwise; other classes by their towns column), then the town's own.
    """
    n_towns = len(position)
    k_of = {item["id"]: k for k, item in enumerate(items)}
    rules = [[item["split"]] for item in items]
    index = np.zeros((len(items), n_towns), dtype=np.intp)
    ordered = [o for o in overrides if "class" in o] + [o for o in overrides if "town" in o]
    for o in ordered:
        k = k_of[o["item"]]
        rules[k].append(o["split"])
        j = len(rules[k]) - 1
        if "town" in o:
            index[k, position[str(o["town"])]] = j
        elif o["class"] == "pilot":
            if as_pilot:
                index[k, :] = j
        else:
            index[k, classes[o["class"]]] = j
    return RuleAssignment(rules, index)


def compile_table(assignment: RuleAssignment, base_of) -> SplitTable:
    """Marginal-form table for all items and towns; ``base_of(k, split)`` gives item k's base per town.

    An item keeps one value per town only where its towns differ (overrides, or a base per town).
    """
    n_items, n_towns = assignment.index.shape
    return SplitTable(
        tuple(_item_bands(k, rules, assignment.index[k], n_towns, base_of) for k, rules in enumerate(assignment.rules))
    )


def _item_bands(k: int, rules: list[dict], index: np.ndarray, n_towns: int, base_of) -> ItemBands:
    m = max(bands(r, np.zeros(1))[0].shape[1] for r in rules)
    per_town_base = any(r["rule"] == "base_plus_increment" and r.get("base") is None for r in rules)
    if len(rules) == 1 and not per_town_base:  # the same bands in every town
        rule = rules[0]
        thresholds, shares = bands(rule, base_of(k, rule)[:1] if rule["rule"] == "base_plus_increment" else None)
        increments = np.diff(shares, axis=1)
        return ItemBands(
            shares[0, :1].copy(), tuple((thresholds[0, j : j + 1], increments[0, j : j + 1]) for j in range(m))
        )
    first = np.zeros(n_towns)
    thresholds, increments = np.zeros((m, n_towns)), np.zeros((m, n_towns))
    for j, rule in enumerate(rules):
        if len(rules) == 1:
            where = slice(None)  # one rule for every town: plain slices, no scatter
        else:
            where = np.flatnonzero(index == j)
            if where.size == 0:
                continue
        base = base_of(k, rule)[where] if rule["rule"] == "base_plus_increment" else None
        t, s = bands(rule, base)
        first[where] = s[0, 0]
        thresholds[: t.shape[1], where] = t.T
        increments[: t.shape[1], where] = np.diff(s, axis=1).T
    return ItemBands(first, tuple(zip(thresholds, increments)))


def own_revenue(to_town: np.ndarray, remittance: np.ndarray) -> np.ndarray:
    """What the town actually has: ``Σk town[k] − remittance`` (本级收入减定额上解), items leading."""
    return to_town.sum(axis=0) - remittance


def fiscal_capacity(to_town: np.ndarray, capacity_rate: np.ndarray, remittance: np.ndarray) -> np.ndarray:
    """标准财政收入: ``Σk capacity_rate[k]·town[k] − remittance``, items on the leading axis.

    >>> fiscal_capacity(np.array([[100.0], [40.0]]), np.array([0.75, 1.0]), np.array([10.0]))
    array([105.])
    """
    return np.tensordot(capacity_rate, to_town, axes=1) - remittance
