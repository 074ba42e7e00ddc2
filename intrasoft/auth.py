"""Who a request is, decided once per request, and what that lets it do: the only place auth lives.

Token kinds come from the environment (see ``config.py``): ``API_TOKENS`` (service: read and
write), ``API_READ_TOKENS`` (read-only service: a write gets 403) and ``API_USER_TOKENS``
(bound to a person: read and write, restricted in threads by ``threads/access.py``). Every
request outside the open routes is resolved to one ``Principal`` by ``authenticate`` before any
view runs; views and services ask ``current_principal()``.

* A presented token that is not valid gets 401 on every route but the open ones (``/health``,
  ``/ready``, the docs and ``/api/openapi.json``), even where reads are open.
* Writes need a token whenever any token is configured; with none at all (development only:
  production refuses to start) writes are open and a warning is logged.
* ``AUTH_REQUIRED_FOR_READS``: reads need a token too.
* ``/metrics`` needs ``METRICS_TOKEN`` when it is set, and no other token opens it.

Tokens are compared in constant time (SHA-256 digests with ``hmac.compare_digest``, against
every configured token whatever matches) and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from apispec import BasePlugin
from flask import Flask, current_app, g, request
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from .blueprint import Blueprint

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_SCHEME_NAME = "bearerAuth"
#: ``TokenKindsPlugin`` sets every operation's security; this stays importable for code that
#: still passes ``@blp.doc(security=SECURITY)`` (the plugin's value wins).
SECURITY = [{SECURITY_SCHEME_NAME: []}]
EXTENSION = "intrasoft.auth"

SERVICE, READ, USER, ANONYMOUS = "service", "read", "user", "anonymous"
KINDS = (SERVICE, READ, USER, ANONYMOUS)
#: The token kinds an operation accepts, by what it does; the spec says so per operation.
READ_TOKEN_KINDS = (SERVICE, READ, USER)
WRITE_TOKEN_KINDS = (SERVICE, USER)
TOKEN_KINDS_EXTENSION = "x-token-kinds"  # noqa: S105 - an OpenAPI key, not a secret

#: Endpoints that never look at a token: probes and the API's own documentation.
OPEN_ENDPOINTS = frozenset({"health.health", "health.ready", "docs.docs", "docs.swagger_ui_assets"})
OPEN_ENDPOINT_PREFIX = "api-docs."  # flask-smorest's /api/openapi.json and /api/docs
METRICS_ENDPOINT = "metrics"

UNAUTHORIZED_MESSAGE = "A valid bearer token is required for this request."
UNAUTHORIZED_ERRORS = {"headers": {"Authorization": ["Missing or invalid bearer token."]}}


@dataclass(frozen=True)
class Principal:
    """Who the request is.

    ``kind``: ``service``, ``read``, ``user`` or ``anonymous`` (no token sent). ``username``: the
    person a user token is bound to, else None. ``can_write``: may POST/PUT/PATCH/DELETE.
    ``token_id``: a stable identifier of the token that is not the token (a SHA-256 prefix), for
    scoping data to the client that sent it; None without a token.
    """

    kind: str
    username: str | None = None
    can_write: bool = False
    token_id: str | None = None

    @property
    def is_user(self) -> bool:
        return self.kind == USER


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class TokenTable:
    """The configured tokens, as digests, with the principal each one stands for."""

    def __init__(self, settings: dict):
        entries: list[tuple[str, str | None, str]] = [(SERVICE, None, token) for token in settings["API_TOKENS"]]
        entries += [(READ, None, token) for token in settings["API_READ_TOKENS"]]
        entries += [(USER, username, token) for username, token in settings["API_USER_TOKENS"]]
        self._entries = [
            (digest, Principal(kind, username, can_write=kind != READ, token_id=digest.hex()[:32]))
            for kind, username, digest in ((kind, username, _digest(token)) for kind, username, token in entries)
        ]
        self.counts = {kind: sum(1 for entry in entries if entry[0] == kind) for kind in (SERVICE, READ, USER)}
        self.any_configured = bool(entries)
        self.reads_need_token = bool(settings["AUTH_REQUIRED_FOR_READS"])
        #: No token sent: may write only when no token is configured at all.
        self.anonymous = Principal(ANONYMOUS, can_write=not entries)
        self._metrics = _digest(settings["METRICS_TOKEN"]) if settings.get("METRICS_TOKEN") else None

    def lookup(self, presented: str) -> Principal | None:
        """The principal of a presented token, or None. Compares against every token, whatever matches."""
        presented_digest = _digest(presented)
        found = None
        for digest, principal in self._entries:
            if hmac.compare_digest(presented_digest, digest):
                found = principal
        return found

    @property
    def metrics_protected(self) -> bool:
        return self._metrics is not None

    def opens_metrics(self, presented: str | None) -> bool:
        return self._metrics is None or (
            presented is not None and hmac.compare_digest(_digest(presented), self._metrics)
        )


def _presented_token() -> str | None:
    """The bearer token sent, None when no ``Authorization`` was sent, "" when it is not ``Bearer <token>``."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _unauthorized(message: str = UNAUTHORIZED_MESSAGE):
    abort(401, message=message, errors=UNAUTHORIZED_ERRORS)


def authenticate():
    """The guard (``before_request``): resolve the principal once, refuse what it may not do."""
    g.principal = None
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or endpoint.startswith(OPEN_ENDPOINT_PREFIX):
        return None
    table: TokenTable = current_app.extensions[EXTENSION]
    presented = _presented_token()
    if endpoint == METRICS_ENDPOINT:
        if not table.opens_metrics(presented):
            _unauthorized("The metrics need their bearer token (METRICS_TOKEN).")
        return None
    principal = table.anonymous if presented is None else table.lookup(presented)
    if principal is None:
        _unauthorized()
    g.principal = principal
    if request.method == "OPTIONS":  # CORS preflights carry no credentials and return no data
        return None
    writing = request.method in WRITE_METHODS
    if principal.kind == ANONYMOUS and (table.any_configured if writing else table.reads_need_token):
        _unauthorized()
    if writing and not principal.can_write:
        abort(
            403,
            message="This token is read-only: it cannot write.",
            errors={"headers": {"Authorization": ["A read-only token cannot write."]}},
        )
    return None


def current_principal() -> Principal:
    """Who the current request is (resolved by ``authenticate`` before any view runs)."""
    principal = g.get("principal")
    if principal is None:
        raise RuntimeError("current_principal() outside a request the auth guard resolved")
    return principal


def init_auth(app: Flask) -> None:
    table = TokenTable(app.config)
    app.extensions[EXTENSION] = table
    app.before_request(authenticate)
    log.info(
        "auth configured",
        extra={
            "service_tokens": table.counts[SERVICE],
            "read_tokens": table.counts[READ],
            "user_tokens": table.counts[USER],
            "auth_required_for_reads": table.reads_need_token,
            "metrics_token": table.metrics_protected,
        },
    )
    if not table.any_configured:
        log.warning(
            "no API token is configured (API_TOKENS, API_READ_TOKENS, API_USER_TOKENS): "
            "writes are open (development only)"
        )


# --- the OpenAPI spec ----------------------------------------------------------------------------

KIND_NAMES = {SERVICE: "service", READ: "read-only", USER: "user"}


def describe_api_auth(settings: dict) -> str:
    """The spec's word on tokens, for this server's configuration."""
    reads = (
        "Every read needs a token too."
        if settings["AUTH_REQUIRED_FOR_READS"]
        else "On this server reads are open: a token is optional on reads (an invalid one still gets 401)."
    )
    return (
        "Send `Authorization: Bearer <token>`. Token kinds: service (read and write), read-only "
        "(a write gets 403) and user (bound to a person: read and write, and in threads only that "
        f"person's threads, as that person). Each operation lists the kinds it accepts under "
        f"`{TOKEN_KINDS_EXTENSION}`. {reads} `GET /api/me` says who a token is."
    )


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _status_key(responses: dict, status: int):
    """The key of ``status`` among an operation's responses: flask-smorest uses ints, apispec strings."""
    return next((key for key in (status, str(status)) if key in responses), None)


class TokenKindsPlugin(BasePlugin):
    """Declares, on every operation of the spec, the token kinds it accepts (``x-token-kinds``), its
    security requirement (with the anonymous ``{}`` alternative where no token is needed here), and
    the 401/403 it can answer. The kinds follow from the method, exactly as ``authenticate`` decides."""

    def __init__(self, settings: dict):
        super().__init__()
        self.reads_open = not settings["AUTH_REQUIRED_FOR_READS"]
        self.writes_open = not (settings["API_TOKENS"] or settings["API_READ_TOKENS"] or settings["API_USER_TOKENS"])

    def init_spec(self, spec) -> None:
        spec.components.security_scheme(
            SECURITY_SCHEME_NAME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "A service, read-only or user token; `GET /api/me` says which.",
            },
        )

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for method, operation in (operations or {}).items():
            if method.upper() not in WRITE_METHODS | {"GET", "HEAD"}:
                continue
            writing = method.upper() in WRITE_METHODS
            kinds = list(WRITE_TOKEN_KINDS if writing else READ_TOKEN_KINDS)
            operation[TOKEN_KINDS_EXTENSION] = kinds
            optional = self.writes_open if writing else self.reads_open
            operation["security"] = [{SECURITY_SCHEME_NAME: []}] + ([{}] if optional else [])
            responses = operation.setdefault("responses", {})
            if _status_key(responses, 401) is None:
                responses[401] = _error_response("Missing or invalid bearer token.")
            if READ not in kinds:
                own = _status_key(responses, 403)
                if own is None:
                    responses[403] = _error_response("The token is read-only.")
                else:
                    responses[own]["description"] += " Or the token is read-only."
            accepted = ", ".join(KIND_NAMES[kind] for kind in kinds)
            note = f"Tokens: {accepted}."
            if optional:
                note += (
                    " Optional on this server (reads are open)"
                    if not writing
                    else " Optional on this server (no token configured)"
                ) + "; an invalid token still gets 401."
            operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()


# --- GET /api/me --------------------------------------------------------------------------------


class MeSchema(Schema):
    kind = fields.String(
        validate=validate.OneOf(KINDS),
        metadata={"description": "`anonymous` when no token was sent (only where reads are open).", "example": USER},
    )
    username = fields.String(allow_none=True, metadata={"description": "A user token's person.", "example": "quinn"})
    can_write = fields.Boolean(metadata={"description": "May POST, PUT, PATCH and DELETE.", "example": True})

    class Meta:
        ordered = True


blp = Blueprint("me", __name__, url_prefix="/api/me", description="Who the bearer token is.")


@blp.route("")
@blp.response(200, MeSchema, example={"kind": "user", "username": "quinn", "can_write": True})
@blp.doc(
    summary="Who am I",
    description=(
        "The kind of the token sent (`service`, `read`, `user`), the person of a user token, and whether "
        "it may write. Without a token: `anonymous` where reads are open (`can_write` is true only when "
        "the server has no token configured at all), 401 where they are not."
    ),
)
def me_view():
    principal = current_principal()
    return {"kind": principal.kind, "username": principal.username, "can_write": principal.can_write}
