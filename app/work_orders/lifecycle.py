"""The work order state machine (DESIGN §5): who may move an order from which state to which."""
from __future__ import annotations

# action: (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({"new", "reopened"}), "claimed"),
    "start": (frozenset({"claimed"}), "in_progress"),
    "finish": (frozenset({"in_progress"}), "done"),
    "verify_pass": (frozenset({"done"}), "closed"),
    "verify_fail": (frozenset({"done"}), "reopened"),
}
TEAM_ACTIONS = frozenset({"claim", "start", "finish"})
VERIFY_ACTIONS = frozenset({"verify_pass", "verify_fail"})


class TransitionRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # not_allowed_from_state, wrong_team, not_claimer, verifier_did_work, wrong_role


def next_state(status: str, action: str) -> str:
    sources, target = TRANSITIONS.get(action, (frozenset(), ""))
    if status not in sources:
        raise TransitionRefused("not_allowed_from_state")
    return target


def check_actor(order, action: str, user) -> None:
    """Team work by a member of the order's team (start/finish by whoever claimed); verification by someone else."""
    if action in TEAM_ACTIONS:
        if user.role != "maintenance" or user.team_id != order.team_id:
            raise TransitionRefused("wrong_team")
        if action != "claim" and order.claimed_by_id != user.id:
            raise TransitionRefused("not_claimer")
    elif action in VERIFY_ACTIONS:
        if user.role not in ("patroller", "supervisor"):
            raise TransitionRefused("wrong_role")
        if user.id in (order.done_by_id, order.claimed_by_id):
            raise TransitionRefused("verifier_did_work")
    else:
        raise TransitionRefused("not_allowed_from_state")
