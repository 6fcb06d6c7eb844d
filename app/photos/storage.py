"""Saving photos under UPLOAD_DIR: the image as JPEG, a thumbnail, and its SHA-256."""
from __future__ import annotations

import hashlib
import io
import os
import uuid

from flask import current_app
from PIL import Image

from app.photos.models import Photo

THUMB_SIZE = (320, 320)


def _write(relative: str, data: bytes) -> None:
    path = os.path.join(current_app.config["UPLOAD_DIR"], relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)  # never a half-written file under the final name


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def store_image(image: Image.Image, *, site_id: int, uploaded_by_id: int, **links) -> Photo:
    """Write an already-decoded image and its thumbnail; return the unsaved Photo row."""
    data = _jpeg(image, 85)
    thumb = image.copy()
    thumb.thumbnail(THUMB_SIZE)
    name = uuid.uuid4().hex
    folder = f"{site_id}/{name[:2]}"
    path, thumb_path = f"{folder}/{name}.jpg", f"{folder}/{name}.thumb.jpg"
    _write(path, data)
    _write(thumb_path, _jpeg(thumb, 75))
    return Photo(
        site_id=site_id, uploaded_by_id=uploaded_by_id, sha256=hashlib.sha256(data).hexdigest(),
        content_type="image/jpeg", width=image.width, height=image.height, size_bytes=len(data),
        path=path, thumb_path=thumb_path, **links,
    )
