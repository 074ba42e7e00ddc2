"""Customers list: throughput against a raw baseline, and keyset latency at depth.

* 100,000 customers in MariaDB (``bench_customers``), seeded by ``intrasoft.customers.seed``.
* The API and ``bench/baseline_app.py`` each under gunicorn with ``gunicorn.conf.py`` as
  shipped (same workers, same JSON access log), ``API_TOKENS`` unset and
  ``LOG_LEVEL=WARNING`` for the app (its per-request INFO line is filtered, the access log
  line is written), each on its own loopback port.
* Both answer ``GET /api/customers?after=0&page_size=50`` with byte-identical bodies
  (checked before measuring), so the baseline does the same work.
* Throughput: a warm-up, then 3 interleaved 10-second ``wrk`` rounds at 16 connections;
  median requests/s; target: the API at least 0.5x the baseline.
* Latency at 1 connection (``wrk -c1 -t1``): page 1 (``after=0``) and a cursor 2,000
  pages deep (``after=99950``), 3 interleaved rounds, median of the rounds' average
  latency; target: deep at most 1.5x page 1. ``?page=1`` (offset mode, runs a COUNT) is
  reported for information.

``BENCH_DURATION`` (seconds per round, default 10) shortens it for a quick try.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .common import Report, make_bench_app, recreate_database

DATABASE = "bench_customers"
CUSTOMERS = 100_000
PAGE_SIZE = 50
CONNECTIONS = 16
ROUNDS = 3
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = max(2, DURATION // 3)
ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"

FIRST_PAGE = f"/api/customers?after=0&page_size={PAGE_SIZE}"
DEEP_PAGE = f"/api/customers?after={CUSTOMERS - PAGE_SIZE}&page_size={PAGE_SIZE}"  # 2,000 pages in
OFFSET_PAGE = f"/api/customers?page=1&page_size={PAGE_SIZE}"

#: The app's environment: realistic logging, no auth (reads need none anyway).
APP_ENV = {"API_TOKENS": "", "LOG_LEVEL": "WARNING", "ENVIRONMENT": "development"}


# --- wrk ----------------------------------------------------------------------------------
@dataclass
class WrkResult:
    requests_per_second: float
    latency_avg_ms: float
    latency_p50_ms: float | None
    errors: str | None


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, average and median latency, and any errors from ``wrk --latency`` output."""
    rps = float(re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M).group(1))
    avg = _ms(re.search(r"^\s+Latency\s+(\S+)", output, re.M).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    problems = [line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    return WrkResult(rps, avg, _ms(p50.group(1)) if p50 else None, "; ".join(problems) or None)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("  wrk is missing: running `apt-get install -y wrk` (the HTTP load generator this bench uses)")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def wrk(url: str, seconds: int, connections: int) -> WrkResult:
    threads = min(connections, 2)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30)
    result = parse_wrk(completed.stdout)
    if result.errors:
        raise RuntimeError(f"wrk saw errors on {url}: {result.errors}")
    return result


# --- servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), dict(response.headers)


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], log_dir: Path):
    """Serve ``app_spec`` with the shipped gunicorn.conf.py on a free loopback port; yield its base URL."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "INTRASOFT_"))}
    full_env.update(env)
    full_env["ENV_FILE"] = str(log_dir / "no.env")  # no stray .env changes the settings
    name = app_spec.split(":")[0]
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", app_spec],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + FIRST_PAGE, process, log_path)
        yield base
    finally:
        _stop(process)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within 60 s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (graceful), then SIGKILL to the whole process group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- the scenario -----------------------------------------------------------------------
def seed(database_url: str) -> None:
    from intrasoft.customers.seed import seed_customers
    from intrasoft.database import utcnow
    from intrasoft.extensions import db

    started = time.perf_counter()
    app = make_bench_app(database_url)
    with app.app_context():
        now = utcnow()
        seed_customers(CUSTOMERS, now.date(), now)
        db.session.commit()
        db.engine.dispose()
    print(f"  seeded {CUSTOMERS:,} customers in {time.perf_counter() - started:.1f} s")


def check_same_body(app_base: str, baseline_base: str) -> None:
    for path in (FIRST_PAGE, DEEP_PAGE):
        app_body, app_headers = fetch(app_base + path)
        baseline_body, baseline_headers = fetch(baseline_base + path)
        if app_body != baseline_body:
            raise RuntimeError(f"the baseline's body differs from the API's for {path}")
        if app_headers["X-Pagination"] != baseline_headers["X-Pagination"]:
            raise RuntimeError(f"the baseline's X-Pagination differs from the API's for {path}")
    print("  the API and the baseline return byte-identical bodies and X-Pagination")


def workers_in_use() -> str:
    """The worker settings gunicorn.conf.py gives here (read the same way gunicorn does)."""
    spec = importlib.util.spec_from_file_location("_gunicorn_conf", ROOT / "gunicorn.conf.py")
    saved = os.environ.get("PROMETHEUS_MULTIPROC_DIR"), os.environ.get("INTRASOFT_CREATED_METRICS_DIR")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = "unused"  # do not let the import create a directory
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        threads = f" x {module.threads} threads" if module.worker_class == "gthread" else ""
        return f"{module.workers} {module.worker_class} workers{threads}"
    finally:
        for key, value in zip(("PROMETHEUS_MULTIPROC_DIR", "INTRASOFT_CREATED_METRICS_DIR"), saved, strict=True):
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(report: Report) -> None:
    database_url = recreate_database(DATABASE)
    seed(database_url)
    ensure_wrk()
    workers = workers_in_use()
    env = {"DATABASE_URL": database_url, **APP_ENV}
    with tempfile.TemporaryDirectory(prefix="bench-customers-") as tmp, contextlib.ExitStack() as servers:
        log_dir = Path(tmp)
        app = servers.enter_context(gunicorn("intrasoft:create_app()", env, log_dir))
        baseline = servers.enter_context(gunicorn("bench.baseline_app:app", env, log_dir))
        check_same_body(app, baseline)

        print(f"  throughput: warm-up, then {ROUNDS} interleaved {DURATION}-s rounds at {CONNECTIONS} connections")
        for base in (app, baseline):
            wrk(base + FIRST_PAGE, WARMUP, CONNECTIONS)
        app_rps, baseline_rps = [], []
        for round_number in range(ROUNDS):
            app_rps.append(wrk(app + FIRST_PAGE, DURATION, CONNECTIONS).requests_per_second)
            baseline_rps.append(wrk(baseline + FIRST_PAGE, DURATION, CONNECTIONS).requests_per_second)
            print(f"    round {round_number + 1}: app {app_rps[-1]:.0f} req/s, baseline {baseline_rps[-1]:.0f} req/s")

        print(f"  latency: {ROUNDS} interleaved {DURATION}-s rounds at 1 connection")
        first, deep = [], []
        wrk(app + DEEP_PAGE, WARMUP, 1)
        for round_number in range(ROUNDS):
            first.append(wrk(app + FIRST_PAGE, DURATION, 1))
            deep.append(wrk(app + DEEP_PAGE, DURATION, 1))
            print(
                f"    round {round_number + 1}: page 1 {first[-1].latency_avg_ms:.2f} ms, "
                f"deep {deep[-1].latency_avg_ms:.2f} ms"
            )
        offset = wrk(app + OFFSET_PAGE, DURATION, 1)

    app_median, baseline_median = statistics.median(app_rps), statistics.median(baseline_rps)
    ratio = app_median / baseline_median
    report.add(
        f"customers: `GET {FIRST_PAGE}`, wrk {CONNECTIONS} conn, req/s (gunicorn.conf.py: {workers}; "
        "app LOG_LEVEL=WARNING, API_TOKENS off; JSON access log on for both)",
        f"{app_median:.0f} req/s ({ratio:.2f}x)",
        f"{baseline_median:.0f} req/s (raw PyMySQL + json)",
        ">= 0.5x baseline",
        ratio >= 0.5,
    )
    first_ms = statistics.median(r.latency_avg_ms for r in first)
    deep_ms = statistics.median(r.latency_avg_ms for r in deep)
    depth_ratio = deep_ms / first_ms
    report.add(
        f"customers: latency at 1 conn, cursor 2,000 pages deep (`after={CUSTOMERS - PAGE_SIZE}`)",
        f"{deep_ms:.2f} ms avg ({depth_ratio:.2f}x)",
        f"page 1 (`after=0`): {first_ms:.2f} ms avg",
        "<= 1.5x page 1",
        depth_ratio <= 1.5,
    )
    report.add(
        "customers: latency at 1 conn, offset page 1 (`page=1`, runs a COUNT over 100k rows)",
        f"{offset.latency_avg_ms:.2f} ms avg",
        f"cursor page 1: {first_ms:.2f} ms avg",
        "information only",
        True,
    )
