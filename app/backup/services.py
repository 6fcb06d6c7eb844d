"""Making a backup folder and restoring one into an empty instance."""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from app.audit.chain import ChainReport, seal_pending, verify_chain
from app.audit.services import SYSTEM, record
from app.backup.database import database_for, facts
from app.backup.errors import BackupError
from app.backup.manifest import (FORMAT, UPLOADS, copy_uploads, file_entry, read_manifest, stored_files,
                                 verify, write_manifest)
from app.extensions import db
from app.model_helpers import utcnow


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    manifest: dict
    manifest_sha256: str


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    chain: ChainReport


def make_backup(parent: str | os.PathLike, now: datetime | None = None) -> BackupResult:
    """Write <parent>/patrol-backup-<UTC time>/: the database snapshot, the uploads, manifest.json.

    The database is copied first: every photo row in the snapshot had its file written before the row was committed,
    and files are never deleted while a row uses them, so the uploads copied afterwards hold every file the
    snapshot names (and perhaps a few newer ones, harmless). Written under a hidden name, renamed when complete.
    """
    now = now or utcnow()
    parent = Path(parent)
    name = f"patrol-backup-{now:%Y%m%d-%H%M%S}"
    final, partial = parent / name, parent / f".{name}.partial"
    if final.exists():
        raise BackupError(f"{final} already exists: wait a second or choose another folder.")
    partial.mkdir(parents=True)
    try:
        manifest = _write_backup(partial, now)
        digest = write_manifest(partial, manifest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    return BackupResult(final, manifest, digest)


def _write_backup(partial: Path, now: datetime) -> dict:
    """The database snapshot, then the uploads; returns the manifest describing them."""
    seal_pending()  # events written by commands outside requests join the chain, so the copy can be verified whole
    database = database_for(db.engine)
    found = database.dump(partial / database.file_name)
    uploads = copy_uploads(Path(current_app.config["UPLOAD_DIR"]), partial / UPLOADS)
    return {
        "format": FORMAT, "created_at": now.isoformat(timespec="seconds") + "Z", "engine": database.engine_name,
        "schema_revision": found["schema_revision"], "counts": found["counts"], "audit": found["audit"],
        "database": {"file": database.file_name, **file_entry(partial / database.file_name)},
        "uploads": {"files": uploads, "count": len(uploads), "bytes": sum(e["bytes"] for e in uploads.values())},
    }


def restore_backup(folder: str | os.PathLike, force: bool = False) -> RestoreResult:
    """Verify the backup against its manifest, then bring it into this instance, which must be empty unless `force`."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify(folder, manifest)
    database = database_for(db.engine)
    if manifest.get("engine") != database.engine_name:
        raise BackupError(f"This backup holds a {manifest.get('engine')} database; this instance uses {database.engine_name}.")
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    db.session.remove()
    had_tables, empty = _instance_state(upload_dir)
    if not (empty or force):
        raise BackupError("This instance already holds data (database rows or uploaded files): restore into an empty "
                          "instance, or pass --force to overwrite it.")
    _restore_uploads(folder / UPLOADS, upload_dir, manifest)
    database.restore(folder / manifest["database"]["file"], wipe=had_tables)
    return RestoreResult(manifest, _check_restored(manifest))


def _instance_state(upload_dir: Path) -> tuple[bool, bool]:
    """(whether the database has tables, whether the instance is empty: no rows and no uploaded files)."""
    with db.engine.connect() as conn:
        counts = facts(conn)["counts"]
    files = stored_files(upload_dir) if upload_dir.is_dir() else []
    return bool(counts), not any(counts.values()) and not files


def _restore_uploads(source: Path, target: Path, manifest: dict) -> None:
    """Each file written whole under a temporary name and renamed; its checksum is checked once more as it is read."""
    for relative, entry in sorted(manifest["uploads"]["files"].items()):
        data = (source / relative).read_bytes()
        if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupError(f"{UPLOADS}/{relative} changed during the restore: nothing more was restored.")
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.parent / f".{destination.name}.restoring"
        temporary.write_bytes(data)
        os.replace(temporary, destination)


def _check_restored(manifest: dict) -> ChainReport:
    """The restored rows match the manifest's counts and the audit chain holds; the restore itself is audited."""
    with db.engine.connect() as conn:
        restored = facts(conn)["counts"]
    differing = [f"{table}: {restored.get(table)} rows, the manifest says {count}"
                 for table, count in manifest["counts"].items() if restored.get(table) != count]
    if differing:
        raise BackupError("The restored database does not hold what the manifest counts.", differing)
    chain = verify_chain()
    if chain.broken_seq is not None:
        raise BackupError(f"The restored audit trail's hash chain breaks at event #{chain.broken_seq} ({chain.reason}).")
    record("backup_restored", actor=SYSTEM, backup=manifest["created_at"], schema_revision=manifest["schema_revision"])
    db.session.commit()
    seal_pending()
    return chain
