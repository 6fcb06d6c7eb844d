"""Every refused transition of the patrol log and finding state machines, through the domain functions."""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.findings import review as decisions
from app.findings.models import FINDING_STATUSES, Finding
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.patrols.models import LOG_STATUSES, PatrolLog, Round
from app.patrols.submission import submit_log
from app.patrols.walking import start_round
from app.signoff.amendments import return_for_correction, start_amendment
from app.signoff.services import review, sign
from tests.factories import make_user
from tests.integration.test_signoff import submitted  # noqa: F401  (fixture)

# Which log statuses each action accepts; every other status must be refused with 409.
LOG_ALLOWED = {
    "start": {"scheduled", "in_progress"},  # starting an open log again returns it
    "submit": {"in_progress"},
    "sign": {"submitted"},  # and a correction waiting for signatures, tested in test_amendments
    "review": {"signed"},
    "amend": {"signed", "reviewed"},
    "return": {"signed", "reviewed"},
}


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _act(action: str, log: PatrolLog, world, boss: User) -> None:
    walker, now = _user(world.patroller), utcnow()
    if action == "start":
        start_round(walker, db.session.get(Round, log.round_id), now)
    elif action == "submit":
        submit_log(log, walker, now)
    elif action == "sign":
        sign(log, walker, "performed", now)
    elif action == "review":
        review(log, boss, now)
    elif action == "amend":
        start_amendment(log, walker, now)
    elif action == "return":
        return_for_correction(log, boss, "请更正", now)


def test_log_actions_refused_in_every_other_status(app, submitted):  # noqa: F811
    world, log_id = submitted
    with app.app_context():
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, world.site_id)], username="boss")
        db.session.commit()
        refused = []
        for action, allowed in LOG_ALLOWED.items():
            for status in set(LOG_STATUSES) - allowed:
                log = db.session.get(PatrolLog, log_id)
                log.status = status
                db.session.commit()
                try:
                    _act(action, log, world, _user("boss"))
                except PatrolError as exc:
                    refused.append((action, status, exc.status))
                finally:
                    db.session.rollback()
        expected = {(a, s) for a, allowed in LOG_ALLOWED.items() for s in set(LOG_STATUSES) - allowed}
        assert {(a, s) for a, s, _code in refused} == expected
        assert {code for _a, _s, code in refused} == {409}


def test_finding_decisions_refused_once_decided(app, client, submitted):  # noqa: F811
    world, log_id = submitted
    with app.app_context():
        from app.checklists.models import ChecklistItem
        from app.patrols.models import Answer

        site_id = db.session.get(PatrolLog, log_id).site_id
        from app.sites.models import Site

        boss = make_user("supervisor", [db.session.get(Site, site_id)], username="boss")
        answer = db.session.scalar(select(Answer).join(ChecklistItem).where(ChecklistItem.urgent_if_fail.is_(False)).limit(1))
        finding = Finding(site_id=site_id, answer_id=answer.id, checkpoint_id=world.checkpoint_ids[0],
                          item_code=answer.item.code, severity="minor")
        db.session.add(finding)
        db.session.commit()
        decisions.approve(finding, boss, utcnow())  # decided once for real: it now carries its work order
        actions = {
            "approve": lambda f: decisions.approve(f, boss, utcnow()),
            "reject": lambda f: decisions.reject(f, boss, utcnow(), "不是问题"),
            "merge": lambda f: decisions.merge(f, boss, utcnow()),
        }
        refused = set()
        for status in set(FINDING_STATUSES) - {"open"}:
            for name, act in actions.items():
                row = db.session.get(Finding, finding.id)
                row.status = status
                row.reject_reason = "不是问题" if status == "rejected" else None
                db.session.commit()
                try:
                    act(row)
                except PatrolError as exc:
                    refused.add((name, status, exc.status))
                finally:
                    db.session.rollback()
        assert refused == {(n, s, 409) for n in actions for s in set(FINDING_STATUSES) - {"open"}}
