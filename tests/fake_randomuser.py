"""A fake randomuser.me (API 1.4) for tests, benchmarks and trying the connector by hand.

It answers ``GET /api/1.4/?results=N&seed=S&nat=fr,de&page=P`` (also ``/api/`` and ``/``) with
people in randomuser's 1.4 format, deterministic for a seed; responses are rendered once
per (seed, results, nat, page) and kept, so a benchmark measures the connector, not the fake.

It can be told to misbehave, request by request: queue faults with ``plan(...)`` (in
process) or ``POST /_fake/faults`` with ``{"faults": ["503", {"mode": "429", "retry_after": 2}]}``.
Queued faults are used one per request, then the server answers normally again ("N
failures then success"); ``{"default": "503"}`` makes a fault permanent until reset with
``{"default": null}``. ``DELETE /_fake/faults`` clears everything. Modes:

``500`` ``503`` ``429`` (error body, ``retry_after``), ``slow`` (``delay`` seconds before
answering), ``hold`` (wait until ``release()``), ``malformed`` (not JSON), ``truncated``
(valid JSON cut short), ``error_key`` (200 with randomuser's ``error``), ``empty``
(``results: []``), ``missing_results``, ``not_a_list``, ``invalid`` (a ``fraction`` of
records broken), ``duplicates`` (a ``fraction`` of records repeated; ``uuid_case: "upper"``
upper-cases the copies' ``login.uuid``), ``drop`` (close the connection without an answer),
``trickle`` (a good answer sent one byte every ``interval`` seconds, for at most ``seconds``:
the body after normal headers, or with ``phase: "headers"`` the header lines themselves).

Run it on its own::

    python -m tests.fake_randomuser --port 8765
    RANDOMUSER_URL=http://127.0.0.1:8765/api/1.4/ flask sync
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import uuid
from collections import deque
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from intrasoft.countries.demo_people import ALL_NATS, NATIONALITIES, generate_people

MAX_RESULTS = 5000
ERROR_500 = "Uh oh, something has gone wrong. Please tweet us @randomapi about the issue. Thank you."
ERROR_429 = (
    "Whoa, ease up there cowboy, you've requested 20000 users in the last 5 minutes. "
    "Help us keep this service free and spare some for others please :)"
)


def parse_nat(value: str | None) -> tuple[str, ...]:
    """randomuser's ``nat``: a comma list, case-insensitive; unknown values are ignored."""
    wanted = tuple(sorted({n.strip().upper() for n in (value or "").split(",") if n.strip().upper() in NATIONALITIES}))
    return wanted or ALL_NATS


def parse_results(value: str | None) -> int:
    """Like randomuser: anything invalid or above 5000 becomes 1."""
    try:
        count = int(value) if value is not None else 1
    except ValueError:
        return 1
    return count if 1 <= count <= MAX_RESULTS else 1


@lru_cache(maxsize=32)
def render(seed: str, count: int, nats: tuple[str, ...], page: int) -> bytes:
    """The response body for these arguments, rendered once."""
    body = {
        "results": generate_people(seed, count, nats, page),
        "info": {"seed": seed, "results": count, "page": page, "version": "1.4"},
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _broken_record(rng: random.Random, person: dict) -> dict:
    """A record the connector must reject: a required field missing or of the wrong type."""
    broken = json.loads(json.dumps(person))
    kind = rng.randrange(5)
    if kind == 0:
        del broken["email"]
    elif kind == 1:
        broken["name"] = "not an object"
    elif kind == 2:
        broken["location"]["country"] = 42
    elif kind == 3:
        broken["gender"] = None
    else:
        del broken["name"]["last"]
    return broken


def degrade(body: bytes, mode: str, fraction: float, uuid_case: str | None = None) -> bytes:
    """Break or duplicate a ``fraction`` of the records of a rendered body.

    ``uuid_case="upper"``: the duplicates' ``login.uuid`` is upper-cased (the same person,
    as a case-insensitive unique key on MySQL sees it).
    """
    payload = json.loads(body)
    results = payload["results"]
    rng = random.Random(len(results))
    picked = sorted(rng.sample(range(len(results)), max(1, round(len(results) * fraction))))
    if mode == "invalid":
        for index in picked:
            results[index] = _broken_record(rng, results[index])
    else:  # duplicates
        copies = [json.loads(json.dumps(results[index])) for index in picked]
        if uuid_case == "upper":
            for copy in copies:
                copy["login"]["uuid"] = copy["login"]["uuid"].upper()
        results.extend(copies)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is normal here
            super().handle_error(request, client_address)


class FakeRandomUser:
    """The fake server: ``start()`` it on a loopback port, queue faults, ``stop()`` it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._faults: deque[dict] = deque()
        self._default: dict | None = None
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._stopping = threading.Event()
        self.request_arrived = threading.Event()
        self.requests: list[dict] = []
        self.httpd = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The API URL to configure as ``RANDOMUSER_URL``."""
        return self.base_url + "/api/1.4/"

    def start(self) -> FakeRandomUser:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-randomuser", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- faults --------------------------------------------------------------------

    def plan(self, *faults: str | dict) -> None:
        """Queue faults, one per coming request; afterwards the server answers normally."""
        with self._lock:
            self._faults.extend(_fault(f) for f in faults)

    def set_default(self, fault: str | dict | None) -> None:
        """A fault for every request (``None``: answer normally) once the queue is empty."""
        with self._lock:
            self._default = _fault(fault) if fault is not None else None

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._default = None
            self.requests.clear()
        self._released.clear()
        self.request_arrived.clear()

    def release(self) -> None:
        """Let the requests waiting in ``hold`` mode answer."""
        self._released.set()

    def next_fault(self) -> dict | None:
        with self._lock:
            return self._faults.popleft() if self._faults else self._default

    def record(self, path: str, query: dict) -> None:
        with self._lock:
            self.requests.append({"path": path, "query": query})
        self.request_arrived.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def wait(self, seconds: float, *, until_released: bool = False) -> None:
        (self._released if until_released else self._stopping).wait(seconds)


def _fault(spec: str | dict) -> dict:
    fault = {"mode": spec} if isinstance(spec, str) else dict(spec)
    if fault.get("mode") not in FAULT_MODES:
        raise ValueError(f"unknown fault mode {fault.get('mode')!r}; one of {sorted(FAULT_MODES)}")
    return fault


FAULT_MODES = frozenset(
    {
        "500",
        "503",
        "429",
        "slow",
        "hold",
        "malformed",
        "truncated",
        "error_key",
        "empty",
        "missing_results",
        "not_a_list",
        "invalid",
        "duplicates",
        "drop",
        "trickle",
    }
)


def _handler_for(server: FakeRandomUser):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-randomuser/1.4"

        def log_message(self, format, *args):  # quiet: tests and benchmarks read their own output
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8", **headers):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), str(value))
            self.end_headers()
            self.wfile.write(body)

        def _trickle(self, head: bytes, body: bytes, fault: dict) -> None:
            """Send ``head`` then ``body``, one byte every ``interval`` s from where the phase starts."""
            interval = float(fault.get("interval", 0.5))
            budget = float(fault.get("seconds", 30.0))
            self.close_connection = True
            slow_from = head.index(b"\r\n") + 2 if fault.get("phase") == "headers" else len(head)
            message = head + body
            try:
                self.wfile.write(message[:slow_from])
                for index in range(slow_from, len(message)):
                    if budget <= 0 or server.stopping:
                        return
                    server.wait(interval)
                    budget -= interval
                    self.wfile.write(message[index : index + 1])
            except OSError:  # the client gave up: what a trickle is for
                return

        def _json(self, status: int, payload: dict, **headers):
            self._send(status, json.dumps(payload).encode(), **headers)

        def _control_body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_POST(self):
            if urlsplit(self.path).path != "/_fake/faults":
                return self._json(404, {"error": "not found"})
            try:
                body = self._control_body()
                server.plan(*body.get("faults", []))
                if "default" in body:
                    server.set_default(body["default"])
            except (ValueError, TypeError, AttributeError) as exc:
                return self._json(400, {"error": str(exc)})
            return self._json(200, {"queued": len(server._faults), "default": server._default})

        def do_DELETE(self):
            if urlsplit(self.path).path != "/_fake/faults":
                return self._json(404, {"error": "not found"})
            server.reset()
            return self._json(200, {"queued": 0, "default": None})

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path not in ("/", "/api", "/api/", "/api/1.4", "/api/1.4/"):
                return self._json(404, {"error": "not found"})
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            server.record(parts.path, query)
            fault = server.next_fault() or {}
            mode = fault.get("mode")
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            if mode == "slow":
                server.wait(float(fault.get("delay", 2.0)))
            if mode == "hold":
                server.wait(float(fault.get("timeout", 30.0)), until_released=True)
            if mode == "500":
                return self._json(500, {"error": ERROR_500})
            if mode == "503":
                return self._send(503, b"<html><body>503 Service Unavailable</body></html>", "text/html")
            if mode == "429":
                return self._json(429, {"error": ERROR_429}, Retry_After=fault.get("retry_after", 1))
            if mode == "error_key":
                return self._json(200, {"error": ERROR_500})
            if mode == "malformed":
                return self._send(200, b"<html>Bad gateway</html>{not json")

            seed = query.get("seed") or uuid.uuid4().hex[:16]
            count = parse_results(query.get("results"))
            page = parse_results(query.get("page"))
            body = render(seed, count, parse_nat(query.get("nat")), page)
            info = {"seed": seed, "results": count, "page": page, "version": "1.4"}
            if mode == "empty":
                return self._json(200, {"results": [], "info": {**info, "results": 0}})
            if mode == "missing_results":
                return self._json(200, {"info": info})
            if mode == "not_a_list":
                return self._json(200, {"results": {"0": "x"}, "info": info})
            if mode in ("invalid", "duplicates"):
                body = degrade(body, mode, float(fault.get("fraction", 0.2)), fault.get("uuid_case"))
            if mode == "truncated":
                body = body[: max(1, len(body) // 2)]
            if mode == "trickle":
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                ).encode()
                return self._trickle(head, body, fault)
            return self._send(200, body)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fault", action="append", default=[], help="queue a fault for the next request(s)")
    parser.add_argument("--default-fault", default=None, help="a fault for every request")
    args = parser.parse_args(argv)
    fake = FakeRandomUser(args.host, args.port)
    fake.plan(*args.fault)
    fake.set_default(args.default_fault)
    print(f"fake randomuser listening on {fake.url}", flush=True)
    try:
        fake.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.httpd.server_close()


if __name__ == "__main__":
    main()
