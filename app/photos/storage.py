"""Saving photos under UPLOAD_DIR: files named by a SHA-256, written whole or not at all.

A photo's files are written (and flushed to disk) before its row is committed, so a crash can leave a file
without a row but never a row without its file; `flask photos sweep` collects such files later.
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
import uuid

from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from app.photos.errors import StorageError
from app.photos.models import Photo

THUMB_SIZE = (320, 320)
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def absolute(relative: str) -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], relative)


def photo_paths(site_id: int, sha256: str) -> tuple[str, str]:
    """Display and thumbnail paths relative to UPLOAD_DIR: <site>/<hash[:2]>/<hash>.jpg and .thumb.jpg."""
    folder = f"{site_id}/{sha256[:2]}"
    return f"{folder}/{sha256}.jpg", f"{folder}/{sha256}.thumb.jpg"


def storage_error(exc: OSError) -> StorageError:
    """What the user is told when the disk refuses a photo: full (507) or not writable (503); either way, send it later."""
    if exc.errno in STORAGE_FULL:
        return StorageError(_("The server's photo storage is full, so this photo was not saved. Send it again later; "
                              "if this lasts, tell the administrator."), 507, "storage_full")
    return StorageError(_("The server cannot save photos at the moment, so this photo was not saved. Send it again "
                          "later; if this lasts, tell the administrator."), 503, "storage_unavailable")


def _write_durably(path: str, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: str) -> None:
    """Make a rename in this folder survive a power cut, not only a crash of the process."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:  # already gone, or the folder is read-only: the sweep collects what stays
        pass


def write_atomic(relative: str, data: bytes) -> None:
    """Write to a temporary name in the same folder, flush it to disk, then rename: never a half file.

    A disk that refuses (full, read-only, no permission) raises StorageError with nothing left behind."""
    path = absolute(relative)
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex}.part")
    try:
        os.makedirs(folder, exist_ok=True)
        _write_durably(tmp, data)
        os.replace(tmp, path)
        _sync_folder(folder)
    except OSError as exc:
        remove_quietly(tmp)
        raise storage_error(exc) from exc
    except BaseException:
        remove_quietly(tmp)
        raise


def write_pair(thumb_path: str, thumb: bytes, path: str, display: bytes) -> None:
    """Thumbnail first, display file last (a display file means both are complete); a refusal keeps neither."""
    write_atomic(thumb_path, thumb)
    try:
        write_atomic(path, display)
    except BaseException:
        remove_quietly(absolute(thumb_path))
        raise


def take_up(relative_paths: tuple[str, ...]) -> bool:
    """Mark stored files as in use again (their time is refreshed, so the sweep leaves them); False if one is gone."""
    try:
        for relative in relative_paths:
            os.utime(absolute(relative))
    except OSError:
        return False
    return True


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
    write_pair(thumb_path, _jpeg(thumb, 75), path, data)
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
