"""Public on purpose: browsers fetch the manifest and the worker script without the user's role in mind, before sign-in."""
from __future__ import annotations

import json

from flask import current_app, render_template, url_for

from app.pwa import bp
from app.pwa.manifest import web_app_manifest
from app.pwa.shell import current_shell, worker_script


@bp.get("/manifest.webmanifest")
def manifest():
    body = json.dumps(web_app_manifest(), ensure_ascii=False)
    response = current_app.response_class(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")  # the names follow the visitor's language
    return response


@bp.get("/sw.js")
def service_worker():
    """At the root so its scope is the whole site; never cached by HTTP so phones see a new version at once."""
    shell = current_shell()
    offline = url_for("patrols.offline")
    precache = [offline] + [url_for("static", filename=name) for name in shell.static_files] + [url_for("pwa.manifest")]
    script = worker_script(shell.worker_source, {
        "version": shell.version,
        "offline": offline,
        "precache": precache,
        "fallback": render_template("pwa/offline_fallback.html"),
    })
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")  # the fallback page's texts
    return response
