"""The application factory, built from small ``register_*`` steps."""

from __future__ import annotations

import sys

from flask import Flask, Response, current_app, request
from flask_smorest import abort
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, RequestRedirect

from .auth import TokenKindsPlugin, describe_api_auth, init_auth
from .config import ConfigError, load_checked_settings
from .database import configure_sqlite
from .errors import error_body, register_error_handlers
from .extensions import cors, db, make_api, migrate
from .fields import MAX_INTEGER_TEXT_DIGITS
from .observability import init_observability
from .platform import current_platform, init_platform
from .version import __version__

JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: Answers meant to be cached keep their own ``Cache-Control``; every other gets ``no-store``.
NO_STORE = "no-store"
#: Swagger UI's page loads only its own assets (no inline script or style; see docs.py).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: Every other answer is data, never a page: nothing may load or frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PAGE = "/api/docs"


class AsciiIntegerConverter(IntegerConverter):
    """``<int:...>`` path segments: ASCII digits only (werkzeug's ``\\d`` also takes
    Arabic-Indic or fullwidth digits), at most ``MAX_INTEGER_TEXT_DIGITS``; others are 404."""

    regex = rf"[0-9]{{1,{MAX_INTEGER_TEXT_DIGITS}}}"
    signed_regex = rf"-?[0-9]{{1,{MAX_INTEGER_TEXT_DIGITS}}}"


class GuardedInput:
    """``wsgi.input`` whose read errors are all ``OSError``s.

    A malformed chunked body makes gunicorn raise its own parse exceptions (``InvalidChunkSize``)
    from ``read``, which would surface as 500s; werkzeug turns an ``OSError`` while reading into
    ``ClientDisconnected``, a 400 answered in JSON (``errors.UNREADABLE_BODY_MESSAGE``)."""

    def __init__(self, stream):
        self._stream = stream

    def _guarded(self, method, *args):
        try:
            return method(*args)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"unreadable request body ({type(exc).__name__})") from exc

    def read(self, *args):
        return self._guarded(self._stream.read, *args)

    def readline(self, *args):
        return self._guarded(self._stream.readline, *args)

    def __iter__(self):
        return iter(self.readline, b"")


def guard_request_body(wsgi_app):
    """WSGI middleware wrapping ``wsgi.input`` in ``GuardedInput``."""

    def guarded_app(environ, start_response):
        if environ.get("wsgi.input") is not None:
            environ["wsgi.input"] = GuardedInput(environ["wsgi.input"])
        return wsgi_app(environ, start_response)

    return guarded_app


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.json.sort_keys = False  # keep the documented field order
    app.json.ensure_ascii = False
    # `//api//customers/1` is not a route (werkzeug would redirect to the merged path).
    app.url_map.merge_slashes = False
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.wsgi_app = guard_request_body(app.wsgi_app)
    try:
        app.config.update(load_checked_settings(app.instance_path, config))
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None
    app.config["API_SPEC_OPTIONS"] = {"info": {"version": __version__}}
    register_logging(app)
    register_extensions(app)
    register_request_guards(app)
    register_domains(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    init_observability(app)


#: The routes browsers on ``CORS_ORIGINS`` may call (paths starting with these).
CORS_PATH_PREFIXES = ("/api/", "/thread")


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    make_api(app, extra_plugins=[TokenKindsPlugin(app.config)], description=describe_api_auth(app.config))
    cors.init_app(
        app,
        resources={f"{prefix}.*": {"origins": app.config["CORS_ORIGINS"]} for prefix in CORS_PATH_PREFIXES},
        # flask-cors sends Vary only with several origins; harden_response always does.
        vary_header=False,
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


def refuse_redirects():
    """Never a redirect built from the ``Host`` header, never an HTML page.

    Werkzeug answers a routing redirect (a missing trailing slash) with an HTML 308 to an
    absolute URL on ``Host``. Here it is a JSON 308 whose ``Location`` is a path on this
    server; a path that would start with ``//`` (another host, to a browser) is a 404."""
    redirect = request.routing_exception
    if not isinstance(redirect, RequestRedirect):
        return None
    from urllib.parse import urlsplit

    target = urlsplit(redirect.new_url)
    location = target.path + (f"?{target.query}" if target.query else "")
    if not location.startswith("/") or location.startswith("//"):
        raise NotFound()
    body = error_body(308, f"This resource is at {location}.")
    response = current_app.json.response(body)
    response.status_code = 308
    response.headers["Location"] = location
    return response


def harden_response(response: Response) -> Response:
    """Headers every answer carries: no sniffing, no framing, no caching unless the view
    chose a policy (the countries snapshot's validators, Swagger UI's assets)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cache-Control", NO_STORE)
    headers.setdefault("Content-Security-Policy", DOCS_CSP if request.path == DOCS_PAGE else API_CSP)
    if current_app.config["CORS_ORIGINS"] and request.path.startswith(CORS_PATH_PREFIXES):
        # Allowed or not, with or without an Origin, the CORS headers depend on Origin.
        response.vary.add("Origin")
    return response


def register_request_guards(app: Flask) -> None:
    app.before_request(refuse_redirects)
    init_auth(app)
    app.before_request(require_json_body)
    app.after_request(harden_response)


def register_domains(app: Flask) -> None:
    """Each domain adds its blueprints, jobs, seeders and import kinds, in dependency order."""
    from . import countries, customers, opportunities, revenue, threads

    init_platform(app, (customers, opportunities, revenue, countries, threads))


def register_blueprints(app: Flask) -> None:
    from .auth import blp as me_blp
    from .docs import blp as docs_blp
    from .health import blp as health_blp

    app.register_blueprint(health_blp)
    app.register_blueprint(docs_blp)
    api = app.extensions["intrasoft.api"]
    for blueprint in (me_blp, *current_platform(app).blueprints):
        api.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)
