"""Small domain rules: redirects, form errors, catalogue rows, labels."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields

from app.auth.routes import safe_next
from app.checklists.catalogue import item_row, read_catalogue
from app.validation import field_errors
from app.work_orders.services import team_for_category


def test_safe_next_keeps_only_local_paths():
    assert safe_next("/patrol/my-logs?page=2") == "/patrol/my-logs?page=2"
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "patrol", "", None):
        assert safe_next(bad) is None


def test_field_errors_give_one_message_per_field():
    class S(Schema):
        a = fields.Integer(required=True, error_messages={"required": "need a"})
        b = fields.List(fields.Integer())

    try:
        S().load({"b": ["x"]})
    except ValidationError as exc:
        errors = field_errors(exc)
    assert errors["a"] == "need a"
    assert errors["b"]  # nested list error flattened to a message


def test_catalogue_item_rows_carry_both_languages_and_rules():
    stairwell = next(e for e in read_catalogue() if e["code"] == "stairwell")
    row = item_row(stairwell["items"][0])
    assert row["text_zh"] and row["text_en"]
    assert row["method"] in ("look", "listen", "touch", "ask")
    assert isinstance(row["photo_on_fail"], bool)


def test_categories_route_to_teams():
    assert team_for_category("cleanliness") == "cleaning"
    assert team_for_category("greenery") == "greening"
    assert team_for_category("fire_safety") == "security"
    assert team_for_category("plumbing") == "engineering"
    assert team_for_category("something-new") == "engineering"


def test_every_catalogue_category_has_a_team_route():
    from app.work_orders.services import CATEGORY_TEAM

    for entry in read_catalogue():
        for item in entry["items"]:
            assert item["category"] in CATEGORY_TEAM, item["code"]
