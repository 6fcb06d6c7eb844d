"""Downloads of checkpoint labels: one label as PNG or SVG, A4 sheets of a building's (or the outdoor) labels."""
from __future__ import annotations

from flask import Response, flash, redirect, url_for
from flask_babel import gettext as _

from app.auth.guards import role_required
from app.i18n import lang
from app.sites import bp
from app.sites.access import READERS, in_current_site
from app.sites.label_sheet import labels_pdf as render_sheet
from app.sites.labels import label_png as render_png, label_svg as render_svg
from app.sites.models import Building, Checkpoint
from app.sites.services import OUTDOOR, active_checkpoints_for_labels
from app.web import current_site


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # a rotated token must not linger in caches
    return response


@bp.get("/checkpoints/<int:checkpoint_id>/label.png")
@role_required(*READERS)
def label_png(checkpoint_id: int):
    checkpoint = in_current_site(Checkpoint, checkpoint_id)
    return _download(render_png(checkpoint), "image/png", f"label-{checkpoint.code}.png")


@bp.get("/checkpoints/<int:checkpoint_id>/label.svg")
@role_required(*READERS)
def label_svg(checkpoint_id: int):
    checkpoint = in_current_site(Checkpoint, checkpoint_id)
    return _download(render_svg(checkpoint), "image/svg+xml", f"label-{checkpoint.code}.svg")


def _sheet(building: Building | None, filename: str):
    site = current_site()
    checkpoints = active_checkpoints_for_labels(site.id, building.id if building else None)
    if not checkpoints:
        flash(_("There are no active checkpoints to print here."), "info")
        return redirect(url_for("sites.checkpoints", building_id=building.id if building else OUTDOOR), code=303)
    place = building.name(lang()) if building else _("Outdoor checkpoints")
    title = f"{site.name(lang())} · {place} · {_('Checkpoint labels')}"
    body = render_sheet(checkpoints, title, lambda page, pages: _("Page %(page)d of %(pages)d", page=page, pages=pages))
    return _download(body, "application/pdf", filename)


@bp.get("/buildings/<int:building_id>/labels.pdf")
@role_required(*READERS)
def labels_pdf(building_id: int):
    building = in_current_site(Building, building_id)
    return _sheet(building, f"labels-{building.code}.pdf")


@bp.get("/labels-outdoor.pdf")
@role_required(*READERS)
def labels_outdoor_pdf():
    return _sheet(None, "labels-outdoor.pdf")
