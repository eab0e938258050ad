"""Fixtures of the web page tests: the app on its own SQLite file, the tiny scenario saved, upload helpers.

The tiny scenario (``make_scenario`` of tests/conftest.py) has paper-checkable numbers: own revenue
T1 70, T2 30, T3 5; standard expenditure 40, 60, 50; gaps T1 0, T2 30, T3 45 (required transfers 75 a
year); county balance 1175 − 800 − 60 − 75 = 240 in each of 2021 and 2022.
"""

from __future__ import annotations

import html
import io
import re

import pytest
import yaml


@pytest.fixture
def app_settings(database_url):
    """Each test's app on its own empty database (``app_factory`` of tests/conftest.py builds it): a SQLite
    file unless the test asks for ``@pytest.mark.parametrize("backend", BACKENDS)`` (tests/pg_server.py)."""
    return {"DATABASE_URL": database_url, "LOAD_BUNDLED_SCENARIOS": False}


@pytest.fixture
def app(app_factory):
    """The app on an empty database (no bundled scenarios)."""
    return app_factory()


@pytest.fixture
def bundled_app(app_factory):
    """The app with the bundled scenarios (ids baseline, pilot_reform, tiered_sharing …)."""
    return app_factory(LOAD_BUNDLED_SCENARIOS=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["fiscal_sim"]["store"]


@pytest.fixture
def tiny(make_scenario) -> dict:
    return make_scenario()


@pytest.fixture
def saved(client, tiny) -> str:
    """The id of the tiny scenario saved (through the JSON API) as version 1."""
    response = client.post("/api/v1/scenarios", json={"document": tiny, "name": "小县现行体制"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def page_text(response) -> str:
    """The response body with HTML entities decoded (messages hold quotes and <, >)."""
    return html.unescape(response.get_data(as_text=True))


def csrf_token(client) -> str:
    """The form token the page puts in every form (and in its ``csrf-token`` meta tag)."""
    text = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', text).group(1)


def upload(client, data: bytes, filename: str, **fields):
    """POST the upload form with a file (and name/description fields), with the page's form token."""
    form = {"csrf_token": csrf_token(client), "file": (io.BytesIO(data), filename), **fields}
    return client.post("/scenarios/upload", data=form, content_type="multipart/form-data")


def as_yaml(document: dict) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8")
