"""The offline shell: one public page the service worker keeps, which renders prepared rounds from the phone's own storage."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from app.patrols import bp


def offline_strings() -> dict[str, str]:
    """Every text the offline scripts show, translated here because the scripts have no gettext."""
    return {
        "title": _("Offline patrol"),
        "offline": _("You are offline. What you record is kept on this phone and sent when the network is back."),
        "online": _("Online."),
        "prepared": _("Rounds ready for offline use"),
        "no_packs": _("No round is prepared for offline use on this phone. Start a round while online first."),
        "not_here": _("This page is not available offline."),
        "unknown_label": _("This checkpoint is not in a round prepared for offline use on this phone."),
        "log_closed": _("This round has already been submitted: nothing more can be recorded."),
        "back_to_round": _("Back to the round"),
        "checkpoints_done": _("{done} of {total} checkpoints"),
        "items_answered": _("{answered} of {total} items answered"),
        "open_checkpoint": _("Open checkpoint"),
        "continue": _("Continue checklist"),
        "skipped": _("Skipped"),
        "cannot_get_there": _("Cannot get there?"),
        "skip_reason": _("Reason (door locked, no access…)"),
        "skip": _("Skip this checkpoint"),
        "manual_title": _("Label damaged?"),
        "manual_code": _("Code printed on the label"),
        "manual_reason": _("Why it could not be scanned"),
        "unknown_code": _("No checkpoint of this round has that code."),
        "pass": _("Pass"), "fail": _("Fail"), "na": _("N/A"),
        "reading": _("Reading"), "answer": _("Answer"),
        "what_wrong": _("What is wrong"), "why_na": _("Why it does not apply"),
        "photos": _("Photos"), "photo_needed": _("at least one"),
        "save": _("Save answer"), "saved": _("Saved on this phone"),
        "choose": _("Choose pass, fail or N/A."), "describe": _("Describe the problem."),
        "out_of_range": _("Out of range: describe the problem."),
        "enter_number": _("Enter a number."), "write_answer": _("Write the answer."),
        "say_why": _("Say why this item does not apply."), "need_photo": _("Add at least one photo of the problem."),
        "photo_count": _("{count} photos kept"),
        "before_submit": _("Before you can submit"),
        "not_visited": _("{checkpoint}: not visited yet (visit it or skip it with a reason)."),
        "not_answered": _("{checkpoint}: {left} items not answered."),
        "submit": _("Submit log"),
        "submitted_offline": _("Submitted on this phone: it is sent with everything else when the network is back."),
        "witness_title": _("Colleague signs on this phone"),
        "witness_hint": _("The colleague's username and password are checked by the server when the phone is online again."),
        "witness_user": _("Colleague's username"),
        "witness_password": _("Colleague's password or signing PIN"),
        "witness_sign": _("Sign as witness"),
        "witness_kept": _("Signature kept: it is checked when the phone is online."),
        "queue": _("Waiting to be sent"),
        "waiting": _("{count} waiting"),
        "failed": _("{count} need attention"),
        "last_sync": _("Last sent {time}"),
        "never_synced": _("Nothing sent yet"),
        "sync_now": _("Send now"),
        "all_sent": _("Everything has been sent."),
        "retry": _("Try again"),
        "discard": _("Discard"),
        "confirm_discard": _("Discard this record from the phone? It has not reached the server."),
        "sign_in_again": _("Your session has ended: sign in again to send what is waiting. Nothing is lost."),
        "kind_visit": _("Checkpoint visit"), "kind_answer": _("Answer"), "kind_photo": _("Photo"), "kind_skip": _("Skip"),
        "kind_submit": _("Submit"), "kind_cosign": _("Witness signature"),
        "blocked": _("Waits for an earlier record that could not be sent."),
        "server_error": _("The server could not take it now; it will be tried again."),
        "prepare": _("Prepare offline"), "preparing": _("Preparing…"), "ready": _("Ready for offline use"),
        "prepare_failed": _("Could not prepare this round for offline use."),
        "storage_low": _("This phone is short of storage: send what is waiting soon."),
    }


@bp.get("/offline")
def offline():
    """Public on purpose: the service worker fetches it at install, before anyone signs in; it holds no user data."""
    return render_template("patrols/offline.html", strings=offline_strings())
