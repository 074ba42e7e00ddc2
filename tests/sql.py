"""Count the SQL statements a block of code sends (the "no N+1" tests)."""

from __future__ import annotations

from sqlalchemy import event


class StatementCounter:
    """``with StatementCounter(engine) as counter: ...`` then ``counter.statements``."""

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
