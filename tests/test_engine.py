"""The engine end to end: result frames (docs/model.md §1.6), positions and county identities (docs/model.md §1.6), and
hypothesis properties over random valid scenarios (docs/model.md §1.2, §1.4 invariants, §2.2 variants).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import fiscal_sim
from fiscal_sim import load_scenario
from fiscal_sim.model.projection import cumulative_factor

from .identities import check_positions

PROJECT = {
    "id": "P1", "town": "T2", "year": 2021, "category": "road", "cost": 10, "grant": 8, "score": 5,
    "key_project": "否", "cofinancing_rate": 0.2,
}  # fmt: skip


@pytest.fixture(scope="module")
def with_project(make_scenario):
    """The tiny county with one project: P1 (T2, 2021) costs 10, grant 8, co-financing 0.2·10 = 2."""
    return fiscal_sim.simulate(make_scenario(special_transfers={"budget": 10, "projects": [PROJECT]}))


# ---------------------------------------------------------------------------------------------
# frames


def test_frame_columns(with_project, spec_columns):
    for name in ("towns", "revenue", "county", "indicators"):
        assert list(getattr(with_project, name).columns) == spec_columns[name], name
    assert len(with_project.towns) == 2 * 3 and len(with_project.revenue) == 2 * 3 * 2
    assert isinstance(with_project.towns["town"].dtype, pd.CategoricalDtype)
    assert isinstance(with_project.towns["name"].dtype, pd.CategoricalDtype)
    assert with_project.towns["name"].tolist()[:3] == ["甲镇", "乙镇", "丙乡"]
    assert with_project.years.tolist() == [2021, 2022] and with_project.unit == "万元"


def test_projects_frame_columns_exactly_as_spec(with_project, spec_columns):
    assert list(with_project.projects.columns) == spec_columns["projects"]


def test_projects_frame_values(with_project, spec_columns):
    p1 = with_project.projects.set_index("id").loc["P1"]
    assert p1["town"] == "T2" and p1["category"] == "road"
    assert p1["grant"] == 8.0 and p1["cofinancing"] == pytest.approx(2.0)
    assert bool(p1["funded"]) and int(p1["year_funded"]) == 2021 and p1["reason"] == "funded"
    assert set(spec_columns["projects"]) <= set(with_project.projects.columns)


def test_positions_with_a_project(with_project, row):
    t2 = row(with_project.towns, 2021, "T2")
    assert (t2["special_transfer"], t2["cofinancing"]) == pytest.approx((8.0, 2.0))
    assert t2["balance"] == pytest.approx(30 + 30 - 60 - 2)  # own + general − se − cofinancing
    assert t2["resources"] == pytest.approx(30 + 30 + 8)  # own + general + special
    assert t2["resources_per_capita"] == pytest.approx(68 / 200)
    county = with_project.county.set_index("year")
    assert county.loc[2021, "special_transfers_paid"] == 8.0
    assert county.loc[2021, "balance"] == pytest.approx(1175 - 800 - 60 - 75 - 8)
    assert county.loc[2022, "special_transfers_paid"] == 0.0


def test_county_position_by_hand(make_scenario):
    doc = make_scenario(
        towns={"T1": {"remit": 10}, "T2": {"remit": 0}, "T3": {"remit": 0}}, remittances={"column": "remit"}
    )
    county = fiscal_sim.simulate(doc).county.set_index("year").loc[2021]
    # T1 own revenue 70 − 10 = 60 (no gap); shared 75; total 1000 + 75 + 10 + 100 = 1185
    assert county["shared_revenue"] == 75.0 and county["remittances"] == 10.0
    assert county["total_revenue"] == 1185.0
    # balance 1185 − 800 − 60 − 75 = 250
    assert county["general_transfers_paid"] == 75.0 and county["balance"] == 250.0


# ---------------------------------------------------------------------------------------------
# identities, checked on any result


def check_identities(result) -> None:
    """docs/model.md §1.2 (division), §1.4 (invariants), §1.6 (positions) on every year and town."""
    cfg = result.scenario.config
    towns, revenue, county = result.towns, result.revenue, result.county
    scale = max(1.0, float(np.abs(towns[["revenue_collected", "standard_expenditure"]].to_numpy()).max()))

    def close(a, b, rtol=1e-9):
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=rtol * scale)

    # revenue division: town + county = collected, 0 ≤ town ≤ collected (shares lie in [0, 1])
    close(revenue["to_town"] + revenue["to_county"], revenue["collected"])
    assert (revenue["to_town"] >= -1e-9 * scale).all()
    assert (revenue["to_town"] <= revenue["collected"] + 1e-9 * scale).all()
    by_town = revenue.assign(town=revenue["town"].astype(str)).groupby(["year", "town"])
    sums = by_town[["collected", "to_town", "to_county"]].sum()
    keyed = towns.assign(town=towns["town"].astype(str)).set_index(["year", "town"]).loc[sums.index]
    close(keyed["revenue_collected"], sums["collected"])
    close(keyed["town_retained"], sums["to_town"])
    close(keyed["county_retained"], sums["to_county"])
    # own revenue (after remittances and the county's part of over-collection) and capacity
    close(towns["own_revenue"], towns["town_retained"] - towns["remittance"] - towns["over_collection_to_county"])
    rates = {i["id"]: i["capacity_rate"] for i in cfg["revenue_items"]}
    if not any(i.get("standard_base") for i in cfg["revenue_items"]):
        weighted = (
            (revenue["to_town"] * revenue["item"].astype(str).map(rates))
            .groupby([revenue["year"], revenue["town"].astype(str)])
            .sum()
        )
        close(keyed["capacity"], weighted.loc[sums.index] - keyed["remittance"] + keyed["tax_return"])
    close(towns["gap"], np.maximum(towns["standard_expenditure"] - towns["capacity"], 0.0))
    # town and county positions (§1.6)
    per_year = check_positions(towns, county, close)
    c = county.set_index("year")
    ind = result.indicators.set_index("year")
    if not cfg["contracts"]:  # a contracted town's gap is settled by its contract, not counted as required
        close(ind["required_transfers"], per_year["gap"])
    close(ind["general_transfers"], c["general_transfers_paid"])
    close(ind["county_balance"], c["balance"])
    # general transfer invariants (docs/model.md §1.4)
    gt = cfg["general_transfer"]
    assert (towns["general_transfer"] >= 0).all()
    if gt["rationing"] in ("proportional", "need_adjusted") or gt["pool"] is None:
        assert (towns["general_transfer"] <= towns["gap"] * (1 + 1e-9) + 1e-9 * scale).all()
    pool = pool_per_year(cfg, c)
    if pool is not None:
        paid = c["general_transfers_paid"].to_numpy()
        pool = np.maximum(pool, towns.groupby("year")["floor"].sum().to_numpy())  # floors are paid in full
        assert (paid <= pool * (1 + 1e-9) + 1e-12).all(), (paid, pool)
        np.testing.assert_allclose(c["pool_overrun"], np.maximum(pool - pool_per_year(cfg, c), 0.0), atol=1e-9 * scale)
        if gt["rationing"] == "factor" and not gt["growth_limits"]:
            eligible = towns["gap"] > 0 if gt["eligible"] == "gap" else pd.Series(True, index=towns.index)
            for t, year in enumerate(c.index):
                in_year = (towns["year"] == year).to_numpy()
                if eligible[in_year].any():
                    np.testing.assert_allclose(paid[t], pool[t], rtol=1e-9, atol=1e-9)


def pool_per_year(cfg, county) -> np.ndarray | None:
    """The pool each year, from the scenario (amount) or from the county frame (county_surplus)."""
    gt = cfg["general_transfer"]
    if gt["coefficient"] is not None or gt["pool"] is None:
        return None
    n = len(county)
    if gt["pool"] == "county_surplus":
        st_cfg = cfg["special_transfers"]
        by_county = st_cfg is not None and st_cfg["funded_by"] == "county"
        budget = st_cfg["budget"] * cumulative_factor(st_cfg["budget_growth"], n) if by_county else 0.0
        spent = ["own_expenditure", "town_function_expenditure", "tax_returns_paid", "contract_transfers_paid"]
        spare = (
            county["total_revenue"] - county["upper_special_grants"] - county[[*spent, "incentives_paid"]].sum(axis=1)
        )
        return np.maximum((spare - budget).to_numpy(), 0.0)
    return gt["pool"] * cumulative_factor(gt["pool_growth"], n)


def test_identities_on_the_bundled_scenarios():
    from pathlib import Path

    folder = Path(__file__).parents[1] / "scenarios"
    for path in sorted(folder.glob("*.yaml")):
        check_identities(fiscal_sim.simulate(path))


# ---------------------------------------------------------------------------------------------
# random valid scenarios

money = st.floats(0, 10_000, allow_nan=False, allow_infinity=False)
share = st.floats(0, 1, allow_nan=False)
rate = st.floats(-0.2, 0.3, allow_nan=False)


@st.composite
def split_rules(draw):
    rule = draw(st.sampled_from(["town", "county", "proportional", "base_plus_increment", "tiered"]))
    if rule == "proportional":
        return {"rule": rule, "town_share": draw(share)}
    if rule == "base_plus_increment":
        split = {"rule": rule, "base_share": draw(share), "increment_share": draw(share)}
        base = draw(st.sampled_from(["default", "base", "base_column"]))
        if base == "base":
            split["base"] = draw(money)
        elif base == "base_column":
            split["base_column"] = "base_col"
        return split
    if rule == "tiered":
        thresholds = sorted(draw(st.sets(st.integers(0, 8000), min_size=1, max_size=3)))
        shares = draw(st.lists(share, min_size=len(thresholds) + 1, max_size=len(thresholds) + 1))
        return {"rule": rule, "thresholds": [float(t) for t in thresholds], "town_shares": shares}
    return {"rule": rule}


@st.composite
def scenarios(draw) -> dict:
    n_towns = draw(st.integers(1, 8))
    n_years = draw(st.integers(1, 4))
    n_items = draw(st.integers(1, 3))
    towns = []
    for i in range(n_towns):
        town = {
            "id": f"T{i + 1:02d}",
            "name": f"镇{i + 1}",
            "pilot": draw(st.sampled_from([True, False, "是", "否", 1, 0])),
            "population": draw(st.floats(1, 1e5)),
            "area_km2": draw(st.floats(0, 500)),
            "gdp": draw(st.floats(1, 1e6)),
            "students": draw(st.floats(0, 5000)),
            "x": draw(st.floats(0, 10)),
            "cf": draw(st.floats(0.5, 1.5)),
            "base_col": draw(money),
            "remit": draw(st.floats(0, 100)),
            "g": draw(rate),
        }
        for k in range(n_items):
            town[f"item{k}"] = draw(money)
        towns.append(town)
    items = [
        {
            "id": f"item{k}",
            "elasticity": draw(st.floats(0, 2)),
            "capacity_rate": draw(st.sampled_from([1.0, 0.75, 0.5])),
            "split": draw(split_rules()),
        }
        for k in range(n_items)
    ]
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        item = f"item{draw(st.integers(0, n_items - 1))}"
        if draw(st.booleans()):
            overrides.append(
                {"town": f"T{draw(st.integers(1, n_towns)):02d}", "item": item, "split": draw(split_rules())}
            )
        else:
            overrides.append({"class": "pilot", "item": item, "split": draw(split_rules())})
    functions = [
        {"id": "admin", "driver": "one", "unit_cost": draw(st.floats(500, 20_000)), "town_share": draw(share), "growth": draw(rate)},
        {
            "id": "edu",
            "driver": draw(st.sampled_from(["students", "population"])),
            "unit_cost": draw(st.floats(0, 5)),
            "town_share": draw(share),
            "growth": draw(rate),
            **({"cost_factor": "cf"} if draw(st.booleans()) else {}),
        },
    ]  # fmt: skip
    gdp_forms = [rate, st.fixed_dictionaries({"pilot": rate, "other": rate}), st.just("g")]
    gdp = draw(st.one_of(*gdp_forms, st.lists(st.one_of(*gdp_forms), min_size=n_years, max_size=n_years)))
    drivers = draw(st.dictionaries(st.sampled_from(["population", "students", "x", "base_col"]), rate, max_size=3))
    pool_kind = draw(st.sampled_from(["amount", "county_surplus", "coefficient", "null"]))
    rationing = draw(st.sampled_from(["need_adjusted", "factor", "proportional"]))
    gt = {"rationing": rationing, "pool_growth": draw(rate), "priority": draw(st.sampled_from([[], ["pilot"]]))}
    if pool_kind == "amount":
        gt["pool"] = draw(st.floats(0, 50_000))
    elif pool_kind == "county_surplus":
        gt["pool"] = "county_surplus"
    elif pool_kind == "coefficient":
        gt["coefficient"] = draw(share)
    if rationing == "factor":
        if pool_kind in ("null", "coefficient"):
            gt.pop("coefficient", None)
            gt["pool"] = draw(st.floats(0, 20_000))
        w = draw(st.floats(0, 1))
        gt["factors"] = [{"column": "population", "weight": w}, {"columns": ["x", "area_km2"], "weight": 1 - w}]
        gt["eligible"] = draw(st.sampled_from(["gap", "all"]))
    if draw(st.booleans()):
        low = draw(st.floats(-0.5, 0.2))
        gt["growth_limits"] = {"min": low, "max": low + draw(st.floats(0, 0.5))}
    doc = {
        "schema_version": 1,
        "name": "random",
        "years": [2020, 2020 + n_years - 1],
        "towns": towns,
        "revenue_items": items,
        "split_overrides": overrides,
        "expenditure_functions": functions,
        "county": {
            "own_revenue": draw(st.floats(0, 1e5)),
            "own_expenditure": draw(st.floats(0, 1e5)),
            "upper_transfers": draw(st.floats(0, 1e5)),
            "own_revenue_growth": draw(rate),
        },
        "growth": {"gdp": gdp, "drivers": drivers},
        "general_transfer": gt,
    }
    if draw(st.booleans()):
        doc["remittances"] = {"column": "remit"}
    return doc


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_identities_hold_on_random_scenarios(doc):
    check_identities(fiscal_sim.simulate(doc))


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_towns(doc, rnd):
    shuffled = copy.deepcopy(doc)
    rnd.shuffle(shuffled["towns"])
    assume([t["id"] for t in shuffled["towns"]] != [t["id"] for t in doc["towns"]] or len(doc["towns"]) == 1)
    a, b = fiscal_sim.simulate(doc), fiscal_sim.simulate(shuffled)

    def canonical(frame, keys):
        frame = frame.assign(**{k: frame[k].astype(str) for k in ("town", "name", "item") if k in frame})
        return frame.sort_values(keys).reset_index(drop=True)

    pd.testing.assert_frame_equal(
        canonical(a.towns, ["year", "town"]), canonical(b.towns, ["year", "town"]), rtol=1e-9, atol=1e-9
    )
    pd.testing.assert_frame_equal(
        canonical(a.revenue, ["year", "town", "item"]),
        canonical(b.revenue, ["year", "town", "item"]),
        rtol=1e-9,
        atol=1e-9,
    )
    pd.testing.assert_frame_equal(a.county, b.county, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(a.indicators, b.indicators, rtol=1e-9, atol=1e-9)


@PROPERTY
@given(scenarios(), share, st.floats(0, 1e4))
def test_variants_leave_the_parent_unchanged(doc, new_share, new_population):
    parent = load_scenario(doc)
    before = copy.deepcopy(parent.document), copy.deepcopy(parent.config), parent.towns.copy()
    item = doc["revenue_items"][0]["id"]
    child = parent.with_overrides(
        {
            f"revenue_items.{item}.split": {"rule": "proportional", "town_share": new_share},
            "towns.T01.population": new_population,
        }
    )
    assert child.config["revenue_items"][0]["split"]["town_share"] == new_share
    assert child.towns["population"].iat[0] == new_population
    assert parent.document == before[0] and parent.config == before[1]
    pd.testing.assert_frame_equal(parent.towns, before[2])
