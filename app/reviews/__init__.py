from flask import Blueprint

bp = Blueprint("reviews", __name__)

from app.reviews import routes, spot_check_routes  # noqa: E402,F401
