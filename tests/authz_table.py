"""The authorisation matrix: who may call each endpoint, and what the others get.

One row per endpoint of `app.url_map` (HEAD and OPTIONS aside, the row covers every method of the rule).
tests/integration/test_authz_matrix.py walks every rule × method for a visitor and for a user of each role, of the
site whose records the URL names (site A) and of another site (site B), and compares with this table:

- a visitor: `anon`, by default 302 to the sign-in page (pages) or 401 (the API);
- a signed-in role not in `roles`: 403;
- an allowed role of site A: `ok` (GET: 200 unless said; POST: any answer that is not 401/403/5xx — forms may
  refuse an empty body with 400, 409, 422 or a 303 back with a message);
- an allowed role of site B: for `scope="site"` rows (the URL or the body names a record of site A) `foreign`,
  404 unless said; for `scope="mine"` rows (nothing named: the user's own site) and `scope="global"` rows (the
  shared checklist catalogue) the same as site A.

A refused write (visitor, other role, other site) must leave every table and the upload folder as they were; nothing
served to site B (pages, JSON, CSV, PDF, XLSX) may show site A's names; `upload=True` rows serve a file someone
uploaded, which must go out with our type, a Content-Disposition and nosniff, never as HTML or SVG.

Adding a route: add its row here, with `page(...)` (lists of the user's own site), `record(...)` (a record named by
id), `shared(...)` or `public(...)`; URL arguments come from `DEFAULT_ARGS`, or from `args=` naming a key of
tests/integration/authz_world.py (add the record there when the route needs a new kind).
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

ROLES = ("patroller", "supervisor", "maintenance", "admin")
EVERYONE = ROLES


@dataclass(frozen=True)
class Ref:
    """A value taken from the world's records (`ids[key]`)."""

    key: str


@dataclass(frozen=True)
class Lit:
    """A literal URL argument."""

    value: object


@dataclass(frozen=True)
class Row:
    roles: frozenset[str]
    scope: str = "site"  # "site" | "mine" | "global"
    ok: tuple[int, ...] | dict[str, tuple[int, ...]] = ()  # empty: 200 for GET, any authorised answer for POST
    foreign: tuple[int, ...] = (404,)
    anon: tuple[int, ...] = ()  # empty: 302 to sign in (pages) or 401 (/api/)
    public: bool = False
    args: dict = field(default_factory=dict)
    form: dict | None = None  # POST body as a form; values may be Ref or a callable (files)
    json: dict | None = None  # POST body as JSON
    upload: bool = False  # serves a file someone uploaded: never as a page (type fixed by us, a disposition, nosniff)

    def ok_for(self, role: str, method: str) -> tuple[int, ...]:
        """Statuses an allowed user may get; () means 'authorised: anything but 401/403/5xx'."""
        ok = self.ok.get(role, ()) if isinstance(self.ok, dict) else self.ok
        if ok:
            return ok
        return (200,) if method == "GET" else ()


def page(*roles: str, **kw) -> Row:
    """A page or action of the user's own site that names no record."""
    return Row(frozenset(roles), scope="mine", **kw)


def record(*roles: str, **kw) -> Row:
    """A record named by id (URL or body): users of another site get 404."""
    return Row(frozenset(roles), scope="site", **kw)


def shared(*roles: str, **kw) -> Row:
    """The checklist catalogue, shared by every site."""
    return Row(frozenset(roles), scope="global", **kw)


def public(anon: tuple[int, ...], ok: tuple[int, ...] | None = None, **kw) -> Row:
    """Open without signing in; `ok` is what a signed-in user gets (default: the same as a visitor)."""
    return Row(frozenset(ROLES), scope="mine", public=True, anon=anon, ok=ok or anon, **kw)


# URL argument → key of AuthzWorld.ids
DEFAULT_ARGS = {
    "site_id": "site", "building_id": "building", "checkpoint_id": "checkpoint", "token": "token", "round_id": "round",
    "stop_id": "stop", "user_id": "user", "template_id": "template", "number": "version", "log_id": "log",
    "visit_id": "visit", "item_id": "item", "answer_id": "answer", "photo_id": "photo", "finding_id": "finding",
    "order_id": "order", "handover_id": "handover", "spot_id": "spot", "month": "month", "period": "month",
    "unit_id": "unit", "permit_id": "permit", "document_id": "document", "notice_id": "notice", "plan_id": "plan",
}

SYNC = ("patroller", "supervisor")
DUTY = ("patroller", "supervisor")
READERS = ("supervisor", "admin")


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer, "photo.jpg", "image/jpeg"


OPEN_LOG = {"log_id": Ref("open_log")}

TABLE: dict[str, Row] = {
    # open to everyone
    "static": public((200,), args={"filename": Lit("css/app.css")}),
    "main.index": public((302,)),
    "main.healthz": public((200,)),
    "auth.login": public((200, 400), ok=(302, 400)),  # a signed-in user is sent home; an empty form is 400
    "auth.logout": public((303,)),
    "auth.language": public((303,), form={"locale": "en"}),
    "api-docs.openapi_json": public((200,)),
    "patrols.offline": public((200,)),
    "pwa.manifest": public((200,)),
    "pwa.service_worker": public((200,)),
    "main.switch_site": record(*EVERYONE, ok=(303,), form={"site_id": Ref("site")}),
    "auth.signing_pin": page(*EVERYONE),
    "auth.change_own_password": page(*EVERYONE),

    # administration of the own site
    "admin.home": page("admin"),
    "admin.audit": page("admin"),
    "admin.users": page("admin"),
    "admin.user_new": page("admin"),
    "admin.user_detail": record("admin"),
    "admin.user_active": record("admin"),
    "admin.user_password": record("admin"),
    "sites.buildings": page(*READERS),
    "sites.building_new": page("admin"),
    "sites.building_edit": record("admin"),
    "sites.labels_pdf": record(*READERS),
    "sites.labels_outdoor_pdf": page(*READERS),
    "sites.checkpoints": page(*READERS),
    "sites.checkpoint_new": page("admin"),
    "sites.checkpoint_detail": record(*READERS),
    "sites.checkpoint_edit": record("admin"),
    "sites.checkpoint_active": record("admin"),
    "sites.checkpoint_rotate": record("admin"),
    "sites.label_png": record(*READERS),
    "sites.label_svg": record(*READERS),
    "rounds.index": page("admin"),
    "rounds.new": page("admin"),
    "rounds.edit": record("admin"),
    "rounds.active": record("admin"),
    "rounds.stops": record("admin"),
    "rounds.stop_add": record("admin"),
    "rounds.stop_move": record("admin"),
    "rounds.stop_remove": record("admin"),

    # the shared checklist catalogue: supervisors read, admins edit
    "checklists.index": shared(*READERS),
    "checklists.detail": shared(*READERS),
    "checklists.version": shared(*READERS),
    "checklists.new": shared("admin"),
    "checklists.edit": shared("admin"),
    "checklists.active": shared("admin"),

    # patrols
    "patrols.today": page(*DUTY),
    "patrols.history": page(*DUTY),
    "patrols.logs": page(*READERS),
    "patrols.log_detail": record("patroller", "supervisor", "admin"),
    "patrols.start": record(*DUTY),
    "patrols.manual": record(*DUTY, args=OPEN_LOG),
    "patrols.skip": record(*DUTY, args=OPEN_LOG),
    "patrols.submit": record(*DUTY, args=OPEN_LOG),
    "patrols.visit": record("patroller", "supervisor", "admin"),
    # without htmx the item's fragment redirects to its place on the visit page
    "patrols.item_form": record("patroller", "supervisor", "admin", ok=(302,)),
    "patrols.answer": record(*DUTY),
    "patrols.location": record(*DUTY),
    # the walker has the checkpoint's round open: the scan opens the visit; others see the checkpoint's page
    "scan.scan": record(*DUTY, ok=(303,)),
    "photos.full": record(*EVERYONE, upload=True),
    "photos.thumb": record(*EVERYONE, upload=True),

    # sign-off and corrections
    "signoff.log": record("patroller", "supervisor", "admin"),
    "signoff.performed": record(*DUTY, args={"log_id": Ref("submitted_log")}),
    "signoff.witnessed": record(*DUTY, args={"log_id": Ref("submitted_log")}),
    "signoff.cosign_code": record(*DUTY, args={"log_id": Ref("submitted_log")}),
    "signoff.cosign": record(*DUTY, args={"token": Ref("cosign")}),
    "signoff.reviewed": record("supervisor"),
    "signoff.return_log": record("supervisor"),
    "signoff.amend": record(*DUTY),
    # only the log's walker edits its open correction; others are sent to the log
    "signoff.amendment": record(*DUTY, args={"log_id": Ref("amending_log")},
                                ok={"patroller": (200,), "supervisor": (303,)}),
    "signoff.amend_answer": record(*DUTY, args={"log_id": Ref("amending_log"), "answer_id": Ref("amend_answer")}),
    "signoff.undo_answer": record(*DUTY, args={"log_id": Ref("amending_log"), "answer_id": Ref("amend_answer")}),
    "signoff.submit_correction": record(*DUTY, args={"log_id": Ref("amending_log")}),
    "signoff.withdraw": record(*DUTY, args={"log_id": Ref("amending_log")}),

    # findings and work orders
    "findings.overview": page("supervisor", ok=(302,)),  # the review's entry: on to the queue
    "findings.queue": page("supervisor"),
    "findings.approve_one": record("supervisor"),
    "findings.reject_one": record("supervisor"),
    "findings.merge_one": record("supervisor"),
    # another site's ids are skipped, not approved: back to the queue with "0 approved"
    "findings.bulk_approve": record("supervisor", foreign=(303,), form={"finding_ids": Ref("finding")}),
    "work_orders.my_team": page("maintenance"),
    "work_orders.board": page(*READERS),
    "work_orders.detail": record(*EVERYONE),
    "work_orders.act": record("maintenance", "patroller", "supervisor", args={"action": Lit("claim")}),
    "work_orders.reassign_order": record("supervisor"),

    # supervision
    "dashboard.home": page(*READERS),
    "dashboard.logs": page(*READERS),
    "dashboard.findings": page(*READERS),
    "dashboard.work_orders": page(*READERS),
    "reviews.weekly": page(*READERS),
    # the week's list is checked against the user's own site: another site's log ids are refused
    "reviews.review_all": record("supervisor", foreign=(400, 409, 422),
                                 form={"week": "2026-W01", "log_id": Ref("log"), "password": "pass-word-1"}),
    "reviews.spot_checks": page(*READERS),
    "reviews.draw": page("supervisor"),
    "reviews.spot_check": record(*READERS),
    "reviews.check": record("supervisor", args={"item_id": Ref("spot_item")}, form={"result": "ok"}),
    "reviews.sign_spot": record("supervisor", form={"password": "pass-word-1"}),
    "handover.index": page("patroller", "supervisor", "admin"),
    "handover.new": page(*DUTY),
    "handover.detail": record("patroller", "supervisor", "admin"),
    "handover.sign": record(*DUTY, args={"part": Lit("incoming")},
                            form={"username": Ref("me"), "password": "pass-word-1"}),

    # exports: the archive is of the user's current site; a log by id
    "exports.archive": page(*READERS),
    "exports.patrol_sheet": page(*READERS),
    "exports.problem_sheet": page(*READERS),
    "exports.archive_workbook": page(*READERS),
    "exports.answers_csv": page(*READERS),
    "exports.log_pdf": record("patroller", "supervisor", "admin"),

    # units, renovation permits and their rectification notices, vacant units and their keys
    "units.index": page(*READERS),
    "units.new": page(*READERS),
    "units.detail": record("patroller", "supervisor", "admin"),
    "units.edit": record(*READERS),
    "renovation.permits": page(*EVERYONE),
    "renovation.new": page(*READERS),
    "renovation.detail": record(*EVERYONE),
    "renovation.document": record(*EVERYONE, upload=True),
    "renovation.add_documents": record(*READERS),
    "renovation.submit": record(*READERS),
    "renovation.withdraw": record(*READERS),
    "renovation.extend": record(*READERS),
    "renovation.complete": record(*READERS),
    "renovation.approve": record("maintenance", "supervisor"),  # engineering approves (002 装修 §4.2)
    "renovation.reject": record("maintenance", "supervisor"),
    "renovation.notice_list": page(*EVERYONE),
    "renovation.notice": record(*EVERYONE),
    "renovation.notice_download": record(*EVERYONE),
    "renovation.deadline": record("supervisor"),
    "renovation.reinspect": record(*DUTY),
    "vacancy.units": page("patroller", "supervisor", "admin"),
    "vacancy.keys": page("patroller", "supervisor", "admin"),
    "vacancy.borrow": record("patroller", "supervisor", "admin"),
    "vacancy.give_back": record("patroller", "supervisor", "admin"),
    "vacancy.upkeep": record(*DUTY),
    "vacancy.cleaning": record(*DUTY),
    "vacancy.plans": page(*READERS),
    "vacancy.plan_new": page(*READERS),
    "vacancy.plan": record(*READERS),
    "vacancy.plan_edit": record(*READERS),
    "vacancy.seasons": page("admin"),
    "vacancy.report": page(*READERS),
    "vacancy.report_pdf": page(*READERS),
    "vacancy.report_xlsx": page(*READERS),

    # JSON API
    "api.sites": page(*EVERYONE),
    "api.buildings": record(*EVERYONE),
    "api.checkpoints": record(*EVERYONE),
    "api.templates": shared(*EVERYONE),
    "api.template": shared(*EVERYONE),
    "sync.pack": record(*SYNC, args=OPEN_LOG),
    "sync.visit": record(*SYNC, json={"uuid": _uuid, "log_id": Ref("open_log"), "checkpoint_id": Ref("checkpoint_2"),
                                      "method": "qr", "scanned_at": _now}),
    "sync.answer": record(*SYNC, json={"uuid": _uuid, "visit_uuid": Ref("visit_uuid"), "item_id": Ref("item"),
                                       "result": "pass", "answered_at": _now}),
    "sync.photo": record(*SYNC, form={"uuid": _uuid, "answer_uuid": Ref("answer_uuid"), "photo": _jpeg}),
    "sync.skip": record(*SYNC, json={"uuid": _uuid, "log_id": Ref("open_log"), "checkpoint_id": Ref("checkpoint_2"),
                                     "reason": "门锁着"}),
    "sync.submit": record(*SYNC, json={"uuid": _uuid, "log_id": Ref("open_log")}),
    "sync.cosign": record(*SYNC, json={"uuid": _uuid, "log_id": Ref("submitted_log"), "username": "nobody",
                                       "password": "wrong-password"}),
}
