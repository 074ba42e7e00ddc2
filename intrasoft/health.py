"""Liveness and readiness probes (outside ``/api``, not in the OpenAPI spec)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .errors import error_body
from .extensions import db
from .version import __version__

blp = Blueprint("health", __name__)


@blp.get("/health")
def health():
    """Liveness: the process answers. No dependency is checked."""
    return jsonify(status="ok", version=__version__)


@blp.get("/ready")
def ready():
    """Readiness: the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        body = error_body(
            503,
            "Not ready: the database is unreachable.",
            {"checks": {"database": [type(getattr(exc, "orig", exc)).__name__]}},
        )
        return jsonify(body), 503, {"Retry-After": "5"}
    return jsonify(status="ready", version=__version__, checks={"database": "ok"})
