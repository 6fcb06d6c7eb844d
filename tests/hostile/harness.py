"""What the hostile-input tests share: the world they attack, signed-in clients, and the two checks every case makes:
the refusal is a clear 4xx message, and nothing was stored (no row in any table, no file in the upload folder)."""
from __future__ import annotations

import html
import io
import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from app.auth.models import User
from app.checklists.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from app.extensions import db
from app.patrols.models import PatrolLog, Round, RoundCheckpoint, Visit
from app.sites.models import Building, Checkpoint
from tests.conftest import csrf_from, login
from tests.factories import make_checkpoint
from tests.integration.authz_world import AuthzWorld, build_authz_world

MIX_VISIT_UUID = "0b7c6f6e-3f7e-4a53-9a55-1d0c7e1a00f1"
# A checklist with one item of each answer type, so forms and the sync API can be fed numbers and text as well.
MIX_ITEMS = (
    dict(code="MIX-PF", answer_type="pass_fail", photo_on_fail=True),  # refusals only: never answered
    dict(code="MIX-OK", answer_type="pass_fail", photo_on_fail=True),  # photos that are accepted land here
    dict(code="MIX-NUM", answer_type="number", unit="bar", min_value=0.0, max_value=10.0),
    dict(code="MIX-TXT", answer_type="text"),
)


@dataclass
class HostileWorld:
    """The authorisation world (site A with a record of every kind, site B alike) and a visit open on the mixed list."""

    base: AuthzWorld
    ids: dict = field(default_factory=dict)

    def actor(self, name: str) -> str:
        return self.base.actors[name]


def _mixed_checklist() -> TemplateVersion:
    template = ChecklistTemplate(code="hostile_mix", name_zh="混合检查表", name_en="Mixed checklist",
                                 checkpoint_category="stairwell")
    version = TemplateVersion(template=template, number=1, note="hostile corpus")
    version.items = [ChecklistItem(position=n, text_zh=f"检查项{n}", text_en=f"Item {n}", category="building_fabric",
                                   method="look", **spec) for n, spec in enumerate(MIX_ITEMS, start=1)]
    db.session.add(template)
    db.session.flush()
    return version


def build_hostile_world(app) -> HostileWorld:
    base = build_authz_world(app)
    with app.app_context():
        log = db.session.get(PatrolLog, base.ids["open_log"])
        round_ = db.session.get(Round, base.ids["round"])
        version = _mixed_checklist()
        checkpoint = make_checkpoint(log.site, code="ALPHA-7Q-MIX", category="stairwell")
        round_.stops.append(RoundCheckpoint(position=len(round_.stops) + 1, checkpoint=checkpoint,
                                            template=version.template))
        visit = Visit(log=log, checkpoint=checkpoint, template_version=version, user=log.started_by, method="qr",
                      scanned_at=log.started_at, client_uuid=MIX_VISIT_UUID)
        db.session.add(visit)
        # No saved language: Accept-Language decides, so each test reads the message in English or Chinese.
        db.session.execute(update(User).values(locale=None))
        db.session.commit()
        site_b = {"site_b": base.site_b,
                  "b_building": db.session.scalar(select(Building.id).where(Building.site_id == base.site_b)),
                  "b_checkpoint": db.session.scalar(select(Checkpoint.id).where(Checkpoint.site_id == base.site_b)
                                                    .order_by(Checkpoint.id).limit(1)),
                  "b_patroller": db.session.scalar(select(User.id).where(User.username == base.actors["patroller@B"]))}
        items = {item.code: item.id for item in version.items}
        # Items also by a name a path can use: {mix_pf}, {mix_num}...
        named = {code.lower().replace("-", "_"): item_id for code, item_id in items.items()}
        return HostileWorld(base, {**base.ids, **named, **site_b, "mix_visit": visit.id, "mix_checkpoint": checkpoint.id,
                                   "mix_items": items, "mix_visit_uuid": MIX_VISIT_UUID})


class People:
    """A signed-in test client per actor ("patroller@A", "colleague@A", "supervisor@B", "visitor"...), made once per
    module; each speaks English unless a request says otherwise, and carries its CSRF token."""

    def __init__(self, app, world: HostileWorld):
        self.app, self.world, self._clients = app, world, {}

    def __call__(self, actor: str):
        if actor not in self._clients:
            client = self.app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            if actor != "visitor":
                role, _at, site = actor.partition("@")
                username = f"colleague-{'ALPHA-7Q' if site == 'A' else 'BETA'}" if role == "colleague" \
                    else self.world.actor(actor)
                assert login(client, username).status_code == 303
            client.csrf = csrf_from(client, "/login" if actor == "visitor" else "/")
            self._clients[actor] = client
        return self._clients[actor]


# --- nothing stored -------------------------------------------------------------------------------------------------

def upload_files() -> list[str]:
    folder = current_app.config["UPLOAD_DIR"]
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _dirs, names in os.walk(folder) for name in names)


def snapshot(app) -> dict[str, object]:
    """Rows per table (every table: answers, photos, findings, work orders, audit events...) and the upload files."""
    with app.app_context():
        counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
                  for table in db.metadata.sorted_tables}
        counts["upload folder"] = upload_files()
        db.session.remove()
    return counts


@contextmanager
def stores_nothing(app, *, except_tables: tuple[str, ...] = ()):
    """The block's requests leave every table and the upload folder as they were (`except_tables` may change: a
    failed signature is counted towards the throttle, by design)."""
    before = snapshot(app)
    yield
    after = snapshot(app)
    changed = {name: (before[name], after[name]) for name in before
               if before[name] != after[name] and name not in except_tables}
    assert not changed, f"a refused request stored something (before, after): {changed}"


# --- a clear refusal ------------------------------------------------------------------------------------------------

def page_text(response) -> str:
    """What a person reads: the page with its HTML entities decoded, or a JSON refusal's message."""
    if response.is_json:
        return response.get_json().get("message", "")
    return html.unescape(response.get_data(as_text=True))


def refused(response, status: int, *phrases: str) -> str:
    """The response is this 4xx status and says each phrase; returns what it says."""
    said = page_text(response)
    assert response.status_code == status, (response.status_code, said[:800])
    assert 400 <= status < 500
    for phrase in phrases:
        assert phrase in said, f"{phrase!r} not in the answer: {_main(said)[:3000]}"
    return said


def _main(page: str) -> str:
    """The page's main content (what an assertion message should show), without the header and menus."""
    start = page.find("<main")
    return page[start:page.find("</main>", start)] if start >= 0 else page


def api_refused(response, status: int, code: str, *phrases: str, field: str | None = None) -> dict:
    """A JSON refusal of the API: the documented error body with this code, a message, and the field at fault."""
    body = response.get_json()
    assert response.status_code == status and response.is_json, (response.status_code, response.get_data()[:500])
    assert body["code"] == code and body["message"], body
    assert set(body) <= {"code", "message", "field", "errors", "missing"}, body  # ErrorSchema, nothing else
    if field is not None:
        assert body.get("field") == field, body
    for phrase in phrases:
        assert phrase in body["message"], body
    return body


# --- sending --------------------------------------------------------------------------------------------------------

def post_form(client, path: str, data: dict | None = None, *, htmx: bool = False, **headers):
    """A form post as the browser sends it (the CSRF token in the header, as htmx does); files as (bytes, name)."""
    fields = {}
    for key, value in (data or {}).items():
        if isinstance(value, tuple) and isinstance(value[0], bytes):
            fields[key] = (io.BytesIO(value[0]), *value[1:])
        else:
            fields[key] = value if isinstance(value, (str, list)) else str(value)
    multipart = any(isinstance(v, tuple) for v in fields.values())
    headers = {"X-CSRFToken": client.csrf, **({"HX-Request": "true"} if htmx else {}), **headers}
    return client.post(path, data=fields, headers=headers,
                       content_type="multipart/form-data" if multipart else "application/x-www-form-urlencoded")


def post_json(client, path: str, body, **headers):
    return client.post(path, json=body, headers={"X-CSRFToken": client.csrf, **headers})


def new_uuid() -> str:
    return str(uuid.uuid4())


def phone_time(seconds: float = 0) -> str:
    """Now (shifted) as a phone's JavaScript writes it, for the sync API."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def local_input(hours: float = 0) -> str:
    """Now (shifted) in the site's time as <input type="datetime-local"> sends it."""
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Probe:
    """One hostile request and the refusal it must get. `path` and string values name world ids in braces
    ({open_log}, {mix_num}); `form`/`body` may be callables, for values made at send time."""

    actor: str
    path: str
    form: dict | Callable | None = None
    body: object = None  # JSON, for the API
    status: int = 400
    says: tuple[str, ...] = ()
    code: str | None = None  # the API's error code
    field: str | None = None
    htmx: bool = False
    method: str = "POST"
    literals: dict | None = None  # JSON text put in place of these string values ("1e309", "NaN": what json.dumps won't)

    def send(self, people, world, **headers):
        client = people(self.actor)
        path = self.path.format(**world.ids)
        if self.body is not None:
            body = _fill(self.body() if callable(self.body) else self.body, world.ids)
            if not self.literals:
                return post_json(client, path, body, **headers)
            text = json.dumps(body)
            for placeholder, literal in self.literals.items():
                text = text.replace(json.dumps(placeholder), literal)
            return client.post(path, data=text, content_type="application/json",
                               headers={"X-CSRFToken": client.csrf, **headers})
        if self.method == "GET":
            return client.get(path, headers=headers)
        form = self.form() if callable(self.form) else self.form
        return post_form(client, path, _fill(form or {}, world.ids), htmx=self.htmx, **headers)

    def check(self, response):
        if self.code is not None:
            return api_refused(response, self.status, self.code, *self.says, field=self.field)
        return refused(response, self.status, *self.says)


def _fill(value, ids: dict):
    """World ids put into string values written as "{name}" (whole value only: hostile text keeps its braces)."""
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    return value
