"""Read endpoints of the JSON API."""
from __future__ import annotations

from app.checklists.catalogue import load_catalogue
from app.extensions import db
from tests.factories import make_building, make_checkpoint


def test_api_lists_my_buildings_and_paginated_checkpoints(app, client, login_as):
    from app.sites.models import Site

    who = login_as("supervisor")
    with app.app_context():
        site = db.session.get(Site, who["site_id"])
        building = make_building(site)
        for n in range(25):
            make_checkpoint(site, code=f"K{n:02d}", building=building)
        db.session.commit()
    buildings = client.get(f"/api/v1/sites/{who['site_id']}/buildings").get_json()
    assert [b["code"] for b in buildings] == ["B1"]
    response = client.get(f"/api/v1/sites/{who['site_id']}/checkpoints?page=2&page_size=10")
    assert response.status_code == 200
    assert [c["code"] for c in response.get_json()] == [f"K{n:02d}" for n in range(10, 20)]
    assert '"total": 25' in response.headers["X-Pagination"]
    assert "token" not in response.get_json()[0]  # labels' secrets stay off the API


def test_api_templates_with_items(app, client, login_as):
    login_as("patroller")
    with app.app_context():
        load_catalogue()
    templates = client.get("/api/v1/templates").get_json()
    assert len(templates) == 13 and all(t["latest_version"] == 1 for t in templates)
    stairwell = next(t for t in templates if t["code"] == "stairwell")
    detail = client.get(f"/api/v1/templates/{stairwell['id']}").get_json()
    assert detail["items"][0]["text_zh"] and detail["items"][0]["text_en"]


def test_api_bad_query_and_missing_records_are_json_4xx(client, login_as):
    who = login_as("patroller")
    response = client.get(f"/api/v1/sites/{who['site_id']}/checkpoints?building_id=abc")
    assert response.status_code == 422 and response.is_json
    response = client.get("/api/v1/templates/999999")
    assert response.status_code == 404 and response.is_json
