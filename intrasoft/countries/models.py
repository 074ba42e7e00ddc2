"""Countries connector: sync runs, the people of each succeeded run, and the SQLite sync lock.

Every person row belongs to the run that fetched it (``run_id``). What is served is the set
of people of the latest *succeeded* run: a run's rows and its status flip to ``succeeded``
are committed in one transaction, so a failed or running run is never visible.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Timestamp
from ..extensions import db

TRIGGERS = ("scheduler", "cli", "api", "seed")
STATUSES = ("running", "succeeded", "failed")
REASON_LENGTH = 500


class SyncRun(db.Model):
    """One attempt to pull people from randomuser.me, whatever its outcome."""

    __tablename__ = "country_sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    results_requested: Mapped[int] = mapped_column(Integer, default=0)
    results_received: Mapped[int] = mapped_column(Integer, default=0)
    records_skipped: Mapped[int] = mapped_column(Integer, default=0)
    duplicates_dropped: Mapped[int] = mapped_column(Integer, default=0)
    rows_stored: Mapped[int] = mapped_column(Integer, default=0)
    http_attempts: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))

    __table_args__ = (
        # Latest succeeded / finished run: max(id) per status.
        Index("ix_country_sync_runs_status_id", "status", "id"),
        # Run ids identify snapshots: never reuse one (SQLite would after a delete).
        {"sqlite_autoincrement": True},
    )

    def __repr__(self) -> str:
        return f"<SyncRun {self.id} {self.trigger} {self.status}>"


class CountryPerson(db.Model):
    """A person of one run's snapshot (only the fields the API serves or might filter on)."""

    __tablename__ = "country_people"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("country_sync_runs.id", ondelete="CASCADE"))
    #: randomuser's ``login.uuid``, or for a record without one a uuid derived from its e-mail
    #: (``client.uuid_from_email``); null only in rows stored before that rule.
    uuid: Mapped[str | None] = mapped_column(String(36))
    gender: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(50))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    country: Mapped[str] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(32))
    nationality: Mapped[str | None] = mapped_column(String(8))

    # The read path is ``WHERE run_id = ?``: the unique index's leading column serves it.
    __table_args__ = (UniqueConstraint("run_id", "uuid"),)


class SyncLock(db.Model):
    """The single-sync lock on databases without ``GET_LOCK`` (SQLite).

    One row per lock name. A holder writes its owner (host, pid, random token) and a lease
    expiry; another process may take the lock over when the lease expired, or at once when
    the owner is a process of the same host that no longer exists (killed while holding it).
    """

    __tablename__ = "country_sync_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
