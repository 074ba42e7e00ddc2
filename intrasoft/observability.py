"""Structured logs, request ids and Prometheus metrics.

Logs are JSON lines on stdout. Each request logs one line with its id, method,
path, status and duration; never tokens, bodies or personal data. Every line is bounded:
a message or field keeps at most ``MAX_LOG_TEXT`` characters and a traceback
``MAX_LOG_TRACEBACK`` (its start and its end, where the exception is), with a marker
saying how much was cut.

Metrics use prometheus_client's multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set
(gunicorn.conf.py sets it), so /metrics is right across several workers. Their labels
cannot be grown by clients: the endpoint is the route template (one ``<unmatched>`` label
for every request that matched no route) and a method outside ``KNOWN_METHODS`` is
``other``. A dead worker's files are folded into one archive file per metric type
(``retire_worker_metrics``), so the directory does not grow with every recycled worker.
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
from prometheus_client.mmap_dict import MmapedDict
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: Characters kept of any text in a log line (message, path, field), and of a traceback.
MAX_LOG_TEXT = 2000
MAX_LOG_TRACEBACK = 8000
_TRACEBACK_FIELDS = frozenset({"exc_info", "stack_info"})
#: Methods labelled as themselves in metrics; any other is ``other`` (clients invent methods).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ENDPOINT = "<unmatched>"
#: Metric types whose values add up across processes, so a dead worker's are archived.
_SUMMED_TYPES = ("counter", "histogram", "summary")

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


def truncate_text(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` cut to about ``limit`` characters with a marker saying how many were cut;
    with ``keep_end`` the start and the end are kept (a traceback ends with its exception)."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    if keep_end:
        half = limit // 2
        return f"{text[:half]}\n... [{cut} characters cut] ...\n{text[-half:]}"
    return f"{text[:limit]}... [{cut} characters cut]"


class BoundedJsonFormatter(JsonFormatter):
    """JSON lines whose texts are bounded (see the module docstring)."""

    def process_log_record(self, log_data):
        for key, value in log_data.items():
            if isinstance(value, str):
                if key in _TRACEBACK_FIELDS:
                    log_data[key] = truncate_text(value, MAX_LOG_TRACEBACK, keep_end=True)
                else:
                    log_data[key] = truncate_text(value, MAX_LOG_TEXT)
        return log_data


def json_formatter() -> BoundedJsonFormatter:
    """The formatter of every JSON log line (the app's and gunicorn's)."""
    return BoundedJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
        timestamp=False,
    )


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stdout for the root logger (idempotent)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_intrasoft", False)), None)
    if handler is None:
        handler = StdoutHandler()
        handler._intrasoft = True
        handler.setFormatter(json_formatter())
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
    endpoint = request.url_rule.rule if request.url_rule else UNMATCHED_ENDPOINT
    status = str(response.status_code)
    method = metric_method(request.method)
    REQUESTS.labels(endpoint, method, status).inc()
    LATENCY.labels(endpoint, method, status).observe(duration)
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


def metric_method(method: str) -> str:
    """The method label: one of ``KNOWN_METHODS``, or ``other``."""
    return method if method in KNOWN_METHODS else "other"


#: Collectors computed at scrape time (e.g. from the database) rather than from this
#: process's counters; a domain adds its own with ``add_scrape_collector``.
SCRAPE_COLLECTORS: list = []


def add_scrape_collector(collector) -> None:
    """Serve ``collector`` on ``/metrics`` in single-process and multiprocess mode alike."""
    if collector not in SCRAPE_COLLECTORS:
        SCRAPE_COLLECTORS.append(collector)
        REGISTRY.register(collector)


def retire_worker_metrics(pid: int, directory: str | None = None) -> None:
    """Fold a dead process's counter/histogram/summary files into ``<type>_retired.db`` and
    delete them (gunicorn's ``child_exit`` calls this in the master, the only writer of the
    archives); its live gauges go as prometheus_client's ``mark_process_dead`` decides.

    Totals are kept (a counter never goes down), and the directory holds one file per type
    and live worker instead of one per worker that ever ran (``max_requests`` recycles them).
    """
    directory = directory or os.environ["PROMETHEUS_MULTIPROC_DIR"]
    multiprocess.mark_process_dead(pid, directory)
    for kind in _SUMMED_TYPES:
        dead = os.path.join(directory, f"{kind}_{pid}.db")
        if not os.path.exists(dead):
            continue
        archive = MmapedDict(os.path.join(directory, f"{kind}_retired.db"))
        try:
            for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(dead):
                total, _ = archive.read_value(key)
                archive.write_value(key, total + value, timestamp)
        finally:
            archive.close()
        os.remove(dead)


def _multiprocess_payload(directory: str) -> bytes:
    """The summed metrics; retried when a dead worker's file vanishes mid-scrape."""
    attempts_left = 3
    while True:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        for collector in SCRAPE_COLLECTORS:
            registry.register(collector)
        try:
            return generate_latest(registry)
        except FileNotFoundError:
            attempts_left -= 1
            if not attempts_left:
                raise


def metrics_view() -> Response:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    payload = _multiprocess_payload(directory) if directory else generate_latest()
    return Response(payload, mimetype=CONTENT_TYPE_LATEST)


def init_observability(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.add_url_rule("/metrics", "metrics", metrics_view)
