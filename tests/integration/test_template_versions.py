"""Checklist templates: version history, editing publishes version n+1 and never touches version n, create, retire."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.checklists.catalogue import load_catalogue
from app.checklists.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from app.extensions import db
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}


class FormReader(HTMLParser):
    """The fields a browser would submit from the page's forms (checked boxes, selected options)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.select, self.fields = action, False, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.fields.append((attrs["name"], ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def read_form(client, path: str, action: str | None = None) -> dict[str, str]:
    reader = FormReader(action or path)
    reader.feed(client.get(path).get_data(as_text=True))
    return dict(reader.fields)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def lift(app):
    """The shipped elevator template (version 1) and a snapshot of its items."""
    with app.app_context():
        load_catalogue()
        template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "elevator"))
        items = [(i.id, i.code, i.text_zh, i.position) for i in template.latest_version().items]
        return {"id": template.id, "items": items, "path": f"/admin/checklists/{template.id}/edit"}


def _versions(app, template_id):
    with app.app_context():
        return db.session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template_id)
                                  .order_by(TemplateVersion.number)).all()


# --- guards -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["patroller", "supervisor", "maintenance"])
def test_only_admins_edit_create_or_retire(client, login_as, lift, role):
    login_as(role)
    assert client.get(lift["path"]).status_code == 403
    assert client.get("/admin/checklists/new").status_code == 403


def test_supervisors_read_the_history_but_cannot_change_it(app, client, login_as, lift):
    login_as("supervisor")
    page = client.get(f"/admin/checklists/{lift['id']}", headers=EN).get_data(as_text=True)
    assert "Version history" in page and "/edit" not in page
    assert client.get(f"/admin/checklists/{lift['id']}/versions/1").status_code == 200
    token = csrf_from(client, f"/admin/checklists/{lift['id']}")
    assert client.post(f"/admin/checklists/{lift['id']}/active", data={"csrf_token": token, "active": "0"}).status_code == 403
    with app.app_context():
        assert db.session.get(ChecklistTemplate, lift["id"]).active is True


def test_unknown_templates_and_versions_are_not_found(client, login_as, lift):
    login_as("admin")
    assert client.get("/admin/checklists/999999").status_code == 404
    assert client.get("/admin/checklists/999999/edit").status_code == 404
    assert client.get(f"/admin/checklists/{lift['id']}/versions/2").status_code == 404


# --- editing ----------------------------------------------------------------------------------------

def test_the_editor_lists_the_items_and_three_blank_rows(client, login_as, lift):
    login_as("admin")
    form = read_form(client, lift["path"])
    count = len(lift["items"])
    assert form["items-0-code"] == lift["items"][0][1] and form["items-0-position"] == "1"
    assert form[f"items-{count + 2}-code"] == "" and f"items-{count + 3}-code" not in form
    assert form["base_version"] == "1"


def test_publishing_creates_version_two_and_leaves_version_one_untouched(app, client, login_as, lift):
    who = login_as("admin")
    form = read_form(client, lift["path"])
    count = len(lift["items"])
    form.update({"items-0-text_zh": "电梯运行平稳（修订）", "items-1-remove": "1", "note": "reworded ELV-01, dropped ELV-02",
                 f"items-{count}-code": "elv-99", f"items-{count}-text_zh": "轿厢内应急照明正常",
                 f"items-{count}-text_en": "Car emergency light works", f"items-{count}-position": "1",
                 f"items-{count}-answer_type": "number", f"items-{count}-unit": "lx", f"items-{count}-min_value": "5"})
    response = client.post(lift["path"], data=form)
    assert response.status_code == 303
    v1, v2 = _versions(app, lift["id"])
    with app.app_context():
        old = db.session.scalars(select(ChecklistItem).where(ChecklistItem.version_id == v1.id).order_by(ChecklistItem.position)).all()
        assert [(i.id, i.code, i.text_zh, i.position) for i in old] == lift["items"]  # version 1 as it was
        new = db.session.scalars(select(ChecklistItem).where(ChecklistItem.version_id == v2.id).order_by(ChecklistItem.position)).all()
        codes = [i.code for i in new]
        assert codes[:2] == ["ELV-01", "ELV-99"]  # position 1 twice: the form order breaks the tie
        assert "ELV-02" not in codes and len(new) == count
        assert new[0].text_zh == "电梯运行平稳（修订）"
        assert (new[1].answer_type, new[1].unit, new[1].min_value, new[1].max_value) == ("number", "lx", 5.0, None)
        assert [i.position for i in new] == list(range(1, count + 1))
        assert v2.number == 2 and v2.note == "reworded ELV-01, dropped ELV-02" and v2.published_by_id == who["user_id"]
        [event] = _events("template_version_published")
        assert event.object_id == lift["id"] and event.details["version"] == 2 and event.actor_id == who["user_id"]
    history = client.get(f"/admin/checklists/{lift['id']}", headers=EN).get_data(as_text=True)
    assert "Version 2 (current)" in history and "reworded ELV-01" in history
    old_page = client.get(f"/admin/checklists/{lift['id']}/versions/1", headers=EN).get_data(as_text=True)
    assert "This is an earlier version" in old_page and "ELV-02" in old_page  # removed in version 2, kept in 1


def test_submitting_the_editor_unchanged_publishes_nothing(app, client, login_as, lift):
    login_as("admin")
    form = read_form(client, lift["path"])
    form["note"] = "no real change"
    response = client.post(lift["path"], data=form, headers=EN, follow_redirects=True)
    assert response.status_code == 200 and "Nothing changed" in response.get_data(as_text=True)
    assert len(_versions(app, lift["id"])) == 1
    with app.app_context():
        assert _events("template_version_published") == []


def _bad(count):
    new = count  # the first blank row
    return [
        ({"note": ""}, "note"),
        ({"items-0-text_en": ""}, "items-0-text_en"),
        ({"items-0-text_zh": "   "}, "items-0-text_zh"),
        ({"items-0-category": "astrology"}, "items-0-category"),
        ({"items-0-method": "smell"}, "items-0-method"),
        ({"items-0-severity": "apocalyptic"}, "items-0-severity"),
        ({"items-0-answer_type": "number"}, "items-0-unit"),
        ({"items-0-answer_type": "number", "items-0-unit": "MPa"}, "items-0-min_value"),
        ({"items-0-answer_type": "number", "items-0-unit": "MPa", "items-0-min_value": "2", "items-0-max_value": "1"},
         "items-0-max_value"),
        ({"items-0-min_value": "many"}, "items-0-min_value"),
        ({"items-0-position": "first"}, "items-0-position"),
        ({"items-1-code": "ELV-01"}, "items-1-code"),
        ({"items-1-code": "bad code!"}, "items-1-code"),
        ({f"items-{new}-text_zh": "只有中文"}, f"items-{new}-code"),
        ({f"items-{n}-remove": "1" for n in range(count)}, "items"),
    ]


def test_bad_rows_are_shown_per_row_and_field_and_nothing_is_published(app, client, login_as, lift):
    login_as("admin")
    with app.app_context():
        items_before = _count(ChecklistItem)
    base = read_form(client, lift["path"])
    for fields, field in _bad(len(lift["items"])):
        form = dict(base, note="change", **{"items-2-text_zh": "改过"})
        form.update(fields)
        response = client.post(lift["path"], data=form, headers=EN)
        assert response.status_code == 400, fields
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page, (fields, field)
        assert "built-in method" not in page
        assert "改过" in page  # what was typed is kept
    assert len(_versions(app, lift["id"])) == 1
    with app.app_context():
        assert _count(ChecklistItem) == items_before
        assert _events("template_version_published") == []


def test_a_version_published_meanwhile_is_not_overwritten(app, client, login_as, lift):
    login_as("admin")
    form = read_form(client, lift["path"])
    with app.app_context():
        from app.checklists.catalogue import publish_version
        from app.checklists.services import rows_of

        template = db.session.get(ChecklistTemplate, lift["id"])
        publish_version(template, rows_of(template.latest_version())[:3], 2, "someone else")
        db.session.commit()
    form.update({"items-0-text_zh": "我的修改", "note": "mine"})
    response = client.post(lift["path"], data=form)
    assert response.status_code == 409
    assert [v.note for v in _versions(app, lift["id"])] == ["catalogue", "someone else"]


# --- creating and retiring --------------------------------------------------------------------------

def _new_form(client, **fields):
    form = read_form(client, "/admin/checklists/new")
    form.update({"code": "basement_pumps", "name_zh": "地下室水泵房", "name_en": "Basement pump room",
                 "checkpoint_category": "outdoor_utilities", "items-0-code": "PMP-01", "items-0-text_zh": "水泵运行无异响",
                 "items-0-text_en": "Pumps run without abnormal noise", "items-0-method": "listen"})
    form.update(fields)
    return form


def test_admin_creates_a_template_with_version_one(app, client, login_as):
    who = login_as("admin")
    response = client.post("/admin/checklists/new", data=_new_form(client))
    assert response.status_code == 303
    with app.app_context():
        template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "basement_pumps"))
        [version] = template.versions
        assert version.number == 1 and [(i.code, i.method, i.position) for i in version.items] == [("PMP-01", "listen", 1)]
        [event] = _events("template_created")
        assert event.object_id == template.id and event.actor_id == who["user_id"]
        assert response.headers["Location"].endswith(f"/admin/checklists/{template.id}")


@pytest.mark.parametrize(("fields", "field"), [
    ({"code": "Basement Pumps"}, "code"),
    ({"code": "elevator"}, "code"),  # taken by the catalogue
    ({"name_en": ""}, "name_en"),
    ({"checkpoint_category": "moon"}, "checkpoint_category"),
    ({"items-0-code": "", "items-0-text_zh": "", "items-0-text_en": ""}, "items"),
    ({"items-0-text_en": ""}, "items-0-text_en"),
])
def test_bad_new_templates_store_nothing(app, client, login_as, fields, field):
    login_as("admin")
    with app.app_context():
        load_catalogue()
        before = (_count(ChecklistTemplate), _count(TemplateVersion), _count(ChecklistItem))
    response = client.post("/admin/checklists/new", data=_new_form(client, **fields), headers=EN)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert "A checklist needs at least one item" in response.get_data(as_text=True) or field != "items"
    with app.app_context():
        assert (_count(ChecklistTemplate), _count(TemplateVersion), _count(ChecklistItem)) == before
        assert len(_events("template_created")) == 13  # only the catalogue's


def test_retire_and_reactivate_a_template(app, client, login_as, lift):
    login_as("admin")
    path = f"/admin/checklists/{lift['id']}/active"
    token = csrf_from(client, f"/admin/checklists/{lift['id']}")
    assert client.post(path, data={"csrf_token": token, "active": "0"}).status_code == 303
    with app.app_context():
        assert db.session.get(ChecklistTemplate, lift["id"]).active is False
        assert len(_events("template_retired")) == 1 and _count(TemplateVersion, TemplateVersion.template_id == lift["id"]) == 1
    assert "Retired" in client.get("/admin/checklists/", headers=EN).get_data(as_text=True)
    assert client.post(path, data={"csrf_token": token, "active": "1"}).status_code == 303
    with app.app_context():
        assert db.session.get(ChecklistTemplate, lift["id"]).active is True and len(_events("template_reactivated")) == 1
