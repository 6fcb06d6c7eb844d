"""Stable entry points: /healthz, the login page, the OpenAPI document."""
from __future__ import annotations

from unittest import mock

from sqlalchemy.exc import OperationalError


def test_healthz_reports_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_is_503_when_database_is_down(app, client):
    from app.extensions import db

    with mock.patch.object(db.session, "execute", side_effect=OperationalError("SELECT 1", {}, Exception("down"))):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in body
    assert "登录" in body


def test_login_page_follows_accept_language_english(client):
    body = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in body
    assert "Sign in" in body


def test_root_sends_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_openapi_document_lists_read_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/sites", "/api/v1/sites/{site_id}/buildings", "/api/v1/sites/{site_id}/checkpoints",
                 "/api/v1/templates", "/api/v1/templates/{template_id}"):
        assert path in spec["paths"], path
    assert "Checkpoint" in spec["components"]["schemas"]


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
