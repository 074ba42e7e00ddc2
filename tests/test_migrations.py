"""Migrations run both ways on the test database, with rows in the tables they change."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from .factories import CustomerFactory

HEAD = "0005_concurrency"
OID = "0" * 31 + "1"


def columns(db, table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def at(db, revision: str, move) -> None:
    db.session.remove()  # no open transaction may hold the tables (MySQL's metadata locks)
    move(revision=revision)
    db.engine.dispose()  # reflect the new schema on fresh connections


def test_0005_down_and_up_again_with_data(app, db):
    CustomerFactory(cid=1)
    try:
        at(db, "0004_revenue", downgrade)
        assert "version" not in columns(db, "crm_opportunities")
        assert "client" not in columns(db, "idempotency_keys")
        now = datetime(2026, 1, 1, 12, 0, 0)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO crm_opportunities (oid, cid, name, product, status, probability,"
                    " estimated_monthly_revenue, currency, expected_close_date, created_at, updated_at)"
                    " VALUES (:oid, 1, 'Before 0005', 'payroll', 'proposal', 50, 10, 'EUR', :close, :now, :now)"
                ),
                {"oid": OID, "close": date(2027, 1, 1), "now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO idempotency_keys (`key`, request_hash, oid, created_at) VALUES ('Key-1', 'h', :oid, :now)"
                ),
                {"oid": OID, "now": now},
            )

        at(db, HEAD, upgrade)
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT version FROM crm_opportunities")).scalar_one() == 1
            assert connection.execute(text("SELECT client, `key` FROM idempotency_keys")).one() == ("", "Key-1")
            # (client, key) is the identity now, and keys differing in case are two keys.
            for client, key in (("", "key-1"), ("f" * 64, "Key-1")):
                connection.execute(
                    text(
                        "INSERT INTO idempotency_keys (client, `key`, request_hash, created_at)"
                        " VALUES (:client, :key, 'h', :now)"
                    ),
                    {"client": client, "key": key, "now": now},
                )
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO idempotency_keys (client, `key`, request_hash, created_at) VALUES ('', 'Key-1', 'h', :now)"
                ),
                {"now": now},
            )

        # Down again: the keys would collide in the old primary key, so they go; the deal stays.
        at(db, "0004_revenue", downgrade)
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM idempotency_keys")).scalar_one() == 0
            assert connection.execute(text("SELECT name FROM crm_opportunities")).scalar_one() == "Before 0005"
    finally:
        at(db, HEAD, upgrade)
    assert {"version"} <= columns(db, "crm_opportunities")
    assert {"client", "key"} <= columns(db, "idempotency_keys")
