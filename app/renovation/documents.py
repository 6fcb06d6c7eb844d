"""Documents attached to a permit (application form, drawings, hot-work permit, ID copy): checked by their content.

A photo (JPEG, PNG or HEIC) is decoded in full and stored again as a JPEG of our own; a PDF must parse and have
pages. A file whose name claims one kind and whose content is another (a ".pdf" that is a JPEG or an HTML page)
is refused. Files are stored under our own random name and served only as what we found them to be.
"""
from __future__ import annotations

import hashlib
import io
import os
import uuid
import warnings
from dataclasses import dataclass
from functools import lru_cache

import pillow_heif
from flask import abort, current_app, send_file
from flask_babel import gettext as _
from PIL import Image, ImageOps

from app.extensions import db
from app.photos.errors import PhotoError
from app.photos.pipeline import HEIF_DECODE_THREADS
from app.photos.storage import absolute, remove_quietly, write_atomic
from app.renovation.errors import RenovationError
from app.renovation.models import DOCUMENT_KINDS, PermitDocument

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 64_000_000
LONG_SIDE = 3000  # a photographed form or drawing stays legible
MAX_FILES = 10
IMAGE_FORMATS = ("JPEG", "PNG", "HEIF")
PHOTO_NAMES = (".jpg", ".jpeg", ".png", ".heic", ".heif")


@dataclass
class Prepared:
    """A checked upload, ready to be written: what it really is and the bytes we keep."""

    original_name: str
    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return "pdf" if self.content_type == "application/pdf" else "jpg"


@lru_cache(maxsize=1)
def _register_heif() -> None:
    pillow_heif.register_heif_opener(decode_threads=HEIF_DECODE_THREADS)


def _refuse(message) -> RenovationError:
    return RenovationError(message, 400, "documents")


def _read(upload, limit: int) -> bytes:
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise RenovationError(_("%(name)s is larger than %(size)s MB.", name=upload.filename, size=f"{limit / 1048576:.3g}"),
                              413, "documents")
    if not data:
        raise _refuse(_("%(name)s is empty.", name=upload.filename))
    return data


def _is_pdf(data: bytes) -> bool:
    """A PDF that opens, has at least one page and ends as a PDF ends."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        return False
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(PdfReader(io.BytesIO(data), strict=False).pages) >= 1
    except Exception:  # noqa: BLE001 - whatever the parser makes of hostile bytes, the answer is "not a PDF"
        return False


def _photo_as_jpeg(data: bytes) -> bytes | None:
    """The picture decoded in full and written again as our own JPEG; None when the bytes are not a photo."""
    _register_heif()
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    except Exception:  # noqa: BLE001 - truncated, corrupt or not an image at all
        return None
    with upright:
        upright.thumbnail((LONG_SIDE, LONG_SIDE))
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def prepare(upload) -> Prepared:
    """Check one upload by its content; RenovationError (400 or 413) when it is not what it claims or not allowed."""
    name = os.path.basename(upload.filename or "document")[:255]
    data = _read(upload, current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))
    claims_pdf = name.lower().endswith(".pdf") or upload.mimetype == "application/pdf"
    claims_photo = name.lower().endswith(PHOTO_NAMES) or (upload.mimetype or "").startswith("image/")
    if data.startswith(b"%PDF-"):
        if claims_photo:
            raise _refuse(_("%(name)s claims to be a photo but is a PDF: rename it and send it again.", name=name))
        if not _is_pdf(data):
            raise _refuse(_("%(name)s is damaged or not a real PDF.", name=name))
        return Prepared(name, "application/pdf", data)
    if claims_pdf:
        raise _refuse(_("%(name)s is called a PDF but its content is not a PDF.", name=name))
    jpeg = _photo_as_jpeg(data)
    if jpeg is None:
        raise _refuse(_("%(name)s is neither a photo (JPEG, PNG, HEIC) nor a PDF.", name=name))
    return Prepared(name, "image/jpeg", jpeg)


def prepare_all(uploads) -> list[Prepared]:
    """Every upload checked before anything is stored: one bad file refuses them all."""
    uploads = [u for u in uploads if u and u.filename]
    if len(uploads) > MAX_FILES:
        raise _refuse(_("Send at most %(count)d files at a time.", count=MAX_FILES))
    return [prepare(upload) for upload in uploads]


def store(permit, prepared: list[Prepared], kind: str, user) -> list[PermitDocument]:
    """Write the checked files under our own names and add their rows (the caller commits, or calls discard)."""
    if kind not in DOCUMENT_KINDS:
        raise RenovationError(_("Choose what kind of document this is."), 400, "document_kind")
    documents = []
    try:
        for item in prepared:
            relative = f"renovation/{permit.site_id}/{uuid.uuid4().hex}.{item.extension}"
            write_atomic(relative, item.data)
            document = PermitDocument(
                permit=permit, kind=kind, original_name=item.original_name, content_type=item.content_type,
                size_bytes=len(item.data), sha256=hashlib.sha256(item.data).hexdigest(), path=relative,
                uploaded_by_id=user.id)
            db.session.add(document)
            documents.append(document)
    except PhotoError as exc:  # the disk refused: keep nothing of this upload
        discard(documents)
        raise RenovationError(exc.message, exc.status, "documents") from exc
    return documents


def discard(documents: list[PermitDocument]) -> None:
    """Remove the files of documents whose rows were not committed."""
    for document in documents:
        remove_quietly(absolute(document.path))


def send(document: PermitDocument):
    """The stored file as what we checked it to be, always as a download under our own name."""
    path = absolute(document.path)
    if not os.path.isfile(path):
        abort(404)
    extension = "pdf" if document.content_type == "application/pdf" else "jpg"
    response = send_file(path, mimetype=document.content_type, conditional=True)
    response.headers["Content-Disposition"] = f'attachment; filename="permit-document-{document.id}.{extension}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
