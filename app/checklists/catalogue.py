"""The shipped checklist catalogue (DESIGN §6): JSON files loaded into versioned templates.

Loading is idempotent: a template whose items are unchanged gets no new version.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.audit.services import record
from app.checklists.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from app.extensions import db

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
ITEM_FIELDS = ("code", "text_zh", "text_en", "help_zh", "help_en", "category", "method", "answer_type",
               "unit", "min_value", "max_value", "photo_on_fail", "severity", "urgent_if_fail")


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def read_catalogue(directory: Path = CATALOGUE_DIR) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]


def item_row(raw: dict) -> dict:
    """A catalogue item as ChecklistItem column values."""
    return {
        "code": raw["code"], "text_zh": raw["text"]["zh"], "text_en": raw["text"]["en"],
        "help_zh": (raw.get("help") or {}).get("zh"), "help_en": (raw.get("help") or {}).get("en"),
        "category": raw["category"], "method": raw["method"], "answer_type": raw["answer_type"],
        "unit": raw.get("unit"), "min_value": raw.get("min_value"), "max_value": raw.get("max_value"),
        "photo_on_fail": raw.get("photo_on_fail", True), "severity": raw.get("severity", "minor"),
        "urgent_if_fail": raw.get("urgent_if_fail", False),
    }


def _stored_rows(version: TemplateVersion | None) -> list[dict]:
    if version is None:
        return []
    return [{name: getattr(item, name) for name in ITEM_FIELDS} for item in version.items]


def publish_version(template: ChecklistTemplate, rows: list[dict], number: int, note: str, actor=None) -> TemplateVersion:
    """Add an immutable version with these items; earlier versions stay as they were."""
    version = TemplateVersion(template=template, number=number, note=note, published_by_id=getattr(actor, "id", None))
    version.items = [ChecklistItem(position=pos, **row) for pos, row in enumerate(rows, start=1)]
    db.session.add(version)
    return version


def load_catalogue(entries: list[dict] | None = None, actor=None) -> LoadResult:
    """Create missing templates and publish a new version where the items differ; commit once."""
    result = LoadResult()
    for entry in entries if entries is not None else read_catalogue():
        template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == entry["code"]))
        rows = [item_row(raw) for raw in entry["items"]]
        header = {
            "name_zh": entry["name"]["zh"], "name_en": entry["name"]["en"],
            "description_zh": (entry.get("description") or {}).get("zh"),
            "description_en": (entry.get("description") or {}).get("en"),
            "checkpoint_category": entry["checkpoint_category"],
        }
        if template is None:
            template = ChecklistTemplate(code=entry["code"], **header)
            db.session.add(template)
            publish_version(template, rows, 1, "catalogue", actor)
            record("template_created", template, actor=actor, code=template.code)
            result.created.append(entry["code"])
            continue
        for name, value in header.items():
            setattr(template, name, value)
        latest = template.latest_version()
        if _stored_rows(latest) == rows:
            result.unchanged.append(entry["code"])
            continue
        version = publish_version(template, rows, (latest.number if latest else 0) + 1, "catalogue", actor)
        record("template_version_published", template, actor=actor, code=template.code, version=version.number)
        result.new_versions.append(entry["code"])
    db.session.commit()
    return result
