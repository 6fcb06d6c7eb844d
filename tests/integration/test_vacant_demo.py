"""The demo estate's units: door labels, vacant units under plans with seasonal items, a past upkeep visit, keys out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.demo.builder import build_demo
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import PatrolLog, Round
from app.sites.models import Checkpoint, Unit
from app.vacancy.keys import is_overdue
from app.vacancy.models import KeyLoan, UpkeepItem, UpkeepPlan

NOON_SHANGHAI = datetime(2026, 11, 20, 4, 0)


def test_demo_units_have_labels_plans_a_past_visit_and_keys_out(ctx):
    site = build_demo(now=NOON_SHANGHAI, days=2)
    units = db.session.scalars(select(Unit)).all()
    assert len(units) == 30 and all(u.checkpoint.category == "unit" for u in units)
    assert db.session.scalar(select(Checkpoint).where(Checkpoint.code == "B1-301")).name_zh == "1栋 301"
    statuses = {u.status for u in units}
    assert {"occupied", "vacant", "sold_vacant"} <= statuses
    plans = db.session.scalars(select(UpkeepPlan)).all()
    assert len(plans) == 2 and all(p.active and p.year == 2026 for p in plans)
    seasons = set(db.session.scalars(select(UpkeepItem.season)))
    assert {"all_year", "summer", "rainy", "winter"} <= seasons
    vacant_round = db.session.scalar(select(Round).where(Round.site_id == site.id, Round.purpose == "vacant"))
    assert {u.username for u in vacant_round.assignees} == {"patrol1", "patrol2"}
    past = db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == vacant_round.id))
    assert past.status == "signed" and past.number and past.visits[0].checkpoint.category == "unit"
    assert db.session.scalar(select(Finding).where(Finding.item_code == "VAC-03")) is not None
    loans = db.session.scalars(select(KeyLoan).where(KeyLoan.returned_at.is_(None))).all()
    assert len(loans) == 2 and sum(is_overdue(loan, NOON_SHANGHAI) for loan in loans) == 1
    assert vacant_round.stops  # units due today are in the upkeep round
