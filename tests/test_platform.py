"""Errors, auth, CORS, health, metrics and logs: the behaviour every endpoint inherits."""

import json
import logging

import pytest

from intrasoft import __version__
from intrasoft.auth import TokenTable

from .conftest import TEST_TOKEN
from .factories import CustomerFactory, opportunity_payload


def test_unknown_route_and_method_are_json(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.is_json
    assert missing.json == {"code": 404, "status": "Not Found", "message": "Not found."}
    wrong_method = client.delete("/api/customers")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert "GET" in wrong_method.headers["Allow"]


def test_writes_need_a_valid_token(anon_client, client, db):
    CustomerFactory(cid=1)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TEST_TOKEN}"}):
        response = anon_client.post("/api/opportunities", json={}, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization" in response.json["errors"]["headers"]
    assert anon_client.patch("/api/opportunities/" + "a" * 32, json={}).status_code == 401
    # Reads stay open; the right token passes the guard (and reaches validation).
    assert anon_client.get("/api/customers").status_code == 200
    assert client.post("/api/opportunities", json={}).status_code == 422


def test_token_comparison():
    table = TokenTable(
        {
            "API_TOKENS": ["b" * 40, "a" * 40],
            "API_READ_TOKENS": ["r" * 40],
            "API_USER_TOKENS": [("quinn", "q" * 40)],
            "AUTH_REQUIRED_FOR_READS": False,
        }
    )
    assert table.lookup("a" * 40).kind == "service"
    assert table.lookup("r" * 40).kind == "read"
    assert table.lookup("q" * 40).username == "quinn"
    assert table.lookup("a" * 39) is None
    assert table.lookup("a" * 41) is None
    assert table.lookup("") is None


def test_writes_are_open_without_tokens(database_url, caplog):
    from .conftest import make_app

    with caplog.at_level(logging.WARNING):
        open_app = make_app(database_url, API_TOKENS=[], API_READ_TOKENS=[], API_USER_TOKENS=[])
    assert "writes are open" in caplog.text
    response = open_app.test_client().post("/api/opportunities", json={})
    assert response.status_code == 422


def test_health_ready_and_docs(client):
    assert client.get("/health").json == {"status": "ok", "version": __version__}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok"}
    assert client.get("/docs").headers["Location"] == "/api/docs"
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"/api/docs/assets/swagger-ui-bundle.js" in page.data
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/docs/assets/nope.js").status_code == 404


def test_openapi_documents_every_operation(client):
    spec = client.get("/api/openapi.json").json
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary") and operation.get("description"), (method, path)
            assert operation["responses"], (method, path)
            assert "401" in operation["responses"], (method, path)  # an invalid token, on every route
            if method in ("post", "put", "patch", "delete"):
                assert operation.get("security") == [{"bearerAuth": []}], (method, path)
                assert "403" in operation["responses"], (method, path)  # a read-only token
            else:  # the test app leaves reads open: the token is optional, and the spec says so
                assert operation.get("security") == [{"bearerAuth": []}, {}], (method, path)
                assert "Optional on this server" in operation["description"], (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= set(operation["responses"]), (method, path)


def test_request_id_is_echoed_or_generated(client):
    given = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["X-Request-ID"]) == 32


def test_request_log_line_is_json_without_secrets(client, capsys, caplog, db):
    CustomerFactory(cid=1)
    caplog.set_level(logging.INFO)
    created = client.post(
        "/api/opportunities",
        json=opportunity_payload(name="secret-deal-name", monthly_estimated_revenue="10.00"),
        headers={"X-Request-ID": "req-42"},
    )
    assert created.status_code == 201  # the body went all the way to the database
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("message") == "request"]
    assert request_lines, lines
    entry = request_lines[-1]
    assert entry["request_id"] == "req-42"
    assert entry["method"] == "POST" and entry["path"] == "/api/opportunities" and entry["status"] == 201
    assert isinstance(entry["duration_ms"], float)
    everything = json.dumps(lines)
    assert TEST_TOKEN not in everything and "secret-deal-name" not in everything


def test_metrics_count_requests_per_endpoint(client):
    client.get("/api/customers")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'intrasoft_http_requests_total{endpoint="/api/customers",method="GET",status="200"}' in text
    assert 'intrasoft_http_request_duration_seconds_count{endpoint="/api/customers",method="GET",status="200"}' in text


def test_cors_only_for_configured_origins(database_url):
    from .conftest import make_app

    app = make_app(database_url, CORS_ORIGINS=["http://dashboard.example"])
    with app.app_context():
        client = app.test_client()
        allowed = client.get("/api/customers", headers={"Origin": "http://dashboard.example"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "http://dashboard.example"
        assert "X-Pagination" in allowed.headers["Access-Control-Expose-Headers"]
        other = client.get("/api/customers", headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        preflight = client.options(
            "/api/opportunities",
            headers={"Origin": "http://dashboard.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 200


@pytest.mark.parametrize("path", ["/api/customers/1", "/api/opportunities/" + "a" * 32, "/nope"])
def test_errors_are_never_html(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.is_json and b"<html" not in response.data.lower()


WRITES = [
    ("post", "/api/opportunities"),
    ("patch", "/api/opportunities/" + "a" * 32),
    ("put", "/api/revenue/targets/UK/2030"),
    ("post", "/api/threads"),
    ("post", "/thread"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_lone_surrogates_are_client_errors_on_every_json_write(client, method, path):
    send = getattr(client, method)
    bad_key = send(path, data='{"\\ud800": 1}', content_type="application/json")
    assert bad_key.status_code == 400 and bad_key.json["errors"] == {"json": ["Invalid JSON body."]}
    bad_value = send(path, data='{"name": "x\\udfff", "users": ["\\ud800"]}', content_type="application/json")
    assert bad_value.status_code == 422
    assert set(bad_value.json["errors"]["json"]) == {"name", "users"}
    nested = send(path, data='[{"a": "\\ud800"}]', content_type="application/json")
    assert nested.status_code == 400


def test_chunked_bodies_get_the_same_415_and_413(app, db):
    import http.client

    from .servers import serve_app

    def post_chunked(port, content_type, size):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        chunks = (b" " * min(65536, size - sent) for sent in range(0, size, 65536))
        connection.request(
            "POST",
            "/api/opportunities",
            body=chunks,
            headers={"Content-Type": content_type, "Authorization": f"Bearer {TEST_TOKEN}"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        body = json.loads(response.read())
        connection.close()
        return response.status, body

    with serve_app(app) as base:
        port = int(base.rsplit(":", 1)[1])
        assert post_chunked(port, "text/plain", 100)[0] == 415
        status, body = post_chunked(port, "application/json", 2 * 1024 * 1024)
        assert status == 413 and body["code"] == 413
        assert post_chunked(port, "application/json", 100)[0] == 400  # whitespace only: not JSON


def test_database_errors_never_carry_statement_parameters(db):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from intrasoft.customers.models import Customer

    row = {"cid": 77, "name": "jeanne.secret@example.com", "area": "France", "customer_type": "SMB"}
    db.session.execute(insert(Customer), [row])
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(insert(Customer), [row])
    db.session.rollback()
    assert "jeanne.secret" not in str(caught.value)
