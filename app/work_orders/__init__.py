from flask import Blueprint

bp = Blueprint("work_orders", __name__)

from app.work_orders import action_routes, routes  # noqa: E402,F401
