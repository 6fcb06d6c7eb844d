"""Real concurrent transactions for race tests: each caller in its own thread and session, released together."""
from __future__ import annotations

import threading

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.patrols.errors import PatrolError


def race(app, calls, prepare=None) -> list:
    """Run act(user, prepared) for each (username, act) at the same moment; `prepare(user)` loads state before the start.

    Outcomes in finishing order: "ok", the PatrolError's status, or the exception's name (SQLite may refuse the
    second writer as locked)."""
    barrier, outcomes = threading.Barrier(len(calls)), []

    def run(username, act):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            prepared = prepare(user) if prepare else None
            barrier.wait()
            try:
                act(user, prepared)
                outcomes.append("ok")
            except PatrolError as exc:
                outcomes.append(exc.status)
            except Exception as exc:  # noqa: BLE001
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
