"""The probes while the database is gone (MySQL only): liveness stays up, readiness says 503.

Every API operation's behaviour in a database outage is in ``test_database_faults.py``.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from .conftest import make_app, mysql_only
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


def test_liveness_stays_up_and_readiness_reports_the_outage(proxied_app):
    app, proxy = proxied_app
    client = app.test_client()
    assert client.get("/ready").status_code == 200

    proxy.stop()
    assert client.get("/health").status_code == 200  # the process is alive: no restart for an outage
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.is_json and ready.json["code"] == 503
    assert int(ready.headers["Retry-After"]) > 0
    assert ready.json["errors"]["checks"]["database"]

    proxy.start()
    assert client.get("/ready").status_code == 200
