"""Inject database errors the way OpenStack's oslo.db tests do: raise them from SQLAlchemy
events, with the real MySQL error codes, instead of breaking a server."""

from __future__ import annotations

import contextlib

import pymysql
from sqlalchemy import event
from sqlalchemy.exc import OperationalError


def mysql_error(code: int, message: str) -> OperationalError:
    return OperationalError("-- injected --", {}, pymysql.err.OperationalError(code, message))


@contextlib.contextmanager
def fail_statements(engine, match: str, code: int, times: int, message: str = "injected"):
    """Raise MySQL error ``code`` for the first ``times`` statements containing ``match``."""
    state = {"left": times, "raised": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        if match.lower() in statement.lower() and state["left"] > 0:
            state["left"] -= 1
            state["raised"] += 1
            raise mysql_error(code, message)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield state
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextlib.contextmanager
def lose_reply_after_commit(engine, times: int = 1):
    """The commit lands on the server, then the connection drops before the reply (2013)."""
    state = {"left": times}
    dialect = engine.dialect
    real_commit = dialect.do_commit

    def do_commit(dbapi_connection):
        real_commit(dbapi_connection)
        if state["left"] > 0:
            state["left"] -= 1
            raise mysql_error(2013, "Lost connection to MySQL server during query")

    dialect.do_commit = do_commit
    try:
        yield state
    finally:
        del dialect.do_commit
