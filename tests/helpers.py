"""Test helpers (not part of the package): statement counting and the sync-lock probe."""

from __future__ import annotations

from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from intrasoft.countries.lock import LOCK_NAME, SyncLockHandle, _is_mysql, mysql_lock_name
from intrasoft.countries.models import SyncLock
from intrasoft.database import utcnow


class StatementCounter:
    """Records the SQL statements sent through ``engine`` while the block runs.

    ``with StatementCounter(db.engine) as counter: ...`` then ``counter.statements``; used by
    the tests that pin statement counts (no N+1) and by the benchmarks.
    """

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def __len__(self) -> int:
        return len(self.statements)

    @property
    def inserts(self) -> int:
        return sum(1 for statement in self.statements if statement.lstrip().upper().startswith("INSERT"))


def lock_is_free(engine: Engine) -> bool:
    """Whether no live process holds the sync lock (for tests and diagnostics)."""
    probe = SyncLockHandle(engine, lease_seconds=1)
    if _is_mysql(engine):
        with engine.connect() as connection:
            database = connection.execute(text("SELECT DATABASE()")).scalar()
            return connection.execute(text("SELECT IS_FREE_LOCK(:n)"), {"n": mysql_lock_name(database)}).scalar() == 1
    with engine.connect() as connection:
        current = connection.execute(
            select(SyncLock.owner, SyncLock.expires_at).where(SyncLock.name == LOCK_NAME)
        ).first()
    return current is None or current.expires_at <= utcnow() or probe._owner_is_gone(current.owner)
