from flask import Blueprint

bp = Blueprint("patrols", __name__)  # the patroller's pages and the log views
rounds_bp = Blueprint("rounds", __name__)  # admin screens for rounds and their schedules

from app.patrols import round_admin, routes  # noqa: E402,F401
