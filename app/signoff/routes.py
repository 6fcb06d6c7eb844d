"""Signing a submitted log: the summary, the patroller's signature, a colleague's on this phone or by QR."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.guards import get_in_my_sites, role_required
from app.auth.models import User
from app.extensions import db
from app.model_helpers import utcnow
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Visit
from app.signoff import bp
from app.validation import clean_text
from app.signoff.content import content_hash
from app.signoff.amendments import amendments_of, effective_changes
from app.signoff.models import Signature
from app.signoff.services import (COSIGN_MINUTES, cosign_token, cosign_with_token, issue_cosign_token, sign,
                                  signature_is_valid, signed_stage, signing_stage, verify_signer)


def _summary(log: PatrolLog) -> dict:
    """Every answer of the log, failures first, with amendments, signatures per stage and whether each still matches."""
    visits = db.session.scalars(select(Visit).where(Visit.log_id == log.id).order_by(Visit.scanned_at).options(
        selectinload(Visit.checkpoint), selectinload(Visit.answers).selectinload(Answer.item),
        selectinload(Visit.answers).selectinload(Answer.photos))).all()
    corrected = effective_changes(log)
    answers = [(visit, answer) for visit in visits for answer in visit.answers]
    result = {a.id: corrected[a.id][0].result if a.id in corrected else a.result for _v, a in answers}
    answers.sort(key=lambda pair: {"fail": 0, "na": 1}.get(result[pair[1].id], 2))
    stages: dict[int, dict[str, Signature]] = {}
    for signature in db.session.scalars(select(Signature).where(Signature.log_id == log.id)):
        stages.setdefault(signature.amendment_no, {})[signature.meaning] = signature
    validity = {}
    for stage, signed in stages.items():
        digest = content_hash(log, stage)
        validity[stage] = {meaning: signature_is_valid(sig, digest) for meaning, sig in signed.items()}
    stage = signing_stage(log)
    return {"log": log, "answers": answers, "corrected": corrected, "stages": stages, "validity": validity,
            "stage": stage, "signatures": stages.get(stage if stage is not None else signed_stage(log), {}),
            "amendments": amendments_of(log), "failed": sum(1 for r in result.values() if r == "fail")}


def _fail(exc: PatrolError, log_id: int):
    db.session.rollback()
    flash(exc.message, "error")
    return redirect(url_for("signoff.log", log_id=log_id), code=303)


@bp.get("/logs/<int:log_id>")
@role_required("patroller", "supervisor", "admin")
def log(log_id: int):
    return render_template("signoff/log.html", **_summary(get_in_my_sites(PatrolLog, log_id)))


def _sign_with_password(log_id: int, meaning: str, username: str, user: User | None, message):
    """Re-check the signer's password or PIN, then sign; `message(signer, log)` is flashed on success."""
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        signer = verify_signer(user, username, request.form.get("password", ""), request.remote_addr or "-")
        sign(log, signer, meaning, utcnow())
    except PatrolError as exc:
        return _fail(exc, log.id)
    flash(message(signer, log), "success")
    return redirect(url_for("signoff.log", log_id=log.id), code=303)


def _me() -> tuple[str, User]:
    return current_user.username, current_user._get_current_object()


@bp.post("/logs/<int:log_id>/performed")
@role_required("patroller", "supervisor")
def performed(log_id: int):
    return _sign_with_password(log_id, "performed", *_me(), lambda signer, log: _("Signed as performer."))


@bp.post("/logs/<int:log_id>/reviewed")
@role_required("supervisor")
def reviewed(log_id: int):
    """The supervisor approves a signed log, confirming with their password."""
    return _sign_with_password(log_id, "reviewed", *_me(),
                               lambda signer, log: _("Log %(number)s approved.", number=log.number))


@bp.post("/logs/<int:log_id>/witnessed")
@role_required("patroller", "supervisor")
def witnessed(log_id: int):
    """A colleague signs on the patroller's phone with their own username and password."""
    username = clean_text(request.form.get("username"), 64).lower()
    colleague = db.session.scalar(select(User).where(func.lower(User.username) == username)) if username else None
    return _sign_with_password(log_id, "witnessed", username, colleague,
                               lambda signer, log: _("%(name)s signed as witness.", name=signer.full_name))


@bp.post("/logs/<int:log_id>/cosign-code")
@role_required("patroller", "supervisor")
def cosign_code(log_id: int):
    """Show a one-time QR for the colleague's own phone."""
    log = get_in_my_sites(PatrolLog, log_id)
    try:
        token = issue_cosign_token(log, current_user, utcnow())
    except PatrolError as exc:
        return _fail(exc, log.id)
    url = current_app.config["BASE_URL"].rstrip("/") + url_for("signoff.cosign", token=token)
    buffer = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12).save(buffer)
    svg = Markup(buffer.getvalue().decode("utf-8").split("?>", 1)[-1])  # our own generated SVG, no user text in it
    return render_template("signoff/cosign_code.html", log=log, svg=svg, url=url, minutes=COSIGN_MINUTES)


@bp.route("/cosign/<token>", methods=["GET", "POST"])
@role_required("patroller", "supervisor")
def cosign(token: str):
    """The witness's own phone: check the log, then confirm with their password."""
    try:
        found = cosign_token(token, utcnow())
    except PatrolError as exc:
        return render_template("signoff/cosign_invalid.html", message=exc.message), exc.status
    log = db.session.get(PatrolLog, found.log_id)
    if log.site_id not in current_user.site_ids:
        abort(404)
    if request.method == "POST":
        try:
            signer = verify_signer(current_user._get_current_object(), current_user.username,
                                   request.form.get("password", ""), request.remote_addr or "-")
            cosign_with_token(token, signer, utcnow())
        except PatrolError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("signoff.cosign", token=token), code=303)
        flash(_("You signed log %(number)s as witness.", number=log.number), "success")
        return redirect(url_for("signoff.log", log_id=log.id), code=303)
    return render_template("signoff/cosign.html", token=token, **_summary(log))
