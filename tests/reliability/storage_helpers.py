"""An upload folder of the test's own, and a failed answer waiting for its photo."""
from __future__ import annotations

import os

import pytest

from tests.integration.sync_phone import Phone, new_uuid


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


def files_in(folder) -> set[str]:
    return {os.path.relpath(os.path.join(root, name), folder) for root, _dirs, names in os.walk(folder) for name in names}


def photo_item(phone: Phone, index: int = 0) -> dict:
    return next(i for i in phone.stop(index)["items"] if i["answer_type"] == "pass_fail" and i["photo_on_fail"])


def failed_answer(phone: Phone, visit_uuid: str | None = None, item: dict | None = None) -> str:
    """A failed answer sent from the phone (visiting the first stop unless a visit is given); returns its uuid."""
    if visit_uuid is None:
        visit_uuid = new_uuid()
        assert phone.visit(0, visit_uuid).status_code == 201
    answer_uuid = new_uuid()
    response = phone.answer(visit_uuid, item or photo_item(phone), answer_uuid, result="fail", note="墙面渗水")
    assert response.status_code == 201, response.get_json()
    return answer_uuid
