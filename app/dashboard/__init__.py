from flask import Blueprint

bp = Blueprint("dashboard", __name__)  # the supervisor's home: today, what waits, trends, filtered lists

from app.dashboard import routes  # noqa: E402,F401
