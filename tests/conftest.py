"""Shared fixtures: ``app``, ``db``, ``client``, ``anon_client``, ``runner``.

The suite runs on a SQLite file by default and on MySQL/MariaDB when
``TEST_DATABASE_URL`` is set. The schema is built by the real migrations, and every
test starts from empty tables.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from intrasoft import create_app
from intrasoft.extensions import db as _db
from intrasoft.seed import reset_all

from .fake_randomuser import FakeRandomUser

TEST_TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvwxyz"
#: The other token kinds the test app knows: read-only, and users bound to quinn and jeff_goldblum.
READ_TOKEN = "test-read-token-0123456789abcdefghijklmnopq"
QUINN_TOKEN = "test-quinn-token-0123456789abcdefghijklmnop"
JEFF_TOKEN = "test-jeff-token-0123456789abcdefghijklmnopq"
MYSQL = os.environ.get("TEST_DATABASE_URL", "").startswith("mysql")

mysql_only = pytest.mark.skipif(not MYSQL, reason="needs TEST_DATABASE_URL pointing at MySQL/MariaDB")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def _drop_everything(app) -> None:
    """Start from an empty database so the migrations are what builds the schema."""
    with app.app_context():
        engine = _db.engine
        with engine.begin() as connection:
            if engine.dialect.name in ("mysql", "mariadb"):
                connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
                names = connection.execute(text("SHOW TABLES")).scalars().all()
                for name in names:
                    connection.execute(text(f"DROP TABLE IF EXISTS `{name}`"))
                connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
            else:
                _db.metadata.drop_all(connection)
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def make_app(url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "API_TOKENS": [TEST_TOKEN],
        "API_READ_TOKENS": [READ_TOKEN],
        "API_USER_TOKENS": [("quinn", QUINN_TOKEN), ("jeff_goldblum", JEFF_TOKEN)],
        # Reads open, as in development (the shell's AUTH_REQUIRED_FOR_READS must not leak in).
        "AUTH_REQUIRED_FOR_READS": False,
        "METRICS_TOKEN": None,
        "LOG_LEVEL": "WARNING",
        # Never the real randomuser.me: tests that sync point the app at the fake server.
        "RANDOMUSER_URL": "http://127.0.0.1:9/api/1.4/",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    from intrasoft.cli import ensure_mysql_database

    application = make_app(database_url)
    ensure_mysql_database(database_url)
    _drop_everything(application)
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(scope="session")
def locked_app(app, database_url):
    """The same database served with ``AUTH_REQUIRED_FOR_READS`` on: every read needs a token."""
    return make_app(database_url, AUTH_REQUIRED_FOR_READS=True)


def token_client(app, token: str | None):
    """A test client of ``app`` sending ``Authorization: Bearer <token>`` (nothing for None)."""
    test_client = app.test_client()
    if token is not None:
        test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return test_client


@pytest.fixture()
def db(app):
    """The database, emptied after the test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        reset_all()
        _db.session.commit()
        _db.session.remove()


@pytest.fixture()
def client(app, db):
    """A client that sends the API token on every request."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TEST_TOKEN}"
    return test_client


@pytest.fixture()
def anon_client(app, db):
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


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
