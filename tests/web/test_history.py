"""Variants (另存为新方案), version history with changes in words, restoring a version, deleting and restoring."""

from __future__ import annotations

import re

from .conftest import csrf_token, page_text
from .test_pages import VAT_SHARE, edit_form


def test_save_as_makes_a_variant_and_leaves_the_parent_alone(client, store, saved):
    form = {**edit_form(client, saved), VAT_SHARE: "60", "save_as": "1"}
    response = client.post(f"/scenarios/{saved}/edit", data=form)
    assert response.status_code == 303
    variant = re.search(r"/scenarios/([0-9a-f]+)\?saved=1", response.location).group(1)
    assert variant != saved
    assert store.get(saved).version == 1  # the parent is unchanged
    stored = store.get(variant)
    assert (stored.parent_id, stored.parent_version, stored.name) == (saved, 1, "小县现行体制（变体）")
    page = page_text(client.get(f"/scenarios/{variant}"))
    assert "变体：基于 小县现行体制 第 1 版" in page
    # what changed, in words: the label from the catalogue, the share as a percentage
    row = re.search(r'<tr data-path="revenue_items.vat.split.town_share">(.*?)</tr>', page, re.S).group(1)
    assert "乡镇分成比例" in row and "50%" in row and "60%" in row


def test_history_lists_who_and_what_and_compares_two_versions(client, saved):
    client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), VAT_SHARE: "60"})
    client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), "growth.gdp": "5"})
    page = page_text(client.get(f"/scenarios/{saved}/history"))
    versions = re.findall(r'<tr data-version="(\d+)">', page)
    assert versions == ["3", "2", "1"] and "local" in page and "首个版本" in page
    assert "乡镇分成比例 50% → 60%" in page
    diff = page_text(client.get(f"/scenarios/{saved}/history?a=1&b=3"))
    section = diff[diff.index('id="version-diff"') :]
    assert "第 1 版 → 第 3 版的变化" in section and "60%" in section and "5%" in section


def test_restoring_an_old_version_saves_it_as_the_newest(client, store, saved):
    client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), VAT_SHARE: "60"})
    response = client.post(
        f"/scenarios/{saved}/restore-version", data={"version": "1", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303 and store.get(saved).version == 3
    assert store.get(saved).document == store.get(saved, 1).document


def test_delete_and_restore_from_the_list(client, store, saved):
    token = csrf_token(client)
    response = client.post(f"/scenarios/{saved}/delete", data={"version": "1", "csrf_token": token})
    assert response.status_code == 303
    index = page_text(client.get(response.location))
    assert "已删除方案“小县现行体制”" in index and 'id="deleted"' in index
    assert client.get(f"/scenarios/{saved}").status_code == 404
    assert client.post(f"/scenarios/{saved}/restore", data={"csrf_token": token}).status_code == 303
    assert store.get(saved).version == 3 and store.get(saved).document == store.get(saved, 1).document
    assert 'id="deleted"' not in page_text(client.get("/"))


def test_a_stale_delete_is_a_conflict_and_deletes_nothing(client, store, saved):
    client.post(f"/scenarios/{saved}/edit", data={**edit_form(client, saved), VAT_SHARE: "60"})
    response = client.post(f"/scenarios/{saved}/delete", data={"version": "1", "csrf_token": csrf_token(client)})
    assert response.status_code == 409 and store.get(saved).version == 2


def test_bundled_variants_know_their_parent_and_the_list_starts_with_the_baseline(bundled_app):
    client = bundled_app.test_client()
    order = re.findall(r'<tr data-id="([^"]+)"', client.get("/").get_data(as_text=True))
    assert order[0] == "baseline" and set(order) >= {"vat_returns", "pilot_reform", "standard_revenue"}
    page = page_text(client.get("/scenarios/vat_returns"))
    assert "变体：基于 临河县现行县乡财政体制（基准方案） 第 1 版" in page
    row = re.search(r'<tr data-path="revenue_items.vat.split.town_share">(.*?)</tr>', page, re.S).group(1)
    assert "35%" in row and "25%" in row
