"""Static files served from memory, compressed once, with content-hashed URLs that browsers keep for a year.

`static_url('css/app.css')` gives `/static/css/app.css?v=<hash>`. A request carrying the current hash is answered
`Cache-Control: public, max-age=31536000, immutable`; one without it (or with an old hash) `no-cache` with an ETag, so
the browser revalidates. A JavaScript module's relative imports are rewritten to carry their own hashes, and its hash is
taken over the rewritten text, so a change to any imported module gives the importer a new URL too.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from flask import Flask, abort, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

EXTENSION_KEY = "patrol.assets"
FOREVER = "public, max-age=31536000, immutable"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json", "image/svg+xml")
MIN_COMPRESS = 500
LARGE = 100_000
RELATIVE_IMPORT = re.compile(r"""((?:^|[\s;])(?:import|from)\s*)(["'])(\.{1,2}/[^"'?]+\.js)\2""", re.MULTILINE)


@dataclass
class Asset:
    body: bytes
    version: str
    mimetype: str
    encoded: dict[str, bytes | None] = field(default_factory=dict)  # "br" / "gzip" → compressed, None: not smaller

    def compressed(self, accepted) -> tuple[str | None, bytes]:
        """(encoding, body) for a client accepting these encodings; each encoding made once, on first demand."""
        if not self.mimetype.startswith(COMPRESSIBLE) or len(self.body) < MIN_COMPRESS:
            return None, self.body
        for name in ("br", "gzip"):
            if not accepted[name]:
                continue
            if name not in self.encoded:
                packed = _compress(name, self.body)
                self.encoded[name] = packed if len(packed) < len(self.body) else None
            if self.encoded[name] is not None:
                return name, self.encoded[name]
        return None, self.body


def _compress(name: str, body: bytes) -> bytes:
    if name == "gzip":
        return gzip.compress(body, 9, mtime=0)
    # Brotli's best quality costs seconds on the largest vendor file (jsQR), paid by a waiting phone: a lower one there.
    return brotli.compress(body, quality=11 if len(body) <= LARGE else 9)


class Assets:
    """What is under the static folder, read and compressed on first use; `fresh=True` re-reads on every call (debug)."""

    def __init__(self, folder: str, fresh: bool = False):
        self.folder, self.fresh = Path(folder), fresh
        self.kept: dict[str, Asset | None] = {}
        self.loading: set[str] = set()  # modules importing each other in a cycle: the inner import goes unversioned
        self.lock = threading.RLock()

    def get(self, filename: str) -> Asset | None:
        with self.lock:
            if filename in self.loading:
                return None
            if self.fresh or filename not in self.kept:
                self.loading.add(filename)
                try:
                    self.kept[filename] = self._load(filename)
                finally:
                    self.loading.discard(filename)
            return self.kept[filename]

    def _load(self, filename: str) -> Asset | None:
        path = safe_join(str(self.folder), filename)
        if path is None or not Path(path).is_file():
            return None
        body = Path(path).read_bytes()
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if filename.endswith(".js"):
            mimetype = "text/javascript"
            body = self._version_imports(filename, body)
        return Asset(body, hashlib.sha256(body).hexdigest()[:12], mimetype)

    def _version_imports(self, filename: str, body: bytes) -> bytes:
        base = Path(filename).parent

        def versioned(match: re.Match) -> str:
            imported = self.get(posixpath.normpath((base / match.group(3)).as_posix()))
            suffix = f"?v={imported.version}" if imported else ""
            return f"{match.group(1)}{match.group(2)}{match.group(3)}{suffix}{match.group(2)}"

        return RELATIVE_IMPORT.sub(versioned, body.decode("utf-8")).encode("utf-8")


def assets() -> Assets:
    return current_app.extensions[EXTENSION_KEY]


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash: safe to cache for a year."""
    asset = assets().get(filename)
    return url_for("static", filename=filename, v=asset.version) if asset else url_for("static", filename=filename)


def serve_static(filename: str):
    asset = assets().get(filename)
    if asset is None:
        abort(404)
    encoding, body = asset.compressed(request.accept_encodings)
    response = current_app.response_class(body, mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.version}-{encoding or 'identity'}")
    response.headers["Cache-Control"] = FOREVER if request.args.get("v") == asset.version else "no-cache"
    return response.make_conditional(request)


class SessionWithoutStatic(SecureCookieSessionInterface):
    """The session cookie is refreshed on every page, not on static files: a year-long cached file carries no cookie."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        return request.endpoint != "static" and super().should_set_cookie(app, session)


def register(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = Assets(app.static_folder, fresh=app.debug)
    app.view_functions["static"] = serve_static
    app.session_interface = SessionWithoutStatic()
    app.add_template_global(static_url)
