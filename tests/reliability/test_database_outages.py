"""The database locked for a while, restarting or gone: the request waits, is tried again, or answers 503 with a
message and Retry-After, and nothing of it is half-stored."""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from app import create_app
from app.audit.models import AuditEvent
from app.extensions import db
from app.model_helpers import worth_another_attempt
from app.patrols import sync
from app.patrols.models import Answer
from app.patrols.receipts import SyncReceipt
from tests.conftest import PG_URL
from tests.integration.sync_phone import Phone, count, new_uuid, phone, world  # noqa: F401

BUSY_SERVER = "服务器正在处理这条记录"  # the sync API's retry_later message, in the walker's Chinese
BUSY_DATABASE = "数据库繁忙或正在重启"


def plain_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def write_lock(app):
    """Another connection holding a write lock: SQLite's BEGIN IMMEDIATE, on PostgreSQL the tables an answer writes."""
    url = plain_url(app)
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder = psycopg.connect(url)
        holder.execute("LOCK TABLE sync_receipts, answers IN EXCLUSIVE MODE")
    try:
        yield holder
    finally:
        holder.rollback()
        holder.close()


@pytest.fixture(scope="module")
def impatient_app(app):
    """The same app on the same database, waiting only 300 ms for another transaction's lock."""
    keep = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR", "SERVER_NAME")
    impatient = create_app({**{key: app.config[key] for key in keep}, "DB_BUSY_TIMEOUT_MS": 300})
    yield impatient
    with impatient.app_context():
        db.engine.dispose()


@pytest.fixture
def impatient_phone(impatient_app, client, phone) -> Phone:
    """The walker's phone talking to the impatient app, in the same session."""
    other = impatient_app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return Phone(other, phone.log_id)


def nothing_stored(app, uuid: str) -> bool:
    return (count(app, Answer), count(app, SyncReceipt, SyncReceipt.uuid == uuid),
            count(app, AuditEvent, AuditEvent.action == "item_answered")) == (0, 0, 0)


def test_only_a_quick_refusal_is_worth_another_attempt():
    lock_timeout = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
    now = time.monotonic()
    assert worth_another_attempt(lock_timeout, began=now)  # refused at once: a race, or a dropped connection
    assert not worth_another_attempt(lock_timeout, began=now - 10)  # after waiting out the lock timeout
    assert worth_another_attempt(IntegrityError("INSERT ...", {}, Exception("unique")), began=now - 10)


def test_a_lock_released_within_the_busy_timeout_is_waited_out(app, phone):
    visit_uuid, item = new_uuid(), phone.stop(0)["items"][0]
    assert phone.visit(0, visit_uuid).status_code == 201
    with write_lock(app) as holder:
        threading.Timer(0.5, holder.rollback).start()
        started = time.monotonic()
        response = phone.answer(visit_uuid, item)
    assert response.status_code == 201 and time.monotonic() - started >= 0.4
    assert count(app, Answer) == 1


def test_a_lock_held_beyond_the_busy_timeout_refuses_the_record_with_503(app, phone, impatient_phone):
    visit_uuid, item, uuid = new_uuid(), phone.stop(0)["items"][0], new_uuid()
    assert phone.visit(0, visit_uuid).status_code == 201
    with write_lock(app):
        response = impatient_phone.answer(visit_uuid, item, uuid)
    body = response.get_json()
    assert (response.status_code, body["code"], response.headers["Retry-After"]) == (503, "retry_later", "5")
    assert BUSY_SERVER in body["message"]
    assert nothing_stored(app, uuid)
    assert impatient_phone.resend(uuid).status_code == 201  # the phone's next try, the lock gone


def test_an_online_answer_waiting_too_long_for_a_lock_gets_a_503_page(app, phone, impatient_phone):
    visit_id = phone.visit(0).get_json()["id"]
    item = phone.stop(0)["items"][0]
    with write_lock(app):
        response = impatient_phone.client.post(f"/patrol/visits/{visit_id}/items/{item['id']}",
                                               data={"result": "pass"}, headers={"X-CSRFToken": phone.csrf})
    assert (response.status_code, response.headers["Retry-After"]) == (503, "5")
    assert BUSY_DATABASE in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert count(app, Answer) == 0


def drop_connection() -> None:
    """What the request's connection sees when the database restarts under it."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    raise OperationalError("INSERT INTO answers ...", {}, sqlite3.OperationalError("disk I/O error"))


@pytest.mark.parametrize("drops", [1, 99], ids=["once", "every time"])
def test_a_connection_lost_after_a_partial_write_keeps_nothing_of_it(app, phone, monkeypatch, drops):
    visit_uuid, item, uuid = new_uuid(), phone.stop(0)["items"][0], new_uuid()
    assert phone.visit(0, visit_uuid).status_code == 201
    real, calls = sync.put_answer, []

    def put_then_lose_the_connection(*args, **kwargs):
        answer = real(*args, **kwargs)  # the answer and its audit event are flushed: a partial write
        calls.append(1)
        if len(calls) <= drops:
            drop_connection()
        return answer

    monkeypatch.setattr(sync, "put_answer", put_then_lose_the_connection)
    response = phone.answer(visit_uuid, item, uuid)
    if drops == 1:  # tried again at once on a new connection, and kept once
        assert response.status_code == 201 and len(calls) == 2
        assert (count(app, Answer), count(app, SyncReceipt, SyncReceipt.uuid == uuid),
                count(app, AuditEvent, AuditEvent.action == "item_answered")) == (1, 1, 1)
        return
    body = response.get_json()
    assert (response.status_code, body["code"], response.headers["Retry-After"]) == (503, "retry_later", "5")
    assert nothing_stored(app, uuid)
    monkeypatch.undo()
    assert phone.resend(uuid).status_code == 201


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: a server whose connections can be dropped")
def test_connections_dropped_between_requests_are_replaced_before_use(app, phone):
    visit_uuid = new_uuid()
    assert phone.visit(0, visit_uuid).status_code == 201  # the pool holds a connection now
    with psycopg.connect(plain_url(app), autocommit=True) as admin:
        dropped = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert dropped >= 1
    assert phone.answer(visit_uuid, phone.stop(0)["items"][0]).status_code == 201


@contextmanager
def database_unreachable(app):
    def refuse(*_args, **_kwargs):
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("connection refused"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize(("language", "words"), [("zh-CN", BUSY_DATABASE), ("en", "The database is busy or restarting")],
                         ids=["zh", "en"])
def test_with_the_database_gone_pages_and_the_api_answer_503_in_the_users_language(app, client, phone, language,
                                                                                     words):
    with database_unreachable(app):
        page = client.get("/patrol/", headers={"Accept-Language": language})
        pack = client.get(f"/api/v1/sync/logs/{phone.log_id}/pack", headers={"Accept-Language": language})
    # Who is signed in (and their language) cannot be read: the answer is made as to a visitor, in the browser's.
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5") and words in page.get_data(as_text=True)
    assert (pack.status_code, pack.get_json()["code"], pack.headers["Retry-After"]) == (503, "retry_later", "5")
    assert client.get("/patrol/").status_code == 200  # back once the database is
