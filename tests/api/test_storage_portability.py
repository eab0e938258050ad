"""What the API answers does not depend on the database: the same on SQLite and on PostgreSQL.

PostgreSQL differs from SQLite in two ways the service meets: its text cannot hold NUL characters (a
query naming one fails instead of finding nothing) and it hands timestamps back in the server's time zone
(the suite's server runs at +08:00, like a county's). ``api/storage/portability.py`` deals with both: ``_utc``
converts aware datetimes to UTC, NUL characters are dropped from names and descriptions, and an id holding
one is never looked up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

URL = "/api/v1/scenarios"

PG = pytest.mark.postgresql  # as in tests/pg_server.py BACKENDS
BOTH = ["sqlite", pytest.param("postgresql", marks=[PG])]


@pytest.mark.parametrize("backend", BOTH)
def test_times_are_answered_in_utc(client, saved, tiny):
    before = datetime.now().astimezone()
    client.put(f"{URL}/{saved}", json={"document": tiny, "version": 1})
    stored = client.get(f"{URL}/{saved}").json
    (listed,) = [s for s in client.get(URL).json["scenarios"] if s["id"] == saved]
    for moment in (stored["created_at"], listed["created_at"], listed["updated_at"]):
        parsed = datetime.fromisoformat(moment)
        assert parsed.utcoffset() == timedelta(0), moment
        assert abs(parsed - before) < timedelta(minutes=5)


@pytest.mark.parametrize("backend", BOTH)
def test_an_id_holding_a_nul_character_is_not_found(client, saved, tiny):
    assert client.get(f"{URL}/a%00b").status_code == 404
    assert client.put(f"{URL}/a%00b", json={"document": tiny, "version": 1}).status_code == 404
    assert client.delete(f"{URL}/a%00b").status_code == 404
    assert client.post("/api/v1/simulations", json={"scenario_id": "a\x00b"}).status_code == 404
    assert client.get(f"{URL}/{saved}").status_code == 200


@pytest.mark.parametrize("backend", BOTH)
def test_nul_characters_are_dropped_from_names_and_descriptions(client, tiny):
    created = client.post(URL, json={"document": tiny, "name": "甲\x00乙", "description": "a\x00b"})
    assert created.status_code == 201
    stored = client.get(f"{URL}/{created.json['id']}").json
    assert (stored["name"], stored["description"]) == ("甲乙", "ab")
    named = client.post(URL, json={"document": {**tiny, "name": "小\x00县"}})  # the name taken from the document
    assert named.status_code == 201
    assert client.get(f"{URL}/{named.json['id']}").json["name"] == "小县"
