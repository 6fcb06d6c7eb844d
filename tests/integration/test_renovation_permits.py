"""Renovation applications and decisions through the web: bad input is refused clearly and stores nothing."""
from __future__ import annotations

import io
import os
from datetime import datetime, timedelta

import pillow_heif
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.model_helpers import utcnow
from app.renovation import services
from app.renovation.clock import approval_due_at
from app.renovation.models import PermitDocument, RenovationPermit, RenovationWorker
from app.sites.models import Site, SiteHoliday
from tests.integration.renovation_world import (application, approved_permit, build_world, jpeg, permit_of, post,
                                                sign_in, today_at, tiny_pdf)

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))  # each test counts the files it stored
    return build_world(app)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _stored_files(app) -> list[str]:
    root = os.path.join(app.config["UPLOAD_DIR"], "renovation")
    return [name for _folder, _dirs, names in os.walk(root) for name in names]


def _apply(client, world, app, **overrides):
    sign_in(client, world.desk)
    form = application(world.unit_ids[0], overrides.pop("start", None) or today_at(app, world), **overrides)
    return post(client, "/renovation/new", form, headers=EN)


def _nothing_stored(app, before_files: int = 0) -> None:
    assert _count(app, RenovationPermit) == 0 and _count(app, RenovationWorker) == 0 and _count(app, PermitDocument) == 0
    assert len(_stored_files(app)) == before_files


def test_a_complete_application_is_stored_with_workers_and_its_document(app, client, world):
    response = _apply(client, world, app)
    assert response.status_code == 303
    permit = permit_of(app, world.unit_ids[0])
    assert permit.status == "applied" and permit.submitted_at is None and permit.approval_due_at is None
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit.id)
        assert [w.pass_number for w in permit.workers] == ["ZX-0101", "ZX-0102"]
        document = permit.documents[0]
        assert document.content_type == "application/pdf" and document.original_name == "申请表.pdf"
        assert document.path.startswith(f"renovation/{world.site_id}/") and "申请表" not in document.path
    download = client.get(f"/renovation/{permit.id}/documents/{document.id}")
    body = download.data
    download.close()
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="permit-document-{document.id}.pdf"'
    assert body.startswith(b"%PDF-")


def test_longer_than_three_months_without_an_extension_is_refused(app, client, world):
    response = _apply(client, world, app, days=93)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="planned_end-error"' in body and "at most 3 months" in body
    _nothing_stored(app)


def test_end_before_start_is_refused(app, client, world):
    start = today_at(app, world)
    response = _apply(client, world, app, start=start, planned_end=(start - timedelta(days=1)).isoformat())
    assert response.status_code == 400 and "The end date is before the start date" in response.get_data(as_text=True)
    _nothing_stored(app)


def test_a_worker_without_a_pass_is_refused_beside_the_row(app, client, world):
    response = _apply(client, world, app, **{"workers-1-pass_number": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="workers-1-pass_number-error"' in body and "without a pass is not allowed" in body
    _nothing_stored(app)


def test_an_application_without_workers_or_with_a_pass_twice_is_refused(app, client, world):
    none = _apply(client, world, app, **{"workers-0-name": "", "workers-0-pass_number": "",
                                         "workers-1-name": "", "workers-1-pass_number": "", "workers-1-phone": ""})
    assert none.status_code == 400 and "at least one worker" in none.get_data(as_text=True)
    twice = _apply(client, world, app, **{"workers-1-pass_number": "zx-0101"})
    assert twice.status_code == 400 and "appears twice" in twice.get_data(as_text=True)
    _nothing_stored(app)


@pytest.mark.parametrize("field, value, message", [
    ("owner_name", "", "Enter the owner&#39;s name."),
    ("contractor_phone", "call me", "Enter a phone number"),
    ("planned_start", "", "Enter the planned start date."),
    ("planned_start", "2026-02-30", "Enter the planned start date."),
    ("unit_id", "", "Choose the unit."),
    ("unit_id", "abc", "Choose the unit."),
    ("hot_work", "1", "hot-work permit number"),
    ("deposit_yuan", "-5", "Enter the deposit in whole yuan."),
])
def test_missing_or_malformed_fields_are_refused(app, client, world, field, value, message):
    response = _apply(client, world, app, **{field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    _nothing_stored(app)


def test_a_unit_of_another_site_is_refused(app, client, world):
    response = _apply(client, world, app, unit_id=str(world.other_unit_id))
    assert response.status_code == 400
    assert 'id="unit_id-error"' in response.get_data(as_text=True) and "Choose a unit of this site" in response.get_data(as_text=True)
    _nothing_stored(app)


def test_a_second_live_permit_for_the_unit_is_refused_and_a_double_post_too(app, client, world):
    assert _apply(client, world, app).status_code == 303
    again = _apply(client, world, app)  # the same form posted twice, or a second application for the unit
    assert again.status_code == 409 and "already has a renovation permit in progress" in again.get_data(as_text=True)
    assert _count(app, RenovationPermit) == 1 and len(_stored_files(app)) == 1


def test_the_database_refuses_a_second_live_permit_and_the_race_answers_409(app, client, world, monkeypatch):
    assert _apply(client, world, app).status_code == 303
    monkeypatch.setattr(services, "live_permit", lambda unit_id: None)  # as if two clerks checked at the same moment
    raced = _apply(client, world, app)
    assert raced.status_code == 409
    assert _count(app, RenovationPermit) == 1 and len(_stored_files(app)) == 1  # the loser's document is removed
    with app.app_context():
        first = db.session.scalar(select(RenovationPermit))
        twin = RenovationPermit(site_id=first.site_id, unit_id=first.unit_id, number="ZX-X", status="approved",
                                owner_name="x", owner_phone="1", contractor_name="x", contractor_person="x",
                                contractor_phone="1", planned_start=first.planned_start, planned_end=first.planned_end,
                                original_end=first.planned_end, created_by_id=first.created_by_id)
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def _heic() -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), (90, 90, 200))).save(buffer, format="HEIF", quality=70)
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("图纸.pdf", jpeg(), "is called a PDF but its content is not a PDF"),
    ("申请表.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "is called a PDF but its content is not a PDF"),
    ("photo.jpg", b"<html><body>not a photo</body></html>", "is neither a photo"),
    ("photo.jpg", tiny_pdf(), "claims to be a photo but is a PDF"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", "is damaged or not a real PDF"),
    ("cut.jpg", jpeg()[:400], "is neither a photo"),
    ("empty.pdf", b"", "is empty"),
])
def test_documents_that_are_not_what_they_claim_are_refused(app, client, world, name, content, message):
    response = _apply(client, world, app, documents=[(io.BytesIO(content), name)])
    assert response.status_code == 400, response.status_code
    body = response.get_data(as_text=True)
    assert 'id="documents-error"' in body and message in body
    _nothing_stored(app)


def test_one_bad_document_refuses_the_good_ones_with_it(app, client, world):
    files = [(io.BytesIO(tiny_pdf()), "ok.pdf"), (io.BytesIO(b"GIF89a...."), "drawing.pdf")]
    assert _apply(client, world, app, documents=files).status_code == 400
    _nothing_stored(app)


def test_an_oversized_document_is_refused(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 10_000)
    response = _apply(client, world, app, documents=[(io.BytesIO(jpeg(size=(2000, 1500))), "big.jpg")])
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    _nothing_stored(app)


def test_png_and_heic_photos_are_kept_as_our_own_jpegs(app, client, world):
    files = [(io.BytesIO(_png()), "drawing.png"), (io.BytesIO(_heic()), "IMG_0001.HEIC")]
    assert _apply(client, world, app, documents=files, document_kind="drawing").status_code == 303
    with app.app_context():
        documents = db.session.scalars(select(PermitDocument).order_by(PermitDocument.id)).all()
        assert [(d.kind, d.content_type) for d in documents] == [("drawing", "image/jpeg")] * 2
        permit_id, document_id = documents[1].permit_id, documents[1].id
    download = client.get(f"/renovation/{permit_id}/documents/{document_id}")
    body = download.data
    download.close()
    assert download.mimetype == "image/jpeg" and body[:3] == b"\xff\xd8\xff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert Image.open(io.BytesIO(body)).size == (640, 480)


def test_submitting_twice_and_deciding_in_the_wrong_state_are_409(app, client, world):
    assert _apply(client, world, app).status_code == 303
    permit_id = permit_of(app, world.unit_ids[0]).id
    sign_in(client, world.engineer)
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 409  # not submitted yet: no decision
    sign_in(client, world.desk)
    assert post(client, f"/renovation/{permit_id}/extend", {"new_end": "2099-01-01", "reason": "x"}).status_code == 409
    assert post(client, f"/renovation/{permit_id}/complete").status_code == 409
    assert post(client, f"/renovation/{permit_id}/submit").status_code == 303
    twice = post(client, f"/renovation/{permit_id}/submit", headers=EN)
    assert twice.status_code == 409 and "cannot be submitted" in twice.get_data(as_text=True)
    sign_in(client, world.engineer)
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 303
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 409
    assert post(client, f"/renovation/{permit_id}/reject", {"reason": "图纸不全"}).status_code == 409
    sign_in(client, world.desk)
    assert post(client, f"/renovation/{permit_id}/withdraw").status_code == 409
    assert permit_of(app, world.unit_ids[0]).status == "approved"


def test_an_extension_must_end_later_and_give_its_reason(app, client, world):
    permit_id = approved_permit(app, client, world)
    end = permit_of(app, world.unit_ids[0]).planned_end
    sign_in(client, world.desk)
    earlier = post(client, f"/renovation/{permit_id}/extend", {"new_end": end.isoformat(), "reason": "延期"}, headers=EN)
    assert earlier.status_code == 400 and 'id="new_end-error"' in earlier.get_data(as_text=True)
    no_reason = post(client, f"/renovation/{permit_id}/extend", {"new_end": (end + timedelta(days=9)).isoformat()})
    assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.get_data(as_text=True)
    assert permit_of(app, world.unit_ids[0]).planned_end == end


def test_rejection_needs_a_reason_and_frees_the_unit(app, client, world):
    assert _apply(client, world, app).status_code == 303
    permit_id = permit_of(app, world.unit_ids[0]).id
    post(client, f"/renovation/{permit_id}/submit")
    sign_in(client, world.engineer)
    assert post(client, f"/renovation/{permit_id}/reject", {"reason": " "}).status_code == 400
    assert post(client, f"/renovation/{permit_id}/reject", {"reason": "涉及拆改承重墙"}).status_code == 303
    assert permit_of(app, world.unit_ids[0]).status == "rejected"
    assert _apply(client, world, app).status_code == 303  # a new application for the unit is possible again


def test_who_may_do_what(app, client, world):
    assert _apply(client, world, app).status_code == 303
    permit_id = permit_of(app, world.unit_ids[0]).id
    post(client, f"/renovation/{permit_id}/submit")
    sign_in(client, world.cleaner)  # maintenance, but not engineering
    assert client.get("/renovation/").status_code == 403
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 403
    sign_in(client, world.walker)
    assert client.get(f"/renovation/{permit_id}").status_code == 200  # patrollers read permits
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 403
    assert client.get("/renovation/new").status_code == 403
    sign_in(client, world.engineer)
    assert client.get("/renovation/new").status_code == 403
    page = client.get(f"/renovation/{permit_id}").get_data(as_text=True)
    assert "139 0000 1201" not in page  # the owner's phone is for the desk only
    sign_in(client, world.outsider)
    assert client.get(f"/renovation/{permit_id}").status_code == 404
    assert post(client, f"/renovation/{permit_id}/approve").status_code == 404
    assert permit_of(app, world.unit_ids[0]).status == "applied"


def test_late_approvals_show_on_the_list_and_the_dashboard(app, client, world):
    assert _apply(client, world, app).status_code == 303
    permit_id = permit_of(app, world.unit_ids[0]).id
    post(client, f"/renovation/{permit_id}/submit")
    assert "/renovation/?view=late" in client.get("/dashboard/").get_data(as_text=True)
    assert permit_of(app, world.unit_ids[0]).number not in client.get("/renovation/?view=late").get_data(as_text=True)
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        permit.approval_due_at -= timedelta(days=3)
        db.session.commit()
    late = client.get("/renovation/?view=late", headers=EN).get_data(as_text=True)
    assert permit_of(app, world.unit_ids[0]).number in late and "Approval late since" in late
    dashboard = client.get("/dashboard/", headers=EN).get_data(as_text=True)
    assert "Renovation approvals late" in dashboard
    with app.app_context():
        assert services.late_approvals(world.site_id, utcnow()) == 1


def test_the_approval_clock_counts_working_days_in_the_site_time_zone(ctx):
    site = Site(code="TZ", name_zh="时区花园", name_en="TZ Gardens", timezone="Asia/Shanghai")
    db.session.add(site)
    db.session.flush()
    db.session.add(SiteHoliday(site_id=site.id, day=datetime(2026, 11, 30).date(), name="调休"))
    db.session.flush()
    # Friday 27 Nov 15:00 in Shanghai (07:00 UTC); Monday 30 Nov is a holiday: due Wednesday 2 Dec 15:00 local.
    assert approval_due_at(site, datetime(2026, 11, 27, 7, 0)) == datetime(2026, 12, 2, 7, 0)
    # Sunday 29 Nov 01:00 in Shanghai is still Saturday 17:00 UTC: counts from Tuesday, due at the end of Wednesday.
    assert approval_due_at(site, datetime(2026, 11, 28, 17, 0)) == datetime(2026, 12, 2, 16, 0)


def test_worker_rows_are_added_and_removed_without_storing_anything(app, client, world):
    sign_in(client, world.desk)
    form = application(world.unit_ids[0], today_at(app, world))
    added = post(client, "/renovation/new", dict(form, rows="add"))
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and 'name="workers-2-pass_number"' in body and 'value="ZX-0102"' in body
    removed = post(client, "/renovation/new", dict(application(world.unit_ids[0], today_at(app, world)), rows="remove-0"))
    body = removed.get_data(as_text=True)
    assert 'value="ZX-0101"' not in body and 'name="workers-0-pass_number" type="text" maxlength="32" value="ZX-0102"' in body
    _nothing_stored(app)


def test_the_unit_page_shows_the_permit_and_the_owner_only_to_the_desk(app, client, world):
    permit_id = approved_permit(app, client, world)
    number = permit_of(app, world.unit_ids[0]).number
    sign_in(client, world.desk)
    page = client.get(f"/units/{world.unit_ids[0]}").get_data(as_text=True)
    assert f"/renovation/{permit_id}" in page and number in page and "139 0000 1201" in page
    sign_in(client, world.walker)
    page = client.get(f"/units/{world.unit_ids[0]}").get_data(as_text=True)
    assert number in page and "139 0000 1201" not in page
