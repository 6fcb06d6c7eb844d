"""`flask backup` writes the database snapshot, the uploaded photos and a manifest of checksums; `flask restore` checks
it and brings it into an empty instance, where every log, photo (same bytes) and audit event is found again and the
audit chain still holds. A changed, incomplete or padded backup is refused, and so is a target that holds data."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, inspect, select

from app.audit.chain import seal_pending, verify_chain
from app.audit.models import AuditEvent
from app.audit.services import record
from app.demo.builder import build_demo
from app.extensions import db
from app.patrols.models import PatrolLog
from app.photos.models import Photo
from app.photos.storage import store_image
from tests.scratch_db import scratch_instance
from tests.factories import make_site, make_user

NOON_SHANGHAI = datetime(2026, 11, 20, 4, 0)


@pytest.fixture
def empty_instance(tmp_path):
    """A second instance of the app on an empty database and an empty upload folder."""
    with scratch_instance(tmp_path, "restore", uploads="restored-uploads") as instance:
        yield instance


def _backup(app, tmp_path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.split("backup written: ", 1)[1].splitlines()[0])
    assert folder.parent == tmp_path / "backups" and (folder / "manifest.json").is_file()
    return folder


def _restore(instance, folder: Path, *extra: str):
    return instance.test_cli_runner().invoke(args=["restore", str(folder), *extra])


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _snapshot(instance) -> dict:
    """What must come back: logs, photos with their file bytes, and the audit trail with its hashes."""
    with instance.app_context():
        upload_dir = Path(instance.config["UPLOAD_DIR"])
        photos = db.session.scalars(select(Photo).order_by(Photo.id)).all()
        return {
            "logs": db.session.execute(select(PatrolLog.id, PatrolLog.number, PatrolLog.status, PatrolLog.site_id)
                                       .order_by(PatrolLog.id)).all(),
            "photos": [(p.id, p.sha256, p.path, p.answer_id, p.work_order_id) for p in photos],
            "photo_bytes": {p.path: (upload_dir / p.path).read_bytes() for p in photos}
                           | {p.thumb_path: (upload_dir / p.thumb_path).read_bytes() for p in photos},
            "audit": db.session.execute(select(AuditEvent.id, AuditEvent.seq, AuditEvent.action, AuditEvent.hash)
                                        .order_by(AuditEvent.id)).all(),
        }


def test_the_demo_estate_comes_back_whole_in_an_empty_instance(app, tmp_path, empty_instance):
    with app.app_context():
        build_demo(now=NOON_SHANGHAI, days=10)
        seal_pending()
    before = _snapshot(app)
    assert len(before["logs"]) > 20 and len(before["photos"]) > 3 and len(before["audit"]) > 10
    folder = _backup(app, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["patrol_logs"] == len(before["logs"]) and manifest["audit"]["sealed"] == len(before["audit"])
    assert set(before["photo_bytes"]) <= set(manifest["uploads"]["files"])

    result = _restore(empty_instance, folder)
    assert result.exit_code == 0, result.output
    after = _snapshot(empty_instance)
    assert after["logs"] == before["logs"] and after["photos"] == before["photos"]
    assert after["photo_bytes"] == before["photo_bytes"]
    assert all(hashlib.sha256(after["photo_bytes"][path]).hexdigest() == sha for _id, sha, path, *_ in after["photos"])
    assert after["audit"][:len(before["audit"])] == before["audit"]
    assert [row.action for row in after["audit"][len(before["audit"]):]] == ["backup_restored"]
    with empty_instance.app_context():
        chain = verify_chain()
        assert chain.broken_seq is None and chain.checked == len(before["audit"]) + 1 and chain.unsealed == 0
    assert f"audit chain intact: {len(before['audit'])} events restored" in result.output


@pytest.fixture
def small_backup(app, tmp_path) -> Path:
    """A site, a person, an audit event and one stored photo, backed up."""
    with app.app_context():
        site = make_site()
        user = make_user("patroller", [site])
        db.session.add(store_image(Image.new("RGB", (64, 48), (200, 30, 30)), site_id=site.id, uploaded_by_id=user.id))
        record("user_created", user, actor=user)
        db.session.commit()
        seal_pending()
    return _backup(app, tmp_path)


def _nothing_restored(instance) -> bool:
    with instance.app_context():
        tables = inspect(db.engine).get_table_names()
        rows = db.session.scalar(select(func.count()).select_from(AuditEvent)) if "audit_events" in tables else 0
    return not rows and not _files(Path(instance.config["UPLOAD_DIR"]))


def _photo_file(folder: Path) -> Path:
    return next(p for p in (folder / "uploads").rglob("*.jpg") if not p.name.endswith(".thumb.jpg"))


def _database_file(folder: Path) -> Path:
    return next(folder.glob("database.*"))


def test_a_changed_photo_in_the_backup_is_refused_and_nothing_restored(small_backup, empty_instance):
    photo = _photo_file(small_backup)
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0xFF
    photo.write_bytes(bytes(data))
    result = _restore(empty_instance, small_backup)
    assert result.exit_code == 1
    assert "does not match its manifest" in result.output and "checksum differs" in result.output
    assert photo.name in result.output
    assert _nothing_restored(empty_instance)


@pytest.mark.parametrize("damage, words", [
    (lambda folder: _photo_file(folder).unlink(), "missing"),
    (lambda folder: (folder / "uploads" / "evil.html").write_text("<script>alert(1)</script>"), "not in the manifest"),
    (lambda folder: _database_file(folder).write_bytes(b"x"), "bytes, the manifest says"),
    (lambda folder: (folder / "manifest.json").unlink(), "it has no manifest.json"),
    (lambda folder: (folder / "manifest.json").write_text("{not json"), "is damaged"),
])
def test_an_incomplete_or_padded_backup_is_refused(small_backup, empty_instance, damage, words):
    damage(small_backup)
    result = _restore(empty_instance, small_backup)
    assert result.exit_code == 1 and words in result.output, result.output
    assert _nothing_restored(empty_instance)


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(small_backup, empty_instance):
    manifest = json.loads((small_backup / "manifest.json").read_text())
    manifest["uploads"]["files"]["../../outside.jpg"] = {"sha256": "0" * 64, "bytes": 1}
    (small_backup / "manifest.json").write_text(json.dumps(manifest))
    result = _restore(empty_instance, small_backup)
    assert result.exit_code == 1 and "outside the backup is not allowed" in result.output


def test_an_instance_with_data_is_not_overwritten_without_force(small_backup, empty_instance):
    assert _restore(empty_instance, small_backup).exit_code == 0
    again = _restore(empty_instance, small_backup)
    assert again.exit_code == 1 and "already holds data" in again.output
    forced = _restore(empty_instance, small_backup, "--force")
    assert forced.exit_code == 0, forced.output
    with empty_instance.app_context():
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
        assert verify_chain().broken_seq is None
