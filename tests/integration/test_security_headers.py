"""Response headers: a strict Content-Security-Policy, nosniff, referrer and framing rules, HSTS over HTTPS, and
uploaded photos that can only ever be images."""
from __future__ import annotations

import pytest
from PIL import Image

from app.extensions import db
from app.photos.models import Photo
from app.photos.storage import store_image
from tests.factories import make_site, make_user


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *values = part.split()
        parsed[name] = values
    return parsed


PAGES = ["/login", "/patrol/offline", "/healthz", "/api/v1/openapi.json", "/sw.js", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "Content-Security-Policy" in response.headers


def test_scripts_run_only_from_our_own_files(client):
    csp = directives(client.get("/login"))
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def test_styles_come_only_from_our_own_stylesheets(client):
    csp = directives(client.get("/login"))
    assert csp["style-src"] == ["'self'"]  # no inline style attributes or <style> blocks anywhere
    assert "'unsafe-inline'" not in " ".join(v for values in csp.values() for v in values)
    assert "'unsafe-eval'" not in " ".join(v for values in csp.values() for v in values)


def test_htmx_runs_without_eval_and_without_injected_styles(client):
    page = client.get("/login").get_data(as_text=True)
    assert '"allowEval": false' in page
    assert '"includeIndicatorStyles": false' in page


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://patrol.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_when_the_deployment_says_it_is_behind_https(app, client):
    """Behind a TLS-terminating proxy the app sees HTTP; SESSION_COOKIE_SECURE=1 says the public side is HTTPS."""
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = client.get("/healthz")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_hsts_can_be_switched_off(app, client):
    app.config["HSTS_SECONDS"] = 0
    try:
        response = client.get("/login", base_url="https://patrol.example")
    finally:
        app.config["HSTS_SECONDS"] = 31536000
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def photo_of_my_site(app, login_as):
    who = login_as("supervisor")
    with app.app_context():
        photo = store_image(Image.new("RGB", (64, 48), (10, 120, 200)), site_id=who["site_id"],
                            uploaded_by_id=who["user_id"])
        db.session.add(photo)
        db.session.commit()
        return photo.id


def _fetch(client, path):
    response = client.get(path)
    body = response.get_data()
    response.close()
    return response, body


@pytest.mark.parametrize("suffix, name", [("", "photo-{id}.jpg"), ("/thumb", "photo-{id}-thumb.jpg")])
def test_photos_are_served_as_images_only(client, photo_of_my_site, suffix, name):
    response, body = _fetch(client, f"/photos/{photo_of_my_site}{suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert body[:3] == b"\xff\xd8\xff"
    assert response.headers["Content-Disposition"] == f'inline; filename="{name.format(id=photo_of_my_site)}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = directives(response)
    assert policy["default-src"] == ["'none'"] and "sandbox" in policy
    assert "private" in response.headers["Cache-Control"]


def test_photo_type_comes_from_the_stored_kind_not_the_file(app, client, photo_of_my_site):
    """Even a file that looks like HTML goes out with the type recorded for the photo."""
    with app.app_context():
        photo = db.session.get(Photo, photo_of_my_site)
        photo.content_type = "image/png"
        db.session.commit()
        with open(f"{app.config['UPLOAD_DIR']}/{photo.path}", "wb") as handle:
            handle.write(b"<html><script>alert(1)</script></html>")
    response, _body = _fetch(client, f"/photos/{photo_of_my_site}")
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].endswith('.png"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in directives(response)


def test_photo_of_another_site_is_not_found(app, client, photo_of_my_site):
    with app.app_context():
        other = make_site()
        stranger = make_user("patroller", [other])
        foreign = store_image(Image.new("RGB", (32, 32)), site_id=other.id, uploaded_by_id=stranger.id)
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    for path in (f"/photos/{foreign_id}", f"/photos/{foreign_id}/thumb"):
        response, _body = _fetch(client, path)
        assert response.status_code == 404


def test_exports_are_downloads_not_pages(app, client, login_as):
    login_as("supervisor")
    response = client.get("/exports/answers.csv")
    response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
