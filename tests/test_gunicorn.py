"""The shipped ``gunicorn.conf.py`` with the real gunicorn, 2 workers, on a loopback port."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            get(base + "/health")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer within {seconds:g} s")


def load_config_module(env: dict[str, str], monkeypatch):
    """Execute gunicorn.conf.py as gunicorn does, with exactly these environment settings."""
    env = {"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/metrics", **env}
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    # Set then delete so monkeypatch restores them after the test: the module sets them.
    for name in ("PROMETHEUS_MULTIPROC_DIR", "INTRASOFT_CREATED_METRICS_DIR"):
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Only a test that asks for it (None) lets the module create its own temporary directory.
    if env.get("PROMETHEUS_MULTIPROC_DIR", "") == "":
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spawn_gunicorn(tmp_path, **settings) -> tuple[subprocess.Popen, str, Path, Path]:
    """Start gunicorn as shipped (``gunicorn.conf.py``) with these environment settings."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "PROMETHEUS_", "INTRASOFT_"))}
    env.pop("ENVIRONMENT", None)
    env.update(
        {
            "API_TOKENS": "",
            "LOG_LEVEL": "WARNING",
            "ENV_FILE": str(tmp_path / "no.env"),
            "HOME": str(tmp_path),  # gunicorn 27 would put its control socket under ~/.gunicorn
            **settings,
        }
    )
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", str(CONFIG), "--bind", f"127.0.0.1:{port}", "intrasoft:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    return process, f"http://127.0.0.1:{port}", stdout, stderr


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def gunicorn_with_shipped_config(tmp_path, **settings):
    """Gunicorn with the shipped config on a migrated SQLite database; stopped after."""
    from flask_migrate import upgrade

    from intrasoft import create_app

    url = "sqlite:///" + str(tmp_path / "served.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()

    process, base, stdout, stderr = spawn_gunicorn(tmp_path, DATABASE_URL=url, **settings)
    try:
        wait_until_up(base, process)
        yield base, stdout, stderr
    finally:
        stop(process)
    assert process.returncode == 0, stderr.read_text()


def access_records(stdout: Path) -> list[dict]:
    time.sleep(0.3)  # let the workers flush stdout
    return [json.loads(line) for line in stdout.read_text().splitlines() if '"gunicorn.access"' in line]


def metrics_dir_from(stderr: Path) -> str:
    for line in stderr.read_text().splitlines():
        record = json.loads(line)
        if record.get("message") == "starting":
            return record["metrics_dir"]
    raise AssertionError("no 'starting' line in gunicorn's log")


def test_shipped_defaults_serve_with_gthread_and_json_access_log(tmp_path):
    with gunicorn_with_shipped_config(tmp_path, GUNICORN_WORKERS="2") as (base, stdout, stderr):
        status, body = get(base + "/health", {"Authorization": "Bearer do-not-log-me", "X-Request-ID": "req-1"})
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        records = access_records(stdout)
    first = next(record for record in records if record["request_id"] == "req-1")
    assert first["method"] == "GET"
    assert first["path"] == "/health"
    assert first["status"] == 200
    assert first["bytes"] > 0
    assert first["duration_ms"] >= 0
    log = [json.loads(line) for line in stderr.read_text().splitlines()]
    assert any(record["message"] == "Using worker: gthread" for record in log), "every log line is JSON"
    assert "do-not-log-me" not in stdout.read_text() + stderr.read_text()
    assert not (tmp_path / ".gunicorn").exists(), "the control socket is off by default"


def test_metrics_are_summed_across_workers(tmp_path):
    # Sync workers (1 thread) make the split deterministic: a client that sends half a
    # request keeps one worker busy reading it, so the next requests all go to the other.
    with gunicorn_with_shipped_config(tmp_path, GUNICORN_WORKERS="2", GUNICORN_THREADS="1") as (base, stdout, _):
        blocker = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])))
        try:
            blocker.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
            time.sleep(0.3)
            for _ in range(5):
                assert get(base + "/health")[0] == 200
            blocker.sendall(b"Connection: close\r\n\r\n")
            assert blocker.recv(4096).startswith(b"HTTP/1.1 200")
        finally:
            blocker.close()

        status, body = get(base + "/metrics")
        records = access_records(stdout)
    assert status == 200
    match = re.search(
        rb'^intrasoft_http_requests_total\{endpoint="/health",method="GET",status="200"\} ([0-9.]+)$', body, re.M
    )
    assert match, body.decode()
    assert float(match.group(1)) == 7.0, "1 readiness probe + 1 blocked + 5, summed over both workers"
    health = [record for record in records if record["path"] == "/health"]
    assert len(health) == 7
    assert len({record["pid"] for record in health}) == 2, "both workers served requests"


def test_own_metrics_dir_is_removed_on_exit(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "PROMETHEUS_", "INTRASOFT_"))}
    env.update({"DATABASE_URL": "sqlite:///" + str(tmp_path / "x.db"), "LOG_LEVEL": "WARNING", "GUNICORN_WORKERS": "1"})
    stderr = tmp_path / "stderr.log"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", str(CONFIG), "--bind", f"127.0.0.1:{port}", "intrasoft:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        metrics_dir = metrics_dir_from(stderr)
        assert os.path.isdir(metrics_dir)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
    assert process.returncode == 0
    assert not os.path.exists(metrics_dir)


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    given_dir = tmp_path / "metrics"
    config = load_config_module(
        {
            "GUNICORN_WORKERS": "3",
            "GUNICORN_THREADS": "4",
            "GUNICORN_BIND": "0.0.0.0:8000",
            "GUNICORN_ACCESSLOG": "off",
            "GUNICORN_CONTROL_SOCKET": str(tmp_path / "ctl.sock"),
            "PROMETHEUS_MULTIPROC_DIR": str(given_dir),
        },
        monkeypatch,
    )
    assert config.workers == 3
    assert config.threads == 4
    assert config.worker_class == "gthread"
    assert config.bind == ["0.0.0.0:8000"]
    assert config.accesslog is None
    assert config.control_socket_disable is False
    assert config.control_socket == str(tmp_path / "ctl.sock")
    assert (config.timeout, config.graceful_timeout) == (30, 30)
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(given_dir)

    given_dir.mkdir()
    (given_dir / "counter_123.db").write_bytes(b"stale")

    class Server:
        cfg = type("Cfg", (), {"workers": 3, "threads": 4})()
        log = type("Log", (), {"info": staticmethod(lambda *a, **k: None)})()

    config.on_starting(Server())
    assert not (given_dir / "counter_123.db").exists(), "stale metrics from a previous run are wiped"
    config.on_exit(Server())
    assert given_dir.is_dir(), "a directory given by the environment is not removed"


def test_defaults(monkeypatch):
    config = load_config_module({"PROMETHEUS_MULTIPROC_DIR": ""}, monkeypatch)
    try:
        assert config.bind == ["127.0.0.1:5000"]
        assert config.threads == 2
        assert config.worker_class == "gthread"
        assert config.workers == config.default_workers(config.usable_cpus())
        assert config.accesslog == "-"
        assert config.control_socket_disable is True
        assert os.path.isdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    finally:
        config.on_exit(None)
    assert not os.path.exists(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert config.default_workers(1) == 3
    assert config.default_workers(2) == 5
    assert config.default_workers(64) == config.MAX_DEFAULT_WORKERS


def test_one_thread_means_sync_workers(monkeypatch):
    config = load_config_module({"GUNICORN_THREADS": "1", "GUNICORN_ACCESSLOG": "/var/log/x.log"}, monkeypatch)
    assert config.worker_class == "sync"
    assert config.accesslog == "/var/log/x.log"


@pytest.mark.parametrize("value", ["zero", "0", "-2"])
def test_bad_worker_counts_are_refused(monkeypatch, value):
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS"):
        load_config_module({"GUNICORN_WORKERS": value}, monkeypatch)


def metric_files(directory: str) -> list[str]:
    return sorted(os.listdir(directory))


def health_total(base: str) -> float:
    _, body = get(base + "/metrics")
    match = re.search(
        rb'^intrasoft_http_requests_total\{endpoint="/health",method="GET",status="200"\} ([0-9.]+)$', body, re.M
    )
    return float(match.group(1)) if match else 0.0


def test_a_dead_workers_metric_files_are_folded_and_removed(tmp_path):
    with gunicorn_with_shipped_config(tmp_path, GUNICORN_WORKERS="2", GUNICORN_THREADS="1") as (base, stdout, stderr):
        metrics_dir = metrics_dir_from(stderr)
        for _ in range(6):
            get(base + "/health")
        pids = {record["pid"] for record in access_records(stdout)}
        before = health_total(base)
        victim = min(pid for pid in pids if any(name.endswith(f"_{pid}.db") for name in metric_files(metrics_dir)))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while any(name.endswith(f"_{victim}.db") for name in metric_files(metrics_dir)):
            assert time.monotonic() < deadline, metric_files(metrics_dir)
            time.sleep(0.1)
        assert get(base + "/health")[0] == 200  # the other worker or the replacement answers
        after = health_total(base)
        files = metric_files(metrics_dir)
    assert after >= before + 1, "the dead worker's requests still count"
    assert "counter_retired.db" in files and "histogram_retired.db" in files
    assert not any(name.endswith(f"_{victim}.db") for name in files)


def test_fifty_concurrent_posts_to_one_thread_on_sqlite_with_several_workers(tmp_path):
    """``make run``'s setup: the SQLite file served by several worker processes. No message and
    no count may be lost: each post's read-modify-write of the thread runs under the write lock."""
    writers = 50
    users = [f"writer{i}" for i in range(writers)]
    with gunicorn_with_shipped_config(tmp_path, GUNICORN_WORKERS="4") as (base, _, _):
        created = requests.post(f"{base}/api/threads", json={"users": users}, timeout=30)
        assert created.status_code == 201, created.text
        thread_id = created.json()["thread_id"]
        start = threading.Barrier(writers)

        def send(index: int) -> int:
            with requests.Session() as session:
                start.wait(timeout=30)
                return session.post(
                    f"{base}/api/threads/{thread_id}/messages",
                    json={"username": users[index], "message": f"message {index}"},
                    timeout=60,
                ).status_code

        with ThreadPoolExecutor(max_workers=writers) as pool:
            statuses = list(pool.map(send, range(writers)))
        thread = requests.get(f"{base}/api/threads/{thread_id}", timeout=30).json()
        messages = requests.get(f"{base}/api/threads/{thread_id}/messages?page_size=100", timeout=30).json()
    assert statuses == [201] * writers
    assert len(messages) == writers
    assert sorted(m["message"] for m in messages) == sorted(f"message {i}" for i in range(writers))
    assert thread["message_count"] == writers


WEAK_PRODUCTION = {"API_TOKENS": "short", "SECRET_KEY": "", "DATABASE_URL": "sqlite:///weak.db"}
SAFE_PRODUCTION = {
    "ENVIRONMENT": "production",
    "API_TOKENS": "p" * 40,
    "SECRET_KEY": "s" * 40,
    # /health does not touch the database: an address where nothing listens is enough.
    "DATABASE_URL": "mysql+pymysql://intrasoft@127.0.0.1:9/intrasoft?charset=utf8mb4",
}


def exit_code_of_refused_start(tmp_path, **settings) -> tuple[int, str]:
    """Start gunicorn and wait (bounded) for the master itself to give up."""
    (tmp_path / "tmp").mkdir()
    process, _, _, stderr = spawn_gunicorn(tmp_path, TMPDIR=str(tmp_path / "tmp"), **settings)
    try:
        returncode = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail("the gunicorn master kept running with settings the app refuses:\n" + stderr.read_text()[-2000:])
    return returncode, stderr.read_text()


@pytest.mark.parametrize("environment", ["production", " Production "])
def test_production_with_weak_settings_stops_the_master_with_the_reason(tmp_path, environment):
    returncode, stderr = exit_code_of_refused_start(tmp_path, ENVIRONMENT=environment, **WEAK_PRODUCTION)
    assert returncode == 2
    assert "Refusing to start in production" in stderr
    assert "every token in API_TOKENS must be at least 32 characters" in stderr and "SECRET_KEY" in stderr
    assert "Booting worker" not in stderr, "no worker was forked"
    assert "Listening at" not in stderr, "the port was never opened"
    assert "Traceback" not in stderr
    assert not list((tmp_path / "tmp").iterdir()), "the metrics directory it created is removed"


def test_an_unknown_environment_stops_the_master(tmp_path):
    returncode, stderr = exit_code_of_refused_start(tmp_path, ENVIRONMENT="prod")
    assert returncode == 2
    assert "ENVIRONMENT must be one of development, production, not 'prod'" in stderr


def test_a_safe_production_configuration_starts(tmp_path):
    process, base, _, stderr = spawn_gunicorn(tmp_path, GUNICORN_WORKERS="1", **SAFE_PRODUCTION)
    try:
        wait_until_up(base, process)
        assert get(base + "/health")[0] == 200
    finally:
        stop(process)
    assert process.returncode == 0, stderr.read_text()
