"""The embedded SQLite database under concurrent writers: WAL, busy timeout, and write
transactions that take the write lock at BEGIN (``intrasoft.database.configure_sqlite``).

Another real connection (the ``sqlite3`` module on the same file) plays the other process.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text

from intrasoft.customers.models import Customer
from intrasoft.database import run_in_transaction, write_transaction

from .conftest import MYSQL
from .factories import CustomerFactory

pytestmark = pytest.mark.skipif(MYSQL, reason="SQLite's own transaction control")


def other_process(db) -> sqlite3.Connection:
    """A connection of its own to the same file that never waits for a lock."""
    return sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)


def test_every_connection_uses_wal_and_a_busy_timeout(app, db):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_a_write_transaction_holds_the_write_lock_from_its_begin(app, db):
    seen = []

    def work(attempt):
        # Only a read so far, yet no other writer may start: what we read stays true until we commit.
        db.session.execute(select(Customer.cid)).all()
        other = other_process(db)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            # Readers are not blocked by the writer (WAL).
            seen.append(other.execute("SELECT count(*) FROM customer").fetchone()[0])
        finally:
            other.close()

    run_in_transaction(work)
    assert seen == [0]


def test_reads_do_not_take_the_write_lock(app, db):
    CustomerFactory(cid=1)
    db.session.execute(select(Customer.cid)).all()  # the session's read transaction stays open
    assert db.session().in_transaction()
    other = other_process(db)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE customer SET name = 'changed elsewhere' WHERE cid = 1")
        other.execute("COMMIT")
    finally:
        other.close()


def test_a_write_transaction_ends_the_sessions_stale_read_first(app, db):
    """A deferred read transaction cannot become a writer once another connection committed
    (SQLITE_BUSY_SNAPSHOT): ``run_in_transaction`` starts its own transaction instead."""
    CustomerFactory(cid=1, name="before")
    assert db.session.scalar(select(Customer.name).where(Customer.cid == 1)) == "before"
    other = other_process(db)
    try:
        other.execute("UPDATE customer SET name = 'elsewhere' WHERE cid = 1")
    finally:
        other.close()

    attempts = []

    def rename(attempt):
        attempts.append(attempt)
        current = db.session.scalar(select(Customer.name).where(Customer.cid == 1))
        db.session.execute(text("UPDATE customer SET name = :name WHERE cid = 1"), {"name": current + " + here"})
        return current

    assert run_in_transaction(rename) == "elsewhere"
    assert attempts == [1], "not a 'database is locked' retry"
    assert db.session.scalar(select(Customer.name).where(Customer.cid == 1)) == "elsewhere + here"


def test_write_transaction_marks_other_connections_too(app, db):
    with write_transaction(), db.engine.connect() as connection:
        connection.execute(select(Customer.cid)).all()
        other = other_process(db)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        connection.rollback()
    with db.engine.connect() as connection:  # outside: a plain deferred read
        connection.execute(select(Customer.cid)).all()
        other = other_process(db)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
