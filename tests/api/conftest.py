"""Fixtures of the HTTP API tests: an app on its own database per test, and small documents.

Tests run on SQLite; a test (or module, through ``pytestmark``) runs on PostgreSQL too with
``@pytest.mark.parametrize("backend", BACKENDS)`` (``from tests.pg_server import BACKENDS``).

The tiny scenario (``make_scenario`` of tests/conftest.py) has paper-checkable numbers: gaps T1 0,
T2 30, T3 45 (required transfers 75); county balance 1175 − 800 − 60 − 75 = 240 in each year.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_settings(database_url):
    """Each test's app on its own empty database (``app_factory`` of tests/conftest.py builds it): a SQLite
    file, or with ``@pytest.mark.parametrize("backend", BACKENDS)`` also a fresh PostgreSQL database."""
    return {"DATABASE_URL": database_url}


@pytest.fixture
def app(app_factory):
    """The API with the bundled scenarios loaded (ids: baseline, pilot_reform, …)."""
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tiny(make_scenario) -> dict:
    """A fresh copy of the tiny scenario document."""
    return make_scenario()


@pytest.fixture
def saved(client, tiny) -> str:
    """The id of the tiny scenario saved as version 1."""
    response = client.post("/api/v1/scenarios", json={"document": tiny})
    assert response.status_code == 201, response.json
    return response.json["id"]


def by_town(rows: list[dict], year: int) -> dict[str, dict]:
    return {r["town"]: r for r in rows if r["year"] == year}


@pytest.fixture
def towns_of():
    """``towns_of(payload, year) -> {town: row}``."""
    return lambda payload, year: by_town(payload["towns"], year)
