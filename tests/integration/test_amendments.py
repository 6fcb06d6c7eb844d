"""Corrections after locking: appended amendments with a reason, the same two signatures, the original kept."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.checklists.models import ChecklistItem
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog
from app.signoff.content import content_hash
from app.signoff.models import AmendmentChange, LogAmendment, Signature
from tests.conftest import login
from tests.factories import make_user
from tests.integration.test_signoff import _post, submitted  # noqa: F401  (fixture)

PW = "pass-word-1"


@pytest.fixture
def signed(app, client, submitted):  # noqa: F811
    """A log signed by the walker and a colleague; the client is the walker."""
    world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/performed", password=PW)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password=PW)
    assert _log(app, log_id).status == "signed"
    return world, log_id


@pytest.fixture
def boss(app, signed):
    world, _log_id = signed
    with app.app_context():
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, world.site_id)], username="boss")
        db.session.commit()
    other = app.test_client()
    login(other, "boss")
    return other


def _log(app, log_id) -> PatrolLog:
    with app.app_context():
        log = db.session.get(PatrolLog, log_id)
        db.session.expunge(log)
        return log


def _pass_fail_answer(app, log_id) -> tuple[int, str]:
    """A pass/fail answer of the log (its id and item code)."""
    with app.app_context():
        row = db.session.execute(
            select(Answer.id, ChecklistItem.code).join(ChecklistItem).join(Answer.visit)
            .where(ChecklistItem.answer_type == "pass_fail", ChecklistItem.urgent_if_fail.is_(False))
            .where(Answer.result == "pass").order_by(Answer.id).limit(1)).one()
        return row[0], row[1]


def _amendments(app, log_id):
    with app.app_context():
        return [(a.number, a.status, a.reason, len(a.changes)) for a in db.session.scalars(
            select(LogAmendment).where(LogAmendment.log_id == log_id).order_by(LogAmendment.number))]


def _correct_one(app, client, log_id, reason="看错了：应急灯不亮"):
    answer_id, _code = _pass_fail_answer(app, log_id)
    assert _post(client, f"/sign/logs/{log_id}/amend").status_code == 303
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="fail", note="应急灯不亮")
    _post(client, f"/sign/logs/{log_id}/amendment/submit", reason=reason)
    return answer_id


def test_patroller_amends_and_both_sign_again(app, client, signed):
    world, log_id = signed
    with app.app_context():
        original = content_hash(db.session.get(PatrolLog, log_id))
    answer_id = _correct_one(app, client, log_id)
    assert _amendments(app, log_id) == [(1, "submitted", "看错了：应急灯不亮", 1)]
    assert _log(app, log_id).status == "amending"
    _post(client, f"/sign/logs/{log_id}/performed", password=PW)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password=PW)
    assert _amendments(app, log_id)[0][1] == "signed"
    assert _log(app, log_id).status == "signed"
    with app.app_context():
        log = db.session.get(PatrolLog, log_id)
        answer = db.session.get(Answer, answer_id)
        assert answer.result == "pass"  # the original row is never rewritten
        assert content_hash(log) == original
        stages = {(s.amendment_no, s.meaning) for s in db.session.scalars(select(Signature).where(Signature.log_id == log_id))}
        assert stages == {(0, "performed"), (0, "witnessed"), (1, "performed"), (1, "witnessed")}
        amended = db.session.scalar(select(Signature).where(Signature.amendment_no == 1, Signature.meaning == "witnessed"))
        assert amended.content_sha256 == content_hash(log, 1) != original
        finding = db.session.scalar(select(Finding).where(Finding.answer_id == answer_id))
        assert finding is not None and finding.status == "open" and finding.problem == "应急灯不亮"
        assert log.score is not None and log.score < 1
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"amendment_started", "amendment_answer_changed", "amendment_submitted"} <= actions
    page = client.get(f"/sign/logs/{log_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Correction 1" in page and "Originally" in page and "Signature invalid" not in page


def test_witness_of_an_amendment_must_be_someone_else(app, client, signed):
    world, log_id = signed
    _correct_one(app, client, log_id)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.patroller, password=PW)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password="wrong-wrong")
    with app.app_context():
        assert db.session.scalar(select(Signature).where(Signature.amendment_no == 1)) is None
    assert _log(app, log_id).status == "amending"


def test_a_submitted_amendment_cannot_be_changed(app, client, signed):
    _world, log_id = signed
    answer_id = _correct_one(app, client, log_id)
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="na", na_reason="不适用")
    with app.app_context():
        assert db.session.scalar(select(AmendmentChange.result)) == "fail"


def test_amendment_needs_a_reason_and_a_change(app, client, signed):
    _world, log_id = signed
    _post(client, f"/sign/logs/{log_id}/amend")
    response = _post(client, f"/sign/logs/{log_id}/amendment/submit", reason="有误")
    assert response.status_code == 303
    assert _amendments(app, log_id) == [(1, "open", None, 0)]  # nothing changed: refused
    answer_id, _code = _pass_fail_answer(app, log_id)
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="fail")  # a failure needs its note
    assert _amendments(app, log_id) == [(1, "open", None, 0)]
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="fail", note="坏了")
    _post(client, f"/sign/logs/{log_id}/amendment/submit", reason="   ")
    assert _amendments(app, log_id) == [(1, "open", None, 1)]


def test_answering_as_recorded_drops_the_change(app, client, signed):
    _world, log_id = signed
    answer_id, _code = _pass_fail_answer(app, log_id)
    _post(client, f"/sign/logs/{log_id}/amend")
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="fail", note="坏了")
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="pass")
    assert _amendments(app, log_id) == [(1, "open", None, 0)]
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="fail", note="坏了")
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}/undo")
    assert _amendments(app, log_id) == [(1, "open", None, 0)]


def test_answer_of_another_log_cannot_be_amended(app, client, signed):
    _world, log_id = signed
    _post(client, f"/sign/logs/{log_id}/amend")
    _post(client, f"/sign/logs/{log_id}/amendment/answers/999999", result="fail", note="坏了")
    assert _amendments(app, log_id) == [(1, "open", None, 0)]


def test_only_the_patroller_opens_a_correction(app, client, signed, boss):
    world, log_id = signed
    colleague = app.test_client()
    login(colleague, world.colleague)
    _post(colleague, f"/sign/logs/{log_id}/amend")
    _post(boss, f"/sign/logs/{log_id}/amend")
    assert _amendments(app, log_id) == []
    outsider = app.test_client()
    login(outsider, world.outsider)
    assert _post(outsider, f"/sign/logs/{log_id}/amend").status_code == 404


def test_a_submitted_but_unsigned_log_cannot_be_amended(app, client, submitted):  # noqa: F811
    _world, log_id = submitted
    _post(client, f"/sign/logs/{log_id}/amend")
    assert _amendments(app, log_id) == [] and _log(app, log_id).status == "submitted"


def test_one_correction_at_a_time(app, client, signed):
    _world, log_id = signed
    _post(client, f"/sign/logs/{log_id}/amend")
    _post(client, f"/sign/logs/{log_id}/amend")
    assert [a[0] for a in _amendments(app, log_id)] == [1]


def test_withdrawing_restores_the_log(app, client, signed):
    _world, log_id = signed
    _post(client, f"/sign/logs/{log_id}/amend")
    _post(client, f"/sign/logs/{log_id}/amendment/withdraw")
    assert _amendments(app, log_id) == [(1, "withdrawn", None, 0)]
    assert _log(app, log_id).status == "signed"
    _post(client, f"/sign/logs/{log_id}/amend")  # numbers are never reused
    assert [a[0] for a in _amendments(app, log_id)] == [1, 2]


def test_supervisor_returns_a_log_and_the_patroller_corrects_it(app, client, signed, boss):
    world, log_id = signed
    _post(boss, f"/sign/logs/{log_id}/return", note="")
    assert _log(app, log_id).status == "signed"  # a return needs its note
    _post(boss, f"/sign/logs/{log_id}/return", note="消防栓压力读数不对，请核实")
    assert _log(app, log_id).status == "returned"
    today = client.get("/patrol/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Logs to correct" in today
    page = client.get(f"/sign/logs/{log_id}/amendment").get_data(as_text=True)
    assert "消防栓压力读数不对" in page
    _post(client, f"/sign/logs/{log_id}/amendment/withdraw")  # asked for by a supervisor: cannot be dropped
    assert _log(app, log_id).status == "returned"
    _post(boss, f"/sign/logs/{log_id}/reviewed", password=PW)  # cannot approve while it is being corrected
    assert _log(app, log_id).status == "returned"
    answer_id, _code = _pass_fail_answer(app, log_id)
    _post(client, f"/sign/logs/{log_id}/amendment/answers/{answer_id}", result="na", na_reason="设备已拆除")
    _post(client, f"/sign/logs/{log_id}/amendment/submit", reason="按主管意见更正")
    _post(client, f"/sign/logs/{log_id}/performed", password=PW)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password=PW)
    assert _log(app, log_id).status == "signed"
    _post(boss, f"/sign/logs/{log_id}/reviewed", password=PW)
    assert _log(app, log_id).status == "reviewed"
    with app.app_context():
        review = db.session.scalar(select(Signature).where(Signature.meaning == "reviewed"))
        assert review.amendment_no == 1
        assert review.content_sha256 == content_hash(db.session.get(PatrolLog, log_id), 1)
        assert "log_returned" in set(db.session.scalars(select(AuditEvent.action)))


def test_a_reviewed_log_can_be_corrected_and_reviewed_again(app, client, signed, boss):
    world, log_id = signed
    _post(boss, f"/sign/logs/{log_id}/reviewed", password=PW)
    assert _log(app, log_id).status == "reviewed"
    _correct_one(app, client, log_id)
    _post(client, f"/sign/logs/{log_id}/performed", password=PW)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password=PW)
    assert _log(app, log_id).status == "signed"
    _post(boss, f"/sign/logs/{log_id}/reviewed", password=PW)
    with app.app_context():
        assert sorted(db.session.scalars(select(Signature.amendment_no).where(Signature.meaning == "reviewed"))) == [0, 1]


def test_tampered_amendment_shows_signature_invalid(app, client, signed):
    world, log_id = signed
    _correct_one(app, client, log_id)
    _post(client, f"/sign/logs/{log_id}/performed", password=PW)
    _post(client, f"/sign/logs/{log_id}/witnessed", username=world.colleague, password=PW)
    with app.app_context():
        change = db.session.scalar(select(AmendmentChange))
        change.note = "事后篡改"
        db.session.commit()
    page = client.get(f"/sign/logs/{log_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count("Signature invalid") == 2  # the correction's two signatures; the original's still hold


def test_correction_pages_render_in_both_languages(app, client, signed):
    _world, log_id = signed
    _post(client, f"/sign/logs/{log_id}/amend")
    for language in ("zh-CN", "en"):
        page = client.get(f"/sign/logs/{log_id}/amendment", headers={"Accept-Language": language})
        assert page.status_code == 200
    detail = client.get(f"/patrol/logs/{log_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Being corrected" in detail
