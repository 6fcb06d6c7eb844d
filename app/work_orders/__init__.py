from flask import Blueprint

bp = Blueprint("work_orders", __name__)

from app.work_orders import routes  # noqa: E402,F401
