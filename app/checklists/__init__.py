from flask import Blueprint

bp = Blueprint("checklists", __name__)

from app.checklists import editor, routes  # noqa: E402,F401
