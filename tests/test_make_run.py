"""`make run` in development serves with the demo tokens, unless the environment or the env file sets its own."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import urllib.error

import pytest

from .test_gunicorn import ROOT, free_port, get, wait_until_up

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

TOKEN_VARIABLES = ("API_TOKENS", "API_READ_TOKENS", "API_USER_TOKENS", "AUTH_REQUIRED_FOR_READS", "METRICS_TOKEN")


@contextlib.contextmanager
def make_run(tmp_path, env_file: str = "", **settings):
    port = free_port()
    (tmp_path / "run.env").write_text(env_file)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GUNICORN_", "PROMETHEUS_", "INTRASOFT_", "MYSQL_")) and k not in TOKEN_VARIABLES
    }
    env.update(
        {
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "run.db"),
            "ENV_FILE": str(tmp_path / "run.env"),
            "ENVIRONMENT": "development",
            "HOME": str(tmp_path),
            "PORT": str(port),
            "GUNICORN_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
            "RANDOMUSER_URL": "http://127.0.0.1:9/api/1.4/",  # the scheduler's first sync fails fast, offline
            # The API part of `make run`: no dashboard build, no Nginx (which would want port 8080);
            # tests/test_nginx.py runs the real Nginx with the same template.
            "DASHBOARD": "0",
            "NGINX_BIN": "",
            **settings,
        }
    )
    output = tmp_path / "make.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, seconds=120)  # `make run` migrates and seeds first
        yield base, output
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make, its shell, the scheduler and gunicorn
        process.wait(timeout=60)


def me(base: str, token: str) -> dict | int:
    try:
        return json.loads(get(base + "/api/me", {"Authorization": f"Bearer {token}"})[1])
    except urllib.error.HTTPError as error:
        return error.code


def test_make_run_serves_the_demo_tokens_and_the_welcome_thread(tmp_path):
    with make_run(tmp_path) as (base, _):
        assert me(base, "dev-service-token") == {"kind": "service", "username": None, "can_write": True}
        assert me(base, "dev-read-token") == {"kind": "read", "username": None, "can_write": False}
        assert me(base, "dev-quinn-token") == {"kind": "user", "username": "quinn", "can_write": True}
        assert me(base, "dev-jeff-token")["username"] == "jeff_goldblum"
        threads = json.loads(get(base + "/api/threads", {"Authorization": "Bearer dev-jeff-token"})[1])
        assert [thread["title"] for thread in threads] == ["Welcome"]


def test_make_run_keeps_tokens_set_in_the_environment_or_the_env_file(tmp_path):
    own = "own-service-token-0123456789abcdefghijkl"
    env_file = "API_USER_TOKENS=quinn:own-quinn-token-0123456789abcdefghijk\n"
    with make_run(tmp_path, env_file, API_TOKENS=own) as (base, output):
        assert me(base, own)["kind"] == "service"
        assert me(base, "own-quinn-token-0123456789abcdefghijk")["username"] == "quinn"
        assert me(base, "dev-service-token") == 401
        assert me(base, "dev-quinn-token") == 401
        assert me(base, "dev-read-token")["kind"] == "read"  # neither sets this one
    assert "demo token API_READ_TOKENS=dev-read-token" in output.read_text()
