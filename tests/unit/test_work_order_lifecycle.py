"""Every allowed and refused transition of the work order state machine."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.work_orders.lifecycle import TRANSITIONS, TransitionRefused, check_actor, next_state
from app.work_orders.models import WORK_ORDER_STATUSES

ALLOWED = {
    ("new", "claim"): "claimed", ("reopened", "claim"): "claimed", ("claimed", "start"): "in_progress",
    ("in_progress", "finish"): "done", ("done", "verify_pass"): "closed", ("done", "verify_fail"): "reopened",
}


@pytest.mark.parametrize("status", WORK_ORDER_STATUSES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_transition_table(status, action):
    if (status, action) in ALLOWED:
        assert next_state(status, action) == ALLOWED[(status, action)]
    else:
        with pytest.raises(TransitionRefused):
            next_state(status, action)


def test_unknown_action_is_refused():
    with pytest.raises(TransitionRefused):
        next_state("new", "teleport")


def _order(**kw):
    return SimpleNamespace(team_id=1, claimed_by_id=None, done_by_id=None, **kw)


def _user(uid, role="maintenance", team_id=1):
    return SimpleNamespace(id=uid, role=role, team_id=team_id)


def test_only_the_team_claims_and_only_the_claimer_works():
    check_actor(_order(), "claim", _user(7))
    with pytest.raises(TransitionRefused, match="wrong_team"):
        check_actor(_order(), "claim", _user(7, team_id=2))
    with pytest.raises(TransitionRefused, match="wrong_team"):
        check_actor(_order(), "claim", _user(7, role="patroller"))
    claimed = _order()
    claimed.claimed_by_id = 7
    check_actor(claimed, "start", _user(7))
    with pytest.raises(TransitionRefused, match="not_claimer"):
        check_actor(claimed, "finish", _user(8))


def test_verifier_is_not_the_person_who_did_the_work():
    done = _order()
    done.claimed_by_id = done.done_by_id = 7
    check_actor(done, "verify_pass", _user(3, role="patroller", team_id=None))
    with pytest.raises(TransitionRefused, match="verifier_did_work"):
        check_actor(done, "verify_pass", _user(7, role="supervisor"))
    with pytest.raises(TransitionRefused, match="wrong_role"):
        check_actor(done, "verify_fail", _user(9))
