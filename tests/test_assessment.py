"""Pilot assessment (考评, docs/model.md §1.7) through ``fiscal_sim.simulate`` on small inline scenarios.

Growth is given per year (``growth.gdp: [..]``), so each year's verdict is known by hand: with
target gdp_growth 7%, a year at 5% fails and a year at 9% passes. Revenue items have elasticity 1
and no remittance, so own revenue grows exactly like GDP unless a test says otherwise.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fiscal_sim

FAIL, PASS = 0.05, 0.09  # against a gdp_growth target of 0.07
FIRST = 2016


def scenario(make_scenario, growth: list[float], *, enabled: bool = True, targets=None, towns=None) -> dict:
    """The tiny county over ``len(growth)`` years from 2016, T1 the only pilot."""
    return make_scenario(
        towns=towns,
        years=[FIRST, FIRST + len(growth) - 1],
        growth={"gdp": list(growth)},
        assessment={"enabled": enabled, "targets": targets or {"gdp_growth": 0.07}, "failures_to_revoke": 3},
    )


def pilot_years(result, town: str = "T1") -> dict[int, bool]:
    rows = result.towns[result.towns["town"] == town]
    return dict(zip(rows["year"].tolist(), rows["pilot"].tolist()))


def test_three_failures_revoke_from_the_fourth_year(make_scenario):
    # 2016, 2017, 2018 at 5% < 7%: three failures in a row → not a pilot from 2019 (the fourth year)
    result = fiscal_sim.simulate(scenario(make_scenario, [FAIL] * 5))
    assert pilot_years(result) == {2016: True, 2017: True, 2018: True, 2019: False, 2020: False}
    assert result.indicators["pilots_active"].tolist() == [1, 1, 1, 0, 0]

    revocations = result.revocations
    assert revocations["town"].tolist() == ["T1"]
    assert revocations["revoked_from"].tolist() == [2019]
    reason = revocations["reason"].iloc[0]
    for year in ("2016", "2017", "2018"):
        assert year in reason
    assert "2019" in reason and "gdp_growth" in reason

    still = result.explain("T1", 2018, "pilot")
    assert still.value is True or still.value == 1
    assert "in force" in still.text()
    lost = result.explain("T1", 2019, "pilot")
    assert not lost.value
    assert "missed targets 3 years running" in lost.text()
    assert "2016" in lost.to_dict()["note"] and "2018" in lost.to_dict()["note"]


def test_not_revoked_before_the_third_failure(make_scenario):
    # two years only: two failures are not enough
    result = fiscal_sim.simulate(scenario(make_scenario, [FAIL, FAIL]))
    assert pilot_years(result) == {2016: True, 2017: True}
    assert result.revocations.empty


def test_a_pass_resets_the_count(make_scenario):
    # F F P F F F P: streak 1 2 0 1 2 3 → the third failure in a row is 2021, not a pilot from 2022
    result = fiscal_sim.simulate(scenario(make_scenario, [FAIL, FAIL, PASS, FAIL, FAIL, FAIL, PASS]))
    years = pilot_years(result)
    assert [years[y] for y in range(2016, 2023)] == [True] * 6 + [False]
    assert result.revocations["revoked_from"].tolist() == [2022]
    # without the pass the same years would have revoked it from 2019
    assert fiscal_sim.simulate(scenario(make_scenario, [FAIL] * 7)).revocations["revoked_from"].tolist() == [2019]


def test_third_failure_in_the_last_year_revokes_after_it(make_scenario):
    # F F F over 2016-2018: revoked from 2019, after the simulated years; status in force every year
    result = fiscal_sim.simulate(scenario(make_scenario, [FAIL] * 3))
    assert pilot_years(result) == {2016: True, 2017: True, 2018: True}
    assert result.revocations["revoked_from"].tolist() == [2019]


def test_non_assessable_year_neither_grows_nor_resets_the_streak(make_scenario):
    # Only revenue_growth is assessed. T1 collects land = 1000 (town keeps all), vat = 0, and remits
    # 500 a year, so own revenue = land − 500:
    #   base 2015: 1000 − 500 = 500
    #   2016 g = 0:    land 1000, own 500, growth 0%        → fail (streak 1)
    #   2017 g = −0.5: land  500, own   0, growth −100%     → fail (streak 2)
    #   2018 g = +0.6: land  800, own 300, previous own 0   → not assessed (streak stays 2)
    #   2019 g = 0:    land  800, own 300, growth 0%        → fail (streak 3) → not a pilot from 2020
    # Had 2018 reset the streak, nothing would be revoked; had it counted as a failure, from 2019.
    towns = {"T1": {"land": 1000, "vat": 0, "remittance": 500}, "T2": {"remittance": 0}, "T3": {"remittance": 0}}
    document = scenario(make_scenario, [0.0, -0.5, 0.6, 0.0, 0.0], targets={"revenue_growth": 0.07}, towns=towns)
    document["remittances"] = {"column": "remittance"}
    result = fiscal_sim.simulate(document)
    own = result.towns[result.towns["town"] == "T1"]["own_revenue"].tolist()
    assert own == pytest.approx([500.0, 0.0, 300.0, 300.0, 300.0])
    assert result.revocations["revoked_from"].tolist() == [2020]
    assert pilot_years(result) == {2016: True, 2017: True, 2018: True, 2019: True, 2020: False}


def test_disabled_assessment_revokes_nothing(make_scenario):
    result = fiscal_sim.simulate(scenario(make_scenario, [FAIL] * 5, enabled=False))
    assert result.revocations.empty
    assert all(pilot_years(result).values())
    assert "in force" in result.explain("T1", 2020, "pilot").text()


def test_revocation_drops_pilot_priority(make_scenario):
    # T1 is a pilot with a gap (standard expenditure raised to 200 > own revenue 70·growth); with
    # priority [pilot] and a pool of 10 it is covered first while a pilot, and rationed with the
    # others once revoked (from 2019).
    document = scenario(make_scenario, [FAIL] * 4, towns={"T1": {"students": 170}})
    document["general_transfer"] = {"pool": 10, "priority": ["pilot"], "rationing": "proportional"}
    result = fiscal_sim.simulate(document)
    t1 = result.towns[result.towns["town"] == "T1"]
    gaps, transfers = t1["gap"].to_numpy(), t1["general_transfer"].to_numpy()
    assert (gaps[:3] > 10).all()
    assert transfers[:3].tolist() == [10.0, 10.0, 10.0]  # the whole pool goes to the only pilot
    total_gap_2019 = result.indicators["required_transfers"].iloc[3]
    assert transfers[3] == pytest.approx(10.0 * gaps[3] / total_gap_2019, rel=1e-12)


def reference_revocation(verdicts: list[bool], first: int, n: int = 3) -> int:
    """First non-pilot year from pass (True) / fail (False) verdicts, 0 when never (a plain loop)."""
    streak = 0
    for offset, passed in enumerate(verdicts):
        streak = 0 if passed else streak + 1
        if streak >= n:
            return first + offset + 1
    return 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=8))
def test_revocation_year_matches_a_plain_loop(make_scenario, verdicts):
    result = fiscal_sim.simulate(scenario(make_scenario, [PASS if v else FAIL for v in verdicts]))
    expected = reference_revocation(verdicts, FIRST)
    got = result.revocations["revoked_from"].tolist()
    assert got == ([expected] if expected else [])
    last = FIRST + len(verdicts) - 1
    assert pilot_years(result) == {y: not expected or y < expected for y in range(FIRST, last + 1)}
