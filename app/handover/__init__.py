from flask import Blueprint

bp = Blueprint("handover", __name__)

from app.handover import routes  # noqa: E402,F401
