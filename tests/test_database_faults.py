"""Database faults for every operation of the spec, over real HTTP through a proxy we can cut.

MariaDB is reached through ``TcpProxy``: ``stop()`` drops every connection and refuses new ones
(the database is gone), ``start()`` brings it back; ``KILL`` ends the server side of the app's
connections. Every operation must answer a JSON 503 with ``Retry-After`` while the database is
gone (never a hang: each call has a client timeout) and work again right after. The operations
come from ``/api/openapi.json`` and are called as in the auth matrix (``tests/operations.py``),
so a new route cannot be forgotten.
"""

from __future__ import annotations

import os
import threading

import pytest
import requests
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from intrasoft.countries.models import SyncRun

from .conftest import TEST_TOKEN, make_app, mysql_only
from .operations import build_world, operations, point_at_the_same_fake, rows
from .servers import TcpProxy, serve_app

pytestmark = mysql_only

#: Operations that never touch the database (who the token is).
WITHOUT_DATABASE = {"GET /api/me"}
#: No request may wait longer than this for its answer, the database gone or not.
CLIENT_TIMEOUT = 60


@pytest.fixture()
def proxied(app, db, fake, monkeypatch):
    """An app whose database connections go through a proxy; yields (app, proxy)."""
    url = make_url(os.environ["TEST_DATABASE_URL"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    proxy.start()
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    served = make_app(proxied_url, TRANSACTION_MAX_ATTEMPTS=2)
    point_at_the_same_fake(app, served, monkeypatch)
    yield served, proxy
    proxy.stop()
    with served.app_context():
        from intrasoft.extensions import db as _db

        _db.engine.dispose()


@pytest.fixture()
def world(app, db, fake):
    return build_world(app)


def call(base: str, method: str, path: str, row):
    return requests.request(
        method.upper(),
        base + path.format(**row.path),
        params=row.query,
        json=row.body,
        headers={"Authorization": f"Bearer {TEST_TOKEN}"},
        timeout=CLIENT_TIMEOUT,
    )


def assert_unavailable(response, label):
    assert response.status_code == 503, (label, response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), label
    body = response.json()
    assert body["code"] == 503 and body["message"], label
    assert int(response.headers["Retry-After"]) > 0, label


def test_every_operation_is_a_json_503_while_the_database_is_gone_and_works_right_after(world, proxied):
    served, proxy = proxied
    spec = served.test_client().get("/api/openapi.json").json
    table = rows(world)
    with serve_app(served) as base:
        for method, path, _ in operations(spec):
            label = f"{method.upper()} {path}"
            row = table[label]
            proxy.stop()
            gone = call(base, method, path, row)
            if label in WITHOUT_DATABASE:
                assert gone.status_code in row.success, label
            else:
                assert_unavailable(gone, label)
            proxy.start()
            back = call(base, method, path, row)
            assert back.status_code in row.success, (label, back.status_code, back.text[:300])


def test_every_operation_survives_its_connections_being_killed(world, proxied, db):
    served, _ = proxied
    spec = served.test_client().get("/api/openapi.json").json
    table = rows(world)
    database = make_url(os.environ["TEST_DATABASE_URL"]).database
    with serve_app(served) as base:
        for method, path, _ in operations(spec):
            label = f"{method.upper()} {path}"
            row = table[label]
            assert call(base, method, path, row).status_code in row.success, label  # the pool is warm
            ids = db.session.scalars(
                text("SELECT id FROM information_schema.processlist WHERE db = :db AND id <> CONNECTION_ID()"),
                {"db": database},
            ).all()
            for connection_id in ids:
                db.session.execute(text(f"KILL {int(connection_id)}"))
            db.session.commit()
            first = call(base, method, path, row)
            assert first.status_code in row.success | {503}, (label, first.status_code, first.text[:300])
            if first.status_code == 503:
                assert_unavailable(first, label)
            again = call(base, method, path, row)
            assert again.status_code in row.success, (label, again.status_code, again.text[:300])


def wait_for_log(caplog, message: str) -> bool:
    """Whether a log record with ``message`` appears (from any thread) within the client timeout."""
    appeared = threading.Event()
    for _ in range(CLIENT_TIMEOUT * 20):
        if any(record.getMessage() == message for record in caplog.records):
            return True
        appeared.wait(0.05)
    return False


def test_a_sync_cut_off_from_the_database_ends_failed_and_keeps_the_snapshot(world, proxied, fake, db, caplog):
    served, proxy = proxied
    caplog.set_level("ERROR", logger="intrasoft.countries.sync")
    fake.request_arrived.clear()  # the world's own sync reached it already
    fake.plan({"mode": "hold"})
    answers = []
    with serve_app(served) as base:
        before = requests.get(base + "/api/countries", timeout=CLIENT_TIMEOUT).json()
        syncing = threading.Thread(
            target=lambda: answers.append(
                requests.post(
                    base + "/api/countries/sync",
                    headers={"Authorization": f"Bearer {TEST_TOKEN}"},
                    timeout=CLIENT_TIMEOUT,
                )
            )
        )
        syncing.start()
        assert fake.request_arrived.wait(CLIENT_TIMEOUT), "the sync never reached randomuser"
        proxy.stop()  # the database goes away while the sync waits for its people
        fake.release()
        # Back once the writes have failed, within the seconds recording the failure is retried
        # for (service.FAILURE_RECORD_ATTEMPTS).
        assert wait_for_log(caplog, "country sync: storing the snapshot failed")
        threading.Event().wait(1.0)  # longer than a usual transaction retries: only the failure's retries span it
        proxy.start()
        syncing.join(CLIENT_TIMEOUT)
        assert not syncing.is_alive(), "the sync request hung"
        after = requests.get(base + "/api/countries", timeout=CLIENT_TIMEOUT).json()

    answer = answers[0]
    assert answer.status_code == 502, answer.text[:500]
    failed = answer.json()["errors"]["sync_run"]
    assert failed["status"] == "failed" and failed["reason"].startswith("storing the snapshot failed")
    db.session.rollback()
    run = db.session.scalar(select(SyncRun).where(SyncRun.id == failed["id"]))
    assert run.status == "failed" and run.finished_at is not None
    # The snapshot is the one before the sync, with the same people, now marked stale.
    assert after["sync"]["run_id"] == before["sync"]["run_id"] == world["run_id"]
    assert after["countries"] == before["countries"]
    assert after["sync"]["stale"] is True
