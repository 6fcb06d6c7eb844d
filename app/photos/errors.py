"""The errors the photo pipeline raises: a refused upload, or storage that cannot take it, with a message ready to show."""
from __future__ import annotations


class PhotoError(Exception):
    """A refused upload; .message is already translated, .status is 400 or 413."""

    code = "photo_refused"

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class StorageError(PhotoError):
    """The photo was fine but the server could not keep it (disk full, folder not writable): 507 or 503, send again later."""

    def __init__(self, message: str, status: int, code: str):
        super().__init__(message, status)
        self.code = code
