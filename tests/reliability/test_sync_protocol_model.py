"""The sync protocol as a state machine (hypothesis): a phone records visits, answers and photos, goes offline and
back, sends in order or out of it, loses responses and sends acknowledged records again.

Invariant: the server holds exactly the records it accepted (one receipt per UUID, one row per visit, per item
answered and per photo), every acknowledged one among them with the id the phone was given, and per item the
answer given last stands; once the queue is empty, what the server holds is what the phone was told it holds.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.models import Answer, Visit
from app.patrols.receipts import SyncReceipt
from app.patrols.walking import start_round
from app.photos.models import Photo
from app.sites.models import Checkpoint, Site
from tests.conftest import login
from tests.factories import make_round
from tests.integration.patrol_world import window_around_now
from tests.integration.sync_phone import iso, jpeg, new_uuid, world  # noqa: F401

SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
STOPS, ITEMS_PER_STOP = 2, 3  # few items, so answers to the same item (the last one given wins) are common


@dataclass(frozen=True)
class Record:
    what: str  # visits | answers | photos
    uuid: str
    body: dict
    needs: str | None = None  # the record it belongs to: an answer's visit, a photo's answer
    photo: bytes | None = None


def answer_fields(item: dict, result: str) -> dict:
    if result == "na":
        return {"result": "na", "na_reason": "本层无此设备"}
    fields = {"number": item["min_value"] if item["min_value"] is not None else 1} if item["answer_type"] == "number" else {}
    return {**fields, "result": result, **({"note": "损坏"} if result == "fail" else {})}


def new_log(app, world) -> int:
    """A round of its own for each example, started online: its log starts empty."""
    with app.app_context():
        site = db.session.get(Site, world.site_id)
        walker = db.session.scalar(select(User).where(User.username == world.patroller))
        stops = [db.session.get(Checkpoint, id_) for id_ in world.checkpoint_ids[:STOPS]]
        round_ = make_round(site, stops, [walker], windows=window_around_now())
        db.session.commit()
        return start_round(walker, round_, utcnow()).id


class PhoneAndServer(RuleBasedStateMachine):
    app = client = world = None  # set by the test

    def __init__(self):
        super().__init__()
        self.log_id = new_log(self.app, self.world)
        response = self.client.get(f"/api/v1/sync/logs/{self.log_id}/pack")
        assert response.status_code == 200
        self.pack, self.csrf = response.get_json(), response.get_json()["csrf_token"]
        self.online, self.ticks, self.colours = True, itertools.count(), itertools.count(1)
        self.queue: list[Record] = []  # recorded, not yet acknowledged, in the order recorded
        self.visits: dict[int, str] = {}  # stop → its visit's uuid
        self.failed: list[Record] = []
        self.accepted: dict[str, Record] = {}  # what the server took, whether or not the phone heard back
        self.acked: dict[str, int] = {}  # uuid → the id the server gave in its answer

    def phone_time(self) -> str:
        return iso(next(self.ticks) / 100)  # the phone's clock moves on with every record

    # --- recording on the phone -----------------------------------------------------------------------------------

    @precondition(lambda self: len(self.visits) < STOPS)
    @rule(data=st.data())
    def record_visit(self, data):
        stop = data.draw(st.sampled_from([n for n in range(STOPS) if n not in self.visits]), label="stop")
        record = Record("visits", new_uuid(), {"log_id": self.log_id, "method": "qr", "scanned_at": self.phone_time(),
                                               "checkpoint_id": self.pack["stops"][stop]["checkpoint_id"]})
        self.visits[stop] = record.uuid
        self.queue.append(record)

    @precondition(lambda self: self.visits)
    @rule(data=st.data(), result=st.sampled_from(["pass", "fail", "na"]))
    def record_answer(self, data, result):
        stop = data.draw(st.sampled_from(sorted(self.visits)), label="stop")
        item = data.draw(st.sampled_from(self.pack["stops"][stop]["items"][:ITEMS_PER_STOP]), label="item")
        record = Record("answers", new_uuid(), {"visit_uuid": self.visits[stop], "item_id": item["id"],
                                                "answered_at": self.phone_time(), **answer_fields(item, result)},
                        needs=self.visits[stop])
        self.queue.append(record)
        if result == "fail":
            self.failed.append(record)

    @precondition(lambda self: self.failed)
    @rule(data=st.data())
    def record_photo(self, data):
        answer = data.draw(st.sampled_from(self.failed), label="failed answer")
        colour = next(self.colours)
        self.queue.append(Record("photos", new_uuid(), {"answer_uuid": answer.uuid}, needs=answer.uuid,
                                 photo=jpeg((colour * 37 % 256, colour * 11 % 256, 99))))

    # --- the network ----------------------------------------------------------------------------------------------

    @rule()
    def signal_comes_or_goes(self):
        self.online = not self.online  # offline, records wait in the queue

    @precondition(lambda self: self.online and self.queue)
    @rule(lose_response=st.booleans())
    def send_next(self, lose_response):
        self.deliver(self.queue[0], lose_response)

    @precondition(lambda self: self.online and len(self.queue) > 1)
    @rule(data=st.data(), lose_response=st.booleans())
    def send_out_of_order(self, data, lose_response):
        self.deliver(data.draw(st.sampled_from(self.queue[1:]), label="record"), lose_response)

    @precondition(lambda self: self.online and self.acked)
    @rule(data=st.data())
    def send_acknowledged_again(self, data):
        uuid = data.draw(st.sampled_from(sorted(self.acked)), label="acknowledged")
        response = self.post(self.accepted[uuid])
        assert (response.status_code, response.get_json()["id"]) == (200, self.acked[uuid])

    @precondition(lambda self: self.queue)
    @rule()
    def back_online_and_send_everything(self):
        self.online = True
        while self.queue:
            self.deliver(self.queue[0], lose_response=False)

    def post(self, record: Record):
        headers = {"X-CSRFToken": self.csrf}
        if record.what == "photos":
            data = {"uuid": record.uuid, **record.body, "photo": (io.BytesIO(record.photo), "photo.jpg")}
            return self.client.post("/api/v1/sync/photos", data=data, content_type="multipart/form-data", headers=headers)
        return self.client.post(f"/api/v1/sync/{record.what}", json={"uuid": record.uuid, **record.body}, headers=headers)

    def deliver(self, record: Record, lose_response: bool) -> None:
        response = self.post(record)
        body = response.get_json()
        if record.needs is not None and record.needs not in self.accepted:
            assert (response.status_code, body["code"]) == (404, "not_found"), body  # sent before what it belongs to
            return
        assert response.status_code in (200, 201), body
        self.accepted[record.uuid] = record
        if not lose_response:
            self.acked[record.uuid] = body["id"]
            self.queue.remove(record)

    # --- what must always hold ------------------------------------------------------------------------------------

    @invariant()
    def the_server_holds_what_it_accepted_once(self):
        with self.app.app_context():
            receipts = dict(db.session.execute(select(SyncReceipt.uuid, SyncReceipt.entity_id)
                                               .where(SyncReceipt.log_id == self.log_id)).all())
            of_log = Visit.log_id == self.log_id
            rows = {what: db.session.scalar(select(func.count()).select_from(query.where(of_log).subquery()))
                    for what, query in (("visits", select(Visit.id)), ("answers", select(Answer.id).join(Visit)),
                                        ("photos", select(Photo.id).join(Answer).join(Visit)))}
            standing = set(db.session.scalars(select(Answer.client_uuid).join(Visit).where(of_log)))
        assert set(receipts) == set(self.accepted)  # nothing lost, nothing doubled, nothing the phone did not send
        assert all(receipts[uuid] == id_ for uuid, id_ in self.acked.items())
        accepted = list(self.accepted.values())
        assert rows == {
            "visits": sum(r.what == "visits" for r in accepted),
            "answers": len({(r.body["visit_uuid"], r.body["item_id"]) for r in accepted if r.what == "answers"}),
            "photos": sum(r.what == "photos" for r in accepted),
        }
        latest: dict[tuple, Record] = {}  # per item, the answer given last by the phone's clock stands
        for record in (r for r in accepted if r.what == "answers"):
            key = (record.body["visit_uuid"], record.body["item_id"])
            if key not in latest or record.body["answered_at"] > latest[key].body["answered_at"]:
                latest[key] = record
        assert standing == {record.uuid for record in latest.values()}
        if not self.queue:  # everything recorded got through: the server holds exactly what was acknowledged
            assert set(receipts) == set(self.acked)


def test_the_server_holds_exactly_what_the_phone_was_told(app, client, world):
    assert login(client, world.patroller).status_code == 303

    class Machine(PhoneAndServer):
        pass

    Machine.app, Machine.client, Machine.world = app, client, world
    run_state_machine_as_test(Machine, settings=SETTINGS)
