"""The manifest of a backup: what it holds, each file's SHA-256 and size, the rows per table; and its verification."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path, PurePosixPath

from app.backup.errors import BackupError

FORMAT = "patrol-backup/1"
MANIFEST = "manifest.json"
UPLOADS = "uploads"
CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path) -> dict:
    return {"sha256": sha256_of(path), "bytes": path.stat().st_size}


def stored_files(root: Path) -> list[str]:
    """Every file under root as a relative POSIX path, leaving out hidden names (half-written `.part` files)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                found.append((Path(folder) / name).relative_to(root).as_posix())
    return found


def copy_uploads(source: Path, target: Path) -> dict[str, dict]:
    """Copy the upload folder's files into the backup; returns their manifest entries, hashed as copied."""
    entries = {}
    for relative in stored_files(source):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination)
        entries[relative] = file_entry(destination)
    return entries


def write_manifest(folder: Path, manifest: dict) -> str:
    """Write manifest.json; returns its own SHA-256, for the operator's records."""
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return sha256_of(path)


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is damaged: {exc}.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a manifest this version reads (expected format {FORMAT}).")
    return manifest


def safe_relative(relative: str) -> bool:
    """A path that stays inside its folder: relative, no '..', no backslashes or drive letters."""
    path = PurePosixPath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts and "\\" not in relative \
        and ":" not in relative and not any(part.startswith(".") for part in path.parts)


def _check(path: Path, entry: dict, label: str) -> str | None:
    if not path.is_file():
        return f"{label}: missing"
    if path.stat().st_size != entry.get("bytes"):
        return f"{label}: {path.stat().st_size} bytes, the manifest says {entry.get('bytes')}"
    if sha256_of(path) != entry.get("sha256"):
        return f"{label}: checksum differs from the manifest (changed or damaged)"
    return None


def verify(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is present and unchanged, and nothing else is in the uploads: else BackupError."""
    problems = []
    database = manifest.get("database") or {}
    name = database.get("file", "")
    if not (safe_relative(name) and "/" not in name):
        problems.append(f"database file name {name!r} is not allowed")
    else:
        problems.append(_check(folder / name, database, name))
    listed = (manifest.get("uploads") or {}).get("files") or {}
    for relative, entry in sorted(listed.items()):
        if not safe_relative(relative):
            problems.append(f"{UPLOADS}/{relative}: a path outside the backup is not allowed")
            continue
        problems.append(_check(folder / UPLOADS / relative, entry, f"{UPLOADS}/{relative}"))
    unlisted = sorted(set(stored_files(folder / UPLOADS)) - set(listed)) if (folder / UPLOADS).is_dir() else []
    problems += [f"{UPLOADS}/{relative}: not in the manifest" for relative in unlisted]
    problems = [p for p in problems if p]
    if problems:
        raise BackupError(f"The backup in {folder} does not match its manifest: refusing to restore it.", problems)
