"""Schemathesis' CLI against the app over real HTTP: every check, every phase, every token kind.

The CLI finds what the in-process test misses (it sends raw bytes, its coverage phase walks
every boundary of the spec, and its stateful phase chains operations through the links it
infers from responses and ``Location`` headers: create an opportunity, then read and patch it),
so the spec and the server must agree on every rule, for every kind of caller: a service
token, a read-only token (its writes are documented 403s) and a user token (threads it is not
in are documented 404s).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import QUINN_TOKEN, READ_TOKEN, TEST_TOKEN
from .factories import CustomerFactory, OpportunityFactory
from .servers import serve_app

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["service", "read", "user"])
def test_schemathesis_cli_finds_no_failure(app, db, fake, tmp_path, kind):
    token = {"service": TEST_TOKEN, "read": READ_TOKEN, "user": QUINN_TOKEN}[kind]
    for cid in (1, 2, 3):
        customer = CustomerFactory(cid=cid)
    OpportunityFactory(customer=customer)
    OpportunityFactory(customer=customer, opportunity_status="won", probability=100)
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
        "SCHEMATHESIS_TOKEN_KIND": kind,
        "PYTHONPATH": str(ROOT),
    }
    with serve_app(app) as base:
        result = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                f"{base}/api/openapi.json",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--header",
                f"Authorization: Bearer {token}",
                "--seed",
                "20261201",
                "--workers",
                "1",
                "--report-dir",
                str(tmp_path),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    assert "No issues found" in output or " passed" in output, output[-3000:]
    # The stateful phase chained real calls through the links it inferred (POST then GET/PATCH).
    links = re.search(r"API Links:\s+(\d+) covered", output)
    assert links and int(links.group(1)) > 0, output[-3000:]
