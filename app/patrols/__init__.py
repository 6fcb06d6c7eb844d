from flask import Blueprint

bp = Blueprint("patrols", __name__)

from app.patrols import routes  # noqa: E402,F401
