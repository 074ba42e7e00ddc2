"""Concurrent writers through a real HTTP server (MySQL only: SQLite serialises writers)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import requests
from sqlalchemy import func, select

from intrasoft.opportunities.models import Opportunity

from .conftest import TEST_TOKEN, mysql_only
from .factories import CustomerFactory
from .servers import serve_app

pytestmark = mysql_only

BODY = {
    "cid": 1,
    "name": "Concurrent deal",
    "product": "payroll",
    "estimated_monthly_revenue": "100.00",
    "expected_close_date": (date.today() + timedelta(days=30)).isoformat(),
}
AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}


def test_fifty_concurrent_creates_give_fifty_rows(app, db):
    CustomerFactory(cid=1)
    with serve_app(app) as base, ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(
            pool.map(
                lambda i: requests.post(
                    f"{base}/api/opportunities", json={**BODY, "name": f"Deal {i}"}, headers=AUTH, timeout=60
                ),
                range(50),
            )
        )
    assert [r.status_code for r in responses] == [201] * 50
    assert len({r.json()["oid"] for r in responses}) == 50
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 50


def test_same_idempotency_key_sent_concurrently_creates_one(app, db):
    CustomerFactory(cid=1)
    headers = {**AUTH, "Idempotency-Key": "concurrent-key"}
    with serve_app(app) as base, ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(
                lambda _: requests.post(f"{base}/api/opportunities", json=BODY, headers=headers, timeout=60), range(20)
            )
        )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert len({r.json()["oid"] for r in responses if r.status_code == 201}) == 1
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 1
