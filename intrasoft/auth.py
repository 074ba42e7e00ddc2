"""Bearer-token protection for every write.

When ``API_TOKENS`` is set, every POST, PUT, PATCH and DELETE on any route needs
``Authorization: Bearer <token>``; reads stay open. Without tokens (development
only: production refuses to start) writes are open and a warning is logged.
"""

from __future__ import annotations

import hmac
import logging

from flask import Flask, current_app, request
from flask_smorest import abort

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_SCHEME_NAME = "bearerAuth"
#: For ``@blp.doc(security=SECURITY)`` on every write operation.
SECURITY = [{SECURITY_SCHEME_NAME: []}]


def token_is_valid(presented: str, tokens: list[str]) -> bool:
    """Constant-time comparison against every configured token."""
    presented_bytes = presented.encode()
    valid = False
    for token in tokens:
        valid |= hmac.compare_digest(presented_bytes, token.encode())
    return valid


def require_token_for_writes():
    if request.method not in WRITE_METHODS:
        return None
    tokens = current_app.config["API_TOKENS"]
    if not tokens:
        return None
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip() or not token_is_valid(presented.strip(), tokens):
        abort(
            401,
            message="A valid bearer token is required for this request.",
            errors={"headers": {"Authorization": ["Missing or invalid bearer token."]}},
        )
    return None


def init_auth(app: Flask) -> None:
    app.before_request(require_token_for_writes)
    if not app.config["API_TOKENS"]:
        log.warning("API_TOKENS is not set: writes are open (development only)")
