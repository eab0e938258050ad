"""Money is conserved (docs/model.md §1.6 "Invariants") with every instrument of §1.11 in play.

Hypothesis draws small random scenarios mixing split rules and overrides, remittances, contracts (a town's
own, the pilot class, a true/false class; 短收不补 or 保底), tax returns, rewards, 三保 floors, the ways a pool
is given, growth limits, special transfers funded by the county or from above, and an assessment that may
revoke pilots (ending class contracts, rewards and overrides). On every year and town:

- every yuan collected ends with the town or the county;
- the town's and the county's positions are the sums §1.6 writes, recomputed here from the frames' columns;
- a contract's settlement has the sign of B_E − B_R, and what it adds and takes is what §1.11 says.

One hand-computed case checks special transfers funded from above (上级专项, §1.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fiscal_sim

from .identities import check_positions

N_YEARS_MAX = 3


def num(lo: float, hi: float):
    """A float rounded to 4 decimals (no subnormal amounts)."""
    return st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 4))


share = num(0, 1)
amount = num(0, 1000)
rate = num(-0.15, 0.25)


@st.composite
def split_rules(draw) -> dict:
    rule = draw(st.sampled_from(["town", "county", "proportional", "base_plus_increment", "tiered"]))
    if rule == "proportional":
        return {"rule": rule, "town_share": draw(share)}
    if rule == "base_plus_increment":
        split = {"rule": rule, "base_share": draw(share), "increment_share": draw(share)}
        if draw(st.booleans()):
            split["base"] = draw(amount)
        return split
    if rule == "tiered":
        thresholds = sorted(draw(st.sets(st.integers(0, 600), min_size=1, max_size=2)))
        shares = draw(st.lists(share, min_size=len(thresholds) + 1, max_size=len(thresholds) + 1))
        return {"rule": rule, "thresholds": [float(t) for t in thresholds], "town_shares": shares}
    return {"rule": rule}


def rates(n_years: int):
    """A rate: one number, or one per simulated year (docs/model.md, notation)."""
    return st.one_of(rate, st.lists(rate, min_size=n_years, max_size=n_years))


def grown(amount: float, growth, t: int) -> float:
    """A base-year amount in year index t: amount·Π_{s ≤ t} (1 + rate[s])."""
    per_year = growth if isinstance(growth, list) else [growth] * (t + 1)
    return amount * float(np.prod([1 + r for r in per_year[: t + 1]]))


@st.composite
def contract(draw, n_years: int) -> dict:
    terms = {"revenue_base": draw(amount), "expenditure_base": draw(amount)}
    if draw(st.booleans()):
        terms["base_growth"] = draw(rates(n_years))
    if draw(st.booleans()):
        terms["revenue_base_growth"] = draw(rates(n_years))
    if draw(st.booleans()):
        terms["expenditure_base_growth"] = draw(rates(n_years))
    if draw(st.booleans()):
        terms["over_share"] = draw(share)
    if draw(st.booleans()):
        terms["shortfall"] = draw(st.sampled_from(["town", "county"]))
    return terms


@st.composite
def scenarios(draw) -> dict:
    n_towns = draw(st.integers(1, 5))
    n_years = draw(st.integers(1, N_YEARS_MAX))
    ids = [f"T{i + 1}" for i in range(n_towns)]
    towns = [
        {
            "id": town,
            "name": f"镇{town}",
            "pilot": draw(st.booleans()),
            "hill": draw(st.sampled_from(["是", "否"])),
            "population": draw(num(1, 1000)),
            "area_km2": draw(num(0, 100)),
            "gdp": draw(num(1, 1000)),
            "vat": draw(amount),
            "land": draw(amount),
            "fee": draw(amount),
            "students": draw(num(0, 300)),
            "staff": draw(num(0, 3)),
            "cf": draw(num(0.5, 1.5)),
            "tax_base": draw(num(0, 5000)),
            "remit": draw(num(0, 50)),
            "ret": draw(num(0, 80)),
            "g": draw(rate),
        }
        for town in ids
    ]
    items = [
        {
            "id": item,
            "elasticity": draw(num(0, 2)),
            "capacity_rate": draw(st.sampled_from([1.0, 0.75, 0.5])),
            "split": draw(split_rules()),
        }
        for item in ("vat", "land", "fee")
    ]
    if draw(st.booleans()):
        items[0]["standard_base"] = {"column": "tax_base", "rate": draw(num(0, 0.2))}
    overrides = []
    for _ in range(draw(st.integers(0, 2))):
        target = {"town": draw(st.sampled_from(ids))} if draw(st.booleans()) else {"class": "pilot"}
        overrides.append(
            {**target, "item": draw(st.sampled_from(["vat", "land", "fee"])), "split": draw(split_rules())}
        )
    functions = [
        {"id": "wages", "driver": "staff", "unit_cost": draw(num(0, 200)), "town_share": draw(share),
         "protected": draw(share), "growth": draw(rate)},
        {"id": "edu", "driver": "students", "unit_cost": draw(num(0, 3)), "town_share": draw(share),
         "protected": draw(share), **({"cost_factor": "cf"} if draw(st.booleans()) else {})},
    ]  # fmt: skip
    expenditure_overrides = []
    for _ in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from([{"town": draw(st.sampled_from(ids))}, {"class": "pilot"}, {"class": "hill"}]))
        expenditure_overrides.append(
            {**target, "function": draw(st.sampled_from(["wages", "edu"])), "town_share": draw(share)}
        )
    contracts = []
    for kind in draw(st.lists(st.sampled_from(["town", "pilot", "hill"]), max_size=3, unique=True)):
        who = {"town": draw(st.sampled_from(ids))} if kind == "town" else {"class": kind}
        contracts.append({**who, **draw(contract(n_years))})

    pool_kind = draw(st.sampled_from(["amount", "county_surplus", "coefficient", "null"]))
    rationing = draw(st.sampled_from(["proportional", "need_adjusted", "factor"]))
    gt = {"rationing": rationing, "floor": draw(st.booleans()), "priority": draw(st.sampled_from([[], ["pilot"]]))}
    if pool_kind == "amount" or (rationing == "factor" and pool_kind in ("coefficient", "null")):
        gt["pool"] = draw(num(0, 1500))
        gt["pool_growth"] = draw(rates(n_years))
    elif pool_kind == "county_surplus":
        gt["pool"] = "county_surplus"
    elif pool_kind == "coefficient":
        gt["coefficient"] = draw(share)
    if rationing == "factor":
        w = draw(share)
        gt["factors"] = [{"column": "population", "weight": w}, {"columns": ["area_km2", "students"], "weight": 1 - w}]
        gt["eligible"] = draw(st.sampled_from(["gap", "all"]))
    elif rationing == "proportional" and gt.get("pool") is not None and draw(st.booleans()):
        w = draw(share)
        metric = draw(st.sampled_from(["gap_rate", "protected_to_capacity"]))
        gt["difficulty"] = {
            "factors": [{"metric": metric, "weight": w}, {"column": "area_km2", "weight": 1 - w}],
            "uniform_weight": draw(share),
        }
    if draw(st.booleans()):
        low = draw(num(-0.5, 0.2))
        gt["growth_limits"] = {"min": low, "max": low + draw(num(0, 0.5))}

    doc = {
        "schema_version": 1,
        "name": "random arrangements",
        "years": [2021, 2021 + n_years - 1],
        "towns": towns,
        "revenue_items": items,
        "split_overrides": overrides,
        "expenditure_functions": functions,
        "expenditure_overrides": expenditure_overrides,
        "contracts": contracts,
        "county": {
            "own_revenue": draw(num(0, 3000)),
            "own_expenditure": draw(num(0, 3000)),
            "upper_transfers": draw(num(0, 3000)),
            "own_expenditure_growth": draw(rate),
        },
        "growth": {"gdp": "g", "drivers": draw(st.dictionaries(st.sampled_from(["staff", "cf", "tax_base"]), rate))},
        "general_transfer": gt,
    }
    if draw(st.booleans()):
        doc["remittances"] = {"column": "remit"}
    if draw(st.booleans()):
        doc["tax_returns"] = {
            "column": "ret",
            "items": draw(st.lists(st.sampled_from(["vat", "land", "fee"]), max_size=2, unique=True)),
            "coefficient": draw(num(0, 1)),
        }
    if draw(st.booleans()):
        benchmark = st.one_of(st.just("county_average"), st.lists(rate, min_size=n_years, max_size=n_years))
        threshold = draw(st.one_of(rate, st.builds(lambda b, m: {"benchmark": b, "margin": m}, benchmark, rate)))
        doc["incentives"] = {
            "threshold": threshold,
            "rate": draw(share),
            "items": draw(st.lists(st.sampled_from(["vat", "land", "fee"]), max_size=2, unique=True)),
            "class": draw(st.sampled_from([None, "pilot", "hill"])),
        }
        if draw(st.booleans()):
            doc["incentives"]["budget"] = draw(num(0, 100))
            doc["incentives"]["budget_growth"] = draw(rates(n_years))
    if draw(st.booleans()):
        projects = []
        for p in range(draw(st.integers(0, 4))):
            cost = draw(num(0, 200))
            projects.append(
                {
                    "id": f"P{p}",
                    "town": draw(st.sampled_from(ids)),
                    "year": 2021 + draw(st.integers(0, n_years - 1)),
                    "category": draw(st.sampled_from(["road", "water"])),
                    "cost": cost,
                    "grant": round(cost * draw(share), 4),
                    "score": draw(num(0, 100)),
                    "key_project": draw(st.booleans()),
                    "cofinancing_rate": draw(num(0, 0.5)),
                }
            )
        doc["special_transfers"] = {
            "budget": draw(num(0, 300)),
            "funded_by": draw(st.sampled_from(["county", "upper"])),
            "require_cofinancing": draw(st.booleans()),
            "carry_over": draw(st.booleans()),
            "projects": projects,
        }
    if draw(st.booleans()):
        target = draw(st.one_of(num(-0.1, 0.2), st.just({"benchmark": "county_average"})))
        indicator = draw(st.sampled_from(["gdp_growth", "revenue_growth", "collected_growth"]))
        doc["assessment"] = {"targets": {indicator: target}, "failures_to_revoke": draw(st.integers(1, 2))}
    return doc


# ---------------------------------------------------------------------------------------------
# the contract terms in force, recomputed from the document (docs/model.md §1.11)


def contract_terms(doc: dict, towns: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``towns``: under a contract in force?, and the terms of the contract that applies.

    A town's own contract wins; otherwise a class contract applies while the town is in the class (the pilot
    class in the years its status is in force). ``ambiguous`` marks a town in two classes with a contract
    each, an order the model does not fix: only their common rules are checked there.
    """
    first = doc["years"][0]
    hill = {t["id"]: t["hill"] == "是" for t in doc["towns"]}
    rows = []
    for town, year, pilot in zip(towns["town"].astype(str), towns["year"], towns["pilot"]):
        own = [c for c in doc["contracts"] if c.get("town") == town]
        classes = [
            c
            for c in doc["contracts"]
            if c.get("class") == "pilot" and pilot or c.get("class") == "hill" and hill[town]
        ]
        applicable = own or classes
        if not applicable:
            rows.append((False, False, 0.0, 0.0, 1.0, False))
            continue
        c, t = applicable[0], int(year) - first
        base = c.get("base_growth", 0.0)
        b_r = grown(c["revenue_base"], c.get("revenue_base_growth", base), t)
        b_e = grown(c["expenditure_base"], c.get("expenditure_base_growth", base), t)
        makes_up = c.get("shortfall", "town") == "county"
        rows.append((True, len(applicable) > 1, b_r, b_e, c.get("over_share", 1.0), makes_up))
    columns = ["in_force", "ambiguous", "b_r", "b_e", "over_share", "makes_up"]
    return pd.DataFrame(rows, columns=columns, index=towns.index)


# ---------------------------------------------------------------------------------------------
# the identities


def check_money(doc: dict, result) -> None:
    towns, revenue, county, ind = result.towns, result.revenue, result.county, result.indicators
    scale = 1.0 + float(np.abs(towns[["revenue_collected", "standard_expenditure", "town_retained"]].to_numpy()).max())
    scale += float(np.abs(county[["total_revenue", "balance"]].to_numpy()).max())

    def close(a, b, tol=1e-9):
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=tol, atol=tol * scale)

    # per item: to_county = collected − to_town, and the items add up to the towns' columns
    close(revenue["to_town"] + revenue["to_county"], revenue["collected"])
    sums = revenue.assign(town=revenue["town"].astype(str)).groupby(["year", "town"])[["collected", "to_town"]].sum()
    keyed = towns.assign(town=towns["town"].astype(str)).set_index(["year", "town"]).loc[sums.index]
    close(keyed["revenue_collected"], sums["collected"])
    close(keyed["town_retained"], sums["to_town"])

    # per town: every yuan collected ends with the town or the county
    close(towns["revenue_collected"], towns["town_retained"] + towns["county_retained"])
    close(towns["own_revenue"] + towns["remittance"] + towns["over_collection_to_county"], towns["town_retained"])

    # town and county positions (§1.6)
    check_positions(towns, county, close)
    close(towns["resources_per_capita"], towns["resources"] / towns["population"])
    close(towns["gap"], np.maximum(towns["standard_expenditure"] - towns["capacity"], 0.0))
    if not any(i.get("standard_base") for i in doc["revenue_items"]):
        rates = {i["id"]: i["capacity_rate"] for i in doc["revenue_items"]}
        weighted = revenue["to_town"] * revenue["item"].astype(str).map(rates)
        weighted = weighted.groupby([revenue["year"], revenue["town"].astype(str)]).sum().loc[sums.index]
        close(keyed["capacity"], weighted - keyed["remittance"] + keyed["tax_return"])
    for name in ("tax_return", "incentive", "general_transfer", "special_transfer", "floor", "remittance"):
        assert (towns[name] >= 0).all(), name
    if doc["general_transfer"]["floor"]:
        # floor = max(0, protected_need − (own + tax_return + contract_transfer)), paid in full
        has = towns["own_revenue"] + towns["tax_return"] + towns["contract_transfer"]
        close(towns["floor"], np.maximum(towns["protected_need"] - has, 0.0))
        assert (towns["general_transfer"] >= towns["floor"] - 1e-9 * scale).all()

    # contracts: the settlement has the sign of B_E − B_R (§1.11)
    terms = contract_terms(doc, towns)
    off = ~terms["in_force"]
    assert (towns.loc[off, "contract_transfer"] == 0).all()
    assert (towns.loc[off, "over_collection_to_county"] == 0).all()
    on = terms["in_force"].to_numpy()
    assert (towns.loc[on, "remittance"] == 0).all()  # the settlement replaces the remittance
    single = on & ~terms["ambiguous"].to_numpy()
    if single.any():
        t, r = terms[single], towns[single]
        settlement = t["b_e"] - t["b_r"]
        shortfall = np.maximum(t["b_r"] - r["town_retained"], 0.0)
        close(r["contract_transfer"] - np.where(t["makes_up"], shortfall, 0.0), settlement)
        close(r["over_collection_to_county"], (1 - t["over_share"]) * np.maximum(r["town_retained"] - t["b_r"], 0.0))
        made_up = np.where(t["makes_up"], shortfall, 0.0)
        assert (np.sign(np.round(r["contract_transfer"] - made_up, 9)) == np.sign(np.round(settlement, 9))).all()
        # without 保底 the contract transfer itself is the settlement
        plain = ~t["makes_up"].to_numpy()
        close(r["contract_transfer"][plain], settlement[plain])
    # a contracted town takes no part in gap filling: its transfer is its floor alone
    if on.any():
        close(towns.loc[on, "general_transfer"], towns.loc[on, "floor"])

    c = county.set_index("year")
    upper = doc.get("special_transfers") is not None and doc["special_transfers"]["funded_by"] == "upper"
    close(c["upper_special_grants"], c["special_transfers_paid"] if upper else 0.0)
    # the county_surplus pool (§1.4): what the county has left after its other commitments
    gt = doc["general_transfer"]
    if gt.get("pool") == "county_surplus":
        st_cfg = doc.get("special_transfers")
        budget = 0.0 if st_cfg is None or st_cfg["funded_by"] == "upper" else st_cfg["budget"]
        pool = np.maximum(
            (c["total_revenue"] - c["upper_special_grants"])
            - c["own_expenditure"]
            - c["town_function_expenditure"]
            - c["tax_returns_paid"]
            - c["contract_transfers_paid"]
            - c["incentives_paid"]
            - budget,
            0.0,
        )
        floors = towns.groupby("year")["floor"].sum()
        assert (c["general_transfers_paid"] <= np.maximum(pool, floors) + 1e-9 * scale).all()
        close(c["pool_overrun"], np.maximum(floors - pool, 0.0))

    # a numeric pool (grown by pool_growth, one number or one per year): ΣT ≤ max(P, Σ floor)
    if isinstance(gt.get("pool"), float):
        pool = np.array([grown(gt["pool"], gt.get("pool_growth", 0.0), t) for t in range(len(c))])
        floors = towns.groupby("year")["floor"].sum().to_numpy()
        assert (c["general_transfers_paid"].to_numpy() <= np.maximum(pool, floors) + 1e-9 * scale).all()
        close(c["pool_overrun"], np.maximum(floors - pool, 0.0) if gt["floor"] else 0.0)
    # rewards within their budget (grown by budget_growth)
    rewards = doc.get("incentives")
    if rewards is not None and rewards.get("budget") is not None:
        budget = [grown(rewards["budget"], rewards.get("budget_growth", 0.0), t) for t in range(len(c))]
        assert (c["incentives_paid"].to_numpy() <= np.array(budget) * (1 + 1e-9) + 1e-12).all()

    # indicators: required transfers leave contracted towns out
    i = ind.set_index("year")
    required = towns["gap"].where(~terms["in_force"], 0.0).groupby(towns["year"]).sum()
    close(i["required_transfers"], required)
    close(i["general_transfers"], c["general_transfers_paid"])
    close(i["county_balance"], c["balance"])


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_money_identities_on_random_arrangements(doc):
    check_money(doc, fiscal_sim.simulate(doc))


@PROPERTY
@given(scenarios(), num(0, 500), num(0, 500), st.sampled_from(["town", "county"]))
def test_a_contract_settles_with_the_sign_of_its_bases(doc, b_r, b_e, shortfall):
    # one town's own contract with 短收不补 or 保底: contract_transfer − made-up shortfall = B_E − B_R exactly
    doc["contracts"] = [{"town": "T1", "revenue_base": b_r, "expenditure_base": b_e, "shortfall": shortfall}]
    result = fiscal_sim.simulate(doc)
    t1 = result.towns[result.towns["town"] == "T1"]
    made_up = np.maximum(b_r - t1["town_retained"], 0.0) if shortfall == "county" else 0.0
    settlement = (t1["contract_transfer"] - made_up).to_numpy()
    np.testing.assert_allclose(settlement, b_e - b_r, atol=1e-9 * (1 + b_r + b_e))
    if shortfall == "town" and b_e != b_r:
        assert (np.sign(t1["contract_transfer"]) == np.sign(b_e - b_r)).all()
    # the town ends with B_E + over_share·over, B_E − shortfall (短收不补) or B_E (保底); over_share is 1
    has = (t1["own_revenue"] + t1["contract_transfer"]).to_numpy()
    retained = t1["town_retained"].to_numpy()
    expected = b_e + (retained - b_r) if shortfall == "town" else b_e + np.maximum(retained - b_r, 0.0)
    np.testing.assert_allclose(has, expected, atol=1e-9 * (1 + b_r + b_e + retained.max()))


# ---------------------------------------------------------------------------------------------
# special transfers funded from above (上级专项, §1.5)

PROJECT = {
    "id": "P1", "town": "T2", "year": 2021, "category": "road", "cost": 25, "grant": 20, "score": 5,
    "key_project": False, "cofinancing_rate": 0.2,
}  # fmt: skip


@pytest.mark.parametrize("funded_by", ["county", "upper"])
def test_special_transfers_funded_from_above(make_scenario, row, funded_by):
    # P1 in T2: grant 20, co-financing 0.2·25 = 5
    doc = make_scenario(special_transfers={"budget": 30, "funded_by": funded_by, "projects": [PROJECT]})
    result = fiscal_sim.simulate(doc)
    county = result.county.set_index("year").loc[2021]
    assert county["special_transfers_paid"] == pytest.approx(20.0)
    t2 = row(result.towns, 2021, "T2")
    assert (t2["special_transfer"], t2["cofinancing"]) == pytest.approx((20.0, 5.0))
    # without special transfers: total revenue 1175, balance 1175 − 800 − 60 − 75 = 240
    if funded_by == "upper":
        # received from above (20) and passed on (20): the balance is unchanged
        assert county["upper_special_grants"] == pytest.approx(20.0)
        assert county["total_revenue"] == pytest.approx(1195.0)
        assert county["balance"] == pytest.approx(240.0)
    else:
        assert county["upper_special_grants"] == 0.0
        assert county["total_revenue"] == pytest.approx(1175.0)
        assert county["balance"] == pytest.approx(220.0)


@pytest.mark.parametrize(("funded_by", "pool"), [("county", 10.0), ("upper", 40.0)])
def test_upper_special_budget_is_not_taken_from_the_county_surplus(make_scenario, funded_by, pool):
    # own spending 1075: surplus 1175 − 1075 − 60 = 40; a county-funded budget of 30 leaves 10 for the pool
    doc = make_scenario(
        county={"own_revenue": 1000, "own_expenditure": 1075, "upper_transfers": 100},
        general_transfer={"pool": "county_surplus"},
        special_transfers={"budget": 30, "funded_by": funded_by, "projects": [PROJECT]},
    )
    result = fiscal_sim.simulate(doc)
    paid = result.county.set_index("year").loc[2021, "general_transfers_paid"]
    assert paid == pytest.approx(pool)  # gaps 75 > pool: the pool goes out in full
