"""Two writers replacing the same version: exactly one wins, the other gets 409, nothing is lost.

On SQLite and on PostgreSQL (the throwaway server of tests/pg_server.py)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.storage import ConflictError, ScenarioVersion, Store
from tests.pg_server import BACKENDS

URL = "/api/v1/scenarios"

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def test_two_clients_replace_the_same_version(app, saved, tiny):
    barrier = threading.Barrier(2)
    outcomes = {}

    def replace(label: str, years: list[int]):
        client = app.test_client()
        body = {"document": {**tiny, "years": years}, "version": 1, "name": label}
        barrier.wait()
        outcomes[label] = client.put(f"{URL}/{saved}", json=body)

    threads = [threading.Thread(target=replace, args=args) for args in (("A", [2021, 2023]), ("B", [2021, 2024]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(r.status_code for r in outcomes.values())
    assert statuses == [200, 409]
    (winner,) = [label for label, r in outcomes.items() if r.status_code == 200]
    client = app.test_client()
    latest = client.get(f"{URL}/{saved}").json
    assert latest["versions"] == [1, 2] and latest["name"] == winner
    assert latest["document"]["years"] == ([2021, 2023] if winner == "A" else [2021, 2024])
    assert client.get(f"{URL}/{saved}?version=1").json["document"]["years"] == [2021, 2022]


def test_the_unique_constraint_decides_a_race_the_read_missed(database_url, monkeypatch):
    """Two writers that both read version 1 as the latest (no lock): the database refuses the second."""
    store = Store(database_url)
    scenario_id, _ = store.create("a", "", {"v": 1})
    monkeypatch.setattr(store, "_next_version", lambda session, sid, expected: expected + 1)  # the stale read
    assert store.replace(scenario_id, 1, "b", "", {"v": 2}) == 2
    with pytest.raises(ConflictError, match="replaced by another client"):
        store.replace(scenario_id, 1, "c", "", {"v": 3})
    assert store.get(scenario_id).document == {"v": 2}
    with Session(store.engine) as session, pytest.raises(IntegrityError):
        session.add(
            ScenarioVersion(
                scenario_id=scenario_id,
                version=2,
                name="d",
                description="",
                document={},
                created_at=store.get(scenario_id).created_at,
            )
        )
        session.commit()
    store.dispose()


def test_many_concurrent_saves_all_land(app, tiny):
    """Eight clients each saving and replacing their own scenario: every acknowledged version is there."""
    acknowledged, errors = [], []

    def work():
        client = app.test_client()
        created = client.post(URL, json={"document": tiny})
        if created.status_code != 201:
            errors.append(created.json)
            return
        scenario_id = created.json["id"]
        acknowledged.append((scenario_id, 1))
        for version in (1, 2):
            response = client.put(f"{URL}/{scenario_id}", json={"document": tiny, "version": version})
            if response.status_code != 200:
                errors.append(response.json)
                return
            acknowledged.append((scenario_id, version + 1))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(acknowledged) == 24
    client = app.test_client()
    for scenario_id, version in acknowledged:
        assert client.get(f"{URL}/{scenario_id}?version={version}").status_code == 200
