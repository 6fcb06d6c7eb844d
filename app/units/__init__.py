from flask import Blueprint

bp = Blueprint("units", __name__)  # the units register and each unit's page (its door label opens it)

from app.units import routes  # noqa: E402,F401
