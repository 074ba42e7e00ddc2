"""Gunicorn settings for IntraSoft: ``gunicorn -c gunicorn.conf.py "intrasoft:create_app()"``.

Everything can be tuned from the environment (the command line wins over this file,
e.g. ``--bind``):

* ``GUNICORN_BIND`` (default ``127.0.0.1:5000``; ``0.0.0.0:5000`` in a container).
* ``GUNICORN_WORKERS`` (default ``2 * CPUs + 1``, at most 12). CPUs are the ones this
  process may run on (``sched_getaffinity``), not the host's count. Each worker is a
  process with its own database pool; the cap keeps a big host from opening more
  MySQL connections than a small database allows.
* ``GUNICORN_THREADS`` (default 2): gunicorn's ``gthread`` worker. Unlike the ``sync``
  worker (``GUNICORN_THREADS=1``), it keeps connections alive and a slow client holds one
  thread, not the whole process. Measured with ``make bench`` on 2 CPUs: 2 threads serve
  about 40% more requests/s than sync workers for both the API and the raw baseline (no
  TCP handshake per request), with the same API/baseline ratio. More threads add little:
  the list endpoints are CPU-bound in Python (rows to JSON), so threads of one process
  queue on the GIL while the processes use the cores. A worker uses at most one database
  connection per thread (its pool allows 20), so the server needs workers x threads.
* ``GUNICORN_TIMEOUT`` (30 s: a worker silent that long is killed and replaced),
  ``GUNICORN_GRACEFUL_TIMEOUT`` (30 s: on SIGTERM workers finish in-flight requests,
  then exit), ``GUNICORN_KEEPALIVE`` (5 s: how long an idle connection is kept open;
  gthread only, the sync worker closes every connection), ``GUNICORN_MAX_REQUESTS``
  (10,000 with 10% jitter: workers are recycled now and then; 0 disables it).
* ``GUNICORN_ACCESSLOG`` (default ``-``: JSON lines on stdout; ``off`` disables it, e.g.
  when the app's own ``intrasoft.request`` log line is enough), ``GUNICORN_LOGLEVEL``.
* ``GUNICORN_CONTROL_SOCKET``: gunicorn 27 opens a control socket for ``gunicornc``,
  by default at ``~/.gunicorn/gunicorn.ctl``, shared by every gunicorn of the user: a
  second instance (the benchmark baseline, a test) replaces the first one's socket and
  removes it on exit. It is off unless this variable names a path.
* ``PROMETHEUS_MULTIPROC_DIR``: prometheus_client's multiprocess mode, so ``/metrics``
  sums every worker. When unset, a fresh temporary directory is created here, in the
  master, before any worker forks (and removed on exit); when set, its stale ``*.db``
  files are wiped at start, as prometheus_client's documentation requires.

Before binding its socket or forking a worker, the master checks the application's settings
with ``intrasoft.config.load_checked_settings`` (the check ``create_app`` runs): with
``ENVIRONMENT=production`` and unsafe settings it exits with status 2 and the reason on
stderr, instead of forking workers that fail at boot, forever, while the port accepts
connections.

Access log lines are JSON objects (python-json-logger) with the remote address, method,
path (never the query string), status, bytes, duration, user agent, request id and
worker pid. Headers such as Authorization and request bodies are never logged.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

MAX_DEFAULT_WORKERS = 12
#: Flask's default instance folder of the ``intrasoft`` package (where SQLite's file lives).
INSTANCE_PATH = str(Path(__file__).resolve().parent / "instance")


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {value}")
    return value


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


# --- Prometheus multiprocess mode --------------------------------------------------
# Must be set before prometheus_client is imported anywhere in this process: it picks
# its value class (shared mmap files or in-process) at import time, and the workers
# inherit the master's modules.
# A reload (SIGHUP) runs this file again with the variable already set: the marker
# remembers that the directory is ours to remove on exit.
_CREATED_MARKER = "INTRASOFT_CREATED_METRICS_DIR"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="intrasoft-metrics-")
    os.environ[_CREATED_MARKER] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
_OWN_METRICS_DIR = os.environ.get(_CREATED_MARKER) == os.environ["PROMETHEUS_MULTIPROC_DIR"]

# --- Server socket and workers ---------------------------------------------------------
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")]
workers = _env_int("GUNICORN_WORKERS", default_workers(usable_cpus()))
threads = _env_int("GUNICORN_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
# Heartbeat files in memory: a slow or overlay /tmp (containers) can make healthy
# workers look stuck. Gunicorn creates them with mkstemp and unlinks them at once.
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

# --- Timeouts and graceful shutdown ----------------------------------------------------
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (with jitter so they do not all restart together):
# bounds the damage of a slow leak in any library.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 10000, minimum=0)
max_requests_jitter = max_requests // 10

# --- Control socket (gunicorn 27) ------------------------------------------------------
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# --- Logging ---------------------------------------------------------------------------
_access = os.environ.get("GUNICORN_ACCESSLOG", "-").strip()
accesslog = None if _access.lower() in ("", "off", "none", "false", "0") else _access
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


class JsonLogger(Logger):
    """Gunicorn's logger with JSON lines for both its error log and the access log."""

    def setup(self, cfg):
        # Imported here, after PROMETHEUS_MULTIPROC_DIR is set above (it imports prometheus_client).
        from intrasoft.observability import json_formatter

        super().setup(cfg)
        formatter = json_formatter()  # the app's: bounded texts
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = None
        for name, value in resp.headers:
            if name.lower() == "x-request-id":
                request_id = value
                break
        fields = {
            "remote_addr": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "protocol": environ.get("SERVER_PROTOCOL"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "request_id": request_id,
            "pid": os.getpid(),
        }
        try:
            self.access_log.info("access", extra=fields)
        except Exception:  # a broken log line must never fail the request
            self.error("access log failed", exc_info=True)


logger_class = JsonLogger


# --- Server hooks ----------------------------------------------------------------------
def refuse_unsafe_settings() -> None:
    """Exit (status 2, the reason on stderr) when the app would refuse these settings."""
    from intrasoft.config import ConfigError, load_checked_settings

    try:
        load_checked_settings(INSTANCE_PATH)
    except ConfigError as exc:
        on_exit(None)
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None


def on_starting(server):
    refuse_unsafe_settings()
    metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(metrics_dir, exist_ok=True)
    if not _OWN_METRICS_DIR:
        for stale in glob.glob(os.path.join(metrics_dir, "*.db")):
            os.remove(stale)
    server.log.info(
        "starting",
        extra={"workers": server.cfg.workers, "threads": server.cfg.threads, "metrics_dir": metrics_dir},
    )


def child_exit(server, worker):
    """A worker is gone: fold its metric files into the archives (totals are kept) and drop
    its live gauges, so the directory does not grow with every worker ever started."""
    from intrasoft.observability import retire_worker_metrics

    retire_worker_metrics(worker.pid)


def on_exit(server):
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
