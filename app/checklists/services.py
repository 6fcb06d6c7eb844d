"""Publishing checklist versions from the editor, creating templates, retiring them. Versions are never changed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.checklists.catalogue import ITEM_FIELDS, publish_version
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db


class TemplateError(Exception):
    """A rule the input broke, for showing beside `field`."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


def rows_of(version: TemplateVersion | None) -> list[dict]:
    """A version's items as plain rows, in order, comparable with the editor's rows."""
    if version is None:
        return []
    return [{name: getattr(item, name) for name in ITEM_FIELDS} for item in version.items]


def publish_edit(template: ChecklistTemplate, rows: list[dict], note: str, actor, base_number: int | None) -> TemplateVersion | None:
    """Publish the edited items as version n+1; None when they equal the latest version (nothing published)."""
    latest = template.latest_version()
    if latest is not None and base_number != latest.number:
        raise TemplateError("form", _l("Version %(number)d was published while you were editing. Check the items against it.",
                                       number=latest.number))
    if rows == rows_of(latest):
        return None
    version = publish_version(template, rows, (latest.number if latest else 0) + 1, note, actor)
    record("template_version_published", template, actor=actor, code=template.code, version=version.number, note=note,
           items=len(rows))
    db.session.commit()
    return version


def create_template(data: dict, actor) -> ChecklistTemplate:
    """A new template with its first items as version 1."""
    if db.session.scalar(select(ChecklistTemplate.id).where(func.lower(ChecklistTemplate.code) == data["code"].lower())):
        raise TemplateError("code", _l("A checklist with this code exists already."))
    template = ChecklistTemplate(code=data["code"], name_zh=data["name_zh"], name_en=data["name_en"],
                                 description_zh=data.get("description_zh"), description_en=data.get("description_en"),
                                 checkpoint_category=data["checkpoint_category"])
    db.session.add(template)
    publish_version(template, data["items"], 1, data["note"], actor)
    record("template_created", template, actor=actor, code=template.code, items=len(data["items"]))
    db.session.commit()
    return template


def set_template_active(template: ChecklistTemplate, active: bool, actor) -> None:
    """Retire or reactivate; rounds already using a retired template keep it, new stops cannot choose it."""
    template.active = active
    record("template_reactivated" if active else "template_retired", template, actor=actor, code=template.code)
    db.session.commit()


def version_history(template: ChecklistTemplate) -> list[tuple[TemplateVersion, User | None]]:
    """Every version, newest first, with who published it."""
    versions = db.session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template.id)
                                  .order_by(TemplateVersion.number.desc())).all()
    ids = {v.published_by_id for v in versions if v.published_by_id}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [(version, people.get(version.published_by_id)) for version in versions]
