from flask import Blueprint

bp = Blueprint("signoff", __name__)

from app.signoff import amendment_routes, routes  # noqa: E402,F401
