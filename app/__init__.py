"""Application factory."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter, ValidationError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BoundedInt(IntegerConverter):
    """Ids in URLs fit the database's integer. A larger one reads as 0, an id no record has, so the view answers 404
    (refusing it here made werkzeug answer 405 when the path also fits a rule of another method)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            return 0


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    from app.config import load_config

    load_config(app, config)
    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)

    # Ids in URLs fit the database's integer: larger ones are 404, not an overflow.
    app.url_map.converters["int"] = BoundedInt
    _init_extensions(app)
    _register_blueprints(app)

    from app import cli, errors, web

    errors.register(app)
    web.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table known to Alembic and the mapper)
    from app import assets
    from app.extensions import api, babel, compress, csrf, db, htmx, login_manager, migrate
    from app.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    htmx.init_app(app)
    api.init_app(app)
    compress.init_app(app)
    assets.register(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.api import register_api
    from app.auth import bp as auth_bp
    from app.main import bp as main_bp
    from app.checklists import bp as checklists_bp
    from app.patrols import bp as patrols_bp
    from app.patrols import rounds_bp, scan_bp
    from app.signoff import bp as signoff_bp
    from app.sites import bp as sites_bp
    from app.findings import bp as findings_bp
    from app.handover import bp as handover_bp
    from app.photos import bp as photos_bp
    from app.pwa import bp as pwa_bp
    from app.renovation import bp as renovation_bp
    from app.reviews import bp as reviews_bp
    from app.work_orders import bp as work_orders_bp
    from app.dashboard import bp as dashboard_bp
    from app.exports import bp as exports_bp
    from app.units import bp as units_bp
    from app.vacancy import bp as vacancy_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(patrols_bp, url_prefix="/patrol")
    app.register_blueprint(findings_bp, url_prefix="/review")
    app.register_blueprint(reviews_bp, url_prefix="/supervision")
    app.register_blueprint(renovation_bp, url_prefix="/renovation")
    app.register_blueprint(handover_bp, url_prefix="/handover")
    app.register_blueprint(work_orders_bp, url_prefix="/work-orders")
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(exports_bp, url_prefix="/exports")
    app.register_blueprint(units_bp, url_prefix="/units")
    app.register_blueprint(vacancy_bp, url_prefix="/vacancy")
    app.register_blueprint(photos_bp, url_prefix="/photos")
    app.register_blueprint(scan_bp)
    app.register_blueprint(signoff_bp, url_prefix="/sign")
    app.register_blueprint(sites_bp, url_prefix="/admin/estate")
    app.register_blueprint(rounds_bp, url_prefix="/admin/rounds")
    app.register_blueprint(checklists_bp, url_prefix="/admin/checklists")
    register_api(app)
