"""The shipped Nginx template (``nginx/``), rendered by ``nginx/render`` and served by the real
nginx in front of the real app on loopback (SQLite), with a small generated dashboard build.

Nginx comes from apt: ``make e2e-deps`` installs it when missing (as root). Without it these
tests are skipped with a loud reason, unless ``E2E_REQUIRED=1`` (``.ci/run``), which fails them.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import socketserver
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from .conftest import TEST_TOKEN
from .servers import serve_app

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "nginx" / "render"
TEMPLATE = ROOT / "nginx" / "intrasoft.conf.template"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
MISSING = [name for name, path in (("nginx", NGINX), ("envsubst", shutil.which("envsubst"))) if path is None]

if MISSING:
    _reason = (
        f"!!! {' and '.join(MISSING)} not installed: the Nginx tests DID NOT RUN. "
        "Install with `make e2e-deps` (as root, apt) or set E2E_REQUIRED=1 to make this a failure."
    )
    if os.environ.get("E2E_REQUIRED") == "1":
        pytest.fail(_reason.replace("DID NOT RUN", "are required (E2E_REQUIRED=1)"), pytrace=False)
    pytest.skip(_reason, allow_module_level=True)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
YEAR = "public, max-age=31536000, immutable"
ASSET = "/assets/index-3f9a1c2b.js"
ASSET_BODY = (
    "export const rows = [" + ",".join(f'{{"cid": {i}, "area": "France"}}' for i in range(200)) + "];\n"
).encode()
INDEX_BODY = (
    b'<!doctype html><html><head><script type="module" src="' + ASSET.encode() + b'"></script></head>'
    b'<body><div id="app" data-testid="spa-index"></div></body></html>\n'
)
MIB = 1024 * 1024
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


# --- Real servers ----------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Recorder:
    """WSGI middleware noting every request an app instance received (path, X-Request-ID)."""

    def __init__(self, app, name: str):
        self.app, self.name = app, name
        self.seen: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.seen.append((environ.get("PATH_INFO", ""), environ.get("HTTP_X_REQUEST_ID")))
        return self.app(environ, start_response)

    def paths(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.seen]

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()


class Nginx:
    """The rendered template served by the real nginx (``daemon off``) until ``stop()``."""

    def __init__(self, prefix: Path, **env: str):
        self.prefix = prefix
        self.port = free_port()
        settings = {"NGINX_LISTEN": f"127.0.0.1:{self.port}", **env}
        render_env = {k: v for k, v in os.environ.items() if not k.startswith(("NGINX_", "API_UPSTREAM"))}
        subprocess.run([str(RENDER), str(prefix)], env={**render_env, **settings}, check=True)
        self.conf = (prefix / "conf.d" / "intrasoft.conf").read_text()
        self.log = open(prefix / "nginx.out", "wb")  # closed in stop()
        self.process = subprocess.Popen(
            [NGINX, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e", "stderr", "-g", "daemon off;"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(300):
            if self.process.poll() is not None:
                raise AssertionError(f"nginx exited: {(prefix / 'nginx.out').read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        raise AssertionError("nginx did not listen")

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def get(self, path: str, **headers: str):
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def nginx_app(tmp_path_factory):
    """The project's app on a migrated SQLite file (a sync that fails at once: no retries)."""
    from flask_migrate import upgrade

    from intrasoft import create_app

    url = "sqlite:///" + str(tmp_path_factory.mktemp("nginx-db") / "served.db")
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LOG_LEVEL": "WARNING",
            "API_TOKENS": [TEST_TOKEN],
            "RANDOMUSER_URL": "http://127.0.0.1:9/api/1.4/",
            "RANDOMUSER_RETRIES": 0,
        }
    )
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(scope="module")
def api(nginx_app):
    recorder = Recorder(nginx_app.wsgi_app, "api")
    nginx_app.wsgi_app = recorder
    try:
        with serve_app(nginx_app) as base:
            recorder.base = base
            yield recorder
    finally:
        nginx_app.wsgi_app = recorder.app


@pytest.fixture(scope="module")
def dist():
    """A dashboard build: index.html and one hashed asset, readable by Nginx's workers (nobody)."""
    root = world_readable_dir("intrasoft-dist-")
    (root / "assets").mkdir(mode=0o755)
    (root / "index.html").write_bytes(INDEX_BODY)
    (root.joinpath(ASSET.lstrip("/"))).write_bytes(ASSET_BODY)
    yield root
    shutil.rmtree(root)


def world_readable_dir(prefix: str) -> Path:
    """A fresh directory Nginx's workers (``nobody`` when the master is root) can enter; pytest's
    own temporary directories are private to their owner."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def nginx_factory(dist):
    started: list[Nginx] = []

    def start(**env: str) -> Nginx:
        server = Nginx(world_readable_dir("intrasoft-nginx-"), **{"NGINX_ROOT": str(dist), **env})
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        shutil.rmtree(server.prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def web(nginx_factory, api):
    return nginx_factory(API_UPSTREAM=api.base.removeprefix("http://"))


def error_json(body: bytes) -> dict:
    payload = json.loads(body)
    assert set(payload) <= {"code", "status", "message", "errors"}
    return payload


def only(headers, name: str) -> str:
    values = headers.get_all(name) or []
    assert len(values) == 1, f"{name}: {values}"
    return values[0]


# --- Proxying ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/customers?after=0", 200),
        ("/api/openapi.json", 200),
        ("/thread/424242", 404),
        ("/health", 200),
        ("/ready", 200),
    ],
)
def test_each_api_path_is_proxied_to_the_app(web, api, path, status):
    api.clear()
    got, headers, body = web.get(path)
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    assert api.paths() == [path.split("?")[0]]
    if path == "/ready":
        assert json.loads(body)["checks"] == {"database": "ok"}


def test_the_apis_own_errors_pass_through_untouched(web, api):
    """A write without a token (401) and a failed sync (the API's own JSON 502) are the API's answers."""
    status, _, body = web.request("POST", "/api/opportunities", {"Content-Type": "application/json"}, b"{}")
    assert status == 401
    assert error_json(body)["errors"]["headers"]

    api.clear()
    status, headers, body = web.request("POST", "/api/countries/sync", {"Authorization": f"Bearer {TEST_TOKEN}"})
    assert status == 502
    assert "sync_run" in error_json(body)["errors"]
    assert "Retry-After" not in headers  # Nginx adds it only to the errors it makes itself
    assert api.paths() == ["/api/countries/sync"]


def test_metrics_are_not_exposed(web, api):
    api.clear()
    for path in ("/metrics", "/metrics/", "/metrics?format=json", "/metricsx"):
        status, headers, body = web.get(path)
        assert status == 404, path
        assert error_json(body) == {"code": 404, "status": "Not Found", "message": "Not found."}
        assert headers["Content-Type"] == "application/json"
    assert api.paths() == []
    with contextlib.closing(http.client.HTTPConnection(api.base.removeprefix("http://"))) as direct:
        direct.request("GET", "/metrics")
        assert direct.getresponse().status == 200  # the app serves it; only Nginx hides it


# --- The dashboard -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/index.html", "/customers", "/customers/5987?area=France", "/threads", "/opportunities/board"]
)
def test_spa_routes_fall_back_to_index_html_which_is_never_cached(web, api, path):
    api.clear()
    status, headers, body = web.get(path)
    assert status == 200
    assert body == INDEX_BODY
    assert headers["Content-Type"].startswith("text/html")
    assert only(headers, "Cache-Control") == "no-cache"
    assert api.paths() == []


def test_hashed_assets_are_cached_for_a_year(web):
    status, headers, body = web.get(ASSET)
    assert (status, body) == (200, ASSET_BODY)
    assert only(headers, "Cache-Control") == YEAR
    assert "javascript" in headers["Content-Type"]
    status, headers, _ = web.get(ASSET, If_None_Match=headers["ETag"])
    assert status == 304
    assert only(headers, "Cache-Control") == YEAR


def test_a_missing_asset_is_a_json_404_not_the_index(web):
    status, headers, body = web.get("/assets/index-00000000.js")
    assert status == 404
    assert error_json(body)["code"] == 404
    assert only(headers, "Cache-Control") == "no-store"


def test_without_a_dashboard_build_spa_routes_are_a_json_404(nginx_factory, api):
    """`make run` before the dashboard is built: the API still answers; pages are a plain 404."""
    empty = world_readable_dir("intrasoft-empty-dist-")
    try:
        web = nginx_factory(API_UPSTREAM=api.base.removeprefix("http://"), NGINX_ROOT=str(empty))
        for path in ("/", "/customers"):
            status, _, body = web.get(path)
            assert status == 404
            assert error_json(body)["code"] == 404
        assert web.get("/health")[0] == 200
    finally:
        empty.rmdir()


def test_a_write_to_a_static_path_is_a_json_405(web):
    status, _, body = web.request("POST", "/index.html", {"Content-Type": "application/json"}, b"{}")
    assert status == 405
    assert error_json(body)["status"] == "Method Not Allowed"


def test_responses_are_gzipped(web):
    status, headers, body = web.get(ASSET, Accept_Encoding="gzip")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == ASSET_BODY
    assert len(body) < len(ASSET_BODY) / 4

    status, headers, body = web.get("/api/openapi.json", Accept_Encoding="gzip")
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert json.loads(gzip.decompress(body))["openapi"].startswith("3.")


# --- Request ids and headers ------------------------------------------------------------------


def test_a_sane_request_id_is_passed_through(web, api):
    api.clear()
    status, headers, _ = web.get("/api/customers?after=0", X_Request_ID="crm-sync.7781:a_b")
    assert status == 200
    assert only(headers, "X-Request-ID") == "crm-sync.7781:a_b"
    assert api.seen == [("/api/customers", "crm-sync.7781:a_b")]


@pytest.mark.parametrize("incoming", [None, "has spaces", "x" * 129, 'quote"d', ""])
def test_a_missing_or_insane_request_id_is_replaced(web, api, incoming):
    api.clear()
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    status, response_headers, _ = web.request("GET", "/health", headers)
    assert status == 200
    created = only(response_headers, "X-Request-ID")
    assert GENERATED_ID.match(created)
    assert api.seen == [("/health", created)]  # the API logs the same id


def test_static_responses_carry_a_request_id(web):
    _, headers, _ = web.get("/")
    assert GENERATED_ID.match(only(headers, "X-Request-ID"))


def test_security_headers(web):
    _, headers, _ = web.get("/customers")
    assert only(headers, "Content-Security-Policy") == CSP
    assert only(headers, "X-Content-Type-Options") == "nosniff"
    assert only(headers, "X-Frame-Options") == "DENY"
    assert only(headers, "Referrer-Policy") == "same-origin"
    assert "nginx/" not in headers.get("Server", "")

    _, headers, _ = web.get("/api/customers?after=0")
    assert only(headers, "X-Content-Type-Options") == "nosniff"
    assert only(headers, "X-Frame-Options") == "DENY"
    assert only(headers, "Referrer-Policy") == "same-origin"
    # The API's own CSP (Swagger UI's) and Cache-Control are its own; Nginx never adds a second one.
    for path in ("/api/customers?after=0", "/api/docs"):
        _, headers, _ = web.get(path)
        assert len(headers.get_all("Content-Security-Policy") or []) <= 1
        assert len(headers.get_all("Cache-Control") or []) <= 1


# --- Limits -----------------------------------------------------------------------------------


def test_a_body_over_1_mib_is_a_json_413_and_never_reaches_the_api(web, api):
    api.clear()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TEST_TOKEN}"}
    body = b'{"name": "' + b"x" * (MIB - 12) + b'"}'
    status, response_headers, payload = web.request("POST", "/api/opportunities", headers, body + b" ")
    assert status == 413
    assert error_json(payload) == {
        "code": 413,
        "status": "Request Entity Too Large",
        "message": "The request body is too large (at most 1 MiB).",
    }
    assert response_headers["Content-Type"] == "application/json"
    assert api.paths() == []

    assert len(body) == MIB
    status, _, payload = web.request("POST", "/api/opportunities", headers, body)
    assert status == 422  # exactly 1 MiB reaches the API, which validates it
    assert api.paths() == ["/api/opportunities"]


def test_the_request_rate_is_limited_per_client(nginx_factory, api):
    web = nginx_factory(API_UPSTREAM=api.base.removeprefix("http://"), NGINX_RATE_LIMIT="1r/m", NGINX_RATE_BURST="2")
    first = {"X-Forwarded-For": "203.0.113.7"}
    statuses = [web.request("GET", "/health", first)[0] for _ in range(3)]
    assert statuses == [200, 200, 200]  # one at the rate, two of burst

    status, headers, body = web.request("GET", "/health", first)
    assert status == 429
    assert error_json(body) == {
        "code": 429,
        "status": "Too Many Requests",
        "message": "Too many requests from this client; retry shortly.",
    }
    assert headers["Retry-After"] == "1"

    # Another client (as forwarded by a trusted proxy) has its own allowance.
    assert web.request("GET", "/health", {"X-Forwarded-For": "203.0.113.8"})[0] == 200


def send_headers_only(port: int, content_length: int) -> socket.socket:
    """A client that sends a write's headers, then nothing of its body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        b"POST /api/opportunities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(content_length).encode() + b"\r\n\r\n{"
    )
    return sock


def test_requests_in_progress_are_limited_per_client(nginx_factory, api):
    web = nginx_factory(API_UPSTREAM=api.base.removeprefix("http://"), NGINX_CONN_LIMIT="2")
    api.clear()
    slow = [send_headers_only(web.port, 1000) for _ in range(2)]
    try:
        for _ in range(200):  # until Nginx has read both requests' headers
            status, _, body = web.get("/health")
            if status == 429:
                break
            time.sleep(0.05)
        assert status == 429
        assert error_json(body)["code"] == 429
    finally:
        for sock in slow:
            sock.close()
    for _ in range(200):  # Nginx notices the clients are gone
        if web.get("/health")[0] == 200:
            break
        time.sleep(0.05)
    assert web.get("/health")[0] == 200
    assert "/api/opportunities" not in api.paths()  # half-sent bodies never reach the API


def test_slow_clients_are_cut_off_while_others_are_served(nginx_factory, api):
    """50 clients trickling their headers (which stall gunicorn completely) and 10 that never finish
    their body: Nginx serves everyone else meanwhile, then closes them; the API never sees them."""
    web = nginx_factory(API_UPSTREAM=api.base.removeprefix("http://"), NGINX_CLIENT_TIMEOUT="2s")
    api.clear()
    slow_headers = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", web.port), timeout=30)
        sock.sendall(b"GET /api/customers?after=0 HTTP/1.1\r\nHost: x\r\n")
        slow_headers.append(sock)
    slow_bodies = [send_headers_only(web.port, 500) for _ in range(10)]
    try:
        for _ in range(5):
            assert web.get("/api/customers?after=0")[0] == 200
        assert web.get("/")[0] == 200
        for sock in slow_headers:
            assert read_until_closed(sock) == b""  # closed, nothing sent
        for sock in slow_bodies:
            answer = read_until_closed(sock)
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:80]
    finally:
        for sock in slow_headers + slow_bodies:
            sock.close()
    assert api.paths() == ["/api/customers"] * 5


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (the socket's 30 s timeout fails a hang)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


# --- The upstream down, and re-resolved ---------------------------------------------------------


def test_the_api_down_is_a_json_502(nginx_factory):
    web = nginx_factory(API_UPSTREAM=f"127.0.0.1:{free_port()}")
    status, headers, body = web.get("/api/customers")
    assert status == 502
    assert headers["Content-Type"] == "application/json"
    assert error_json(body) == {
        "code": 502,
        "status": "Bad Gateway",
        "message": "The API is unreachable; retry shortly.",
    }
    assert headers["Retry-After"] == "5"
    assert only(headers, "Cache-Control") == "no-store"


class FakeDns(socketserver.ThreadingUDPServer):
    """A DNS server on loopback answering A queries for one name from ``addresses`` (changeable)."""

    def __init__(self, name: str):
        self.name = name
        self.addresses: list[str] = []
        super().__init__(("127.0.0.1", 0), DnsHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class DnsHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        (query_id,) = struct.unpack("!H", data[:2])
        labels, offset = [], 12
        while data[offset]:
            length = data[offset]
            labels.append(data[offset + 1 : offset + 1 + length].decode())
            offset += 1 + length
        qtype = struct.unpack("!H", data[offset + 1 : offset + 3])[0]
        question = data[12 : offset + 5]
        known = ".".join(labels).lower() == self.server.name
        answers = list(self.server.addresses) if known and qtype == 1 else []
        flags = 0x8180 if known else 0x8183  # a response, recursion available; NXDOMAIN when unknown
        reply = struct.pack("!HHHHHH", query_id, flags, 1, len(answers), 0, 0) + question
        for address in answers:
            reply += struct.pack("!HHHIH", 0xC00C, 1, 1, 0, 4) + socket.inet_aton(address)
        sock.sendto(reply, self.client_address)


def test_several_api_instances_behind_a_name_are_balanced_and_re_resolved(nginx_factory, nginx_app):
    """What `docker compose up --scale api=N` relies on: the name is resolved again while Nginx
    runs, and every address it resolves to gets requests."""
    dns = FakeDns("api.intrasoft.test")
    dns.addresses = ["127.0.0.2"]
    port = free_port("127.0.0.2")
    first, second = Recorder(nginx_app, "first"), Recorder(nginx_app, "second")
    try:
        with serve_app(first, "127.0.0.2", port), serve_app(second, "127.0.0.3", port):
            web = nginx_factory(
                API_UPSTREAM=f"api.intrasoft.test:{port}",
                NGINX_LOCAL_RESOLVERS=f"127.0.0.1:{dns.server_address[1]}",
                NGINX_RESOLVER_VALID="1s",
            )

            def spread(requests: int) -> tuple[int, int]:
                """Send requests; how many each instance received."""
                first.clear(), second.clear()
                for _ in range(requests):
                    assert web.get("/health")[0] == 200
                return len(first.paths()), len(second.paths())

            assert spread(6) == (6, 0)

            # Each Nginx worker keeps its own answer for NGINX_RESOLVER_VALID (1 s, with Nginx's
            # 1 s clock): wait that out, then every worker asks again.
            dns.addresses = ["127.0.0.2", "127.0.0.3"]  # scaled up
            time.sleep(2.1)
            first_count, second_count = spread(20)
            assert first_count >= 5 and second_count >= 5  # round robin

            dns.addresses = ["127.0.0.3"]  # scaled down
            time.sleep(2.1)
            assert spread(6) == (0, 6)

            dns.addresses = []  # no instance left: the name no longer resolves
            time.sleep(2.1)
            status, _, body = web.get("/health")
            assert status == 502
            assert error_json(body)["status"] == "Bad Gateway"
    finally:
        dns.shutdown()
        dns.server_close()


# --- The rendered file itself ---------------------------------------------------------------------


def test_the_rendered_template_passes_nginx_t(web):
    result = subprocess.run(
        [NGINX, "-t", "-p", f"{web.prefix}/", "-c", str(web.prefix / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "${" not in web.conf
    assert "$uri" in web.conf and "$intrasoft_request_id" in web.conf  # Nginx's own variables untouched


def test_the_images_templates_mechanism_renders_the_same_file(tmp_path):
    """The web image renders with the official entrypoint's envsubst and frontend/Dockerfile's
    NGINX_ENVSUBST_FILTER; with the same environment that gives exactly nginx/render's output."""
    dockerfile = (ROOT / "frontend" / "Dockerfile").read_text()
    filter_regex = re.search(r'NGINX_ENVSUBST_FILTER="([^"]+)"', dockerfile).group(1)
    env = {
        "PATH": os.environ["PATH"],
        "API_UPSTREAM": "api:5000",
        "NGINX_ROOT": "/usr/share/nginx/html",
        "NGINX_LOCAL_RESOLVERS": "127.0.0.11 ",
        "NGINX_VERSION": "1.28.0",  # set in the image, matched by the filter, used by no template
        "HOSTNAME": "web-1",
    }
    # As in the image: /docker-entrypoint.d/*.envsh are sourced, then 20-envsubst-on-templates.sh runs.
    script = (
        f'. "{ROOT}/nginx/intrasoft-defaults.envsh"; filter="{filter_regex}"; '
        "defined_envs=$(printf '${%s} ' $(awk \"END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) "
        '? name : \\"\\" } }" </dev/null)); '
        f'envsubst "$defined_envs" < "{TEMPLATE}"'
    )
    image = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    subprocess.run([str(RENDER), str(tmp_path)], env=env, check=True)
    assert image == (tmp_path / "conf.d" / "intrasoft.conf").read_text()
    assert "${" not in image
