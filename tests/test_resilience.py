"""The database goes away and comes back: JSON 503s meanwhile, recovery after (MySQL only)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .conftest import make_app, mysql_only
from .factories import CustomerFactory
from .servers import TcpProxy

pytestmark = mysql_only


@pytest.fixture()
def proxied_app(db):
    url = make_url(os.environ["TEST_DATABASE_URL"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    proxy.start()
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = make_app(proxied_url, TRANSACTION_MAX_ATTEMPTS=2)
    yield app, proxy
    proxy.stop()
    with app.app_context():
        from intrasoft.extensions import db as _db

        _db.engine.dispose()


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.is_json and response.json["code"] == 503
    assert int(response.headers["Retry-After"]) > 0


def test_database_outage_gives_503_json_then_recovers(proxied_app, monkeypatch):
    monkeypatch.setattr("intrasoft.database.time.sleep", lambda seconds: None)
    app, proxy = proxied_app
    CustomerFactory(cid=1)
    client = app.test_client()
    assert client.get("/ready").status_code == 200
    assert client.get("/api/customers").status_code == 200

    proxy.stop()
    ready = client.get("/ready")
    assert_unavailable(ready)
    assert ready.json["errors"]["checks"]["database"]
    assert_unavailable(client.get("/api/customers"))
    assert_unavailable(client.get("/api/customers/1"))
    created = client.post(
        "/api/opportunities",
        json={
            "cid": 1,
            "name": "x",
            "product": "payroll",
            "monthly_estimated_revenue": 1,
            "estimated_delivery_date": "2099-01-01",
        },
        headers={"Authorization": "Bearer " + app.config["API_TOKENS"][0]},
    )
    assert_unavailable(created)

    proxy.start()
    assert client.get("/ready").status_code == 200
    assert [c["cid"] for c in client.get("/api/customers").json] == [1]


def test_killed_connections_are_replaced(proxied_app, db):
    app, _ = proxied_app
    CustomerFactory(cid=1)
    client = app.test_client()
    assert client.get("/api/customers/1").status_code == 200
    database = make_url(os.environ["TEST_DATABASE_URL"]).database
    ids = (
        db.session.execute(
            text("SELECT id FROM information_schema.processlist WHERE db = :db AND id <> CONNECTION_ID()"),
            {"db": database},
        )
        .scalars()
        .all()
    )
    assert ids
    for connection_id in ids:
        db.session.execute(text(f"KILL {int(connection_id)}"))
    db.session.commit()
    statuses = [client.get("/api/customers/1").status_code for _ in range(3)]
    assert set(statuses) <= {200, 503}
    assert statuses[-1] == 200
    assert client.get("/ready").status_code == 200
