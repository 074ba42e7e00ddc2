"""The application factory, built from small ``register_*`` steps."""

from __future__ import annotations

import sys

from flask import Flask, current_app, request
from flask_smorest import abort

from . import __version__
from .auth import SECURITY_SCHEME_NAME, init_auth
from .config import ConfigError, load_checked_settings
from .database import configure_sqlite
from .errors import register_error_handlers
from .extensions import api, cors, db, migrate
from .observability import init_observability

JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.json.sort_keys = False  # keep the documented field order
    app.json.ensure_ascii = False
    try:
        app.config.update(load_checked_settings(app.instance_path, config))
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None
    app.config["API_SPEC_OPTIONS"] = {"info": {"version": __version__}}
    register_logging(app)
    register_extensions(app)
    register_request_guards(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    init_observability(app)


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    api.init_app(app)
    api.spec.components.security_scheme(SECURITY_SCHEME_NAME, {"type": "http", "scheme": "bearer"})
    cors.init_app(
        app,
        resources={
            r"/api/*": {"origins": app.config["CORS_ORIGINS"]},
            r"/thread*": {"origins": app.config["CORS_ORIGINS"]},
        },
        expose_headers=["X-Pagination", "X-Request-ID", "Location", "ETag"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-ID"],
    )


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def require_json_body():
    """415 for a write whose body is not JSON (an empty body is left to validation), and 413
    for a chunked body over ``MAX_CONTENT_LENGTH`` (werkzeug would silently truncate it)."""
    if request.method not in JSON_BODY_METHODS:
        return
    chunked = request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not (request.content_length or chunked):
        return
    if not request.is_json:
        abort(
            415,
            message="The request body must be JSON (Content-Type: application/json).",
            errors={"headers": {"Content-Type": ["Expected application/json."]}},
        )
    if chunked and len(request.get_data(cache=True)) >= current_app.config["MAX_CONTENT_LENGTH"]:
        request.stream.read(1)  # reading past the limit makes werkzeug raise 413


def register_request_guards(app: Flask) -> None:
    init_auth(app)
    app.before_request(require_json_body)


def register_blueprints(app: Flask) -> None:
    from .countries.routes import blp as countries_blp
    from .customers.routes import blp as customers_blp
    from .docs import blp as docs_blp
    from .health import blp as health_blp
    from .opportunities.routes import blp as opportunities_blp
    from .revenue.data_quality.routes import blp as data_quality_blp
    from .revenue.routes import blp as revenue_blp
    from .threads.compat import blp as threads_compat_blp
    from .threads.routes import blp as threads_blp

    app.register_blueprint(health_blp)
    app.register_blueprint(docs_blp)
    for blueprint in (
        customers_blp,
        opportunities_blp,
        revenue_blp,
        data_quality_blp,
        countries_blp,
        threads_blp,
        threads_compat_blp,
    ):
        api.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)
