"""Fixtures of the countries tests: the fake randomuser server on a loopback port."""

from __future__ import annotations

import pytest

from intrasoft.countries.fake_randomuser import FakeRandomUser
from intrasoft.countries.service import run_sync


@pytest.fixture(scope="session")
def fake_server():
    server = FakeRandomUser().start()
    yield server
    server.stop()


@pytest.fixture()
def fake(fake_server, app, monkeypatch):
    """The fake, reset, with the app pointed at it (small pulls, quick retries)."""
    fake_server.reset()
    for name, value in {
        "RANDOMUSER_URL": fake_server.url,
        "RANDOMUSER_RESULTS": 40,
        "RANDOMUSER_SEED": "tests",
        "RANDOMUSER_NAT": None,
        "RANDOMUSER_BACKOFF_SECONDS": 0.01,
        "RANDOMUSER_TIMEOUT": 2.0,
        "RANDOMUSER_RETRIES": 3,
        "SYNC_DEADLINE_SECONDS": 10.0,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    yield fake_server
    fake_server.release()


@pytest.fixture()
def synced(fake, db):
    """One good sync done: returns its run."""
    run = run_sync("cli")
    assert run.status == "succeeded", run.reason
    return run
