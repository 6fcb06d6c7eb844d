"""kill -9 of the server while a phone syncs 50 answers and photos: nothing acknowledged is lost or doubled.

The app runs under gunicorn on the suite's database (a SQLite file, or PostgreSQL with TEST_DATABASE_URL) with
an upload folder of its own. At seeded random moments, mostly while a request is being handled, the worker gets
SIGKILL (gunicorn forks a new one) or, three times, the whole server (started again). The phone sends again
whatever got no answer, and some acknowledged records too. Afterwards each acknowledged record is stored once,
the upload folder (once `photos sweep` collected what the kills left) holds exactly the photo rows' files, and
SQLite's integrity check passes.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.patrols.models import Answer, Visit
from app.patrols.receipts import SyncReceipt
from app.photos.models import Photo
from tests.factories import PASSWORD
from tests.integration.sync_phone import iso, jpeg, new_uuid, phone, world  # noqa: F401
from tests.reliability.live_server import Client, LiveServer, Unreachable, multipart

SEED = 20260509
ANSWERS, PHOTOS = 40, 10
KILLS, WHOLE_SERVER_KILLS = 12, 3  # most kills hit the worker (the master forks a new one), some the whole server


@dataclass
class Op:
    what: str  # visits | answers | photos
    uuid: str
    body: dict
    photo: bytes | None = None


def _answer(visit_uuid: str, item: dict, rng: random.Random) -> dict:
    answer = {"visit_uuid": visit_uuid, "item_id": item["id"], "answered_at": iso()}
    if item["answer_type"] == "number":
        in_range = next((bound for bound in (item["min_value"], item["max_value"]) if bound is not None), 1)
        return {**answer, "number": in_range}
    if item["photo_on_fail"] and rng.random() < 0.3:
        return {**answer, "result": "fail", "note": "破损，需要维修"}
    return {**answer, "result": "pass"}


def planned_ops(pack: dict, rng: random.Random) -> list[Op]:
    """Each stop's visit and answers (40 in all), each failed answer followed by its photos (spread over them)."""
    stops, budget = [], ANSWERS
    for stop in pack["stops"]:
        visit = Op("visits", new_uuid(), {"log_id": pack["log"]["id"], "checkpoint_id": stop["checkpoint_id"],
                                          "method": "qr", "scanned_at": iso()})
        answers = [Op("answers", new_uuid(), _answer(visit.uuid, item, rng)) for item in stop["items"][:budget]]
        budget -= len(answers)
        stops.append((visit, answers))
    failed = [answer for _visit, answers in stops for answer in answers if answer.body.get("result") == "fail"]
    assert failed, "the seed gave no failed answer"
    photos = {answer.uuid: [] for answer in failed}
    for n in range(PHOTOS):
        answer = failed[n % len(failed)]
        photos[answer.uuid].append(Op("photos", new_uuid(), {"answer_uuid": answer.uuid},
                                      jpeg((n * 20 % 256, 90, 200 - n * 15))))
    return [op for visit, answers in stops
            for op in [visit, *(op for answer in answers for op in [answer, *photos.get(answer.uuid, [])])]]


def _request(op: Op) -> tuple[str, bytes, str]:
    if op.what == "photos":
        body, content_type = multipart({"uuid": op.uuid, **op.body}, "photo", op.photo)
        return "/api/v1/sync/photos", body, content_type
    return f"/api/v1/sync/{op.what}", json.dumps({"uuid": op.uuid, **op.body}).encode(), "application/json"


def deliver(client: Client, server: LiveServer, op: Op) -> tuple[int, dict]:
    """Send until the server acknowledges (200 or 201), as the phone's queue does; any refusal fails the test."""
    path, body, content_type = _request(op)
    for _attempt in range(30):
        try:
            status, data = client.send("POST", path, body, content_type)
        except Unreachable:
            server.recover()
            continue
        if status in (200, 201):
            return status, json.loads(data)
        assert status == 503, (status, data)  # retry_later: the phone waits and sends again; anything else is a bug
        time.sleep(0.2)
    raise AssertionError(f"{op.what} {op.uuid} never acknowledged")


def test_killing_the_server_loses_and_doubles_nothing_acknowledged(app, phone, tmp_path):
    uploads = tmp_path / "uploads"
    server = LiveServer({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
                         "UPLOAD_DIR": str(uploads), "BASE_URL": "http://127.0.0.1"}, tmp_path / "gunicorn.log")
    rng = random.Random(SEED)
    server.start()
    try:
        client = Client(server)
        client.sign_in("walker", PASSWORD)
        pack = client.use_token_of_pack(phone.log_id)
        ops = planned_ops(pack, rng)
        assert sum(op.what != "visits" for op in ops) == ANSWERS + PHOTOS
        kill_at = rng.sample(range(len(ops)), KILLS)
        whole = set(kill_at[:WHOLE_SERVER_KILLS])
        acked: dict[str, tuple[Op, dict]] = {}
        for index, op in enumerate(ops):
            timer = server.kill_after(rng.uniform(0.0, 0.25), index in whole) if index in kill_at else None
            acked[op.uuid] = (op, deliver(client, server, op)[1])
            if timer is not None:
                timer.join()
            if acked and rng.random() < 0.25:  # a response the phone never saw: it sends an acknowledged one again
                again, first = acked[rng.choice(sorted(acked))]
                assert deliver(client, server, again) == (200, first)
        for again, first in (acked[uuid] for uuid in rng.sample(sorted(acked), 12)):
            assert deliver(client, server, again) == (200, first)
    finally:
        server.kill()
    # Each planned kill found a process to kill (but a worker being forked) and each whole-server kill a new start.
    assert server.kills >= KILLS * 3 // 4 and server.starts >= 1 + WHOLE_SERVER_KILLS

    assert_each_acknowledged_record_once(app, phone.log_id, acked)
    assert_files_match_rows(app, uploads)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert_sqlite_intact(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def assert_each_acknowledged_record_once(app, log_id: int, acked: dict) -> None:
    model = {"visits": Visit, "answers": Answer, "photos": Photo}
    kinds = {"visits": "visit", "answers": "answer", "photos": "photo"}
    with app.app_context():
        receipts = {r.uuid: r for r in db.session.scalars(select(SyncReceipt).where(SyncReceipt.log_id == log_id))}
        assert set(receipts) == set(acked)  # every record acknowledged, and nothing else, has its receipt
        for uuid, (op, answer) in acked.items():
            assert (receipts[uuid].kind, receipts[uuid].entity_id) == (kinds[op.what], answer["id"])
            rows = db.session.scalars(select(model[op.what]).where(model[op.what].client_uuid == uuid)).all()
            assert [row.id for row in rows] == [answer["id"]], (op.what, uuid)
        total = {what: sum(op.what == what for op, _ in acked.values()) for what in model}
        assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.log_id == log_id)) == total["visits"]
        assert db.session.scalar(select(func.count()).select_from(Answer).join(Visit)
                                 .where(Visit.log_id == log_id)) == total["answers"]
        assert db.session.scalar(select(func.count()).select_from(Photo)) == total["photos"]
        events = dict(db.session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
        # Side effects once too: one audit event per record, however often it was sent.
        assert (events.get("checkpoint_visited"), events.get("item_answered"), events.get("answer_photo_added")) == (
            total["visits"], total["answers"], total["photos"])


def assert_files_match_rows(app, uploads) -> None:
    """After the sweep of leftovers, the upload folder holds exactly the files of the photo rows."""
    runner = app.test_cli_runner()
    saved = app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = str(uploads)
    try:
        result = runner.invoke(args=["photos", "sweep", "--grace-minutes", "0"])
    finally:
        app.config["UPLOAD_DIR"] = saved
    assert result.exit_code == 0, result.output
    on_disk = {os.path.relpath(os.path.join(folder, name), uploads)
               for folder, _dirs, names in os.walk(uploads) for name in names}
    with app.app_context():
        rows = db.session.execute(select(Photo.path, Photo.thumb_path)).all()
    assert on_disk == {relative for row in rows for relative in row}
    assert len(on_disk) == 2 * PHOTOS


def assert_sqlite_intact(path: str) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
