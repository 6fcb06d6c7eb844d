"""The JSON API under /api/v1/, documented at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from app.api.routes import blp
    from app.extensions import api

    api.register_blueprint(blp)
