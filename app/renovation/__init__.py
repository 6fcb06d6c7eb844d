"""Renovation permits (装修), their daily site checks through the renovation round, and rectification notices."""
from flask import Blueprint

bp = Blueprint("renovation", __name__)

# rounds connects the renovation round's receivers (its stops, what a submitted log means) at import time.
from app.renovation import notice_routes, panels, rounds, routes  # noqa: E402,F401
