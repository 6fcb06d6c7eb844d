"""A disk that refuses a good photo (full, read-only): a clear 507 or 503 in the user's language, and no row without its file."""
from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.patrols.models import Answer
from app.patrols.receipts import SyncReceipt
from app.photos import storage
from app.photos.models import Photo
from tests.integration.sync_phone import count, jpeg, new_uuid, phone, world  # noqa: F401
from tests.reliability.storage_helpers import failed_answer, files_in, photo_item, uploads  # noqa: F401

REFUSALS = {
    errno.ENOSPC: (507, "storage_full", "存储空间已满"),
    errno.EDQUOT: (507, "storage_full", "存储空间已满"),
    errno.EROFS: (503, "storage_unavailable", "暂时无法保存照片"),
    errno.EACCES: (503, "storage_unavailable", "暂时无法保存照片"),
}


def refusing_disk(monkeypatch, number: int, at_write: int) -> None:
    """The disk refuses the at_write-th file written (1: the thumbnail, 2: the display file) with this errno."""
    real, calls = storage._write_durably, []

    def write(path, data):
        calls.append(path)
        if len(calls) == at_write:
            raise OSError(number, os.strerror(number), path)
        real(path, data)

    monkeypatch.setattr(storage, "_write_durably", write)


def assert_photo_row_has_its_files(app) -> None:
    with app.app_context():
        for photo in db.session.scalars(select(Photo)):
            assert os.path.isfile(storage.absolute(photo.path)) and os.path.isfile(storage.absolute(photo.thumb_path))


@pytest.mark.parametrize(("number", "at_write"), [
    (errno.ENOSPC, 1), (errno.ENOSPC, 2), (errno.EDQUOT, 2), (errno.EROFS, 1), (errno.EACCES, 2),
], ids=lambda value: errno.errorcode[value] if value > 2 else ("", "thumbnail", "display")[value])
def test_a_refused_write_answers_5xx_with_a_message_and_keeps_no_row_and_no_file(app, phone, uploads, monkeypatch,
                                                                                   number, at_write):
    answer_uuid, uuid = failed_answer(phone), new_uuid()
    refusing_disk(monkeypatch, number, at_write)
    response = phone.photo(answer_uuid, jpeg(), uuid)
    status, code, words = REFUSALS[number]
    body = response.get_json()
    assert (response.status_code, body["code"], body["field"]) == (status, code, "photos")
    assert words in body["message"]  # the walker's language: Chinese by default
    assert count(app, Photo) == 0 and count(app, SyncReceipt, SyncReceipt.uuid == uuid) == 0
    assert files_in(uploads) == set()  # neither the thumbnail nor a temporary file stays behind
    monkeypatch.undo()
    assert phone.photo(answer_uuid, jpeg(), uuid).status_code == 201  # the phone's next try, once there is room
    assert count(app, Photo) == 1
    assert_photo_row_has_its_files(app)


def test_the_message_comes_in_english_for_an_english_speaking_user(app, phone, uploads, monkeypatch, world):
    with app.app_context():
        db.session.scalar(select(User).where(User.username == world.patroller)).locale = "en"
        db.session.commit()
    answer_uuid = failed_answer(phone)
    refusing_disk(monkeypatch, errno.ENOSPC, 1)
    body = phone.photo(answer_uuid, jpeg()).get_json()
    assert body["message"].startswith("The server's photo storage is full, so this photo was not saved.")


def _writable(folder) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.fixture
def read_only_uploads(uploads):
    """The upload folder made read-only for real: by its mode, or, for root (who ignores modes), immutable."""
    uploads.chmod(0o555)
    immutable = False
    if _writable(uploads) and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(uploads)], capture_output=True).returncode == 0
    try:
        if _writable(uploads):
            pytest.skip("root on a file system without chattr: the folder cannot be made read-only here")
        yield uploads
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(uploads)], check=True)
        uploads.chmod(0o755)


def test_an_unwritable_upload_folder_refuses_the_photo_and_stores_no_answer(app, client, phone, read_only_uploads):
    visit_uuid = new_uuid()
    visit_id = phone.visit(0, visit_uuid).get_json()["id"]
    item = photo_item(phone)
    response = client.post(f"/patrol/visits/{visit_id}/items/{item['id']}",
                           data={"result": "fail", "note": "灭火器压力不足", "photos": (io.BytesIO(jpeg()), "p.jpg")},
                           headers={"X-CSRFToken": phone.csrf, "HX-Request": "true"})
    assert response.status_code == 503
    assert "暂时无法保存照片" in response.get_data(as_text=True)  # beside the photo field, in the item's form
    assert count(app, Answer) == 0 and count(app, Photo) == 0  # the failure waits for its photo: nothing half-saved
    synced = phone.photo(failed_answer(phone, visit_uuid, item), jpeg())
    assert (synced.status_code, synced.get_json()["code"]) == (503, "storage_unavailable")
    assert synced.headers["Retry-After"]
    assert count(app, Photo) == 0 and files_in(read_only_uploads) == set()
