"""The shipped checklist catalogue and its loader."""
from __future__ import annotations

import copy

from sqlalchemy import func, select

from app.checklists.catalogue import load_catalogue, read_catalogue
from app.checklists.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from app.extensions import db

EXPECTED = {"stairwell", "escape_roof", "elevator", "lobby", "fire_equipment", "outdoor_utilities", "recreation_green",
            "roads_plazas", "parking", "surroundings", "renovation_site", "renovation_acceptance", "vacant_unit"}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_catalogue_ships_all_thirteen_templates_in_both_languages():
    entries = read_catalogue()
    assert {e["code"] for e in entries} == EXPECTED
    for entry in entries:
        assert entry["name"]["zh"] and entry["name"]["en"]
        assert len(entry["items"]) >= 5
        for item in entry["items"]:
            assert item["text"]["zh"].strip() and item["text"]["en"].strip(), item["code"]


def test_stairwell_gas_smell_item_is_urgent():
    stairwell = next(e for e in read_catalogue() if e["code"] == "stairwell")
    gas = [i for i in stairwell["items"] if i["category"] == "gas"]
    assert gas and all(i["urgent_if_fail"] for i in gas)


def test_loading_creates_versions_and_items(ctx):
    result = load_catalogue()
    assert set(result.created) == EXPECTED
    assert _count(ChecklistTemplate) == 13
    assert _count(TemplateVersion) == 13
    assert _count(ChecklistItem) == sum(len(e["items"]) for e in read_catalogue())


def test_loading_twice_changes_nothing(ctx):
    load_catalogue()
    counts = (_count(ChecklistTemplate), _count(TemplateVersion), _count(ChecklistItem))
    result = load_catalogue()
    assert result.created == [] and result.new_versions == []
    assert len(result.unchanged) == 13
    assert (_count(ChecklistTemplate), _count(TemplateVersion), _count(ChecklistItem)) == counts


def test_changed_items_publish_a_new_version_and_keep_the_old(ctx):
    load_catalogue()
    entries = copy.deepcopy(read_catalogue())
    lift = next(e for e in entries if e["code"] == "elevator")
    lift["items"][0]["text"]["zh"] = "电梯运行平稳（修订）"
    result = load_catalogue(entries)
    assert result.new_versions == ["elevator"]
    template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "elevator"))
    assert [v.number for v in template.versions] == [1, 2]
    first, second = template.versions
    assert first.items[0].text_zh != "电梯运行平稳（修订）"
    assert second.items[0].text_zh == "电梯运行平稳（修订）"


def test_cli_loads_the_catalogue(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalogue", "load"])
    assert result.exit_code == 0, result.output
    assert "13 created" in result.output
    again = runner.invoke(args=["catalogue", "load"])
    assert "13 unchanged" in again.output
