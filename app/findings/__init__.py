from flask import Blueprint

bp = Blueprint("findings", __name__)

from app.findings import decision_routes, routes  # noqa: E402,F401
