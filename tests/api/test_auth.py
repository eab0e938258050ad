"""Users, roles, tokens and local mode over HTTP (docs: README "Users and roles")."""

from __future__ import annotations

import pytest

import api
from api.auth import hash_password, new_token

URL = "/api/v1/scenarios"
PASSWORD = "correct horse battery"


@pytest.fixture
def shared(app_factory):
    """An app serving a network (no local mode) with a viewer, an editor and an admin, each with a token."""
    app = app_factory(LOCAL_MODE=False)
    store = app.extensions["fiscal_sim"]["store"]
    tokens = {}
    for name, role in (("vera", "viewer"), ("eddie", "editor"), ("ada", "admin")):
        store.add_user(name, role, hash_password(PASSWORD))
        token, hashed = new_token()
        store.add_token(name, hashed)
        tokens[role] = {"Authorization": f"Bearer {token}"}
    app.tokens = tokens
    return app


def test_local_mode_is_open_and_saves_as_local(client, tiny):
    assert client.get("/api/v1/me").json == {"name": "local", "role": "admin", "local_mode": True}
    created = client.post(URL, json={"document": tiny})
    assert created.status_code == 201
    assert client.get(f"{URL}/{created.json['id']}").json["author"] == "local"


def test_adding_the_first_user_ends_local_mode_at_once(app, client):
    assert client.get(URL).status_code == 200
    app.extensions["fiscal_sim"]["store"].add_user("ada", "admin", hash_password(PASSWORD))
    response = client.get(URL)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_without_local_mode_everything_but_health_needs_credentials(shared):
    client = shared.test_client()
    assert client.get("/api/v1/health").status_code == 200
    for method, path in (("get", URL), ("get", f"{URL}/baseline"), ("post", "/api/v1/simulations")):
        response = getattr(client, method)(path, json={} if method == "post" else None)
        assert response.status_code == 401, path
        assert response.json["errors"]["_schema"]
    bad = client.get(URL, headers={"Authorization": "Bearer fs_not-a-token"})
    assert bad.status_code == 401 and "unknown or revoked API token" in bad.json["errors"]["Authorization"][0]


def test_roles(shared, tiny):
    client, tokens = shared.test_client(), shared.tokens
    # a viewer reads, runs and compares, but does not save
    assert client.get(URL, headers=tokens["viewer"]).status_code == 200
    run = client.post("/api/v1/simulations", json={"scenario_id": "baseline"}, headers=tokens["viewer"])
    assert run.status_code == 200
    refused = client.post(URL, json={"document": tiny}, headers=tokens["viewer"])
    assert refused.status_code == 403 and "needs the editor role" in refused.json["errors"]["_schema"][0]
    assert client.delete(f"{URL}/baseline", headers=tokens["viewer"]).status_code == 403
    # an editor saves, under their name, but does not manage users
    created = client.post(URL, json={"document": tiny}, headers=tokens["editor"])
    assert created.status_code == 201
    assert client.get(f"{URL}/{created.json['id']}", headers=tokens["viewer"]).json["author"] == "eddie"
    assert client.get("/api/v1/users", headers=tokens["editor"]).status_code == 403
    # an admin does
    users = client.get("/api/v1/users", headers=tokens["admin"]).json["users"]
    assert {(u["name"], u["role"]) for u in users} == {("vera", "viewer"), ("eddie", "editor"), ("ada", "admin")}
    assert all("password" not in str(u) and "hash" not in str(u) for u in users)


def test_admins_add_and_remove_users_and_removal_revokes_tokens(shared):
    client, admin = shared.test_client(), shared.tokens["admin"]
    body = {"name": "新用户", "role": "viewer", "password": PASSWORD}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 409
    short = client.post("/api/v1/users", json={**body, "name": "x", "password": "short"}, headers=admin)
    assert short.status_code == 422 and "password" in short.json["errors"]
    assert client.delete("/api/v1/users/vera", headers=admin).status_code == 204
    assert client.get(URL, headers=shared.tokens["viewer"]).status_code == 401  # vera's token is gone
    assert client.delete("/api/v1/users/ada", headers=admin).status_code == 422  # not yourself
    assert client.delete("/api/v1/users/nobody", headers=admin).status_code == 404


def test_versions_record_who_and_when_and_who_deleted(shared, tiny):
    client, tokens = shared.test_client(), shared.tokens
    created = client.post(URL, json={"document": tiny, "name": "甲"}, headers=tokens["editor"]).json
    client.put(f"{URL}/{created['id']}", json={"document": tiny, "name": "乙", "version": 1}, headers=tokens["admin"])
    versions = client.get(f"{URL}/{created['id']}/versions", headers=tokens["viewer"]).json["versions"]
    assert [(v["version"], v["author"], v["name"]) for v in versions] == [(1, "eddie", "甲"), (2, "ada", "乙")]
    assert all(v["created_at"] and v["deleted"] is False for v in versions)
    assert client.delete(f"{URL}/{created['id']}", headers=tokens["editor"]).status_code == 204
    assert client.get(f"{URL}/{created['id']}/versions", headers=tokens["editor"]).status_code == 404
    history = client.get(f"{URL}/{created['id']}/versions", headers=tokens["admin"]).json["versions"]
    assert (history[-1]["version"], history[-1]["author"], history[-1]["deleted"]) == (3, "eddie", True)


def test_the_session_cookie_needs_the_csrf_token_on_the_api(shared, tiny):
    client = shared.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/signin", data={"name": "eddie", "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 303
    assert client.get(URL).status_code == 200  # reading with the cookie
    refused = client.post(URL, json={"document": tiny})
    assert refused.status_code in (400, 403)
    assert client.post(URL, json={"document": tiny}, headers={"X-CSRFToken": token}).status_code == 201


def test_a_request_from_another_site_changes_nothing(client, tiny, store):
    before = store.row_count()
    response = client.post(URL, json={"document": tiny}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and store.row_count() == before
    same = client.post(URL, json={"document": tiny}, headers={"Origin": "http://localhost"})
    assert same.status_code == 201


def test_the_api_takes_json_bodies_only(client):
    response = client.post(URL, data="document=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "must be JSON" in response.json["errors"]["_schema"][0]


@pytest.mark.parametrize("path", ["/api/v1/health", URL, "/", "/static/web/app.js", "/api/v1/docs", "/nope"])
def test_security_headers_on_every_answer(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_serving_a_network_without_users_refuses_to_start(tmp_path):
    with pytest.raises(api.NoUserError, match="fiscal-sim user add"):
        api.serve("0.0.0.0", 0, f"sqlite:///{tmp_path / 'x.sqlite3'}")


@pytest.fixture
def store(app):
    return app.extensions["fiscal_sim"]["store"]


def test_a_request_through_a_proxy_is_never_local(client):
    assert client.get(URL).status_code == 200
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        assert client.get(URL, headers={header: "203.0.113.7"}).status_code == 401
