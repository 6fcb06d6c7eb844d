"""Why a backup or a restore was refused; the message says what to do."""
from __future__ import annotations


class BackupError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        shown = self.problems[:10]
        more = len(self.problems) - len(shown)
        lines = [self.message, *(f"  - {p}" for p in shown)] + ([f"  … and {more} more"] if more > 0 else [])
        return "\n".join(lines)
