from flask import Blueprint

bp = Blueprint("vacancy", __name__)  # vacant-unit upkeep: plans, seasons, keys, upkeep visits, the monthly table

# due answers the vacant-unit round's `wanted_stops` signal: connected when this package is imported.
from app.vacancy import due, plan_routes, report_routes, routes  # noqa: E402,F401
