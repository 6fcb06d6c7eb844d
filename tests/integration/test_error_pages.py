"""Friendly error pages in both languages, JSON under /api/."""
from __future__ import annotations

import pytest


def test_404_page_in_chinese_and_english(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "找不到" in response.get_data(as_text=True) or "不存在" in response.get_data(as_text=True)
    english = client.get("/no-such-page", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not found" in english


def test_413_for_an_oversized_body(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"username": "x" * 4096, "password": "y"}, headers={"Accept-Language": "en"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


@pytest.fixture
def broken_index(app, monkeypatch):
    def explode():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "main.index", explode)
    monkeypatch.setattr(app, "testing", False)  # let the error handler answer instead of re-raising
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_500_page_is_friendly_and_translated(client, broken_index):
    response = client.get("/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "boom" not in body and "Traceback" not in body
    assert 'lang="zh-CN"' in body and "出错了" in body


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["code"] == "not_found" and response.get_json()["message"]  # the API's one error body


def test_htmx_errors_come_as_a_message_for_the_top_of_the_page(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true", "Accept-Language": "en"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#main"
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Not found" in body
