"""Database helpers shared by every domain: column types, clock, and the transaction retry."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar

from flask import current_app
from sqlalchemy import DateTime, Numeric
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import DBAPIError, OperationalError

from .extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Money: exact decimals, 2 places, up to 9,999,999,999.99.
Money = Numeric(12, 2)
#: Timestamps in UTC with microseconds (MySQL's DATETIME would otherwise drop them).
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

#: MySQL error codes after which the whole transaction can safely be retried.
DEADLOCK = 1213
LOCK_WAIT_TIMEOUT = 1205
RETRYABLE_MYSQL_ERRORS = {DEADLOCK, LOCK_WAIT_TIMEOUT}
#: Client-side codes for a connection that went away (server gone, lost during query, ...).
DISCONNECT_MYSQL_ERRORS = {2003, 2006, 2013, 2014, 2045, 2055}


def utcnow() -> datetime:
    """Naive UTC now: every timestamp column stores UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The business date: today in UTC, wherever the server runs. Tests move it with ``monkeypatch``
    on this module (callers look it up here at call time: ``database.today()``)."""
    return utcnow().date()


def mysql_error_code(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", None)
    if args and isinstance(args[0], int):
        return args[0]
    return None


def is_disconnect(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return mysql_error_code(exc) in DISCONNECT_MYSQL_ERRORS


def is_retryable(exc: BaseException) -> bool:
    """Deadlocks, lock wait timeouts, lost connections, and SQLite's 'database is locked'."""
    if not isinstance(exc, DBAPIError):
        return False
    if mysql_error_code(exc) in RETRYABLE_MYSQL_ERRORS or is_disconnect(exc):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached: the client should retry later (503)."""
    if not isinstance(exc, DBAPIError):
        return False
    if is_disconnect(exc) or mysql_error_code(exc) in RETRYABLE_MYSQL_ERRORS:
        return True
    return isinstance(exc, OperationalError) and mysql_error_code(exc) is None


def run_in_transaction(work: Callable[[int], T], *, max_attempts: int | None = None) -> T:
    """Run ``work(attempt)`` and commit, retrying the whole transaction on transient errors.

    ``work`` must be safe to run again from scratch: everything it generates that must
    stay the same across attempts (ids, timestamps) is created *before* calling this
    helper. ``attempt`` starts at 1, so a retried create can check whether an earlier
    attempt already committed (the commit may succeed and the reply be lost).
    """
    attempts = max_attempts or current_app.config.get("TRANSACTION_MAX_ATTEMPTS", 4)
    for attempt in range(1, attempts + 1):
        try:
            result = work(attempt)
            db.session.commit()
            return result
        except DBAPIError as exc:
            db.session.rollback()
            if attempt == attempts or not is_retryable(exc):
                raise
            delay = min(0.05 * 2 ** (attempt - 1), 1.0) * random.uniform(0.5, 1.5)
            log.warning(
                "transaction retry",
                extra={"attempt": attempt, "error_code": mysql_error_code(exc), "delay_s": round(delay, 3)},
            )
            time.sleep(delay)
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover
