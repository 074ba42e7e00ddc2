"""Migrations run both ways on the test database, with rows in the tables they change."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from .conftest import TEST_TOKEN
from .factories import CustomerFactory

HEAD = "0007_thread_reads"
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


def test_0007_starts_existing_participants_at_the_last_message_and_goes_down_again(app, db):
    """Upgrading does not flood anybody with unread counts: every existing participant's marker
    is their thread's last message at migration time (a thread without messages: nothing to read)."""
    try:
        at(db, "0005_concurrency", downgrade)
        assert "last_read_message_id" not in columns(db, "thread_participants")
        now = datetime(2026, 1, 1, 12, 0, 0)
        with db.engine.begin() as connection:
            for thread_id, count in ((1, 3), (2, 0)):
                connection.execute(
                    text(
                        "INSERT INTO threads (id, created_at, last_activity_at, last_message_id, message_count)"
                        " VALUES (:id, :now, :now, NULL, :count)"
                    ),
                    {"id": thread_id, "now": now, "count": count},
                )
                for name in ("quinn", "ana"):
                    connection.execute(
                        text(
                            "INSERT INTO thread_participants (thread_id, username, username_key)"
                            " VALUES (:thread_id, :name, :name)"
                        ),
                        {"thread_id": thread_id, "name": name},
                    )
            for i in range(3):
                connection.execute(
                    text(
                        "INSERT INTO thread_messages (id, thread_id, username, message, sent_at)"
                        " VALUES (:id, 1, 'ana', :message, :now)"
                    ),
                    {"id": 10 + i, "message": f"m{i}", "now": now},
                )
            connection.execute(text("UPDATE threads SET last_message_id = 12 WHERE id = 1"))

        at(db, HEAD, upgrade)
        with db.engine.begin() as connection:
            markers = connection.execute(
                text(
                    "SELECT thread_id, username, last_read_message_id, read_count FROM thread_participants"
                    " ORDER BY thread_id, id"
                )
            ).all()
        assert [tuple(row) for row in markers] == [
            (1, "quinn", 12, 3),
            (1, "ana", 12, 3),
            (2, "quinn", 0, 0),
            (2, "ana", 0, 0),
        ]
        listed = app.test_client().get("/api/threads?user=quinn", headers={"Authorization": f"Bearer {TEST_TOKEN}"})
        assert {t["thread_id"]: t["unread_count"] for t in listed.json} == {1: 0, 2: 0}

        at(db, "0005_concurrency", downgrade)
        assert not {"last_read_message_id", "read_count"} & columns(db, "thread_participants")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM thread_participants")).scalar_one() == 4
    finally:
        at(db, HEAD, upgrade)
    assert {"last_read_message_id", "read_count"} <= columns(db, "thread_participants")
