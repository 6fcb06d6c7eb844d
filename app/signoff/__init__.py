from flask import Blueprint

bp = Blueprint("signoff", __name__)

from app.signoff import routes  # noqa: E402,F401
