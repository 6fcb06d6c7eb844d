"""The app shell the service worker keeps on the phone, its version, and the worker script filled in with both."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

SHELL_FOLDERS = ("css", "js", "vendor", "icons")  # under static/: everything a page needs to draw itself
WORKER_SOURCE = "js/sw.js"  # under static/: the worker's source, with the placeholder line below
OFFLINE_TEMPLATE = "patrols/offline.html"  # the offline page the worker keeps: its markup and texts count too
PLACEHOLDER = re.compile(r"^const SHELL = .*;$", re.MULTILINE)
EXTENSION_KEY = "pwa.shell"


@dataclass(frozen=True)
class Shell:
    version: str
    static_files: tuple[str, ...]  # paths under static/, forward slashes
    worker_source: str


def shell_files(static_folder: Path) -> list[Path]:
    """The files of the shell folders, sorted; hidden files and the worker's own source left out."""
    worker = static_folder / WORKER_SOURCE
    found = []
    for folder in SHELL_FOLDERS:
        root = static_folder / folder
        if root.is_dir():
            found += [path for path in root.rglob("*") if path.is_file() and path != worker
                      and not any(part.startswith(".") for part in path.relative_to(static_folder).parts)]
    return sorted(found)


def content_version(files: list[Path], base: Path) -> str:
    """A short hash of these files' names (relative to base) and contents: any change to the shell gives a new cache.

    Every worker process of a deployment computes the same value from the same files.
    """
    digest = hashlib.sha256()
    for path in files:
        name = os.path.relpath(path, base).replace(os.sep, "/")
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def page_sources(app: Flask) -> list[Path]:
    """What the cached offline page is rendered from, besides static files: its template and the translations."""
    template = Path(app.template_folder) / OFFLINE_TEMPLATE
    translations = Path(app.root_path) / "translations"
    return ([template] if template.is_file() else []) + sorted(translations.glob("*/LC_MESSAGES/*.po"))


def build_shell(app: Flask) -> Shell:
    static_folder = Path(app.static_folder)
    files = shell_files(static_folder)
    worker = static_folder / WORKER_SOURCE
    # The worker's own source counts too: a change to its code must reach phones as a new version.
    return Shell(version=content_version(files + [worker] + page_sources(app), static_folder.parent),
                 static_files=tuple(path.relative_to(static_folder).as_posix() for path in files),
                 worker_source=worker.read_text(encoding="utf-8"))


def current_shell() -> Shell:
    """Hashed once per process (static files change only with a deploy); again on every request in debug mode."""
    shell = current_app.extensions.get(EXTENSION_KEY)
    if shell is None or current_app.debug:
        shell = build_shell(current_app)
        current_app.extensions[EXTENSION_KEY] = shell
    return shell


def worker_script(source: str, settings: dict) -> str:
    """The worker source with its one placeholder line replaced by these settings as JSON (ASCII-only, so safe in JS)."""
    if len(PLACEHOLDER.findall(source)) != 1:
        raise RuntimeError(f"static/{WORKER_SOURCE} must have exactly one line `const SHELL = ...;`")
    line = "const SHELL = " + json.dumps(settings, ensure_ascii=True, sort_keys=True) + ";"
    return PLACEHOLDER.sub(lambda _match: line, source, count=1)
