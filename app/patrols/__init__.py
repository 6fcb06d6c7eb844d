from flask import Blueprint

bp = Blueprint("patrols", __name__)  # the patroller's pages and the log views
rounds_bp = Blueprint("rounds", __name__)  # admin screens for rounds and their schedules
scan_bp = Blueprint("scan", __name__)  # /c/<token>: what a checkpoint label opens

from app.patrols import offline_routes, round_admin, routes, scan_routes, walk_routes  # noqa: E402,F401
