"""Signing in on the page, what each role sees, and forms that another site cannot send."""

from __future__ import annotations

import re

import pytest

from api.auth import hash_password

from .conftest import csrf_token, page_text, upload

PASSWORD = "correct horse battery"


@pytest.fixture
def shared(app_factory):
    """The bundled scenarios on a server with users (no local mode)."""
    app = app_factory(LOAD_BUNDLED_SCENARIOS=True, LOCAL_MODE=False)
    store = app.extensions["fiscal_sim"]["store"]
    store.add_user("vera", "viewer", hash_password(PASSWORD))
    store.add_user("eddie", "editor", hash_password(PASSWORD))
    return app


def sign_in(client, name: str, password: str = PASSWORD, next_path: str = "/"):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").get_data(as_text=True)).group(1)
    return client.post("/signin", data={"name": name, "password": password, "csrf_token": token, "next": next_path})


def test_an_anonymous_visitor_sees_only_the_sign_in(shared):
    client = shared.test_client()
    response = client.get("/scenarios/baseline/run")
    assert response.status_code == 302 and response.location.startswith("/signin?next=/scenarios/baseline/run")
    page = page_text(client.get(response.location))
    assert "登录" in page and "用户名" in page and "基准方案" not in page and "方案列表" not in page
    assert "Sign in" in page_text(client.get("/signin?lang=en"))


def test_a_wrong_password_says_so_without_saying_which(shared):
    client = shared.test_client()
    for name, password in (("eddie", "wrong password"), ("nobody", PASSWORD)):
        response = sign_in(client, name, password)
        assert response.status_code == 401 and "用户名或密码不正确" in page_text(response)
    assert client.get("/").status_code == 302


def test_an_editor_signs_in_edits_and_signs_out(shared):
    client = shared.test_client()
    response = sign_in(client, "eddie", next_path="/scenarios/baseline")
    assert response.status_code == 303 and response.location == "/scenarios/baseline"
    page = page_text(client.get("/scenarios/baseline"))
    assert "eddie（编辑）" in page and 'id="edit-form"' in page and "保存人：local" in page
    assert 'id="upload"' in page_text(client.get("/"))
    token = csrf_token(client)
    assert client.post("/signout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 302


def test_a_viewer_sees_no_edit_or_upload_and_cannot_post_them(shared):
    client = shared.test_client()
    sign_in(client, "vera")
    index = page_text(client.get("/"))
    assert "vera（查看）" in index and 'id="upload"' not in index and "不能修改或上传方案" in index
    assert 'id="edit-form"' not in page_text(client.get("/scenarios/baseline"))
    assert client.get("/scenarios/baseline/run").status_code == 200  # running is reading
    response = client.post("/scenarios/baseline/edit", data={"version": "1", "csrf_token": csrf_token(client)})
    assert response.status_code == 403 and "无权" in page_text(response)
    assert upload(client, b"schema_version: 1", "x.yaml").status_code == 403


def test_next_never_leaves_the_site(shared):
    client = shared.test_client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert sign_in(shared.test_client(), "eddie", next_path=target).location == "/"
    assert client  # (a fresh client per attempt)


def test_local_mode_says_so(client):
    assert "本机单用户模式" in page_text(client.get("/"))


def test_forms_without_the_token_or_from_another_site_save_nothing(client, store, saved):
    before = store.row_count()
    assert client.post(f"/scenarios/{saved}/edit", data={"version": "1"}).status_code in (400, 403)
    token = csrf_token(client)
    cross = client.post(
        f"/scenarios/{saved}/edit",
        data={"version": "1", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert upload(client, b"schema_version: 1", "x.yaml", csrf_token="forged").status_code in (400, 403)
    assert store.row_count() == before
