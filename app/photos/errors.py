"""The one error the photo pipeline raises: a refused upload, with a message ready to show."""
from __future__ import annotations


class PhotoError(Exception):
    """A refused upload; .message is already translated, .status is 400 or 413."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
