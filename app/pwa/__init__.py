from flask import Blueprint

bp = Blueprint("pwa", __name__)  # what makes the site an installable app: the manifest and the service worker

from app.pwa import routes  # noqa: E402,F401
