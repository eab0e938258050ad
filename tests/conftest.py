"""Shared fixtures: a tiny scenario small enough to compute on paper, and the fixture folders.

The base scenario (``make_scenario()``), no growth, so every simulated year is the same:

===  =====  =====  ====  ===  ====  ========  ===================  ==================
id   pilot  pop    area  vat  land  students  own = 0.5·vat + land  se = 30 + 0.5·2·stu
===  =====  =====  ====  ===  ====  ========  ===================  ==================
T1   true   100    10    100  20    10        50 + 20 = 70         30 + 10 = 40
T2   false  200    20    40   10    30        20 + 10 = 30         30 + 30 = 60
T3   false  100    30    10   0     20        5 + 0 = 5            30 + 20 = 50
===  =====  =====  ====  ===  ====  ========  ===================  ==================

Gaps: T1 0, T2 30, T3 45; required transfers 75. County: shared revenue 50 + 20 + 5 = 75,
total revenue 1000 + 75 + 0 + 100 = 1175, town-function expenditure 0.5·2·(10 + 30 + 20) = 60.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from tests.pg_server import postgres_database, postgres_server  # noqa: F401 (fixtures used by the suite)

FIXTURES = Path(__file__).parent / "fixtures"

BASE_TOWNS = [
    {"id": "T1", "name": "甲镇", "pilot": True, "population": 100, "area_km2": 10, "gdp": 1000, "vat": 100, "land": 20, "students": 10},
    {"id": "T2", "name": "乙镇", "pilot": False, "population": 200, "area_km2": 20, "gdp": 500, "vat": 40, "land": 10, "students": 30},
    {"id": "T3", "name": "丙乡", "pilot": False, "population": 100, "area_km2": 30, "gdp": 200, "vat": 10, "land": 0, "students": 20},
]  # fmt: skip

BASE_DOCUMENT = {
    "schema_version": 1,
    "name": "小县 tiny county",
    "unit": "万元",
    "years": [2021, 2022],
    "towns": BASE_TOWNS,
    "revenue_items": [
        {"id": "vat", "name": "增值税", "split": {"rule": "proportional", "town_share": 0.5}},
        {"id": "land", "name": "城镇土地使用税", "split": {"rule": "town"}},
    ],
    "expenditure_functions": [
        {"id": "admin", "name": "一般公共服务", "driver": "one", "unit_cost": 30, "town_share": 1.0},
        {"id": "edu", "name": "教育", "driver": "students", "unit_cost": 2, "town_share": 0.5},
    ],
    "county": {"own_revenue": 1000, "own_expenditure": 800, "upper_transfers": 100},
}


def build_scenario(towns: dict | None = None, **changes) -> dict:
    """A fresh copy of the base document.

    ``changes`` replace top-level keys (``general_transfer={...}``); ``towns`` maps a town id to the
    columns to change (``{"T2": {"pilot": True}}``); a column given for one town must be given for all
    only when the test needs it (missing cells become gaps).
    """
    document = copy.deepcopy(BASE_DOCUMENT)
    for town_id, columns in (towns or {}).items():
        (record,) = [r for r in document["towns"] if r["id"] == town_id]
        record.update(columns)
    document.update(copy.deepcopy(changes))
    return document


@pytest.fixture(scope="session")
def make_scenario():
    """``make_scenario(towns={id: {col: value}}, **top_level_keys) -> dict`` (see :func:`build_scenario`)."""
    return build_scenario


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def small_dir() -> Path:
    """tests/fixtures/small: base.yaml + towns.csv, and variant.yaml extending it."""
    return FIXTURES / "small"


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    """tests/fixtures/bad: one invalid scenario per class of bad input."""
    return FIXTURES / "bad"


# the result frames' columns, exactly as docs/model.md §1.6 and docs/scenario-format.md list them
SPEC_COLUMNS = {
    "towns": [
        "year", "town", "name", "pilot", "gdp", "population", "revenue_collected", "town_retained",
        "county_retained", "remittance", "own_revenue", "capacity", "standard_expenditure", "gap",
        "general_transfer", "special_transfer", "cofinancing", "balance", "resources", "resources_per_capita",
        "protected_need", "floor", "tax_return", "contract_transfer", "over_collection_to_county", "incentive",
    ],
    "revenue": ["year", "town", "item", "collected", "to_town", "to_county"],
    "county": [
        "year", "own_revenue", "shared_revenue", "remittances", "upper_transfers", "total_revenue",
        "own_expenditure", "town_function_expenditure", "general_transfers_paid", "special_transfers_paid",
        "balance", "over_collection_received", "upper_special_grants", "tax_returns_paid", "contract_transfers_paid",
        "incentives_paid", "pool_overrun",
    ],
    "indicators": [
        "year", "required_transfers", "general_transfers", "coverage", "special_transfers", "county_balance",
        "gini_before", "gini_after", "cv_before", "cv_after", "pilots_active",
    ],
    "projects": ["id", "town", "category", "grant", "cofinancing", "funded", "year_funded", "reason"],
}  # fmt: skip

# tests/fixtures/bad: one file per class of bad input → (where, what) its message must name
BAD_FILES = {
    "unknown_key.yaml": ("general_transfer.rationning", "unknown key"),
    "missing_column.yaml": ("towns", "missing column students"),
    "duplicate_id.yaml": ("towns", "duplicate id T02 (rows 3, 4)"),
    "negative_amount.yaml": ("towns row 4 (id T03)", "vat: -5 is negative"),
    "share_outside.yaml": ("revenue_items[vat].split.town_share", "between 0 and 1"),
    "unsorted_thresholds.yaml": ("revenue_items[vat].split.thresholds", "strictly increasing"),
    "town_shares_length.yaml": ("revenue_items[vat].split.town_shares", "3 for 2 thresholds, got 2"),
    "unknown_override_town.yaml": ("split_overrides[0].town", "unknown town 'T9'"),
    "unknown_override_item.yaml": ("split_overrides[0].item", "unknown revenue item 'gst'"),
    "bad_pilot.yaml": ("towns row 3 (id T02)", "'maybe' is not true/false"),
    "pool_and_coefficient.yaml": ("general_transfer.coefficient", "either a pool or a fixed coefficient"),
    "factor_weights.yaml": ("general_transfer.factors", "sum to 1, they sum to 0.8"),
    "per_year_length.yaml": ("growth.gdp", "needs 2 values, got 3"),
    "contract_growth_length.yaml": ("contracts[C1].base_growth", "needs 2 values, got 3"),
    "extends_missing.yaml": ("extends", "not found"),
    "circular_a.yaml": ("extends", "circular"),
    "circular_b.yaml": ("extends", "circular"),
    "bad_override_path.yaml": ("set.general_transfer.poool", "no such path"),
    "invalid_yaml.yaml": ("line 5", "not valid YAML"),
    "towns_missing_file.yaml": ("towns: file not found", "no_such_towns.csv"),
}
BAD_NAMES = sorted(p.name for p in (FIXTURES / "bad").glob("*.yaml"))


@pytest.fixture(scope="session")
def spec_columns() -> dict[str, list[str]]:
    """docs/model.md §1.6 column names of each result frame."""
    return copy.deepcopy(SPEC_COLUMNS)


@pytest.fixture(scope="session")
def bad_files() -> dict[str, tuple[str, str]]:
    """``{file name: (where, what)}`` for every file in tests/fixtures/bad."""
    assert sorted(BAD_FILES) == BAD_NAMES, "every bad fixture file needs an entry (and only those)"
    return dict(BAD_FILES)


def pytest_generate_tests(metafunc):
    """``bad_name``: one test per file in tests/fixtures/bad."""
    if "bad_name" in metafunc.fixturenames:
        metafunc.parametrize("bad_name", BAD_NAMES)


def frame_row(frame, year: int, town: str) -> dict:
    """The row of a per-year, per-town frame as a dict."""
    rows = frame[(frame["year"] == year) & (frame["town"] == town)]
    assert len(rows) == 1, (year, town, len(rows))
    return rows.iloc[0].to_dict()


@pytest.fixture(scope="session")
def row():
    """``row(frame, year, town) -> dict``."""
    return frame_row


@pytest.fixture
def backend() -> str:
    """The database behind ``database_url``: SQLite unless a test opts in to both with
    ``@pytest.mark.parametrize("backend", BACKENDS)`` (``BACKENDS`` of tests/pg_server.py).
    ``FISCAL_SIM_TEST_BACKEND=postgresql`` runs every other such test on PostgreSQL instead."""
    return os.environ.get("FISCAL_SIM_TEST_BACKEND", "sqlite")


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    """A SQLAlchemy URL of an empty database of ``backend``: a SQLite file in tmp_path, or a fresh database on
    the session's throwaway PostgreSQL server (tests/pg_server.py)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    if backend == "postgresql":
        return request.getfixturevalue("postgres_database")
    raise ValueError(f"unknown backend {backend!r}")


@pytest.fixture
def app_factory(tmp_path, app_settings):
    """``app_factory(**config)``: the Flask app on tmp_path's SQLite file, with the suite's
    ``app_settings`` (tests/api and tests/web define them); engines are disposed afterwards."""
    from api import create_app

    apps = []

    def factory(**config):
        app = create_app({"TESTING": True, "LOCAL_MODE": True, **app_settings, **config})
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["fiscal_sim"]["store"].dispose()


@pytest.fixture(scope="session")
def chart_results() -> dict:
    """The bundled baseline and a reform (VAT town share 60%) by their labels: what the chart tests draw."""
    import fiscal_sim

    base = fiscal_sim.simulate(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    reform = fiscal_sim.simulate(base.scenario.with_overrides({"revenue_items.vat.split.town_share": 0.6}))
    return {"基准方案": base, "增值税六成": reform}
