"""Special transfers (专项转移支付, docs/model.md §1.5): hand-made examples, money identities and properties.

Three kinds of tests:
- the allocation rules on their own (``project_book`` → ``allocate_priority`` / ``allocate_optimal``);
- whole runs through ``fiscal_sim.simulate`` of a tiny county (tests/fixtures/special, or the same
  county inline), every number worked out by hand in the comments;
- properties (hypothesis): the budget, caps and co-financing always hold, ``optimal`` is never worse
  than ``priority`` and equals brute force over every subset.

The tiny county (no growth anywhere, the town keeps all of ``tax``, standard expenditure 200 a town):
    T1 pilot      own 500, gap 0,   general 0   → balance before co-financing 500 − 200      =  300
    T2            own 300, gap 0,   general 0   → balance before co-financing 300 − 200      =  100
    T3            own 100, gap 100, general 50  → balance before co-financing 100 + 50 − 200 = −50
    (pool 50, and T3 is the only town with a gap, so T3 gets all 50)
County: own revenue 1000, own expenditure 200, no shared revenue, no town-area functions.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fiscal_sim
from fiscal_sim.engine import project_book
from fiscal_sim.errors import ScenarioError
from fiscal_sim.explain import explain_project
from fiscal_sim.model.special_transfer import allocate_optimal, allocate_priority

FIXTURE = Path(__file__).parent / "fixtures" / "special"
TOWN_IDS = ["T1", "T2", "T3"]
DEFAULT_ORDER = ["key_project", "score", "pilot"]
TOL = 1e-6  # money tolerance (HiGHS's primal feasibility tolerance is 1e-7)

TOWNS = [
    {"id": "T1", "name": "东镇", "pilot": True, "population": 1000, "area_km2": 10, "gdp": 1000, "tax": 500},
    {"id": "T2", "name": "西镇", "pilot": "否", "population": 1000, "area_km2": 10, "gdp": 1000, "tax": 300},
    {"id": "T3", "name": "南镇", "pilot": 0, "population": 1000, "area_km2": 10, "gdp": 1000, "tax": 100},
]


def project(pid, town, grant, score=50, *, year=2021, category="road", cost=None, key=False, rate=0.0) -> dict:
    """One row of the projects table (cost defaults to the grant: no co-financing)."""
    return {
        "id": pid,
        "town": town,
        "year": year,
        "category": category,
        "cost": grant if cost is None else cost,
        "grant": grant,
        "score": score,
        "key_project": key,
        "cofinancing_rate": rate,
    }


def county_document(projects, *, pool=50, own_expenditure=200, **special) -> dict:
    """The tiny county of the module docstring, inline, with these projects and special settings."""
    settings_ = {"budget": 100, "projects": projects} | special
    return {
        "schema_version": 1,
        "name": "三镇 test county",
        "years": [2021, 2022],
        "towns": copy.deepcopy(TOWNS),
        "revenue_items": [{"id": "tax", "split": {"rule": "town"}}],
        "expenditure_functions": [{"id": "admin", "driver": "one", "unit_cost": 200, "town_share": 1}],
        "county": {"own_revenue": 1000, "own_expenditure": own_expenditure},
        "general_transfer": {"pool": pool},
        "special_transfers": settings_,
    }


def book_of(rows, towns=TOWN_IDS):
    """A ProjectBook from project rows (the engine passes the validated table; these rows are valid)."""
    return project_book(pd.DataFrame(rows), list(towns))


def caps_for(book, caps: dict | None = None) -> np.ndarray:
    """Per-category caps in the book's category order (∞ where none)."""
    caps = caps or {}
    return np.array([caps.get(c, np.inf) for c in book.categories], dtype=np.float64)


def priority(rows, budget, *, pilot=(True, False, False), caps=None, available=None, order=DEFAULT_ORDER):
    """One priority round over all ``rows`` (T1 a pilot; no caps and no co-financing limit by default)."""
    book = book_of(rows)
    avail = np.full(3, np.inf) if available is None else np.asarray(available, dtype=np.float64)
    out = allocate_priority(
        book, np.arange(len(book)), np.array(pilot), budget, caps_for(book, caps), avail, list(order)
    )
    return book, out


def optimal(rows, budget, *, pilot=(True, False, False), caps=None, available=None, pilot_weight=1.0, key_weight=1.0):
    """One optimal (MILP) round over all ``rows``, with the same defaults as :func:`priority`."""
    book = book_of(rows)
    avail = np.full(3, np.inf) if available is None else np.asarray(available, dtype=np.float64)
    out = allocate_optimal(
        book,
        np.arange(len(book)),
        np.array(pilot),
        budget,
        caps_for(book, caps),
        avail,
        DEFAULT_ORDER,
        pilot_weight,
        key_weight,
    )
    return book, out


def verdicts(book, out) -> dict[str, str]:
    """Project id → reason, in the round's order."""
    return {str(book.ids[p]): str(r) for p, r in zip(out.candidates, out.reason, strict=True)}


def ranked_ids(book, out) -> list[str]:
    """Project ids in the round's funding order (its ``rank``)."""
    return [str(book.ids[p]) for p in out.candidates[np.argsort(out.rank)]]


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("id")


def town_year(result, column: str) -> pd.DataFrame:
    """A towns-frame column as a year × town table."""
    return result.towns.pivot(index="year", columns="town", values=column)


# ---------------------------------------------------------------------------------------------
# the projects table as arrays


def test_project_book_arrays():
    book = book_of(
        [
            project("P1", "T3", 80, cost=100, rate=0.2, category="water", key=True),
            project("P2", "T1", 30, cost=40, rate=0.25, category="clinic"),
        ]
    )
    assert list(book.ids) == ["P1", "P2"]
    assert list(book.town) == [2, 0]  # index into TOWN_IDS
    assert book.categories == ["clinic", "water"]  # sorted
    assert list(book.category) == [1, 0]
    # co-financing = cost · rate: 100·0.2 = 20, 40·0.25 = 10
    np.testing.assert_allclose(book.cofinancing, [20.0, 10.0])
    assert list(book.key) == [True, False]
    assert len(book) == 2


# ---------------------------------------------------------------------------------------------
# priority: hand-made rounds


def test_equal_score_tie_goes_to_the_pilot_town():
    # both score 80, not key; budget 100 fits one grant of 60. By id "A" (T2) would come first,
    # but T1 is a pilot: 同等条件下优先安排 → B (T1) funded, A left with 100 − 60 = 40 < 60.
    book, out = priority([project("A", "T2", 60, 80), project("B", "T1", 60, 80)], 100)
    assert ranked_ids(book, out) == ["B", "A"]
    assert verdicts(book, out) == {"B": "funded", "A": "budget"}


def test_equal_score_and_pilot_status_ties_go_by_id():
    book, out = priority([project("B", "T2", 60, 80), project("A", "T3", 60, 80)], 100)
    assert ranked_ids(book, out) == ["A", "B"]


def test_key_projects_come_first():
    # K is a key (B-class) project with score 10; N scores 99 but is not key. Budget 100 fits one:
    # key first → K funded (100 − 70 = 30 left), N (70) does not fit.
    book, out = priority([project("N", "T1", 70, 99), project("K", "T2", 70, 10, key=True)], 100)
    assert ranked_ids(book, out) == ["K", "N"]
    assert verdicts(book, out) == {"K": "funded", "N": "budget"}


def test_priority_order_setting_changes_the_ranking():
    rows = [project("N", "T2", 10, 99), project("K", "T2", 10, 10, key=True), project("L", "T1", 10, 99)]
    # default [key_project, score, pilot]: K, then the 99s with the pilot first: L, N
    assert ranked_ids(*priority(rows, 100)) == ["K", "L", "N"]
    # [score]: 99s first, tie by id (pilot ignored): L, N, then K
    assert ranked_ids(*priority(rows, 100, order=["score"])) == ["L", "N", "K"]
    # [pilot, score]: the pilot's L first, then N (99) and K (10)
    assert ranked_ids(*priority(rows, 100, order=["pilot", "score"])) == ["L", "N", "K"]


def test_a_project_that_does_not_fit_is_skipped_and_a_smaller_one_after_it_funded():
    # budget 100: P1 (70) funded → 30 left; P2 (50) > 30 skipped; P3 (30) ≤ 30 funded → 0 left.
    book, out = priority([project("P1", "T1", 70, 90), project("P2", "T2", 50, 80), project("P3", "T3", 30, 70)], 100)
    assert verdicts(book, out) == {"P1": "funded", "P2": "budget", "P3": "funded"}
    np.testing.assert_allclose(out.budget_left, [100, 30, 30])  # budget left when each was considered
    assert list(out.funded_before) == [0, 1, 1]
    assert list(out.rank) == [1, 2, 3]
    assert out.status == "priority"


def test_category_cap_blocks_and_other_categories_go_on():
    # road cap 50: R1 (40) funded → 10 of the cap left; R2 (20) > 10 → category_cap (the budget,
    # 1000 − 40 = 960, would fit); S (20, school, no cap) funded.
    book, out = priority(
        [project("R1", "T1", 40, 90), project("R2", "T2", 20, 80), project("S", "T2", 20, 70, category="school")],
        1000,
        caps={"road": 50},
    )
    assert verdicts(book, out) == {"R1": "funded", "R2": "category_cap", "S": "funded"}


def test_first_blocker_is_reported_budget_before_cap_before_cofinancing():
    # X: grant 80 > budget 50, > road cap 10, co-financing 100·0.2 = 20 > available 0 → "budget"
    # Y: grant 20 ≤ 50 but > cap 10, co-financing 20 > 0 → "category_cap"
    # Z: school (no cap), grant 20 ≤ 50, co-financing 20 > 0 → "cofinancing"
    rows = [
        project("X", "T3", 80, 90, cost=100, rate=0.2),
        project("Y", "T3", 20, 80, cost=100, rate=0.2),
        project("Z", "T3", 20, 70, cost=100, rate=0.2, category="school"),
    ]
    book, out = priority(rows, 50, caps={"road": 10}, available=[np.inf, np.inf, 0.0])
    assert verdicts(book, out) == {"X": "budget", "Y": "category_cap", "Z": "cofinancing"}
    # optimal judges each on its own against the whole budget, cap and balance: the same verdicts
    book, out = optimal(rows, 50, caps={"road": 10}, available=[np.inf, np.inf, 0.0])
    assert verdicts(book, out) == {"X": "budget", "Y": "category_cap", "Z": "cofinancing"}


def test_cofinancing_limited_by_the_town_balance_and_zero_cofinancing_never_blocked():
    # T2 has 50 available: A (cost 100·0.3 = 30) funded → 20 left; B (30 > 20) blocked; C (cost 100·0.2 =
    # 20 ≤ 20) funded → 0 left. T3's balance is −50: D (co-financing 100·0.1 = 10) blocked, but E
    # (rate 0, co-financing 0) is funded even so.
    rows = [
        project("A", "T2", 70, 90, cost=100, rate=0.3),
        project("B", "T2", 70, 85, cost=100, rate=0.3),
        project("C", "T2", 80, 80, cost=100, rate=0.2),
        project("D", "T3", 90, 75, cost=100, rate=0.1),
        project("E", "T3", 30, 70),
    ]
    book, out = priority(rows, 1000, available=[np.inf, 50.0, -50.0])
    assert verdicts(book, out) == {"A": "funded", "B": "cofinancing", "C": "funded", "D": "cofinancing", "E": "funded"}


def test_cofinancing_not_required_blocks_nothing():
    # available = ∞ everywhere (require_cofinancing off): all three co-financed projects funded
    rows = [project(p, "T3", 10, 50, cost=100, rate=0.9) for p in ("A", "B", "C")]
    book, out = priority(rows, 1000)
    assert set(verdicts(book, out).values()) == {"funded"}


# ---------------------------------------------------------------------------------------------
# optimal: hand-made rounds

KNAPSACK = [
    project("P1", "T2", 60, 90),
    project("P2", "T2", 50, 80, category="school"),
    project("P3", "T3", 50, 80, category="school"),
    project("P4", "T3", 150, 99),
]


def test_optimal_beats_the_greedy_order():
    # budget 100. Priority: P4 (150) never fits; P1 (90) funded → 40 left; P2, P3 (50 each) don't fit:
    # score 90. Optimal: {P2, P3} = 50 + 50 = 100 ≤ 100, score 80 + 80 = 160 > 90.
    book, out = priority(KNAPSACK, 100)
    assert verdicts(book, out) == {"P4": "budget", "P1": "funded", "P2": "budget", "P3": "budget"}
    book, out = optimal(KNAPSACK, 100)
    # P1 would fit on its own but is left out: not_selected; P4 is larger than the whole budget.
    assert verdicts(book, out) == {"P1": "not_selected", "P2": "funded", "P3": "funded", "P4": "budget"}
    assert out.status == "optimal"


def test_optimal_weights_change_the_choice():
    # P1 in pilot town T1 with pilot_weight 2: 90·2 = 180 > {P2, P3} = 160 → {P1} (40 left, nothing else fits)
    rows = [dict(KNAPSACK[0], town="T1")] + KNAPSACK[1:]
    book, out = optimal(rows, 100, pilot_weight=2.0)
    assert verdicts(book, out)["P1"] == "funded"
    assert [verdicts(book, out)[p] for p in ("P2", "P3")] == ["not_selected", "not_selected"]
    # a key P1 with key_weight 1.5 and no pilot weight: 90·1.5 = 135 < 160 → still {P2, P3};
    # with key_weight 2: 180 > 160 → {P1}
    rows = [dict(KNAPSACK[0], key_project=True)] + KNAPSACK[1:]
    assert verdicts(*optimal(rows, 100, key_weight=1.5))["P1"] == "not_selected"
    assert verdicts(*optimal(rows, 100, key_weight=2.0))["P1"] == "funded"


def test_optimal_respects_caps_and_cofinancing():
    # school cap 60: P2 and P3 (50 each) cannot both go → best is {P1} = 90 (P1 + P2 = 110 > 100)
    book, out = optimal(KNAPSACK, 100, caps={"school": 60})
    assert verdicts(book, out) == {"P1": "funded", "P2": "not_selected", "P3": "not_selected", "P4": "budget"}
    # school cap 40 < 50: P2 and P3 cannot fit on their own → category_cap
    book, out = optimal(KNAPSACK, 100, caps={"school": 40})
    assert verdicts(book, out)["P2"] == verdicts(book, out)["P3"] == "category_cap"
    # co-financing: P2 and P3 both in T3 with co-financing 100·0.3 = 30 each, T3 has 50 → only one
    rows = KNAPSACK[:1] + [dict(p, town="T3", cost=100, cofinancing_rate=0.3) for p in KNAPSACK[1:3]]
    book, out = optimal(rows, 100, available=[np.inf, np.inf, 50.0])
    assert verdicts(book, out) == {"P1": "funded", "P2": "not_selected", "P3": "not_selected"}
    # T3 at −50: co-financed P2, P3 are blocked on their own; a zero co-financing one (P1 moved to T3) is not
    rows = [dict(KNAPSACK[0], town="T3")] + rows[1:]
    book, out = optimal(rows, 100, available=[np.inf, np.inf, -50.0])
    assert verdicts(book, out) == {"P1": "funded", "P2": "cofinancing", "P3": "cofinancing"}


# ---------------------------------------------------------------------------------------------
# whole runs: the fixture county (tests/fixtures/special), every number by hand
#
# Budget 200 grown 10 %: 220 in 2021, 242 in 2022. Road cap 50 grown: 55, then 60.5.
# Co-financing available (balance before co-financing, never below 0): T1 300, T2 100, T3 0 each year.
#
# 2021 round (priority: key first, then score, pilot first among equal scores, then id):
#   1 K1 T3 school key, grant 40, co-fin 0    funded (T3's −50 does not block it)  left 180
#   2 B1 T1 water  80,  grant 30, co-fin 20   funded (pilot before A1)             left 150, T1 avail 280
#   3 A1 T2 water  80,  grant 30, co-fin 20   funded                               left 120, T2 avail 80
#   4 R1 T1 road   75,  grant 40              funded                               left  80, road cap 15 left
#   5 R2 T2 road   74,  grant 20              category_cap (20 > 15)
#   6 C1 T3 clinic 72,  grant 40, co-fin 10   cofinancing (10 > 0)
#   7 D1 T2 clinic 70,  grant 90, co-fin 10   budget (90 > 80)
#   8 E1 T2 culture 65, grant 60              funded                               left  20
#   9 G1 T2 water  55,  grant 10, co-fin 90   cofinancing (90 > 80)
#  10 F1 T1 culture 50, grant 25, co-fin 75   budget (25 > 20)
#   paid 40+30+30+40+60 = 200 ≤ 220
# 2022 round (carry_over: the five unfunded of 2021 come back, with N1):
#   1 N1 T1 school 90,  grant 100             funded                               left 142
#   2 R2 T2 road   74,  grant 20              funded (20 ≤ 60.5)                   left 122
#   3 C1 T3 clinic 72,  grant 40, co-fin 10   cofinancing again
#   4 D1 T2 clinic 70,  grant 90, co-fin 10   funded                               left  32, T2 avail 90
#   5 G1 T2 water  55,  grant 10, co-fin 90   funded (90 ≤ 90)                     left  22, T2 avail 0
#   6 F1 T1 culture 50, grant 25              budget (25 > 22)
#   paid 100+20+90+10 = 220 ≤ 242

FIXTURE_OUTCOME = {  # id: (funded, year_funded, reason)
    "K1": (True, 2021, "funded"),
    "A1": (True, 2021, "funded"),
    "B1": (True, 2021, "funded"),
    "R1": (True, 2021, "funded"),
    "R2": (True, 2022, "funded"),
    "C1": (False, None, "cofinancing"),
    "D1": (True, 2022, "funded"),
    "E1": (True, 2021, "funded"),
    "G1": (True, 2022, "funded"),
    "F1": (False, None, "budget"),
    "N1": (True, 2022, "funded"),
}


@pytest.fixture(scope="module")
def fixture_result():
    return fiscal_sim.simulate(FIXTURE / "scenario.yaml")


def test_fixture_projects_funded_year_and_reason(fixture_result):
    projects = by_id(fixture_result.projects)
    for pid, (funded, year, reason) in FIXTURE_OUTCOME.items():
        row = projects.loc[pid]
        assert (bool(row["funded"]), row["reason"]) == (funded, reason), pid
        assert (None if pd.isna(row["year_funded"]) else int(row["year_funded"])) == year, pid
    assert str(projects["year_funded"].dtype) == "Int64"
    # co-financing = cost · rate: G1 100·0.9 = 90, F1 100·0.75 = 75
    assert projects.loc["G1", "cofinancing"] == pytest.approx(90.0)
    assert projects.loc["F1", "cofinancing"] == pytest.approx(75.0)
    columns = {"id", "town", "category", "grant", "cofinancing", "funded", "year_funded", "reason"}
    assert columns <= set(fixture_result.projects)  # docs/model.md §1.6


def test_fixture_rounds_rank_and_budget_left(fixture_result):
    first, second = fixture_result.trace.special.rounds
    book = fixture_result.model.special.book
    assert ranked_ids(book, first) == ["K1", "B1", "A1", "R1", "R2", "C1", "D1", "E1", "G1", "F1"]
    assert ranked_ids(book, second) == ["N1", "R2", "C1", "D1", "G1", "F1"]
    np.testing.assert_allclose(second.budget_left, [242, 142, 122, 122, 32, 22])


def test_fixture_town_amounts(fixture_result):
    r = fixture_result
    # special_transfer 2021: T1 B1 30 + R1 40 = 70; T2 A1 30 + E1 60 = 90; T3 K1 40
    #                  2022: T1 N1 100; T2 R2 20 + D1 90 + G1 10 = 120; T3 0
    expected = pd.DataFrame({"T1": [70.0, 100.0], "T2": [90.0, 120.0], "T3": [40.0, 0.0]}, index=[2021, 2022])
    np.testing.assert_allclose(town_year(r, "special_transfer").to_numpy(), expected.to_numpy())
    # cofinancing 2021: T1 B1 20; T2 A1 20.  2022: T2 D1 10 + G1 90 = 100.
    np.testing.assert_allclose(town_year(r, "cofinancing").to_numpy(), [[20, 20, 0], [0, 100, 0]])
    # balance = own + general − standard − cofinancing:
    #   2021: T1 500 − 200 − 20 = 280; T2 300 − 200 − 20 = 80; T3 100 + 50 − 200 = −50
    #   2022: T1 300;                  T2 300 − 200 − 100 = 0; T3 −50
    np.testing.assert_allclose(town_year(r, "balance").to_numpy(), [[280, 80, -50], [300, 0, -50]])
    # resources = own + general + special: 2021 T1 500 + 70 = 570, T2 300 + 90 = 390, T3 100 + 50 + 40 = 190
    np.testing.assert_allclose(town_year(r, "resources").to_numpy()[0], [570, 390, 190])


def test_fixture_county(fixture_result):
    county = fixture_result.county.set_index("year")
    # paid: 200 in 2021, 220 in 2022 (see the rounds above)
    np.testing.assert_allclose(county["special_transfers_paid"], [200, 220])
    # balance = 1000 − 200 (own spending) − 0 (town functions) − 50 (general) − special
    #         = 550 in 2021, 530 in 2022
    np.testing.assert_allclose(county["balance"], [550, 530])
    np.testing.assert_allclose(fixture_result.indicators["special_transfers"], [200, 220])


def test_fixture_without_carry_over_leaves_the_2021_verdicts():
    r = fiscal_sim.simulate(FIXTURE / "scenario.yaml", {"special_transfers.carry_over": False})
    projects = by_id(r.projects)
    # 2022 considers N1 alone (funded, 100 ≤ 242); the 2021 verdicts stay
    assert projects["reason"].to_dict() == {
        "K1": "funded", "A1": "funded", "B1": "funded", "R1": "funded", "R2": "category_cap", "C1": "cofinancing",
        "D1": "budget", "E1": "funded", "G1": "cofinancing", "F1": "budget", "N1": "funded",
    }  # fmt: skip
    assert projects["year_funded"].isna().sum() == 5
    np.testing.assert_allclose(r.county["special_transfers_paid"], [200, 100])


def test_fixture_from_xlsx_gives_the_same_projects(tmp_path, fixture_result):
    shutil.copy(FIXTURE / "towns.csv", tmp_path / "towns.csv")
    table = pd.read_csv(FIXTURE / "projects.csv", dtype=str)
    table.to_excel(tmp_path / "projects.xlsx", index=False)
    text = (FIXTURE / "scenario.yaml").read_text(encoding="utf-8").replace("projects.csv", "projects.xlsx")
    (tmp_path / "scenario.yaml").write_text(text, encoding="utf-8")
    from_xlsx = fiscal_sim.simulate(tmp_path / "scenario.yaml")
    pd.testing.assert_frame_equal(from_xlsx.projects, fixture_result.projects)


# ---------------------------------------------------------------------------------------------
# whole runs: inline scenarios


def test_simulate_tie_goes_to_the_pilot_town():
    # budget 100 fits one of the two 60s; equal scores → pilot T1's project
    r = fiscal_sim.simulate(county_document([project("A", "T2", 60, 80), project("B", "T1", 60, 80)]))
    assert by_id(r.projects)["reason"].to_dict() == {"A": "budget", "B": "funded"}
    np.testing.assert_allclose(town_year(r, "special_transfer").to_numpy(), [[60, 0, 0], [0, 0, 0]])


def test_simulate_pilot_priority_follows_the_status_in_force():
    # T1 misses an unreachable GDP target in 2021 (growth 0 < 0.5) and, with failures_to_revoke 1, is no
    # longer a pilot from 2022 on. Each year two 60s with score 80 compete for a budget of 100:
    # 2021 D (T1, still a pilot) beats C (T2) despite its id; 2022 the tie goes by id: A (T2) beats B (T1).
    doc = county_document(
        [
            project("C", "T2", 60, 80),
            project("D", "T1", 60, 80),
            project("A", "T2", 60, 80, year=2022),
            project("B", "T1", 60, 80, year=2022),
        ]
    )
    doc["assessment"] = {"targets": {"gdp_growth": 0.5}, "failures_to_revoke": 1}
    r = fiscal_sim.simulate(doc)
    assert r.towns.loc[r.towns["town"] == "T1", "pilot"].tolist() == [True, False]
    assert by_id(r.projects)["reason"].to_dict() == {"C": "budget", "D": "funded", "A": "funded", "B": "budget"}


def test_simulate_carry_over_funds_next_year():
    # 2021, budget 100: P1 (80) funded, P2 (60 > 20) budget. 2022: P2 comes back and is funded.
    doc = county_document([project("P1", "T1", 80, 90), project("P2", "T2", 60, 80)], carry_over=True)
    projects = by_id(fiscal_sim.simulate(doc).projects)
    assert projects.loc["P2", "reason"] == "funded"
    assert projects.loc["P2", "year_funded"] == 2022
    assert projects.loc["P1", "year_funded"] == 2021
    # without carry_over it stays unfunded
    doc["special_transfers"]["carry_over"] = False
    projects = by_id(fiscal_sim.simulate(doc).projects)
    assert projects.loc["P2", "reason"] == "budget"
    assert pd.isna(projects.loc["P2", "year_funded"])


def test_simulate_budget_and_caps_grow():
    # budget 100 grown 10 %: 110 in 2021 (the first year already grows), 121 in 2022.
    # X (105 ≤ 110) funded in 2021, Z (111 > 110) not; Y (120 ≤ 121) funded in 2022.
    doc = county_document(
        [project("X", "T1", 105, 90), project("Z", "T2", 111, 80), project("Y", "T2", 120, 90, year=2022)],
        budget_growth=0.1,
    )
    r = fiscal_sim.simulate(doc)
    np.testing.assert_allclose(r.model.special_budget, [110, 121])
    assert by_id(r.projects)["reason"].to_dict() == {"X": "funded", "Z": "budget", "Y": "funded"}
    # road cap 50 grown 10 %: 55 in 2021. W (54) funded; V (2): 54 + 2 = 56 > 55 → category_cap
    doc = county_document(
        [project("W", "T1", 54, 90), project("V", "T2", 2, 80)],
        budget=1000,
        budget_growth=0.1,
        category_caps={"road": 50},
    )
    r = fiscal_sim.simulate(doc)
    np.testing.assert_allclose(r.model.special.caps[:, 0], [55, 60.5])
    assert by_id(r.projects)["reason"].to_dict() == {"W": "funded", "V": "category_cap"}


def test_simulate_optimal_method_and_reasons():
    # the KNAPSACK round (see test_optimal_beats_the_greedy_order) in 2021 with budget 100 (pool 0 so
    # nothing else moves): {P2, P3} funded, P1 not_selected, P4 budget; nothing is carried over.
    r = fiscal_sim.simulate(county_document(KNAPSACK, method="optimal"))
    assert by_id(r.projects)["reason"].to_dict() == {
        "P1": "not_selected",
        "P2": "funded",
        "P3": "funded",
        "P4": "budget",
    }
    assert [rnd.status for rnd in r.trace.special.rounds] == ["optimal", "optimal"]
    np.testing.assert_allclose(r.county["special_transfers_paid"], [100, 0])


def test_simulate_require_cofinancing_uses_the_balance_before_cofinancing():
    # T2's balance before co-financing is 100: C1 (co-financing 200·0.5 = 100 ≤ 100) funded, leaving T2's
    # balance at 0; C2 (co-financing 10) then blocked. T3 (balance −50): the zero co-financing Z funded.
    doc = county_document(
        [
            project("C1", "T2", 100, 90, cost=200, rate=0.5),
            project("C2", "T2", 10, 80, cost=20, rate=0.5),
            project("Z", "T3", 10, 70),
        ],
        budget=1000,
        require_cofinancing=True,
    )
    r = fiscal_sim.simulate(doc)
    assert by_id(r.projects)["reason"].to_dict() == {"C1": "funded", "C2": "cofinancing", "Z": "funded"}
    np.testing.assert_allclose(town_year(r, "balance").to_numpy()[0], [300, 0, -50])
    # without the requirement, both are funded and T2 goes to 100 − 100 − 10 = −10
    doc["special_transfers"]["require_cofinancing"] = False
    r = fiscal_sim.simulate(doc)
    assert set(r.projects["reason"]) == {"funded"}
    np.testing.assert_allclose(town_year(r, "balance").to_numpy()[0], [300, -10, -50])


def test_county_surplus_pool_is_reduced_by_the_special_budget():
    # own revenue 1000 − own expenditure 850 = 150 left; the special budget 100 (grown 10 %: 110, 121)
    # comes off first: pool 150 − 110 = 40 in 2021, 150 − 121 = 29 in 2022. T3's gap is 100, so T3 gets
    # the whole pool. The budget counts, not what is paid (one project of 10).
    doc = county_document(
        [project("P", "T1", 10, 50)], pool="county_surplus", own_expenditure=850, budget=100, budget_growth=0.1
    )
    r = fiscal_sim.simulate(doc)
    np.testing.assert_allclose(r.trace.arrays["county"]["pool"][0], [40, 29])
    np.testing.assert_allclose(town_year(r, "general_transfer")["T3"], [40, 29])
    # county balance 2021: 1000 − 850 − 40 − 10 = 100; 2022: 1000 − 850 − 29 − 0 = 121
    np.testing.assert_allclose(r.county["balance"], [100, 121])
    # without special transfers the whole 150 is the pool and covers T3's gap of 100 in full
    del doc["special_transfers"]
    r = fiscal_sim.simulate(doc)
    np.testing.assert_allclose(r.trace.arrays["county"]["pool"][0], [150, 150])
    np.testing.assert_allclose(town_year(r, "general_transfer")["T3"], [100, 100])


def test_county_surplus_pool_never_below_zero():
    # 1000 − 850 − budget 500 = −350 → pool 0: no general transfers
    doc = county_document([], pool="county_surplus", own_expenditure=850, budget=500)
    r = fiscal_sim.simulate(doc)
    np.testing.assert_allclose(r.trace.arrays["county"]["pool"][0], [0, 0])
    np.testing.assert_allclose(r.county["general_transfers_paid"], [0, 0])


def test_no_projects_runs_with_zero_special_transfers():
    r = fiscal_sim.simulate(county_document([]))
    assert r.projects.empty
    np.testing.assert_allclose(r.county["special_transfers_paid"], [0, 0])


def test_bundled_optimal_scenario_is_not_worse_than_baseline_in_the_first_year():
    # first year: same balances and budget in both (general transfers cover every gap in full), so the
    # optimal round's weighted score must be ≥ the priority round's under the same weights.
    here = Path(__file__).parents[1] / "scenarios"
    priority_run = fiscal_sim.simulate(here / "baseline.yaml")
    optimal_run = fiscal_sim.simulate(here / "optimal_projects.yaml")
    cfg = optimal_run.scenario.config["special_transfers"]

    def first_year_score(result):
        book, rnd = result.model.special.book, result.trace.special.rounds[0]
        chosen = rnd.candidates[rnd.funded]
        pilot = result.trace.arrays["pilot"][0, 0].astype(bool)
        return weighted_score(book, chosen, pilot, cfg["pilot_weight"], cfg["key_weight"])

    assert first_year_score(optimal_run) >= first_year_score(priority_run) - TOL


# ---------------------------------------------------------------------------------------------
# explain_project


def test_explain_project_budget_exhausted():
    # fixture without carry-over, 2021: D1 is rank 7; K1, B1, A1, R1 funded before it (4), 80 left, needs 90.
    # F1 is rank 10; 5 funded before it (E1 too), 20 left, needs 25.
    r = fiscal_sim.simulate(FIXTURE / "scenario.yaml", {"special_transfers.carry_over": False})
    d1 = explain_project(r, "D1")
    assert d1.value == "budget"
    assert re.search(
        r"budget exhausted after 4 higher-ranked projects; rank 7, needed 90(\.0+)?, 80(\.0+)? left",
        d1.to_dict()["note"],
    )
    f1 = explain_project(r, "F1")
    assert re.search(r"after 5 higher-ranked projects; rank 10, needed 25(\.0+)?, 20(\.0+)? left", f1.to_dict()["note"])
    assert "2021" in f1.to_dict()["note"]
    assert explain_project(r, "K1").to_dict()["note"].startswith("funded in 2021: rank 1")
    assert "co-financing" in explain_project(r, "C1").to_dict()["note"]
    assert "cap" in explain_project(r, "R2").to_dict()["note"]
    assert explain_project(r, "D1").to_dict()["value"] == "budget"
    assert "D1" in explain_project(r, "D1").text()


def test_explain_project_carried_over_to_a_later_round(fixture_result):
    # with carry_over: F1's last round is 2022, rank 6, 4 funded before it (N1, R2, D1, G1), 22 left, needs 25
    f1 = explain_project(fixture_result, "F1")
    assert re.search(r"after 4 higher-ranked projects; rank 6, needed 25(\.0+)?, 22(\.0+)? left", f1.to_dict()["note"])
    assert "2022" in f1.to_dict()["note"]
    assert explain_project(fixture_result, "D1").to_dict()["note"].startswith("funded in 2022")


def test_explain_project_optimal_not_selected():
    r = fiscal_sim.simulate(county_document(KNAPSACK, method="optimal"))
    e = explain_project(r, "P1")
    assert e.value == "not_selected"
    assert "fits on its own" in e.to_dict()["note"]
    assert "larger than the whole budget" in explain_project(r, "P4").to_dict()["note"]


def test_explain_project_unknown_id_and_no_special_transfers():
    r = fiscal_sim.simulate(county_document([project("P", "T1", 10)]))
    with pytest.raises(ScenarioError, match="unknown project 'NOPE'"):
        explain_project(r, "NOPE")
    doc = county_document([])
    del doc["special_transfers"]
    with pytest.raises(ScenarioError, match="no special transfers"):
        explain_project(fiscal_sim.simulate(doc), "P")


# ---------------------------------------------------------------------------------------------
# the projects table: booleans and bad input


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True), ("true", True), ("TRUE", True), ("True", True), ("1", True), (1, True), ("是", True),
        (False, False), ("false", False), ("FALSE", False), ("0", False), (0, False), ("否", False),
    ],
)  # fmt: skip
def test_key_project_booleans(value, expected):
    scenario = fiscal_sim.load_scenario(county_document([project("P", "T1", 10, key=value)]))
    assert bool(scenario.projects["key_project"].iat[0]) is expected


GOOD = project("A", "T1", 10)


@pytest.mark.parametrize(
    ("change", "key", "fragment"),
    [
        ({"town": "T9"}, "projects row 3 (id B)", "town: unknown town 'T9'"),
        ({"id": "A"}, "projects", "duplicate id A (rows 2, 3)"),
        ({"cost": -5, "grant": 0}, "projects row 3 (id B)", "cost: -5 is negative"),
        ({"grant": -1}, "projects row 3 (id B)", "grant: -1 is negative"),
        ({"cost": 10, "grant": 12}, "projects row 3 (id B)", "grant: 12 exceeds the project's cost 10"),
        ({"cofinancing_rate": 1.5}, "projects row 3 (id B)", "cofinancing_rate: 1.5 is above 1"),
        ({"cofinancing_rate": -0.1}, "projects row 3 (id B)", "cofinancing_rate: -0.1 is negative"),
        ({"key_project": "maybe"}, "projects row 3 (id B)", "key_project: 'maybe' is not true/false, 1/0 or 是/否"),
        ({"year": 2030}, "projects row 3 (id B)", "year: 2030 is outside the simulated years 2021-2022"),
        ({"grant": "ten"}, "projects row 3 (id B)", "grant: not a number ('ten')"),
        ({"score": -3}, "projects row 3 (id B)", "score: -3 is negative"),
    ],
)
def test_bad_project_rows_are_named(change, key, fragment):
    doc = county_document([GOOD, project("B", "T2", 10) | change])
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.simulate(doc)
    assert key in info.value.errors, info.value.errors
    assert any(fragment in m for m in info.value.errors[key]), info.value.errors[key]
    assert fragment in info.value.one_line()


def test_missing_project_column():
    row = dict(GOOD)
    del row["grant"]
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.load_scenario(county_document([row]))
    assert info.value.errors == {"projects": ["missing column grant"]}


def test_every_bad_row_is_reported_at_once():
    doc = county_document([GOOD, project("B", "T9", 10), project("C", "T1", 10, rate=2)])
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.load_scenario(doc)
    assert set(info.value.errors) == {"projects row 3 (id B)", "projects row 4 (id C)"}


def test_bad_settings_are_named():
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.load_scenario(county_document([GOOD], method="greedy"))
    assert "special_transfers.method" in info.value.errors
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.load_scenario(county_document([GOOD], priority_order=["score", "size"]))
    assert "special_transfers.priority_order[1]" in info.value.errors
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.load_scenario(county_document([GOOD], budget=-1))
    assert "special_transfers.budget" in info.value.errors


def test_bad_row_in_a_csv_file_names_the_file_and_row(tmp_path):
    for name in ("scenario.yaml", "towns.csv"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    text = (
        (FIXTURE / "projects.csv")
        .read_text(encoding="utf-8")
        .replace("R1,T1,2021,road,40,40,", "R1,T1,2021,road,40,41,")
    )
    (tmp_path / "projects.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        fiscal_sim.load_scenario(tmp_path / "scenario.yaml")
    line = info.value.one_line()
    # R1 is the 4th record: spreadsheet row 5 (under the header)
    assert line.startswith("scenario.yaml: ")
    assert "projects row 5 (id R1)" in line and "grant: 41 exceeds the project's cost 40" in line


# ---------------------------------------------------------------------------------------------
# properties


def weighted_score(book, chosen, pilot, pilot_weight, key_weight) -> float:
    """The optimal method's objective Σ score·weight over the chosen projects, computed independently."""
    w = book.score * np.where(pilot[book.town], pilot_weight, 1.0) * np.where(book.key, key_weight, 1.0)
    return float(w[chosen].sum())


def assert_feasible(book, chosen, budget, caps, available):
    """Σ grants ≤ budget, per-category grants ≤ cap, per-town co-financing ≤ max(available, 0)."""
    grant, cof = book.grant[chosen], book.cofinancing[chosen]
    assert grant.sum() <= budget + TOL
    per_category = np.bincount(book.category[chosen], weights=grant, minlength=len(book.categories))
    assert np.all(per_category <= caps + TOL)
    per_town = np.bincount(book.town[chosen], weights=np.where(cof > 0, cof, 0.0), minlength=len(available))
    assert np.all(per_town <= np.maximum(available, 0.0) + TOL)


def brute_force_best(book, pilot, budget, caps, available, pilot_weight, key_weight) -> float:
    """The best weighted score over every subset of projects (2ⁿ, n ≤ 12) that meets every limit."""
    n = len(book)
    subsets = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)
    ok = subsets @ book.grant <= budget + TOL
    for c in range(len(book.categories)):
        ok &= subsets @ np.where(book.category == c, book.grant, 0.0) <= caps[c] + TOL
    for t in range(len(available)):
        if np.isfinite(available[t]):
            cof = np.where((book.town == t) & (book.cofinancing > 0), book.cofinancing, 0.0)
            ok &= subsets @ cof <= max(available[t], 0.0) + TOL
    w = book.score * np.where(pilot[book.town], pilot_weight, 1.0) * np.where(book.key, key_weight, 1.0)
    return float((subsets @ w)[ok].max())  # the empty set always qualifies


@st.composite
def rounds(draw, max_projects=12):
    """One year's round: projects, pilots, budget, caps, co-financing available and weights."""
    n = draw(st.integers(1, max_projects))
    rows = []
    for j in range(n):
        grant = draw(st.integers(0, 60))
        rows.append(
            project(
                f"P{j:02d}",
                draw(st.sampled_from(TOWN_IDS)),
                grant,
                draw(st.integers(0, 10)) * 10,  # coarse scores make ties (and the pilot rule) common
                category=draw(st.sampled_from(["road", "school"])),
                cost=grant + draw(st.integers(0, 40)),
                key=draw(st.booleans()),
                rate=draw(st.sampled_from([0.0, 0.1, 0.5])),
            )
        )
    book = book_of(rows)
    caps = {c: draw(st.one_of(st.just(np.inf), st.integers(0, 100))) for c in ("road", "school")}
    available = [draw(st.one_of(st.just(np.inf), st.integers(-20, 60))) for _ in TOWN_IDS]
    return {
        "book": book,
        "pilot": np.array([draw(st.booleans()) for _ in TOWN_IDS]),
        "budget": float(draw(st.integers(0, 200))),
        "caps": caps_for(book, caps),
        "available": np.array(available, dtype=np.float64),
        "pilot_weight": draw(st.sampled_from([1.0, 1.2, 2.0])),
        "key_weight": draw(st.sampled_from([1.0, 1.5, 3.0])),
    }


@settings(max_examples=150, deadline=None)
@given(rounds())
def test_priority_and_optimal_hold_the_limits_and_optimal_is_best(case):
    book, pilot = case["book"], case["pilot"]
    limits = (case["budget"], case["caps"], case["available"])
    candidates = np.arange(len(book))
    greedy = allocate_priority(book, candidates, pilot, *limits, DEFAULT_ORDER)
    best = allocate_optimal(book, candidates, pilot, *limits, DEFAULT_ORDER, case["pilot_weight"], case["key_weight"])
    for out in (greedy, best):
        chosen = out.candidates[out.funded]
        assert_feasible(book, chosen, *limits)
        assert np.all((out.reason == "funded") == out.funded)
        assert len(set(out.candidates)) == len(book)
    weights = (pilot, case["pilot_weight"], case["key_weight"])
    greedy_score = weighted_score(book, greedy.candidates[greedy.funded], *weights)
    best_score = weighted_score(book, best.candidates[best.funded], *weights)
    brute = brute_force_best(book, pilot, *limits, case["pilot_weight"], case["key_weight"])
    assert best_score >= greedy_score - TOL
    assert best_score == pytest.approx(brute, rel=1e-9, abs=TOL)
    assert best.status == "optimal"


@settings(max_examples=150, deadline=None)
@given(rounds())
def test_reasons_name_the_first_blocker(case):
    # priority: an unfunded project's reason is the first limit (budget, cap, co-financing) its grant
    # and co-financing break, with the budget, cap and co-financing left when it came up.
    book, pilot = case["book"], case["pilot"]
    out = allocate_priority(
        book, np.arange(len(book)), pilot, case["budget"], case["caps"], case["available"], DEFAULT_ORDER
    )
    left, cap_left, avail = case["budget"], case["caps"].copy(), case["available"].copy()
    for p, reason in zip(out.candidates, out.reason, strict=True):
        g, c, t, cof = book.grant[p], book.category[p], book.town[p], book.cofinancing[p]
        if g > left + 1e-9:
            assert reason == "budget"
        elif g > cap_left[c] + 1e-9:
            assert reason == "category_cap"
        elif cof > 0 and cof > avail[t] + 1e-9:
            assert reason == "cofinancing"
        else:
            assert reason == "funded"
            left, cap_left[c], avail[t] = left - g, cap_left[c] - g, avail[t] - cof
    # optimal: an unfunded project's reason is the first limit it breaks on its own, else not_selected
    best = allocate_optimal(
        book, np.arange(len(book)), pilot, case["budget"], case["caps"], case["available"], DEFAULT_ORDER, 1.0, 1.0
    )
    for p, reason in zip(best.candidates, best.reason, strict=True):
        if reason == "funded":
            continue
        g, cof = book.grant[p], book.cofinancing[p]
        if g > case["budget"] + 1e-9:
            assert reason == "budget"
        elif g > case["caps"][book.category[p]] + 1e-9:
            assert reason == "category_cap"
        elif cof > 0 and cof > case["available"][book.town[p]] + 1e-9:
            assert reason == "cofinancing"
        else:
            assert reason == "not_selected"


@st.composite
def county_runs(draw):
    """A random version of the tiny county with 0–10 projects over its two years."""
    n = draw(st.integers(0, 10))
    rows = []
    for j in range(n):
        grant = draw(st.integers(0, 80))
        rows.append(
            project(
                f"P{j}",
                draw(st.sampled_from(TOWN_IDS)),
                grant,
                draw(st.integers(0, 5)) * 20,
                year=draw(st.sampled_from([2021, 2022])),
                category=draw(st.sampled_from(["road", "school", "water"])),
                cost=grant + draw(st.integers(0, 100)),
                key=draw(st.booleans()),
                rate=draw(st.sampled_from([0.0, 0.2, 0.6])),
            )
        )
    doc = county_document(
        rows,
        pool=draw(st.sampled_from([0, 50, 200, "county_surplus", None])),
        own_expenditure=draw(st.sampled_from([200, 850])),
        budget=draw(st.integers(0, 200)),
        budget_growth=draw(st.sampled_from([0.0, 0.1])),
        category_caps=draw(st.sampled_from([{}, {"road": 40}, {"road": 30, "school": 60}])),
        method=draw(st.sampled_from(["priority", "optimal"])),
        require_cofinancing=draw(st.booleans()),
        carry_over=draw(st.booleans()),
        pilot_weight=draw(st.sampled_from([1.0, 1.5])),
    )
    for town in doc["towns"]:
        town["tax"] = draw(st.integers(0, 600))
        town["pilot"] = draw(st.booleans())
    return doc


@settings(max_examples=40, deadline=None)
@given(county_runs())
def test_simulate_money_identities_and_limits(doc):
    r = fiscal_sim.simulate(doc)
    st_cfg = r.scenario.config["special_transfers"]
    towns, county, projects = r.towns, r.county, r.project_details
    years = r.years
    factor = (1 + st_cfg["budget_growth"]) ** np.arange(1, len(years) + 1)
    budget = st_cfg["budget"] * factor

    # town balance = own + general − standard − cofinancing; resources = own + general + special
    np.testing.assert_allclose(
        towns["balance"],
        towns["own_revenue"] + towns["general_transfer"] - towns["standard_expenditure"] - towns["cofinancing"],
        atol=TOL,
    )
    np.testing.assert_allclose(
        towns["resources"], towns["own_revenue"] + towns["general_transfer"] + towns["special_transfer"], atol=TOL
    )
    # county balance identity, and Σ special transfers = Σ town special_transfer
    np.testing.assert_allclose(
        county["balance"],
        county["total_revenue"]
        - county["own_expenditure"]
        - county["town_function_expenditure"]
        - county["general_transfers_paid"]
        - county["special_transfers_paid"],
        atol=TOL,
    )
    np.testing.assert_allclose(
        county["special_transfers_paid"], towns.groupby("year")["special_transfer"].sum().to_numpy(), atol=TOL
    )
    # Σ grants ≤ budget every year; caps held
    assert np.all(county["special_transfers_paid"].to_numpy() <= budget + TOL)
    funded = projects[projects["funded"]].assign(year_funded=lambda f: f["year_funded"].astype("int64"))
    for category, cap in st_cfg["category_caps"].items():
        spent = funded[funded["category"] == category].groupby("year_funded")["grant"].sum()
        for year, amount in spent.items():
            assert amount <= cap * factor[int(year - years[0])] + TOL
    # the towns frame's special_transfer and cofinancing are the funded projects' sums
    grants = funded.groupby(["year_funded", "town"])[["grant", "cofinancing"]].sum()
    frame = towns.set_index(["year", towns["town"].astype(str)])
    for (year, town), row in grants.iterrows():
        assert frame.loc[(year, town), "special_transfer"] == pytest.approx(row["grant"], abs=TOL)
        assert frame.loc[(year, town), "cofinancing"] == pytest.approx(row["cofinancing"], abs=TOL)
    assert frame["special_transfer"].sum() == pytest.approx(funded["grant"].sum(), abs=TOL)
    # co-financing never exceeds the balance before co-financing (when required; zero ones never count)
    if st_cfg["require_cofinancing"]:
        cofinanced = funded[funded["cofinancing"] > 0].groupby(["year_funded", "town"])["cofinancing"].sum()
        for (year, town), amount in cofinanced.items():
            before = frame.loc[(year, town), "balance"] + frame.loc[(year, town), "cofinancing"]
            assert amount <= max(before, 0.0) + TOL
    # funded ⇔ reason funded; year_funded from the project's year on (exactly it without carry-over)
    assert (projects["funded"] == (projects["reason"] == "funded")).all()
    allowed = {"funded", "budget", "category_cap", "cofinancing"}
    if st_cfg["method"] == "optimal":
        allowed.add("not_selected")
    assert set(projects["reason"]) <= allowed
    assert (funded["year_funded"] >= funded["year"]).all()
    if not st_cfg["carry_over"]:
        assert (funded["year_funded"] == funded["year"]).all()
    assert projects.loc[~projects["funded"], "year_funded"].isna().all()


def test_brute_force_helper_is_itself_right():
    # the helper the properties trust, on the KNAPSACK round: best {P2, P3} = 160 (see above)
    book = book_of(KNAPSACK)
    best = brute_force_best(book, np.array([True, False, False]), 100.0, caps_for(book), np.full(3, np.inf), 1.0, 1.0)
    assert best == 160.0
    # with a school cap of 60: {P1} = 90
    best = brute_force_best(
        book, np.array([True, False, False]), 100.0, caps_for(book, {"school": 60}), np.full(3, np.inf), 1.0, 1.0
    )
    assert best == 90.0
