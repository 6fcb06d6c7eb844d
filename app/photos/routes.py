"""Serving stored photos to people of the photo's site, as images only: the type comes from the stored kind, never
from the file, and nothing in a photo can run even when it is opened on its own."""
from __future__ import annotations

import os

from flask import abort, current_app, send_file

from app.auth.guards import get_in_my_sites, role_required
from app.photos import bp
from app.photos.models import Photo

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}  # the kinds a photo row may have
FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"


def _send(photo: Photo, relative: str, thumb: bool = False):
    path = os.path.join(current_app.config["UPLOAD_DIR"], relative)
    if not os.path.isfile(path):
        abort(404)
    kind = "image/jpeg" if thumb else photo.content_type  # thumbnails are always written as JPEG
    if kind not in EXTENSIONS:
        abort(404)
    response = send_file(path, mimetype=kind, max_age=86400, conditional=True)
    name = f"photo-{photo.id}{'-thumb' if thumb else ''}.{EXTENSIONS[kind]}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_POLICY
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
    return _send(photo, photo.thumb_path, thumb=True)
