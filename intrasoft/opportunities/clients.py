"""Who sent a request, for scoping what a client owns (its ``Idempotency-Key`` values)."""

from __future__ import annotations

import hashlib

from flask import request


def client_fingerprint() -> str:
    """The SHA-256 hex of the request's bearer token, or "" when it presents none.

    Two clients that happen to choose the same ``Idempotency-Key`` must never see each
    other's opportunity, so a key is stored under (fingerprint, key). Only a digest is
    kept: the token itself never reaches the database or the logs. (Kept here, beside its
    one user, until authentication offers a client identity of its own.)
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return ""
    return hashlib.sha256(token.encode()).hexdigest()
