"""Responses go out compressed, and static files carry content-hashed URLs that browsers keep for a year."""
from __future__ import annotations

import gzip
import re

import brotli

from app.assets import static_url

FOREVER = "public, max-age=31536000, immutable"


def _versioned(body: str, filename: str) -> str:
    [url] = re.findall(rf'"(/static/{re.escape(filename)}\?v=[0-9a-f]{{12}})"', body)
    return url


def test_pages_are_gzipped_for_a_client_that_asks(client):
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "<form" in gzip.decompress(response.data).decode()


def test_pages_are_plain_for_a_client_that_does_not(client):
    response = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers and b"<form" in response.data


def test_json_is_compressed_too(login_as, client):
    login_as("patroller")
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.data).startswith(b"{")


def test_pages_link_styles_and_scripts_by_content_hash(client):
    body = client.get("/login").get_data(as_text=True)
    for filename in ("css/app.css", "js/app.js", "vendor/htmx.min.js"):
        _versioned(body, filename)


def test_a_versioned_static_file_is_cached_for_a_year_and_compressed(client):
    url = _versioned(client.get("/login").get_data(as_text=True), "vendor/htmx.min.js")
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == FOREVER
    assert response.headers["Content-Encoding"] == "gzip" and response.mimetype == "text/javascript"
    assert b"htmx" in gzip.decompress(response.data)
    assert "Set-Cookie" not in response.headers  # a file kept for a year carries no session
    br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br" and b"htmx" in brotli.decompress(br.data)


def test_an_unversioned_or_stale_url_is_revalidated_not_kept(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""


def test_module_imports_carry_the_hash_of_what_they_import(app, client):
    url = _versioned(client.get("/login").get_data(as_text=True), "js/app.js")
    imported = re.findall(r'import "\./([^"]+)";', client.get(url).get_data(as_text=True))
    with app.test_request_context():
        assert f"checklist.js?v={static_url('js/checklist.js').rsplit('=', 1)[1]}" in imported
    checklist = client.get("/static/js/" + next(name for name in imported if name.startswith("checklist.js")))
    assert checklist.headers["Cache-Control"] == FOREVER  # the hash in the import is the file's current one


def test_no_static_file_outside_the_folder(client):
    assert client.get("/static/../app/__init__.py").status_code == 404
    assert client.get("/static/nothing-here.js").status_code == 404
