"""Two-person sign-off of a submitted log (002 §4.5.6): each signer re-authenticates; both lock the log."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.auth.models import User
from app.auth.services import signing_secret_matches
from app.auth.throttle import ThrottlePolicy, record_failure, refuse_if_throttled
from app.extensions import db
from app.validation import clean_text
from app.patrols.errors import PatrolError
from app.patrols.models import PatrolLog
from app.signoff.content import content_hash
from app.signoff.models import CosignToken, LogAmendment, Signature

COSIGN_MINUTES = 5
SIGNER_ROLES = ("patroller", "supervisor")


def verify_signer(user: User | None, username: str, password: str, address: str) -> User:
    """Re-check a signer's password or PIN at the moment of signing (21 CFR 11.200), throttled like signing in.

    An unknown, deactivated or wrong signer gets the same refusal after the same hash work.
    """
    name = clean_text(username, 64).lower()
    refuse_if_throttled(name, address, ThrottlePolicy.from_config(current_app.config))
    if not signing_secret_matches(user, password or ""):
        record_failure("signing", name, address, user, "signature_refused")
        raise PatrolError(_("Wrong username or password."), 401, "password")
    return user


def signatures_of(log: PatrolLog, stage: int = 0) -> dict[str, Signature]:
    """The signatures of one stage: 0 is the log as submitted, N its amendment N."""
    return {s.meaning: s for s in db.session.scalars(
        select(Signature).where(Signature.log_id == log.id, Signature.amendment_no == stage))}


def lock_log(log: PatrolLog) -> None:
    """Take the log's row lock so concurrent signers and correctors go one after the other."""
    db.session.execute(update(PatrolLog).where(PatrolLog.id == log.id).values(status=PatrolLog.status))
    db.session.refresh(log)


def sign(log: PatrolLog, signer: User, meaning: str, now: datetime) -> Signature:
    """Bind an authenticated signer to the log's current content; the second signature locks the log."""
    if meaning == "reviewed":
        return review(log, signer, now)
    not_signable = _("Only a submitted log waiting for signatures can be signed.")
    if signing_stage(log) is None:
        raise PatrolError(not_signable, 409)
    if signer.role not in SIGNER_ROLES or log.site_id not in signer.site_ids:
        raise PatrolError(_("Only patrollers and supervisors of this site can sign its logs."), 403)
    # Lock the log row first: two people signing at the same moment are taken one after the other,
    # so the second sees the first's signature and locks the log.
    lock_log(log)
    stage = signing_stage(log)
    if stage is None:
        raise PatrolError(not_signable, 409)
    existing = signatures_of(log, stage)
    if meaning in existing:
        raise PatrolError(_("This log has already been signed for that part."), 409)
    if meaning == "performed" and signer.id != log.started_by_id:
        raise PatrolError(_("Only the patroller who walked the round signs as performer."), 403)
    if meaning == "witnessed" and signer.id == log.started_by_id:
        raise PatrolError(_("The witness must be a different colleague from the patroller."), 403)
    if any(s.user_id == signer.id for s in existing.values()):
        raise PatrolError(_("Two different people must sign."), 403)
    digest = content_hash(log, stage)
    if any(not signature_is_valid(sig, digest) for sig in existing.values()):
        raise PatrolError(_("The log changed after the first signature: it cannot be signed."), 409)
    signature = Signature(log_id=log.id, user_id=signer.id, full_name=signer.full_name, role=signer.role,
                          meaning=meaning, amendment_no=stage, content_sha256=digest, signed_at=now)
    db.session.add(signature)
    try:
        db.session.flush()
    except IntegrityError:  # a colleague signed the same part a moment earlier
        db.session.rollback()
        raise PatrolError(_("This log has already been signed for that part."), 409) from None
    locked = len(existing) + 1 == 2
    if locked:
        log.status = "signed"
        if stage:
            from app.signoff.amendments import amendment_signed  # amendments build on signing
            amendment_signed(log, stage, now)
    record("log_signed", log, actor=signer, meaning=meaning, amendment=stage or None,
           content_sha256=signature.content_sha256, locked=locked)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PatrolError(_("This log has already been signed for that part."), 409) from None
    return signature


def signing_stage(log: PatrolLog) -> int | None:
    """Which stage takes signatures now: 0 for a submitted log, N for a submitted amendment N, else None."""
    if log.status == "submitted":
        return 0
    if log.status in ("amending", "returned"):
        number = db.session.scalar(select(LogAmendment.number).where(
            LogAmendment.log_id == log.id, LogAmendment.status == "submitted"))
        return number
    return None


def signed_stage(log: PatrolLog) -> int:
    """The newest fully signed stage: the last signed amendment's number, or 0."""
    return db.session.scalar(select(func.max(LogAmendment.number)).where(
        LogAmendment.log_id == log.id, LogAmendment.status == "signed")) or 0


def review(log: PatrolLog, supervisor: User, now: datetime) -> Signature:
    """A supervisor approves a log, only once both colleagues have signed it (002 §4.5.6, 003 §3)."""
    signature = approve(log, supervisor, now)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PatrolError(_("Someone has already approved this log."), 409) from None
    return signature


def approve(log: PatrolLog, supervisor: User, now: datetime) -> Signature:
    """review() without the commit, so the weekly review can approve many logs in one transaction."""
    if supervisor.role != "supervisor" or log.site_id not in supervisor.site_ids:
        raise PatrolError(_("Only a supervisor of this site can approve logs."), 403)
    if log.status != "signed":
        raise PatrolError(_("A log can be approved only after both signatures."), 409)
    stage = signed_stage(log)
    signed_by = db.session.scalars(select(Signature.user_id).where(
        Signature.log_id == log.id, Signature.meaning != "reviewed")).all()
    if supervisor.id in signed_by:
        raise PatrolError(_("Someone who signed the log cannot also approve it."), 403)
    digest = content_hash(log, stage)
    if not all(signature_is_valid(sig, digest) for sig in signatures_of(log, stage).values()):
        raise PatrolError(_("The log changed after it was signed: it cannot be approved."), 409)
    # The conditional update comes first: of two supervisors approving at once, the second waits for the
    # first's row lock, then finds the log no longer "signed" and is refused.
    changed = db.session.execute(
        update(PatrolLog).where(PatrolLog.id == log.id, PatrolLog.status == "signed")
        .values(status="reviewed", reviewed_at=now, reviewed_by_id=supervisor.id)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise PatrolError(_("Someone has already approved this log."), 409)
    signature = Signature(log_id=log.id, user_id=supervisor.id, full_name=supervisor.full_name, role=supervisor.role,
                          meaning="reviewed", amendment_no=stage, content_sha256=digest, signed_at=now)
    db.session.add(signature)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PatrolError(_("Someone has already approved this log."), 409) from None
    record("log_reviewed", log, actor=supervisor, amendment=stage or None, content_sha256=digest)
    return signature


def signature_is_valid(signature: Signature, current_hash: str) -> bool:
    """False when the stored log no longer matches what was signed."""
    return secrets.compare_digest(signature.content_sha256, current_hash)


def issue_cosign_token(log: PatrolLog, user: User, now: datetime) -> str:
    """A single-use token for the witness's own phone; only its hash is stored."""
    if signing_stage(log) is None or user.id != log.started_by_id:
        raise PatrolError(_("Only the patroller of a submitted log can ask a colleague to sign it."), 403)
    token = secrets.token_urlsafe(24)
    db.session.add(CosignToken(log_id=log.id, token_sha256=_hash(token), created_by_id=user.id, created_at=now,
                               expires_at=now + timedelta(minutes=COSIGN_MINUTES)))
    record("cosign_requested", log, actor=user)
    db.session.commit()
    return token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cosign_token(token: str, now: datetime) -> CosignToken:
    """The live token for this string, or a PatrolError saying why it cannot be used."""
    found = db.session.scalar(select(CosignToken).where(CosignToken.token_sha256 == _hash(token or "")))
    if found is None:
        raise PatrolError(_("This co-sign code is not valid."), 404)
    if found.used_at is not None:
        raise PatrolError(_("This co-sign code has already been used."), 410)
    if found.expires_at <= now:
        raise PatrolError(_("This co-sign code has expired. Ask for a new one."), 410)
    return found


def cosign_with_token(token: str, signer: User, now: datetime) -> Signature:
    """Witness a log from one's own phone: the token is spent in the same transaction as the signature."""
    found = cosign_token(token, now)
    claimed = db.session.execute(
        CosignToken.__table__.update()
        .where(CosignToken.id == found.id, CosignToken.used_at.is_(None))
        .values(used_at=now, used_by_id=signer.id)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise PatrolError(_("This co-sign code has already been used."), 410)
    return sign(db.session.get(PatrolLog, found.log_id), signer, "witnessed", now)
