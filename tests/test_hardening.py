"""Hardening every answer inherits: security headers, no redirect built from ``Host``, and
metrics whose series clients cannot multiply."""

from __future__ import annotations

import http.client
import re
from html.parser import HTMLParser

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import CollectorRegistry

from intrasoft.observability import retire_worker_metrics

from .conftest import make_app
from .countries.test_api import make_snapshot
from .factories import CustomerFactory
from .servers import serve_app

HOSTILE_HOST = "evil.example"

# --- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/customers",
        "/api/customers/999",
        "/api/openapi.json",
        "/nope",
        "/health",
        "/metrics",
        "/api/threads?user=q",
    ],
)
def test_answers_are_not_sniffed_framed_or_stored(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_writes_and_errors_are_not_stored(client, db):
    response = client.post("/api/threads", json={"users": ["quinn", "jeff"]})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert client.post("/api/threads", json={}).headers["Cache-Control"] == "no-store"


def test_the_countries_snapshot_keeps_its_validators(client, db):
    make_snapshot(db, [("France", "Jeanne", "Roux", "female", "j@example.com")])
    first = client.get("/api/countries")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get("/api/countries", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "no-cache"


def test_swagger_assets_keep_their_max_age(client):
    for path in ("/api/docs/assets/swagger-ui-bundle.js", "/api/docs/init.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert "max-age=86400" in response.headers["Cache-Control"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


class _Page(HTMLParser):
    """What a page would load or run: script and style sources, inline code, inline handlers."""

    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if any(name.startswith("on") or name == "style" for name in attributes):
            self.inline.append(f"{tag} {attributes}")
        if tag == "script":
            self._in_script = True
            if "src" in attributes:
                self.scripts.append(attributes["src"])
        if tag == "style":
            self.inline.append("style element")
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.styles.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data.strip()[:80])


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_swagger_ui_has_a_csp_its_page_satisfies_and_cannot_be_framed(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["X-Frame-Options"] == "DENY"
    csp = csp_directives(page.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    parsed = _Page()
    parsed.feed(page.get_data(as_text=True))
    assert parsed.inline == [], "inline script, style or handler would be blocked"
    assert len(parsed.scripts) == 3 and len(parsed.styles) == 1
    for source in parsed.scripts + parsed.styles:
        assert source.startswith("/") and not source.startswith("//"), "same origin only"
        assert client.get(source).status_code == 200, source
    init = client.get("/api/docs/init.js").get_data(as_text=True)
    assert "SwaggerUIBundle(config)" in init and "eval" not in init
    container = re.search(r'data-spec-url="([^"]+)"', page.get_data(as_text=True))
    assert container and container.group(1) == "/api/openapi.json"


def test_cors_answers_vary_on_origin(database_url):
    app = make_app(database_url, CORS_ORIGINS=["http://dashboard.example"])
    with app.app_context():
        client = app.test_client()
        allowed = client.get("/api/customers", headers={"Origin": "http://dashboard.example"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "http://dashboard.example"
        assert "Origin" in allowed.headers.get("Vary", "")
        preflight = client.options(
            "/api/opportunities",
            headers={"Origin": "http://dashboard.example", "Access-Control-Request-Method": "POST"},
        )
        assert "Origin" in preflight.headers.get("Vary", "")
        other = client.get("/api/customers", headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        assert "Origin" in other.headers.get("Vary", ""), "a cache must not serve this answer to the dashboard"


# --- redirects -------------------------------------------------------------------------------------


def exchange(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """One request over a real socket with a hostile Host header, path sent as is."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", HOSTILE_HOST)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def assert_no_host_anywhere(status, headers, body):
    assert HOSTILE_HOST not in repr(headers) + body.decode(), (status, headers, body)
    assert headers["Content-Type"] == "application/json", (status, headers, body)


@pytest.mark.parametrize("path", ["//api//customers/1", "/api//customers", "/api/customers//", "/api//customers//1"])
def test_doubled_slashes_are_not_redirected_to_the_host(app, db, path):
    CustomerFactory(cid=1)
    with serve_app(app) as base:
        status, headers, body = exchange(base, path)
    assert status == 404
    assert_no_host_anywhere(status, headers, body)


def test_trailing_slash_redirects_are_json_with_a_relative_location(database_url):
    from werkzeug.routing import BaseConverter

    class Everything(BaseConverter):
        regex = ".*"

    app = make_app(database_url)
    app.url_map.converters["everything"] = Everything
    app.add_url_rule("/api/slashed/", "slashed", lambda: {"ok": True})
    app.add_url_rule("/<everything:anything>/", "catch_all", lambda anything: {"ok": anything})
    with serve_app(app) as base:
        status, headers, body = exchange(base, "/api/slashed?x=1")
        assert status == 308
        assert headers["Location"] == "/api/slashed/?x=1"
        assert_no_host_anywhere(status, headers, body)
        assert b'"code":308' in body


def test_a_redirect_a_browser_would_read_as_another_host_is_a_404(app):
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import RequestRedirect

    from intrasoft.app import refuse_redirects

    # Werkzeug normalises the paths that could lead here; the guard holds if a rule ever does.
    with app.test_request_context("/x"):
        from flask import request

        request.routing_exception = RequestRedirect(f"http://localhost//{HOSTILE_HOST}/")
        with pytest.raises(NotFound):
            refuse_redirects()


# --- metrics ---------------------------------------------------------------------------------------


def series(text: str, name: str) -> set[str]:
    return {line.split(" ")[0] for line in text.splitlines() if line.startswith(name + "{")}


def test_invented_methods_and_paths_do_not_add_series(client):
    client.get("/health")
    client.open("/health", method="M00000000001")
    before = client.get("/metrics").get_data(as_text=True)
    for index in range(2, 12):
        client.open("/health", method=f"M{index:011d}")
        client.get(f"/no/such/path/{index}")
    after = client.get("/metrics").get_data(as_text=True)
    for name in ("intrasoft_http_requests_total", "intrasoft_http_request_duration_seconds_bucket"):
        assert series(after, name) - series(before, name) <= {
            s for s in series(after, name) if 'endpoint="<unmatched>"' in s or 'endpoint="/metrics"' in s
        }
    assert "M00000000001" not in after and "M00000000002" not in after
    assert 'endpoint="<unmatched>",method="other",status="405"' in after
    assert "/no/such/path" not in after


def write_counter(path, labels: dict[str, str], value: float) -> None:
    values = MmapedDict(str(path))
    key = mmap_key(
        "intrasoft_http_requests_total", "intrasoft_http_requests_total", list(labels), list(labels.values()), "help"
    )
    values.write_value(key, value, 0.0)
    values.close()


def total(directory) -> float:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return sum(
        sample.value for metric in registry.collect() for sample in metric.samples if sample.name.endswith("_total")
    )


def test_a_dead_workers_files_are_folded_into_the_archive(tmp_path):
    labels = {"endpoint": "/health", "method": "GET", "status": "200"}
    write_counter(tmp_path / "counter_101.db", labels, 3)
    write_counter(tmp_path / "counter_102.db", labels, 4)
    write_counter(tmp_path / "counter_103.db", labels, 5)
    write_counter(tmp_path / "gauge_livesum_101.db", labels, 1)
    assert total(tmp_path) == 13
    retire_worker_metrics(101, str(tmp_path))
    retire_worker_metrics(102, str(tmp_path))
    retire_worker_metrics(999, str(tmp_path))  # a pid without files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_103.db", "counter_retired.db"]
    assert total(tmp_path) == 12, "totals are kept"
