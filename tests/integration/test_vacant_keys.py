"""The key log of vacant units: borrowing and returning through the unit page, audited; a key out twice or returned
when not out is a clear 409 (also when two people try at once); keys out more than three days are flagged."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.sites.models import Site, Unit
from app.vacancy import keys
from app.vacancy.errors import VacancyError
from app.vacancy.keys import LoanRequest, borrow_key, is_late, is_overdue, return_key
from app.vacancy.models import KeyLoan
from tests.concurrency import race
from tests.conftest import csrf_from, login
from tests.integration.vacancy_world import build_vacant_world, quick_user, user_id


@pytest.fixture
def world(app):
    return build_vacant_world(app)


def _borrow(client, unit_id, **fields):
    data = {"csrf_token": csrf_from(client, f"/units/{unit_id}"), "purpose": "带买家看房", **fields}
    return client.post(f"/vacancy/units/{unit_id}/keys/borrow", data=data)


def _return(client, unit_id, note=""):
    return client.post(f"/vacancy/units/{unit_id}/keys/return",
                       data={"csrf_token": csrf_from(client, f"/units/{unit_id}"), "note": note})


def _loans(app, unit_id, open_only=False):
    with app.app_context():
        query = select(KeyLoan).where(KeyLoan.unit_id == unit_id)
        if open_only:
            query = query.where(KeyLoan.returned_at.is_(None))
        return db.session.scalars(query.order_by(KeyLoan.id)).all()


def test_borrow_and_return_are_logged_and_audited(app, client, world):
    login(client, world.patroller)
    unit_id = world.vacant_ids[0]
    with app.app_context():
        me = user_id(world.patroller)
    before = utcnow()
    response = _borrow(client, unit_id, borrower_id=str(me))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/units/{unit_id}")
    [loan] = _loans(app, unit_id)
    assert (loan.borrower_id, loan.borrower_name, loan.purpose, loan.lent_by_id) == (me, "张伟", "带买家看房", me)
    assert timedelta(hours=23) < loan.expected_return_at - before < timedelta(hours=25)  # a day by default
    page = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert "借出给 张伟" in page and "钥匙已归还入柜" in page
    assert _return(client, unit_id, note="门锁正常").status_code == 303
    [loan] = _loans(app, unit_id)
    assert loan.returned_at is not None and loan.returned_to_id == me and loan.return_note == "门锁正常"
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "KeyLoan")
                                          .order_by(AuditEvent.id)))
    assert actions == ["key_borrowed", "key_returned"]
    assert "钥匙在柜中" in client.get(f"/units/{unit_id}").get_data(as_text=True)


def test_an_outsider_borrows_with_name_and_phone(app, client, world):
    login(client, world.supervisor)
    local_return = (utcnow() + timedelta(days=2, hours=8)).strftime("%Y-%m-%dT%H:%M")
    response = _borrow(client, world.vacant_ids[1], borrower_id="", borrower_name="王师傅", borrower_phone="139-0000-5678",
                       purpose="开荒保洁", expected_return=local_return)
    assert response.status_code == 303
    [loan] = _loans(app, world.vacant_ids[1])
    assert (loan.borrower_id, loan.borrower_name, loan.borrower_phone) == (None, "王师傅", "139-0000-5678")
    assert loan.expected_return_at.strftime("%Y-%m-%dT%H:%M") == (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def test_a_key_borrowed_twice_is_a_conflict(app, client, world):
    login(client, world.patroller)
    unit_id = world.vacant_ids[0]
    assert _borrow(client, unit_id, borrower_id=str(_me(app, world))).status_code == 303
    again = _borrow(client, unit_id, borrower_id=str(_me(app, world)))
    assert again.status_code == 409
    assert "已于" in again.get_data(as_text=True) and "须先归还" in again.get_data(as_text=True)
    assert len(_loans(app, unit_id)) == 1


def test_returning_a_key_that_is_not_out_is_a_conflict(app, client, world):
    login(client, world.patroller)
    unit_id = world.vacant_ids[0]
    response = _return(client, unit_id)
    assert response.status_code == 409 and "无需归还" in response.get_data(as_text=True)
    _borrow(client, unit_id, borrower_id=str(_me(app, world)))
    assert _return(client, unit_id).status_code == 303
    assert _return(client, unit_id).status_code == 409  # returned twice
    assert len(_loans(app, unit_id)) == 1


def _me(app, world):
    with app.app_context():
        return user_id(world.patroller)


@pytest.mark.parametrize("fields, status, text", [
    ({"expected_return": "2020-01-01T08:00"}, 400, "晚于借出时间"),
    ({"expected_return": "tomorrow"}, 400, "归还的日期和时间"),
    ({"expected_return": "2099-01-01T08:00"}, 400, "30 天"),
    ({"purpose": ""}, 400, "原因"),
    ({"borrower_id": "", "borrower_name": "王师傅", "borrower_phone": ""}, 400, "电话"),
    ({"borrower_id": "", "borrower_name": "", "borrower_phone": "139-0000-5678"}, 400, "姓名"),
    ({"borrower_id": "abc"}, 400, "同事"),
])
def test_bad_loans_are_refused_and_nothing_is_stored(app, client, world, fields, status, text):
    login(client, world.patroller)
    unit_id = world.vacant_ids[0]
    response = _borrow(client, unit_id, **({"borrower_id": str(_me(app, world))} | fields))
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert _loans(app, unit_id) == []


def test_a_colleague_of_another_site_or_another_site_s_unit_is_refused(app, client, world):
    login(client, world.patroller)
    with app.app_context():
        other = db.session.get(Unit, world.other_unit_id)
        stranger = quick_user("patroller", db.session.get(Site, other.building.site_id), "stranger", "外人")
        db.session.commit()
        stranger_id = stranger.id
    response = _borrow(client, world.vacant_ids[0], borrower_id=str(stranger_id))
    assert response.status_code == 400 and _loans(app, world.vacant_ids[0]) == []
    assert _borrow(client, world.other_unit_id, borrower_id=str(_me(app, world))).status_code == 404
    assert _return(client, world.other_unit_id).status_code == 404


def test_the_open_loan_index_turns_a_lost_race_into_a_conflict(ctx, world, monkeypatch):
    site = db.session.get(Site, world.site_id)
    unit = db.session.get(Unit, world.vacant_ids[0])
    lender = db.session.scalar(select(User).where(User.username == world.supervisor))
    request = LoanRequest(purpose="空置房养护", borrower_id=lender.id)
    borrow_key(unit, site, request, lender, utcnow())
    real = keys.open_loan
    calls = iter([None])
    monkeypatch.setattr(keys, "open_loan", lambda unit_id: next(calls, real(unit_id)))  # the check saw no loan…
    with pytest.raises(VacancyError) as refused:
        borrow_key(unit, site, request, lender, utcnow())  # …but the database knows better
    assert refused.value.status == 409
    assert db.session.scalar(select(func.count()).select_from(KeyLoan).where(KeyLoan.returned_at.is_(None))) == 1


def test_two_people_lending_the_same_key_at_once_one_wins(app, world):
    def lend(user, _prepared):
        site = db.session.get(Site, world.site_id)
        try:
            borrow_key(db.session.get(Unit, world.vacant_ids[0]), site, LoanRequest(purpose="看房", borrower_id=user.id),
                       user, utcnow())
        except VacancyError as exc:
            raise PatrolError(exc.message, exc.status) from None

    outcomes = race(app, [(world.patroller, lend), (world.colleague, lend)])
    assert sorted(map(str, outcomes)) == ["409", "ok"]
    assert len(_loans(app, world.vacant_ids[0], open_only=True)) == 1


def test_keys_out_more_than_three_days_are_flagged(app, client, world):
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            KeyLoan(site_id=world.site_id, unit_id=world.vacant_ids[0], borrower_name="王师傅", borrower_phone="139-0000-5678",
                    purpose="开荒保洁", borrowed_at=now - timedelta(days=4), expected_return_at=now - timedelta(days=3),
                    lent_by_id=user_id(world.supervisor)),
            KeyLoan(site_id=world.site_id, unit_id=world.vacant_ids[1], borrower_name="李娜", purpose="空置房养护",
                    borrowed_at=now - timedelta(hours=3), expected_return_at=now + timedelta(hours=21),
                    lent_by_id=user_id(world.supervisor)),
        ])
        db.session.commit()
        old, fresh = (db.session.scalar(select(KeyLoan).where(KeyLoan.unit_id == u)) for u in world.vacant_ids)
        assert is_overdue(old, now) and is_late(old, now) and not is_overdue(fresh, now) and not is_late(fresh, now)
        assert not is_overdue(old, old.borrowed_at + timedelta(days=3))  # three days exactly: not yet
    login(client, world.patroller)
    listing = client.get("/vacancy/keys").get_data(as_text=True)
    assert "有 1 把钥匙借出超过 3 天" in listing and listing.count("借出超过 3 天</span>") == 1
    assert "王师傅" in listing and "李娜" in listing
    assert "借出超过 3 天" in client.get(f"/units/{world.vacant_ids[0]}").get_data(as_text=True)
    login(client, world.supervisor)
    overview = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="overdue-keys"' in overview and "B3栋 501" in overview and "王师傅" in overview


def test_a_returned_key_is_no_longer_flagged(ctx, world):
    site, unit = db.session.get(Site, world.site_id), db.session.get(Unit, world.vacant_ids[0])
    lender = db.session.scalar(select(User).where(User.username == world.supervisor))
    then = utcnow() - timedelta(days=5)
    loan = borrow_key(unit, site, LoanRequest(purpose="看房", borrower_id=lender.id), lender, then)
    assert is_overdue(loan, utcnow())
    loan = return_key(unit, lender, None, utcnow())
    assert not is_overdue(loan, utcnow())
    assert keys.overdue_keys(site.id, utcnow()).count == 0


def test_the_overview_counts_every_overdue_key_and_lists_the_oldest(ctx, world):
    now = utcnow()
    lender = user_id(world.supervisor)
    for days, unit_id in ((6, world.vacant_ids[0]), (4, world.vacant_ids[1])):
        db.session.add(KeyLoan(site_id=world.site_id, unit_id=unit_id, borrower_name="王师傅", borrower_phone="139-0000-5678",
                               purpose="开荒保洁", borrowed_at=now - timedelta(days=days),
                               expected_return_at=now - timedelta(days=days - 1), lent_by_id=lender))
    db.session.commit()
    overdue = keys.overdue_keys(world.site_id, now, limit=1)
    assert overdue.count == 2 and [loan.unit_id for loan in overdue.oldest] == [world.vacant_ids[0]]
