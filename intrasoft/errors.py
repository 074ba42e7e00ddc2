"""One JSON error shape for every failure: ``{code, status, message, errors}``.

Field errors sit under ``errors.<location>.<field>`` (``errors.json.cid``), business
rules included, so a client can always point at the field at fault. Services raise the
refusals of ``exceptions.py`` (``NotFound``, ``RuleViolation``, ``Conflict``, ...); the
handler here gives each its status and this shape. ``abort`` stays for the request guards
(token, JSON body, content type), which refuse a request before any service runs.

Error bodies stay small whatever the request: at most ``MAX_LISTED_ERRORS`` entries are
listed per object or list (then one entry says how many were left out), and every text at
most ``MAX_ERROR_TEXT`` characters. 100,000 bad usernames get a 422 of a few KB, not 6 MB.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import ClientDisconnected, HTTPException, InternalServerError

from .database import is_unavailable
from .exceptions import ServiceError
from .extensions import db

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying when the database is unreachable.
RETRY_AFTER_SECONDS = 5
#: Entries listed per object or list of an error body; the rest are counted under ``OMITTED_KEY``.
MAX_LISTED_ERRORS = 20
#: Characters of any one text in an error body (a message, a field error).
MAX_ERROR_TEXT = 500
#: The key (in an object) saying how many entries were left out; no field has this name.
OMITTED_KEY = "_omitted"
#: Nesting of an error body kept; deeper parts are summarised (bodies nest at most 32 levels).
MAX_ERROR_DEPTH = 8

DEFAULT_MESSAGES = {
    400: "The request body is not valid JSON.",
    401: "A valid bearer token is required for this request.",
    404: "Not found.",
    405: "This method is not allowed on this resource.",
    413: "The request body is too large (at most 1 MiB).",
    415: "The request body must be JSON (Content-Type: application/json).",
}


#: A body that could not be read: a malformed chunk (size, terminator) or a connection cut short.
UNREADABLE_BODY_MESSAGE = (
    "The request body could not be read: malformed chunked encoding, or the connection ended early."
)


def _bounded_text(text: str) -> str:
    if len(text) <= MAX_ERROR_TEXT:
        return text
    return f"{text[:MAX_ERROR_TEXT]}... [{len(text) - MAX_ERROR_TEXT} more characters left out]"


def _omitted(count: int) -> str:
    return f"{count} more {'entry' if count == 1 else 'entries'} left out."


def bounded_errors(errors, depth: int = 0):
    """``errors`` with at most ``MAX_LISTED_ERRORS`` entries per object and list, texts cut to
    ``MAX_ERROR_TEXT``; an object gets ``"_omitted": ["N more entries left out."]``, a list a
    last item saying the same. The shape (location, field, list of messages) is kept."""
    if isinstance(errors, str):
        return _bounded_text(errors)
    if depth >= MAX_ERROR_DEPTH and isinstance(errors, dict | list | tuple):
        return [_omitted(len(errors))]
    if isinstance(errors, dict):
        items = list(errors.items())
        bounded = {str(key): bounded_errors(value, depth + 1) for key, value in items[:MAX_LISTED_ERRORS]}
        if len(items) > MAX_LISTED_ERRORS:
            bounded[OMITTED_KEY] = [_omitted(len(items) - MAX_LISTED_ERRORS)]
        return bounded
    if isinstance(errors, list | tuple):
        bounded = [bounded_errors(item, depth + 1) for item in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            bounded.append(_omitted(len(errors) - MAX_LISTED_ERRORS))
        return bounded
    return errors


def error_body(code: int, message: str | None = None, errors: dict | None = None) -> dict:
    from werkzeug.http import HTTP_STATUS_CODES

    body = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error")}
    if message:
        body["message"] = _bounded_text(message)
    if errors:
        body["errors"] = bounded_errors(errors)
    return body


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    code = error.code or 500
    message = data.get("message") or DEFAULT_MESSAGES.get(code) or error.description
    if isinstance(error, ClientDisconnected):
        message = UNREADABLE_BODY_MESSAGE
    errors = data.get("errors") or data.get("messages")
    if code == 422 and errors and "message" not in data:
        message = "The request is not valid; see errors for the fields at fault."
    headers = dict(data.get("headers") or {})
    if code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="intrasoft"')
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers.setdefault("Allow", ", ".join(error.valid_methods))
    return jsonify(error_body(code, message, errors)), code, headers


def handle_service_error(error: ServiceError):
    """A service's refusal: its status, its message, and its field under ``errors.<location>``."""
    return jsonify(error_body(error.status, error.message, error.errors)), error.status, error.headers


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
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
