"""Backup and restore: a consistent snapshot of the database with the uploaded files and a manifest of checksums."""
from app.backup.errors import BackupError
from app.backup.services import make_backup, restore_backup

__all__ = ["BackupError", "make_backup", "restore_backup"]
