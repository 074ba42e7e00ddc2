"""Concurrent writers through a real threaded HTTP server on loopback, on SQLite and MySQL.

SQLite serialises writers with ``BEGIN IMMEDIATE`` (see ``intrasoft.database``), MySQL with
row locks: either way the rules must hold when requests race.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from intrasoft.opportunities.models import Opportunity

from .conftest import TEST_TOKEN
from .factories import CustomerFactory, OpportunityFactory, opportunity_payload
from .servers import serve_app

BODY = opportunity_payload(name="Concurrent deal", monthly_estimated_revenue="100.00")
AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}
#: Each race is run this many times, on a fresh opportunity each time.
ROUNDS = 15


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


def race(base: str, oid: str, bodies: list[dict], headers: list[dict] | None = None) -> list[requests.Response]:
    """PATCH the opportunity with every body at once (a barrier releases them together)."""
    start = threading.Barrier(len(bodies))
    headers = headers or [{}] * len(bodies)

    def patch(index: int) -> requests.Response:
        with requests.Session() as session:
            start.wait(timeout=30)
            return session.patch(
                f"{base}/api/opportunities/{oid}", json=bodies[index], headers={**AUTH, **headers[index]}, timeout=60
            )

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(patch, range(len(bodies))))


def stored(db, oid: str) -> Opportunity:
    db.session.rollback()  # a new read transaction, which sees what the server committed
    return db.session.get(Opportunity, oid)


def test_won_racing_lost_one_wins_the_other_is_409(app, db):
    customer = CustomerFactory(cid=1)
    with serve_app(app) as base:
        for _ in range(ROUNDS):
            oid = OpportunityFactory(customer=customer, opportunity_status="negotiation", probability=75).oid
            won, lost = race(base, oid, [{"opportunity_status": "won"}, {"opportunity_status": "lost"}])
            assert sorted([won.status_code, lost.status_code]) == [200, 409], (won.json(), lost.json())
            loser = won if won.status_code == 409 else lost
            assert "opportunity_status" in loser.json()["errors"]["json"]
            final = stored(db, oid)
            winner = "won" if won.status_code == 200 else "lost"
            assert (final.opportunity_status, final.probability) == (winner, 100 if winner == "won" else 0)


def test_won_racing_a_probability_change_always_ends_at_100(app, db):
    customer = CustomerFactory(cid=1)
    with serve_app(app) as base:
        for _ in range(ROUNDS):
            oid = OpportunityFactory(customer=customer, opportunity_status="proposal", probability=50).oid
            won, probability = race(base, oid, [{"opportunity_status": "won"}, {"probability": 30}])
            assert won.status_code == 200, won.json()
            # Before the win it is a plain update; after it, 30 contradicts "won is 100".
            assert probability.status_code in (200, 422), probability.json()
            if probability.status_code == 422:
                assert "probability" in probability.json()["errors"]["json"]
            final = stored(db, oid)
            assert (final.opportunity_status, final.probability) == ("won", 100)


def test_concurrent_patches_with_the_same_if_match_one_wins_the_rest_are_412(app, db):
    customer = CustomerFactory(cid=1)
    editors = 8
    with serve_app(app) as base:
        for _ in range(ROUNDS // 3):
            oid = OpportunityFactory(customer=customer, name="Original").oid
            responses = race(
                base, oid, [{"name": f"Edit {i}"} for i in range(editors)], [{"If-Match": '"1"'}] * editors
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200] + [412] * (editors - 1), statuses
            winner = next(r for r in responses if r.status_code == 200)
            assert winner.headers["ETag"] == '"2"'
            final = stored(db, oid)
            assert (final.name, final.version) == (winner.json()["name"], 2)


def test_concurrent_patches_of_different_fields_lose_none_of_them(app, db):
    """Without If-Match, each PATCH applies to the row as the lock finds it: every field sticks."""
    customer = CustomerFactory(cid=1)
    changes = [
        {"name": "Renamed"},
        {"product": "expenses"},
        {"probability": 40},
        {"account_executive": "Nora Keller"},
        {"technical_specialist": "Ivo Brunner"},
    ]
    with serve_app(app) as base:
        for _ in range(ROUNDS // 3):
            oid = OpportunityFactory(customer=customer, opportunity_status="proposal", probability=50).oid
            responses = race(base, oid, changes)
            assert [r.status_code for r in responses] == [200] * len(changes), [r.json() for r in responses]
            final = stored(db, oid)
            for change in changes:
                ((name, value),) = change.items()
                assert getattr(final, name) == value, (name, getattr(final, name))
            assert final.version == 1 + len(changes)
