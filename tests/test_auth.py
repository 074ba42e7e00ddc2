"""The auth guard: open routes, invalid tokens, read-only tokens, reads auth, /metrics and /api/me."""

from __future__ import annotations

import json
import logging

import pytest

from .conftest import JEFF_TOKEN, QUINN_TOKEN, READ_TOKEN, TEST_TOKEN, make_app, token_client

WRONG = "wrong-token-0123456789abcdefghijklmnopqrstu"
OPEN_ROUTES = ["/health", "/ready", "/api/openapi.json", "/api/docs", "/api/docs/assets/swagger-ui-bundle.js"]
NO_TOKENS = {"API_TOKENS": [], "API_READ_TOKENS": [], "API_USER_TOKENS": []}


@pytest.mark.parametrize("path", OPEN_ROUTES)
def test_probes_and_docs_stay_open_whatever_the_token(locked_app, db, path):
    for token in (None, WRONG, READ_TOKEN):
        assert token_client(locked_app, token).get(path).status_code == 200, (path, token)


@pytest.mark.parametrize("path", ["/api/customers", "/api/threads?user=quinn", "/thread/1", "/no/such/route"])
def test_an_invalid_token_is_401_even_where_reads_are_open(app, db, path):
    for header in (f"Bearer {WRONG}", "Bearer", "Bearer  ", f"Basic {TEST_TOKEN}", TEST_TOKEN):
        response = app.test_client().get(path, headers={"Authorization": header})
        assert response.status_code == 401, (path, header)
        assert response.json["errors"] == {"headers": {"Authorization": ["Missing or invalid bearer token."]}}
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="intrasoft"'
    assert token_client(app, None).get(path).status_code != 401


def test_reads_need_a_token_when_required(locked_app, db):
    anonymous = token_client(locked_app, None)
    for path in ("/api/customers", "/api/countries", "/api/threads?user=quinn", "/thread/1", "/api/me", "/nope"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.is_json and response.json["code"] == 401
    assert anonymous.head("/api/customers").status_code == 401
    for token in (TEST_TOKEN, READ_TOKEN, QUINN_TOKEN):
        assert token_client(locked_app, token).get("/api/customers").status_code == 200


def test_cors_preflight_needs_no_token(database_url, db):
    served = make_app(database_url, AUTH_REQUIRED_FOR_READS=True, CORS_ORIGINS=["http://dashboard.example"])
    preflight = served.test_client().options(
        "/api/customers",
        headers={
            "Origin": "http://dashboard.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://dashboard.example"


def test_a_read_only_token_cannot_write(app, db):
    reader = token_client(app, READ_TOKEN)
    for method, path in (("post", "/api/opportunities"), ("put", "/api/revenue/targets/UK/2030"), ("post", "/thread")):
        response = getattr(reader, method)(path, json={})
        assert response.status_code == 403, path
        assert response.json["errors"] == {"headers": {"Authorization": ["A read-only token cannot write."]}}
    assert reader.delete("/api/customers").status_code == 403  # refused before routing says 405


def test_writes_need_a_token_whenever_any_kind_is_configured(database_url, db):
    only_users = make_app(database_url, API_TOKENS=[], API_READ_TOKENS=[], API_USER_TOKENS=[("quinn", QUINN_TOKEN)])
    assert only_users.test_client().post("/thread", json={"users": ["quinn", "ana"]}).status_code == 401
    assert token_client(only_users, QUINN_TOKEN).post("/thread", json={"users": ["quinn", "ana"]}).status_code == 201


def test_with_no_token_configured_a_presented_token_is_still_invalid(database_url, db):
    open_app = make_app(database_url, **NO_TOKENS)
    assert open_app.test_client().post("/thread", json={"users": ["quinn", "ana"]}).status_code == 201
    assert token_client(open_app, TEST_TOKEN).get("/api/customers").status_code == 401


# --- GET /api/me ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (TEST_TOKEN, {"kind": "service", "username": None, "can_write": True}),
        (READ_TOKEN, {"kind": "read", "username": None, "can_write": False}),
        (QUINN_TOKEN, {"kind": "user", "username": "quinn", "can_write": True}),
        (JEFF_TOKEN, {"kind": "user", "username": "jeff_goldblum", "can_write": True}),
        (None, {"kind": "anonymous", "username": None, "can_write": False}),
    ],
    ids=["service", "read", "user", "another-user", "anonymous"],
)
def test_me_says_who_the_token_is(app, locked_app, db, token, expected):
    response = token_client(app, token).get("/api/me")
    assert response.status_code == 200
    assert response.json == expected
    assert list(response.json) == ["kind", "username", "can_write"]
    locked = token_client(locked_app, token).get("/api/me")
    assert (locked.status_code, locked.json) == ((401, locked.json) if token is None else (200, expected))


def test_me_without_any_token_configured_can_write(database_url, db):
    response = make_app(database_url, **NO_TOKENS).test_client().get("/api/me")
    assert response.json == {"kind": "anonymous", "username": None, "can_write": True}


def test_me_is_in_the_spec(app, db):
    spec = app.test_client().get("/api/openapi.json").json
    me = spec["paths"]["/api/me"]["get"]
    assert me["x-token-kinds"] == ["service", "read", "user"]
    schema = spec["components"]["schemas"]["Me"]["properties"]
    assert schema["kind"]["enum"] == ["service", "read", "user", "anonymous"]
    assert schema["username"]["nullable"] is True and schema["can_write"]["type"] == "boolean"
    assert "reads are open" in spec["info"]["description"]
    locked_spec = make_app(app.config["SQLALCHEMY_DATABASE_URI"], AUTH_REQUIRED_FOR_READS=True).test_client()
    locked_spec = locked_spec.get("/api/openapi.json").json
    assert "Every read needs a token" in locked_spec["info"]["description"]
    assert locked_spec["paths"]["/api/me"]["get"]["security"] == [{"bearerAuth": []}]
    # One spec per app: building the second did not change what the first serves.
    assert app.test_client().get("/api/openapi.json").json["paths"]["/api/me"]["get"]["security"][-1] == {}


# --- /metrics ----------------------------------------------------------------------------------------

METRICS_TOKEN = "metrics-token-0123456789abcdefghijklmnopqr"


def test_metrics_are_open_without_a_metrics_token(app, db):
    for token in (None, TEST_TOKEN, WRONG):
        assert token_client(app, token).get("/metrics").status_code == 200


def test_metrics_need_the_metrics_token_when_set(database_url, db):
    served = make_app(database_url, METRICS_TOKEN=METRICS_TOKEN)
    for token in (None, WRONG, TEST_TOKEN, READ_TOKEN, QUINN_TOKEN):
        response = token_client(served, token).get("/metrics")
        assert response.status_code == 401, token
        assert response.is_json and response.headers["WWW-Authenticate"].startswith("Bearer")
    scraped = token_client(served, METRICS_TOKEN).get("/metrics")
    assert scraped.status_code == 200 and b"intrasoft_http_requests_total" in scraped.data
    # The metrics token opens nothing else, and a service token equal to it opens both.
    assert token_client(served, METRICS_TOKEN).get("/api/customers").status_code == 401
    shared = make_app(database_url, API_TOKENS=[METRICS_TOKEN], METRICS_TOKEN=METRICS_TOKEN)
    assert token_client(shared, METRICS_TOKEN).get("/metrics").status_code == 200
    assert token_client(shared, METRICS_TOKEN).get("/api/me").json["kind"] == "service"


# --- logs ------------------------------------------------------------------------------------------


def test_tokens_are_never_logged(database_url, db, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    served = make_app(database_url, METRICS_TOKEN=METRICS_TOKEN, LOG_LEVEL="DEBUG")
    for token in (TEST_TOKEN, READ_TOKEN, QUINN_TOKEN, WRONG, METRICS_TOKEN):
        token_client(served, token).get("/api/me")
        token_client(served, token).post("/thread", json={"users": ["quinn", "ana"]})
        token_client(served, token).get("/metrics")
    logged = capsys.readouterr().out + caplog.text
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    configured = next(line for line in lines if line.get("message") == "auth configured")
    assert (configured["service_tokens"], configured["read_tokens"], configured["user_tokens"]) == (1, 1, 2)
    for token in (TEST_TOKEN, READ_TOKEN, QUINN_TOKEN, WRONG, METRICS_TOKEN):
        assert token not in logged


def test_the_spec_adds_auth_errors_without_losing_an_operations_own(app, db):
    spec = app.test_client().get("/api/openapi.json").json
    post_message = spec["paths"]["/api/threads/{thread_id}/messages"]["post"]["responses"]
    assert "participant" in post_message["403"]["description"]
    assert "read-only" in post_message["403"]["description"]
    assert post_message["401"]["description"] == "Missing or invalid bearer token."
    assert spec["paths"]["/api/customers"]["get"]["responses"]["401"]["content"]


def test_the_spec_plugin_documents_operations_by_method_and_leaves_the_rest():
    from intrasoft.auth import TokenKindsPlugin

    plugin = TokenKindsPlugin(
        {"AUTH_REQUIRED_FOR_READS": True, "API_TOKENS": ["t"], "API_READ_TOKENS": [], "API_USER_TOKENS": []}
    )
    operations = {
        "get": {"responses": {"200": {"description": "OK"}}, "description": "Read."},
        "post": {"responses": {201: {"description": "Created"}}},
        "parameters": [{"in": "path", "name": "id"}],
    }
    plugin.operation_helper(path="/api/things", operations=operations)
    read, write = operations["get"], operations["post"]
    assert (read["x-token-kinds"], write["x-token-kinds"]) == (["service", "read", "user"], ["service", "user"])
    assert read["security"] == write["security"] == [{"bearerAuth": []}]
    assert set(read["responses"]) == {"200", 401} and set(write["responses"]) == {201, 401, 403}
    assert read["description"] == "Read.\n\nTokens: service, read-only, user."
    assert write["description"] == "Tokens: service, user."
    assert operations["parameters"] == [{"in": "path", "name": "id"}]
