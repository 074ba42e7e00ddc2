"""One JSON error shape for every failure: ``{code, status, message, errors}``.

Field errors sit under ``errors.<location>.<field>`` (``errors.json.cid``), business
rules included, so a client can always point at the field at fault.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask_smorest import abort
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import is_unavailable
from .extensions import db

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying when the database is unreachable.
RETRY_AFTER_SECONDS = 5

DEFAULT_MESSAGES = {
    400: "The request body is not valid JSON.",
    401: "A valid bearer token is required for this request.",
    404: "Not found.",
    405: "This method is not allowed on this resource.",
    413: "The request body is too large (at most 1 MiB).",
    415: "The request body must be JSON (Content-Type: application/json).",
}


def error_body(code: int, message: str | None = None, errors: dict | None = None) -> dict:
    from werkzeug.http import HTTP_STATUS_CODES

    body = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error")}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return body


def field_error(field: str, message: str, *, location: str = "json", status: int = 422, **extra):
    """Abort with a single field error in the standard shape."""
    abort(status, message=message, errors={location: {field: [message]}}, **extra)


def field_errors(errors: dict[str, list[str]], *, location: str = "json", status: int = 422):
    """Abort with several field errors at one location."""
    message = "; ".join(f"{field}: {msgs[0]}" for field, msgs in errors.items())
    abort(status, message=message, errors={location: errors})


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    code = error.code or 500
    message = data.get("message") or DEFAULT_MESSAGES.get(code) or error.description
    errors = data.get("errors") or data.get("messages")
    if code == 422 and errors and "message" not in data:
        message = "The request is not valid; see errors for the fields at fault."
    headers = dict(data.get("headers") or {})
    if code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="intrasoft"')
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers.setdefault("Allow", ", ".join(error.valid_methods))
    return jsonify(error_body(code, message, errors)), code, headers


def handle_database_error(error: DBAPIError):
    db.session.rollback()
    if is_unavailable(error):
        log.error("database unavailable", extra={"error_type": type(error.orig).__name__})
        body = error_body(503, "The database is unavailable; retry shortly.")
        return jsonify(body), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    log.error("unhandled exception", exc_info=original)
    body = error_body(500, "An unexpected error occurred; it has been logged.")
    return jsonify(body), 500


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
