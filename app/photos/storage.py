"""Saving photos under UPLOAD_DIR: files named by a SHA-256, written whole or not at all."""
from __future__ import annotations

import hashlib
import io
import os
import uuid

from flask import current_app
from PIL import Image

from app.photos.models import Photo

THUMB_SIZE = (320, 320)


def absolute(relative: str) -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], relative)


def photo_paths(site_id: int, sha256: str) -> tuple[str, str]:
    """Display and thumbnail paths relative to UPLOAD_DIR: <site>/<hash[:2]>/<hash>.jpg and .thumb.jpg."""
    folder = f"{site_id}/{sha256[:2]}"
    return f"{folder}/{sha256}.jpg", f"{folder}/{sha256}.thumb.jpg"


def write_atomic(relative: str, data: bytes) -> None:
    """Write to a temporary name in the same folder, flush it to disk, then rename: never a half file."""
    path = absolute(relative)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex}.part")
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def store_image(image: Image.Image, *, site_id: int, uploaded_by_id: int, **links) -> Photo:
    """Write an already-decoded image (the demo's drawings) and its thumbnail; return the unsaved Photo row."""
    data = _jpeg(image, 85)
    thumb = image.copy()
    thumb.thumbnail(THUMB_SIZE)
    sha256 = hashlib.sha256(data).hexdigest()
    path, thumb_path = photo_paths(site_id, sha256)
    write_atomic(thumb_path, _jpeg(thumb, 75))
    write_atomic(path, data)
    return Photo(
        site_id=site_id, uploaded_by_id=uploaded_by_id, sha256=sha256,
        content_type="image/jpeg", width=image.width, height=image.height, size_bytes=len(data),
        path=path, thumb_path=thumb_path, **links,
    )


def discard_unreferenced(photos: list[Photo]) -> None:
    """Remove the files of photos that were refused or rolled back, unless a stored photo still uses them."""
    from sqlalchemy import select

    from app.extensions import db

    for photo in photos:
        if db.session.scalar(select(Photo.id).where(Photo.path == photo.path).limit(1)) is not None:
            continue
        for relative in (photo.path, photo.thumb_path):
            try:
                os.remove(absolute(relative))
            except FileNotFoundError:
                pass
