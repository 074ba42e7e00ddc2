"""Structured logs, request ids and Prometheus metrics.

Logs are JSON lines on stdout. Each request logs one line with its id, method,
path, status and duration; never tokens, bodies or personal data. Metrics use
prometheus_client's multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set
(gunicorn.conf.py sets it), so /metrics is right across several workers.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter(
    "intrasoft_http_requests_total", "HTTP requests by endpoint, method and status", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "intrasoft_http_request_duration_seconds",
    "HTTP request latency by endpoint, method and status",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is now (test capture, gunicorn redirection)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stdout for the root logger (idempotent)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_intrasoft", False)), None)
    if handler is None:
        handler = StdoutHandler()
        handler._intrasoft = True
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
                timestamp=False,
            )
        )
        root.addHandler(handler)
    root.setLevel(level)


def _start_request():
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _finish_request(response: Response) -> Response:
    started = g.get("request_started")
    duration = time.perf_counter() - started if started else 0.0
    request_id = g.get("request_id", "")
    response.headers[REQUEST_ID_HEADER] = request_id
    endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
    status = str(response.status_code)
    REQUESTS.labels(endpoint, request.method, status).inc()
    LATENCY.labels(endpoint, request.method, status).observe(duration)
    logging.getLogger("intrasoft.request").info(
        "request",
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 2),
        },
    )
    return response


#: Collectors computed at scrape time (e.g. from the database) rather than from this
#: process's counters; a domain adds its own with ``add_scrape_collector``.
SCRAPE_COLLECTORS: list = []


def add_scrape_collector(collector) -> None:
    """Serve ``collector`` on ``/metrics`` in single-process and multiprocess mode alike."""
    if collector not in SCRAPE_COLLECTORS:
        SCRAPE_COLLECTORS.append(collector)
        REGISTRY.register(collector)


def metrics_view() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        for collector in SCRAPE_COLLECTORS:
            registry.register(collector)
        payload = generate_latest(registry)
    else:
        payload = generate_latest()
    return Response(payload, mimetype=CONTENT_TYPE_LATEST)


def init_observability(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.add_url_rule("/metrics", "metrics", metrics_view)
