"""The key log of vacant units (钥匙委托管理): who took a unit's key, why, when it is due back; keys out too long.

A key is out at most once: the partial unique index on open loans refuses a second loan even when two people
lend the same key at the same moment, and a return is a conditional update, so only one of two returns counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.auth.models import User, user_sites
from app.extensions import db
from app.i18n import lang, to_local
from app.sites.models import Unit
from app.vacancy.errors import VacancyError
from app.vacancy.models import KeyLoan

OVERDUE_AFTER = timedelta(days=3)  # keys out longer are chased (002 钥匙 §4.4.3)
DEFAULT_LOAN = timedelta(days=1)
LONGEST_LOAN = timedelta(days=30)


@dataclass(frozen=True)
class LoanRequest:
    """A validated borrowing: a colleague (borrower_id) or a named outsider with a phone number."""

    purpose: str
    borrower_id: int | None = None
    borrower_name: str | None = None
    borrower_phone: str | None = None
    expected_return_at: datetime | None = None  # naive UTC; None: one day after borrowing


def open_loan(unit_id: int) -> KeyLoan | None:
    return db.session.scalar(select(KeyLoan).where(KeyLoan.unit_id == unit_id, KeyLoan.returned_at.is_(None))
                             .options(joinedload(KeyLoan.borrower)))


def is_overdue(loan: KeyLoan, now: datetime) -> bool:
    """Out more than three days."""
    return loan.returned_at is None and now - loan.borrowed_at > OVERDUE_AFTER


def is_late(loan: KeyLoan, now: datetime) -> bool:
    """Past the return the borrower promised."""
    return loan.returned_at is None and now > loan.expected_return_at


def _already_out(unit: Unit, loan: KeyLoan | None, tz: str) -> VacancyError:
    if loan is None:
        return VacancyError(_("The key of %(unit)s is already out. Reload the page.", unit=unit.label(lang())), 409)
    return VacancyError(_("The key of %(unit)s is already out with %(name)s since %(since)s: it has to be returned first.",
                          unit=unit.label(lang()), name=loan.borrower_name,
                          since=to_local(loan.borrowed_at, tz).strftime("%Y-%m-%d %H:%M")), 409)


def _borrower(site_id: int, request: LoanRequest) -> tuple[int | None, str, str | None]:
    if request.borrower_id is None:
        if not request.borrower_name or not request.borrower_phone:
            raise VacancyError(_("Name the person taking the key and give their phone number."), 400, "borrower_name")
        return None, request.borrower_name, request.borrower_phone
    user = db.session.scalar(select(User).join(user_sites, user_sites.c.user_id == User.id)
                             .where(User.id == request.borrower_id, user_sites.c.site_id == site_id, User.active.is_(True)))
    if user is None:
        raise VacancyError(_("Choose a colleague of this site, or name an outside borrower."), 400, "borrower_id")
    return user.id, user.full_name, user.phone


def borrow_key(unit: Unit, site, request: LoanRequest, lender, now: datetime) -> KeyLoan:
    """Log the unit's key as taken. 409 when it is already out. Commits."""
    current = open_loan(unit.id)
    if current is not None:
        raise _already_out(unit, current, site.timezone)
    expected = request.expected_return_at or now + DEFAULT_LOAN
    if expected <= now:
        raise VacancyError(_("The expected return must be after the key is taken."), 400, "expected_return")
    if expected > now + LONGEST_LOAN:
        raise VacancyError(_("A key is lent for at most 30 days."), 400, "expected_return")
    borrower_id, name, phone = _borrower(site.id, request)
    loan = KeyLoan(site_id=site.id, unit_id=unit.id, borrower_id=borrower_id, borrower_name=name, borrower_phone=phone,
                   purpose=request.purpose, borrowed_at=now, expected_return_at=expected, lent_by_id=lender.id)
    try:
        db.session.add(loan)
        db.session.flush()
        record("key_borrowed", loan, actor=lender, unit_id=unit.id, unit=unit.label("zh"), borrower=name,
               borrower_id=borrower_id, purpose=request.purpose, expected_return_at=expected.isoformat())
        db.session.commit()
    except (IntegrityError, OperationalError):
        # Lent by someone else a moment ago: the open-loan index refused this one (or SQLite refused the second writer).
        db.session.rollback()
        raise _already_out(unit, open_loan(unit.id), site.timezone) from None
    return loan


def return_key(unit: Unit, receiver, note: str | None, now: datetime) -> KeyLoan:
    """Log the unit's key as back in the cabinet. 409 when it is not out. Commits."""
    loan = open_loan(unit.id)
    if loan is None:
        raise VacancyError(_("The key of %(unit)s is not out: there is nothing to return.", unit=unit.label(lang())), 409)
    returned_at = max(now, loan.borrowed_at)
    try:
        changed = db.session.execute(
            update(KeyLoan).where(KeyLoan.id == loan.id, KeyLoan.returned_at.is_(None))
            .values(returned_at=returned_at, returned_to_id=receiver.id, return_note=note)
        ).rowcount
    except OperationalError:  # SQLite refused the second of two returns at the same moment
        changed = 0
    if changed != 1:  # returned twice at once: the first one counts
        db.session.rollback()
        raise VacancyError(_("The key of %(unit)s is not out: there is nothing to return.", unit=unit.label(lang())), 409)
    record("key_returned", loan, actor=receiver, unit_id=unit.id, unit=unit.label("zh"), borrower=loan.borrower_name,
           note=note, days_out=round((returned_at - loan.borrowed_at).total_seconds() / 86400, 1))
    db.session.commit()
    db.session.refresh(loan)
    return loan


def open_loans_query(site_id: int):
    """Keys out at a site, longest out first."""
    return (select(KeyLoan).where(KeyLoan.site_id == site_id, KeyLoan.returned_at.is_(None))
            .options(joinedload(KeyLoan.unit).joinedload(Unit.building)).order_by(KeyLoan.borrowed_at))


def returned_recently(site_id: int, limit: int = 20) -> list[KeyLoan]:
    return list(db.session.scalars(
        select(KeyLoan).where(KeyLoan.site_id == site_id, KeyLoan.returned_at.is_not(None))
        .options(joinedload(KeyLoan.unit).joinedload(Unit.building)).order_by(KeyLoan.returned_at.desc()).limit(limit)))


@dataclass
class OverdueKeys:
    count: int
    oldest: list[KeyLoan]


def overdue_keys(site_id: int, now: datetime, limit: int = 5) -> OverdueKeys:
    """Keys out more than three days: how many, and the longest out (one query: the count rides along each row)."""
    rows = db.session.execute(
        select(KeyLoan, func.count().over())
        .where(KeyLoan.site_id == site_id, KeyLoan.returned_at.is_(None), KeyLoan.borrowed_at < now - OVERDUE_AFTER)
        .options(joinedload(KeyLoan.unit).joinedload(Unit.building)).order_by(KeyLoan.borrowed_at).limit(max(limit, 1))).all()
    return OverdueKeys(rows[0][1] if rows else 0, [loan for loan, _count in rows])
