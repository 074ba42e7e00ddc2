"""Fixtures of the countries tests (the fake randomuser server fixtures live in tests/conftest.py)."""

from __future__ import annotations

import pytest

from intrasoft.countries.service import run_sync


@pytest.fixture()
def synced(fake, db):
    """One good sync done: returns its run."""
    run = run_sync("cli")
    assert run.status == "succeeded", run.reason
    return run
