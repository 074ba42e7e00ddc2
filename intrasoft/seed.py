"""``flask seed``: deterministic demo data, contributed by each domain's seeder.

The same arguments always produce the same rows (each seeder fixes its random seeds and
derives its ids from them), so running the seed twice adds nothing the second time, and
the size options scale it up for benchmarks. Every seeder runs in one transaction: a
failure anywhere leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, literal, select

from .extensions import db

#: Rows per INSERT statement in bulk seeding.
CHUNK = 1000


@dataclass
class SeedRun:
    """One ``flask seed``: the day the data is relative to, the options, and what was added."""

    as_of: date
    now: datetime
    options: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count


def insert_missing(model, key_name: str, rows: list[dict]) -> int:
    """Insert the rows whose key is not stored yet, in chunks; return how many."""
    key = getattr(model, key_name)
    inserted = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        existing = set(db.session.scalars(select(key).where(key.in_([r[key_name] for r in chunk]))))
        fresh = [r for r in chunk if r[key_name] not in existing]
        if fresh:
            db.session.execute(insert(model), fresh)
            inserted += len(fresh)
    return inserted


def has_data() -> bool:
    """Whether any table of the application holds a row (one cheap probe per table)."""
    return any(
        db.session.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
        for table in db.metadata.sorted_tables
    )


def reset_all() -> None:
    """Empty every table of the application (children before parents)."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
