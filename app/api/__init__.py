"""The JSON API under /api/v1/, documented at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from app.api.routes import blp
    from app.api.sync_routes import blp as sync_blp
    from app.extensions import api

    api.register_blueprint(blp)
    api.register_blueprint(sync_blp)
