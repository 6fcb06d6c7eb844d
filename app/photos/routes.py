"""Serving stored photos to people of the photo's site, as images only."""
from __future__ import annotations

import os

from flask import abort, current_app, send_file

from app.auth.guards import get_in_my_sites, role_required
from app.photos import bp
from app.photos.models import Photo


def _send(photo: Photo, relative: str):
    path = os.path.join(current_app.config["UPLOAD_DIR"], relative)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=photo.content_type, max_age=86400, conditional=True)
    response.headers["Content-Disposition"] = f'inline; filename="photo-{photo.id}.jpg"'
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/<int:photo_id>")
@role_required("patroller", "supervisor", "maintenance", "admin")
def full(photo_id: int):
    photo = get_in_my_sites(Photo, photo_id)
    return _send(photo, photo.path)


@bp.get("/<int:photo_id>/thumb")
@role_required("patroller", "supervisor", "maintenance", "admin")
def thumb(photo_id: int):
    photo = get_in_my_sites(Photo, photo_id)
    return _send(photo, photo.thumb_path)
