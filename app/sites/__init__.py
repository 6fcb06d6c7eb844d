from flask import Blueprint

bp = Blueprint("sites", __name__)

from app.sites import label_routes, routes  # noqa: E402,F401
