"""Revenue division (收入划分, SPEC §1.2): who keeps what of each item collected in a town.

Every split rule is a banded (piecewise-linear) function of the amount collected R: band j runs
from ``lower[j]`` for ``width[j]`` and the town keeps ``shares[j]`` of what falls in it. ``town``,
``county`` and ``proportional`` are one band; ``base_plus_increment`` is two (up to the base and
above it); ``tiered`` is one per threshold plus one. One vectorised formula then serves all rules,
all towns and all items; the county keeps exactly ``R − town``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def bands(split: dict, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lower, width, shares)`` per town, shape ``(n_towns, n_bands)``, of one split rule.

    ``base`` is each town's base of a ``base_plus_increment`` rule (ignored by other rules).

    >>> lower, width, shares = bands({"rule": "tiered", "thresholds": [100, 300], "town_shares": [0.2, 0.5, 0.8]}, np.zeros(1))
    >>> lower, width, shares
    (array([[  0., 100., 300.]]), array([[100., 200.,  inf]]), array([[0.2, 0.5, 0.8]]))
    """
    n = base.shape[0]
    rule = split["rule"]
    if rule in ("town", "county", "proportional"):
        share = {"town": 1.0, "county": 0.0}.get(rule, split.get("town_share"))
        return np.zeros((n, 1)), np.full((n, 1), np.inf), np.full((n, 1), float(share))
    if rule == "base_plus_increment":
        lower = np.stack([np.zeros(n), base], axis=1)
        width = np.stack([base, np.full(n, np.inf)], axis=1)
        shares = np.tile([split["base_share"], split["increment_share"]], (n, 1)).astype(np.float64)
        return lower, width, shares
    if rule == "tiered":
        t = np.asarray(split["thresholds"], dtype=np.float64)
        lower = np.concatenate([[0.0], t])
        width = np.diff(np.concatenate([lower, [np.inf]]))
        shares = np.asarray(split["town_shares"], dtype=np.float64)
        return (np.tile(lower, (n, 1)), np.tile(width, (n, 1)), np.tile(shares, (n, 1)))
    raise ValueError(f"unknown split rule {rule!r}")


def banded_share(collected: np.ndarray, lower: np.ndarray, width: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Town portion ``Σj shares[j]·clamp(R − lower[j], 0, width[j])`` (bands on the last axis).

    The first band is not clamped below, so a negative collection is shared like the first band.

    Base plus increment with base 1000, base share 1 and increment share 0.5 on R = 1500:
    1·1000 + 0.5·500 = 1250.

    >>> banded_share(np.array([1500.0]), np.array([[0.0, 1000.0]]), np.array([[1000.0, np.inf]]), np.array([[1.0, 0.5]]))
    array([1250.])
    """
    excess = collected[..., None] - lower
    excess[..., 1:] = np.maximum(excess[..., 1:], 0.0)
    return np.sum(shares * np.minimum(excess, width), axis=-1)


@dataclass(frozen=True)
class SplitBands:
    """Bands of every (town, item), shape ``(n_towns, n_items, n_bands)``; padding bands are empty."""

    lower: np.ndarray
    width: np.ndarray
    shares: np.ndarray

    def town_portion(self, collected: np.ndarray) -> np.ndarray:
        """What the towns keep of ``collected[..., town, item]``."""
        return banded_share(collected, self.lower, self.width, self.shares)


def stack_bands(per_item: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> SplitBands:
    """Stack items' bands into one array, padding short rules with empty bands (width 0, share 0)."""
    n_bands = max(b[0].shape[1] for b in per_item)
    n_towns = per_item[0][0].shape[0]
    shape = (n_towns, len(per_item), n_bands)
    lower, width, shares = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for k, (lo, wi, sh) in enumerate(per_item):
        m = lo.shape[1]
        lower[:, k, :m], width[:, k, :m], shares[:, k, :m] = lo, wi, sh
    return SplitBands(lower, width, shares)


@dataclass(frozen=True)
class RuleAssignment:
    """Which split rule is in force for each (item, town): ``rules[k][index[k, i]]``."""

    rules: list[list[dict]]
    index: np.ndarray  # (n_items, n_towns) int

    def rule(self, k: int, i: int) -> dict:
        return self.rules[k][self.index[k, i]]


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


def compile_bands(assignment: RuleAssignment, base_of) -> SplitBands:
    """Bands for all towns and items; ``base_of(k, split)`` gives the per-town base of item k."""
    per_item = []
    for k, rules in enumerate(assignment.rules):
        n_bands = max(bands(r, np.zeros(1))[0].shape[1] for r in rules)
        n = assignment.index.shape[1]
        lower, width, shares = np.zeros((n, n_bands)), np.zeros((n, n_bands)), np.zeros((n, n_bands))
        for j, rule in enumerate(rules):
            idx = np.flatnonzero(assignment.index[k] == j)
            if idx.size == 0:
                continue
            lo, wi, sh = bands(rule, base_of(k, rule)[idx])
            m = lo.shape[1]
            lower[idx, :m], width[idx, :m], shares[idx, :m] = lo, wi, sh
        per_item.append((lower, width, shares))
    return stack_bands(per_item)


def own_revenue(to_town: np.ndarray, remittance: np.ndarray) -> np.ndarray:
    """What the town actually has: ``Σk town[k] − remittance`` (本级收入减定额上解)."""
    return to_town.sum(axis=-1) - remittance


def fiscal_capacity(to_town: np.ndarray, capacity_rate: np.ndarray, remittance: np.ndarray) -> np.ndarray:
    """标准财政收入: ``Σk capacity_rate[k]·town[k] − remittance``.

    >>> fiscal_capacity(np.array([[100.0, 40.0]]), np.array([0.75, 1.0]), np.array([10.0]))
    array([105.])
    """
    return to_town @ capacity_rate - remittance
