"""Schemathesis' CLI against the app over real HTTP: every check, the coverage and fuzzing phases.

The CLI finds what the in-process test misses (it sends raw bytes, and its coverage phase
walks every boundary of the spec), so the spec and the server must agree on every rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TEST_TOKEN
from .factories import CustomerFactory, OpportunityFactory
from .servers import serve_app

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.slow
def test_schemathesis_cli_finds_no_failure(app, db, fake, tmp_path):
    for cid in (1, 2, 3):
        customer = CustomerFactory(cid=cid)
    OpportunityFactory(customer=customer)
    OpportunityFactory(customer=customer, opportunity_status="won", probability=100)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
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
                "examples,coverage,fuzzing",
                "--header",
                f"Authorization: Bearer {TEST_TOKEN}",
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
