"""A synthetic county for the benchmarks: N towns, 8 revenue items (every split rule), 10 functions,
10 years, pilots with their own shares and priority, need-adjusted rationing with growth limits,
assessment and uncertainty settings. Seeded, so every run measures the same county."""

from __future__ import annotations

import numpy as np

ITEMS = 8
FUNCTIONS = 10
YEARS = (2016, 2025)


def synthetic_scenario(n_towns: int, seed: int = 0, arrangements: bool = False) -> dict:
    """A self-contained scenario document (towns inline) for ``n_towns`` towns.

    ``arrangements`` switches on every county–town instrument as well: 核定收支 contracts for the pilots,
    tax returns, rewards, the 三保 floor, a difficulty coefficient (with proportional rationing), standard
    revenue for one item, pilot responsibility overrides and collected-revenue targets.
    """
    rng = np.random.default_rng(seed)
    gdp = rng.uniform(5e4, 9e5, n_towns).round(0)
    towns = {
        "id": [f"T{i:06d}" for i in range(n_towns)],
        "name": [f"镇{i}" for i in range(n_towns)],
        "pilot": (rng.random(n_towns) < 0.2).tolist(),
        "population": rng.integers(5_000, 90_000, n_towns).astype(float),
        "area_km2": rng.uniform(20, 400, n_towns).round(1),
        "gdp": gdp,
        "remittance": rng.uniform(0, 500, n_towns).round(1),
        "students": rng.integers(500, 12_000, n_towns).astype(float),
        "remoteness": rng.uniform(1.0, 1.4, n_towns).round(2),
        "growth_plan": rng.uniform(0.03, 0.1, n_towns).round(3),
        "tax_return": rng.uniform(0, 200, n_towns).round(1),
        "value_added": (gdp * 0.8).round(0),
    }
    for k in range(ITEMS):
        towns[f"tax{k}"] = (gdp * rng.uniform(0.002, 0.006, n_towns)).round(2)
    records = [
        {key: (value[i] if isinstance(value, list) else value[i].item()) for key, value in towns.items()}
        for i in range(n_towns)
    ]
    rules = [
        {"rule": "proportional", "town_share": 0.5},
        {"rule": "town"},
        {"rule": "county"},
        {"rule": "base_plus_increment", "base_share": 0.5, "increment_share": 0.7},
        {"rule": "tiered", "thresholds": [500, 1500], "town_shares": [0.3, 0.5, 0.7]},
        {"rule": "proportional", "town_share": 0.4},
        {"rule": "base_plus_increment", "base_share": 1.0, "increment_share": 0.5, "base": 300},
        {"rule": "tiered", "thresholds": [200], "town_shares": [0.6, 0.8]},
    ]
    drivers = ["one", "population", "students", "area_km2", "population"] * 2
    document = {
        "schema_version": 1,
        "name": f"synthetic {n_towns}",
        "unit": "万元",
        "years": list(YEARS),
        "towns": records,
        "revenue_items": [
            {"id": f"tax{k}", "elasticity": 0.9 + 0.05 * k, "capacity_rate": 0.75 if k % 2 else 1.0, "split": rules[k]}
            for k in range(ITEMS)
        ],
        "split_overrides": [{"class": "pilot", "item": "tax0", "split": {"rule": "proportional", "town_share": 0.7}}],
        "remittances": {"column": "remittance"},
        "expenditure_functions": [
            {
                "id": f"f{f}",
                "driver": drivers[f],
                "unit_cost": [300.0, 0.01, 0.5, 2.0, 0.005][f % 5],
                "cost_factor": "remoteness" if f % 3 == 0 else None,
                "town_share": 0.3 + 0.05 * f,
                "growth": 0.04,
            }
            for f in range(FUNCTIONS)
        ],
        "county": {"own_revenue": 1e5 * n_towns / 100, "own_expenditure": 1e5 * n_towns / 100},
        "growth": {"gdp": "growth_plan", "drivers": {"population": 0.003, "students": 0.01}},
        "general_transfer": {
            "pool": 150.0 * n_towns,
            "pool_growth": 0.04,
            "rationing": "need_adjusted",
            "priority": ["pilot"],
            "growth_limits": {"min": 0.0, "max": 0.2},
        },
        "assessment": {"enabled": True, "targets": {"gdp_growth": 0.05, "revenue_growth": 0.04}},
        "uncertainty": {"draws": 1000, "seed": 1, "gdp_growth_sd": 0.02, "common_share": 0.5},
    }
    if arrangements:
        _switch_on_arrangements(document)
    return document


def _switch_on_arrangements(document: dict) -> None:
    document["revenue_items"][5]["standard_base"] = {"column": "value_added", "rate": 0.002}
    document["growth"]["drivers"]["value_added"] = 0.06
    for f in document["expenditure_functions"]:
        f["protected"] = 0.5
    document["expenditure_overrides"] = [{"class": "pilot", "function": "f2", "town_share": 0.8}]
    document["contracts"] = [
        {"class": "pilot", "revenue_base": 2000, "expenditure_base": 1500, "base_growth": 0.05, "over_share": 0.7}
    ]
    document["tax_returns"] = {"column": "tax_return", "items": ["tax0", "tax1"], "coefficient": 0.3}
    document["incentives"] = {"rate": 0.2, "threshold": {"benchmark": "county_average", "margin": 0.01}}
    document["general_transfer"].update(
        rationing="proportional",
        floor=True,
        difficulty={"factors": [{"metric": "gap_rate", "weight": 0.6}, {"column": "remoteness", "weight": 0.4}]},
    )
    document["assessment"]["targets"]["collected_growth"] = {"benchmark": "county_average", "margin": 0.0}
