"""One patrol log printed as a PDF: every checkpoint and answer, photo thumbnails, signatures, corrections; who may print."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.checklists.models import ChecklistItem
from app.demo.builder import build_demo
from app.extensions import db
from app.patrols.models import Answer, PatrolLog, Visit
from app.photos.models import Photo
from app.sites.models import Checkpoint
from tests.conftest import login
from tests.factories import make_user
from tests.integration.export_world import add_signed_correction, build_export_world
from tests.integration.test_exports_archive import DEMO_NOW, assert_numbered, pdf_pages


def _pdf(client, log_id: int) -> bytes:
    response = client.get(f"/exports/logs/{log_id}.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.data


def _images(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def test_demo_log_with_photos_prints_every_checkpoint_answer_photo_and_signature(app, client):
    with app.app_context():
        build_demo(now=DEMO_NOW, days=10)
        log_id, photos = db.session.execute(
            select(Visit.log_id, func.count(Photo.id)).join(Answer, Answer.visit_id == Visit.id)
            .join(Photo, Photo.answer_id == Answer.id).group_by(Visit.log_id).order_by(func.count(Photo.id).desc()).limit(1)).one()
        log = db.session.get(PatrolLog, log_id)
        number, walker = log.number, log.started_by.full_name
        visits = db.session.execute(select(Checkpoint.code, func.count(Answer.id)).join(Visit, Visit.checkpoint_id == Checkpoint.id)
                                    .join(Answer, Answer.visit_id == Visit.id).where(Visit.log_id == log_id)
                                    .group_by(Checkpoint.code)).all()
        item_codes = set(db.session.scalars(select(ChecklistItem.code).join(Answer).join(Visit).where(Visit.log_id == log_id)))
    login(client, "super1", "demo-pass")
    data = _pdf(client, log_id)
    pages = pdf_pages(data)
    text = "\n".join(pages)
    assert "示例花园" in pages[0] and "巡楼日志" in pages[0] and number in pages[0] and walker in pages[0]
    assert_numbered(pages)
    assert all(code in text for code, _count in visits)
    assert all(code in text for code in item_codes)
    assert text.count("合格") >= sum(count for _code, count in visits)  # one result per answer (不合格 contains 合格)
    assert "执行人" in text and "见证人" in text and "与内容一致" in text
    assert _images(data) == photos


def test_correction_and_its_signatures_are_printed(app, client):
    world = build_export_world(app)
    add_signed_correction(app, world.log_ids[0], world.passed_answer_id, reason="看错了：应急灯不亮")
    login(client, "boss")
    text = "\n".join(pdf_pages(_pdf(client, world.log_ids[0])))
    assert "更正记录" in text and "更正 1（已签名）" in text and "更正原因：看错了：应急灯不亮" in text
    assert "原为 合格；改为 不合格，说明：应急灯不亮" in text
    assert "已在更正 1 中改为：" in text
    assert text.count("张伟") >= 3  # in the header and as signer of the original and of the correction
    assert "不合格项" in text and "\n2" in text.split("不合格项", 1)[1][:5]  # the original failure and the corrected one


def test_missing_photo_file_is_named_not_fatal(app, client):
    world = build_export_world(app)
    with app.app_context():
        import os

        from app.photos.storage import absolute

        photo = db.session.scalar(select(Photo).where(Photo.answer_id == world.failed_answer_id))
        os.remove(absolute(photo.thumb_path))
    login(client, "boss")
    assert "照片文件缺失" in "\n".join(pdf_pages(_pdf(client, world.log_ids[0])))


def test_log_detail_and_sign_pages_offer_the_pdf(app, client):
    world = build_export_world(app)
    login(client, "walker")
    link = f"/exports/logs/{world.log_ids[0]}.pdf"
    assert link in client.get(f"/patrol/logs/{world.log_ids[0]}").get_data(as_text=True)
    assert link in client.get(f"/sign/logs/{world.log_ids[0]}").get_data(as_text=True)
    other = app.test_client()
    login(other, "bystander")
    assert link not in other.get(f"/patrol/logs/{world.log_ids[0]}").get_data(as_text=True)


@pytest.mark.parametrize("username, status", [
    ("walker", 200),     # walked the round
    ("witness", 200),    # co-signed it
    ("bystander", 403),  # a patroller of the same site who had no part in it
    ("fixer", 403),      # maintenance
    ("boss", 200),       # the site's supervisor
])
def test_who_may_print_a_log(app, client, username, status):
    world = build_export_world(app)
    login(client, username)
    assert client.get(f"/exports/logs/{world.log_ids[0]}.pdf").status_code == status


def test_another_sites_log_and_unknown_ids_are_not_found(app, client, login_as):
    world = build_export_world(app)
    login_as("supervisor")
    assert client.get(f"/exports/logs/{world.log_ids[0]}.pdf").status_code == 404
    assert client.get("/exports/logs/99999999.pdf").status_code == 404
    assert client.get("/exports/logs/99999999999999999999.pdf").status_code == 404


def test_an_admin_of_the_site_prints_any_log(app, client):
    world = build_export_world(app)
    with app.app_context():
        from app.sites.models import Site

        make_user("admin", [db.session.get(Site, world.site_id)], username="siteadmin")
        db.session.commit()
    login(client, "siteadmin")
    assert "1栋1号电梯" in "\n".join(pdf_pages(_pdf(client, world.log_ids[1])))
