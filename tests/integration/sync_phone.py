"""A phone talking to the sync API: the walker signed in, the round started online, the pack fetched."""
from __future__ import annotations

import io
import uuid as uuidlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import login
from tests.integration.patrol_world import build_world
from tests.integration.test_patrol_walk import _log, _start


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def iso(seconds: float = 0) -> str:
    """Now (shifted by some seconds) as a phone's JavaScript writes it."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def jpeg(color=(120, 130, 140)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def passing(item: dict) -> dict:
    """A valid passing answer for an item of the pack."""
    return {"pass_fail": {"result": "pass"}, "number": {"number": 1.2}, "text": {"text": "正常"}}[item["answer_type"]]


class Phone:
    def __init__(self, client, log_id: int):
        self.client, self.log_id = client, log_id
        self.pack = self.fetch_pack()
        self.csrf = self.pack["csrf_token"]
        self.sent: dict[str, tuple[str, dict]] = {}  # uuid → (endpoint, body), to send again as a phone would

    def fetch_pack(self) -> dict:
        response = self.client.get(f"/api/v1/sync/logs/{self.log_id}/pack")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def stop(self, index: int) -> dict:
        return self.pack["stops"][index]

    def post(self, what: str, **body):
        if "uuid" in body:
            self.sent[body["uuid"]] = (what, body)
        return self.client.post(f"/api/v1/sync/{what}", json=body, headers={"X-CSRFToken": self.csrf})

    def resend(self, uuid: str, **changes):
        what, body = self.sent[uuid]
        return self.client.post(f"/api/v1/sync/{what}", json={**body, **changes}, headers={"X-CSRFToken": self.csrf})

    def visit(self, index: int, uuid: str | None = None, **extra):
        body = {"uuid": uuid or new_uuid(), "log_id": self.log_id, "checkpoint_id": self.stop(index)["checkpoint_id"],
                "method": "qr", "scanned_at": iso()}
        return self.post("visits", **{**body, **extra})

    def answer(self, visit_uuid: str, item: dict, uuid: str | None = None, **extra):
        body = {"uuid": uuid or new_uuid(), "visit_uuid": visit_uuid, "item_id": item["id"], "answered_at": iso(),
                **passing(item)}
        return self.post("answers", **{**body, **extra})

    def walk(self, index: int) -> str:
        """Visit a stop and pass every item; returns the visit's uuid."""
        visit_uuid = new_uuid()
        assert self.visit(index, visit_uuid).status_code == 201
        for item in self.stop(index)["items"]:
            response = self.answer(visit_uuid, item)
            assert response.status_code == 201, response.get_json()
        return visit_uuid

    def photo(self, answer_uuid: str, content: bytes, uuid: str | None = None):
        data = {"uuid": uuid or new_uuid(), "answer_uuid": answer_uuid, "photo": (io.BytesIO(content), "photo.jpg")}
        return self.client.post("/api/v1/sync/photos", data=data, content_type="multipart/form-data",
                                headers={"X-CSRFToken": self.csrf})


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def phone(app, client, world) -> Phone:
    """The walker's phone with the round started online (as before going down to the basement)."""
    assert login(client, world.patroller).status_code == 303
    assert _start(client, world).status_code == 303
    return Phone(client, _log(app, world.round_id).id)
