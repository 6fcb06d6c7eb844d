"""Collecting photo files that no row points to.

A photo's files are written before its row is committed, so a crash (or a kill) in between leaves files
without a row: never shown, but taking room and still showing someone's home. They are collected by a command
run from cron, not at start-up: with several workers or hosts on one UPLOAD_DIR a starting worker cannot tell a
leftover from a file another worker is about to commit. Only files untouched for a grace period are candidates
(an upload reusing a stored file refreshes its time first), and a candidate is moved aside and checked once more
before it is deleted, so an upload committing at that very moment keeps its file.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.extensions import db
from app.photos.models import Photo
from app.photos.storage import remove_quietly

PARKED = ".sweep"  # suffix of a candidate moved aside while it is checked once more
PARTIAL = ".part"  # suffix of a write that never finished (see storage.write_atomic)


@dataclass
class SweepReport:
    removed: list[str] = field(default_factory=list)  # relative paths, temporary files included
    kept: int = 0  # files with their row


def _files_of_site(site_folder: str) -> list[str]:
    """Every file under <UPLOAD_DIR>/<site>/, relative to UPLOAD_DIR."""
    root = current_app.config["UPLOAD_DIR"]
    found = []
    for folder, _dirs, names in os.walk(site_folder):
        found.extend(os.path.relpath(os.path.join(folder, name), root) for name in names)
    return found


def _referenced(site_id: int) -> set[str]:
    rows = db.session.execute(select(Photo.path, Photo.thumb_path).where(Photo.site_id == site_id))
    return {relative for row in rows for relative in row}


def _still_referenced(site_id: int, relative: str) -> bool:
    """Asked on a connection of its own: a new transaction sees rows committed since the sweep began."""
    query = (select(Photo.id).where(Photo.site_id == site_id, or_(Photo.path == relative, Photo.thumb_path == relative))
             .limit(1))
    with db.engine.connect() as conn:
        return conn.execute(query).first() is not None


def _original(relative: str) -> str | None:
    """The photo file a leftover stands for: `.x.jpg.<hex>.part` → None (never a photo), `.x.jpg.sweep` → `x.jpg`."""
    folder, name = os.path.split(relative)
    if name.startswith(".") and name.endswith(PARKED):
        return os.path.join(folder, name[1:-len(PARKED)])
    if name.startswith(".") and name.endswith(PARTIAL):
        return None
    return relative


def _collect(site_id: int, relative: str, original: str | None, cutoff: float) -> bool:
    """Delete one leftover unless an upload took it up meanwhile; True when it was deleted."""
    path = os.path.join(current_app.config["UPLOAD_DIR"], relative)
    if original is None:
        remove_quietly(path)
        return True
    target = os.path.join(current_app.config["UPLOAD_DIR"], original)
    parked = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}{PARKED}")
    try:
        if path != parked:
            os.replace(path, parked)
        taken_up = os.stat(parked).st_mtime >= cutoff
    except FileNotFoundError:
        return False
    if taken_up or _still_referenced(site_id, original):
        if os.path.exists(target):  # written anew meanwhile: the parked copy is not needed
            remove_quietly(parked)
        else:
            os.replace(parked, target)
        return False
    remove_quietly(parked)
    return True


def _untouched_since(path: str, cutoff: float) -> bool:
    try:
        return os.stat(path).st_mtime < cutoff
    except FileNotFoundError:
        return False


def sweep_orphans(grace: timedelta, dry_run: bool = False) -> SweepReport:
    """Delete photo files (and unfinished writes) untouched for `grace` that no photo row points to."""
    root = current_app.config["UPLOAD_DIR"]
    cutoff = time.time() - grace.total_seconds()
    report = SweepReport()
    sites = sorted(name for name in os.listdir(root) if name.isdigit()) if os.path.isdir(root) else []
    for name in sites:  # the layout is <site id>/<hash[:2]>/<file>
        site_id = int(name)
        files = _files_of_site(os.path.join(root, name))
        referenced = _referenced(site_id)
        db.session.rollback()  # no read transaction held open while files are handled
        for relative in files:
            original = _original(relative)
            if original == relative and relative in referenced:
                report.kept += 1
            elif _untouched_since(os.path.join(root, relative), cutoff):
                gone = original not in referenced if dry_run else _collect(site_id, relative, original, cutoff)
                if gone:
                    report.removed.append(relative)
    return report
