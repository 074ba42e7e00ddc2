"""Countries connector: running a sync, writing snapshots, and the read side.

A sync (``run_sync``), under the single-sync lock:

1. marks runs left ``running`` by a dead process as failed, and records the new run
   (``running``, committed at once so the history shows it);
2. pulls from randomuser.me (``client.RandomUserClient``: bounded, retried, validated);
3. in ONE transaction inserts the people under the run id (Core executemany in chunks of
   1,000: five statements for 5,000 people), flips the run to ``succeeded`` and prunes the
   people of older snapshots beyond the last ``KEEP_SNAPSHOTS``.

Any failure before that commit leaves the served snapshot untouched and records the run
as failed with its reason. Readers only ever read the rows of the latest succeeded run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from ..database import mysql_error_code, run_in_transaction, utcnow
from ..exceptions import Conflict, NotFound
from ..extensions import db
from ..fields import iso_utc, search_key
from ..pagination import Page, paginate
from . import metrics
from .client import Pull, PullFailed, RandomUserClient, uuid_from_email
from .lock import SyncLockHandle
from .models import REASON_LENGTH, CountryPerson, SyncRun

log = logging.getLogger("intrasoft.countries.sync")

KEEP_SNAPSHOTS = 3
INSERT_CHUNK = 1000
#: The lock-row lease beyond the pull deadline (time for the database writes).
LEASE_MARGIN_SECONDS = 120
MAX_RUN_ID = 2**31 - 1
#: Attempts at recording a failed run (run_in_transaction's backoff: about 3 s in all).
FAILURE_RECORD_ATTEMPTS = 7
PERSON_COLUMNS = (
    "uuid",
    "gender",
    "title",
    "first_name",
    "last_name",
    "email",
    "country",
    "city",
    "state",
    "postcode",
    "nationality",
)


class SyncBusy(Conflict):
    """Another sync holds the lock: 409, retry in a few seconds (the CLI and the job say so)."""

    def __init__(self):
        super().__init__("Another sync is running; retry when it has finished.", headers={"Retry-After": "10"})


# --- writing -------------------------------------------------------------------------


def write_snapshot(run_id: int, pull: Pull, *, finished_at, duration_ms: int | None) -> None:
    """Store the people under ``run_id``, mark the run succeeded and prune old snapshots.

    Part of the caller's transaction: nothing is visible until it commits.
    """
    table = CountryPerson.__table__
    rows = [{"run_id": run_id, **{name: person[name] for name in PERSON_COLUMNS}} for person in pull.people]
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(insert(table), rows[start : start + INSERT_CHUNK])
    db.session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(
            status="succeeded",
            finished_at=finished_at,
            results_received=pull.received,
            records_skipped=pull.skipped,
            duplicates_dropped=pull.duplicates,
            rows_stored=len(rows),
            http_attempts=pull.attempts,
            duration_ms=duration_ms,
            reason=None,
        )
    )
    prune_snapshots()


def prune_snapshots() -> int:
    """Delete the people of succeeded runs older than the last ``KEEP_SNAPSHOTS``."""
    kept = db.session.scalars(
        select(SyncRun.id).where(SyncRun.status == "succeeded").order_by(SyncRun.id.desc()).limit(KEEP_SNAPSHOTS)
    ).all()
    if len(kept) < KEEP_SNAPSHOTS:
        return 0
    return db.session.execute(delete(CountryPerson).where(CountryPerson.run_id < min(kept))).rowcount


def _start_run(trigger: str, requested: int) -> int:
    def work(attempt):
        now = utcnow()
        # We hold the lock: a run still 'running' belongs to a process that died.
        db.session.execute(
            update(SyncRun)
            .where(SyncRun.status == "running")
            .values(status="failed", finished_at=now, reason="abandoned: the process running it stopped")
        )
        run = SyncRun(trigger=trigger, status="running", started_at=now, results_requested=requested)
        db.session.add(run)
        db.session.flush()
        return run.id

    return run_in_transaction(work)


def _finish_failed(run_id: int, failure: PullFailed, duration_ms: int) -> None:
    """Record the run as failed.

    Retried longer than a request's usual transaction (``FAILURE_RECORD_ATTEMPTS``, about 3 s of
    backoff): when the database went away during the writes it often comes back within seconds
    (a restart, a failover), and the run must then end as failed rather than stay ``running``
    until the next sync closes it as abandoned.
    """

    def work(attempt):
        db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(
                status="failed",
                finished_at=utcnow(),
                results_received=failure.received,
                records_skipped=failure.skipped,
                http_attempts=failure.attempts,
                duration_ms=duration_ms,
                reason=failure.reason[:REASON_LENGTH],
            )
        )

    run_in_transaction(work, max_attempts=FAILURE_RECORD_ATTEMPTS)


def _log_fields(run: SyncRun) -> dict:
    return {
        "run_id": run.id,
        "trigger": run.trigger,
        "status": run.status,
        "results_requested": run.results_requested,
        "results_received": run.results_received,
        "records_skipped": run.records_skipped,
        "duplicates_dropped": run.duplicates_dropped,
        "rows_stored": run.rows_stored,
        "http_attempts": run.http_attempts,
        "duration_ms": run.duration_ms,
        "reason": run.reason,
    }


def _log_outcome(run: SyncRun) -> None:
    # The metrics come from the run table itself (metrics.CountrySyncCollector).
    if run.status == "succeeded":
        log.info("country sync finished", extra=_log_fields(run))
    else:
        log.warning("country sync failed", extra=_log_fields(run))


def _safe_error_fields(exc: Exception) -> dict:
    """What may be logged of an error: its type and the driver's numeric code, never its text.

    SQLAlchemy's message carries the statement's parameters, and drivers quote the offending
    values ("Duplicate entry '...'"): people's names, emails and uuids.
    """
    fields = {"error_type": type(exc).__name__}
    code = mysql_error_code(exc)
    if code is not None:
        fields["error_code"] = code
    return fields


def run_sync(trigger: str, *, client: RandomUserClient | None = None) -> SyncRun:
    """Run one sync now; return its run record. Raise ``SyncBusy`` when another sync runs."""
    config = current_app.config
    client = client or RandomUserClient.from_config(config)
    # The lease outlives the pull (which keeps to client.deadline) plus the writes after it.
    lock = SyncLockHandle(db.engine, lease_seconds=client.deadline + LEASE_MARGIN_SECONDS)
    if not lock.acquire():
        metrics.SYNC_SKIPPED.inc()
        log.info("country sync skipped: another sync is running", extra={"trigger": trigger})
        raise SyncBusy
    try:
        started = time.perf_counter()
        run_id = _start_run(trigger, client.results)
        log.info(
            "country sync started", extra={"run_id": run_id, "trigger": trigger, "results_requested": client.results}
        )
        lock.renew()  # a full lease for the pull, however long starting the run took
        try:
            pull = client.fetch()
            lock.renew()

            def work(attempt):
                elapsed = round((time.perf_counter() - started) * 1000)
                write_snapshot(run_id, pull, finished_at=utcnow(), duration_ms=elapsed)

            run_in_transaction(work)
        except PullFailed as failure:
            _finish_failed(run_id, failure, round((time.perf_counter() - started) * 1000))
        except Exception as exc:
            # A database error in the middle of the writes: rolled back, the snapshot is intact.
            db.session.rollback()
            log.error("country sync: storing the snapshot failed", extra={"run_id": run_id, **_safe_error_fields(exc)})
            failure = PullFailed(f"storing the snapshot failed ({type(exc).__name__})")
            _finish_failed(run_id, failure, round((time.perf_counter() - started) * 1000))
        run = db.session.get(SyncRun, run_id, populate_existing=True)
        _log_outcome(run)
        return run
    finally:
        lock.release()


def has_snapshot() -> bool:
    return db.session.scalar(select(SyncRun.id).where(SyncRun.status == "succeeded").limit(1)) is not None


# --- reading -------------------------------------------------------------------------


def list_runs(args: dict) -> Page:
    return paginate(select(SyncRun).order_by(SyncRun.id.desc()), args)


def get_run_or_404(run_id: int) -> SyncRun:
    run = db.session.get(SyncRun, run_id) if 0 < run_id <= MAX_RUN_ID else None
    if run is None:
        raise NotFound(f"Sync run {run_id} not found.")
    return run


@dataclass(frozen=True)
class SyncState:
    snapshot: tuple | None  # (id, finished_at) of the latest succeeded run
    last_attempt: tuple | None  # (id, status, finished_at, reason) of the latest finished run

    @property
    def key(self) -> tuple:
        return (self.snapshot, self.last_attempt)

    def as_dict(self) -> dict:
        last = self.last_attempt
        return {
            "synced_at": iso_utc(self.snapshot[1]) if self.snapshot else None,
            "run_id": self.snapshot[0] if self.snapshot else None,
            "stale": bool(last and last[1] == "failed"),
            "last_attempt": (
                {"run_id": last[0], "status": last[1], "finished_at": iso_utc(last[2]), "reason": last[3]}
                if last
                else None
            ),
        }


def load_sync_state() -> SyncState:
    """The served snapshot and the latest finished attempt, in one statement."""
    succeeded, finished = aliased(SyncRun), aliased(SyncRun)
    latest_ok = select(func.max(succeeded.id)).where(succeeded.status == "succeeded").scalar_subquery()
    latest_done = select(func.max(finished.id)).where(finished.status.in_(("succeeded", "failed"))).scalar_subquery()
    rows = db.session.execute(
        select(SyncRun.id, SyncRun.status, SyncRun.finished_at, SyncRun.reason).where(
            or_(SyncRun.id == latest_ok, SyncRun.id == latest_done)
        )
    ).all()
    snapshot = last = None
    latest_done_id = max((row.id for row in rows), default=None)
    for row in rows:
        if row.status == "succeeded" and (snapshot is None or row.id > snapshot[0]):
            snapshot = (row.id, row.finished_at)
        if row.id == latest_done_id:
            last = (row.id, row.status, row.finished_at, row.reason)
    return SyncState(snapshot, last)


class RenderedCache:
    """Rendered responses of the current state, per country filter (this process only).

    The snapshot never changes between syncs, so a body stays valid as long as the state
    (snapshot and latest attempt) does; a new state empties the cache.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._state_key = None
        self._groups = None
        self._bodies: dict = {}

    def _switch(self, state_key) -> None:
        if state_key != self._state_key:
            self._state_key, self._groups, self._bodies = state_key, None, {}

    def body(self, state_key, country_key):
        with self._lock:
            self._switch(state_key)
            return self._bodies.get(country_key)

    def groups(self, state_key):
        with self._lock:
            self._switch(state_key)
            return self._groups

    def store(self, state_key, groups, country_key, rendered) -> None:
        with self._lock:
            self._switch(state_key)
            self._groups = groups
            if len(self._bodies) < 1000:
                self._bodies[country_key] = rendered


_caches: dict[str, RenderedCache] = {}


def _cache() -> RenderedCache:
    url = db.engine.url.render_as_string(hide_password=True)
    return _caches.setdefault(url, RenderedCache())


def load_groups(snapshot_id: int) -> list[tuple[str, list[dict]]]:
    """The snapshot's people by country, in ``str.casefold`` order (never the collation's)."""
    rows = db.session.execute(
        select(
            CountryPerson.country,
            CountryPerson.uuid,
            CountryPerson.first_name,
            CountryPerson.last_name,
            CountryPerson.gender,
            CountryPerson.email,
        ).where(CountryPerson.run_id == snapshot_id)
    ).all()
    by_country: dict[str, list[dict]] = {}
    for country, person_id, first, last, gender, email in rows:
        by_country.setdefault(country, []).append(
            {"id": person_id or uuid_from_email(email), "name": f"{first} {last}", "gender": gender, "email": email}
        )
    groups = []
    for country in sorted(by_country, key=lambda c: (c.casefold(), c)):
        users = by_country[country]
        users.sort(key=lambda u: (u["name"].casefold(), u["email"].casefold(), u["name"], u["email"], u["id"]))
        groups.append((country, users))
    return groups


def render_countries(country: str | None = None) -> tuple[bytes, str]:
    """``GET /api/countries`` as (JSON bytes, strong ETag): 1 statement warm, 2 cold."""
    state = load_sync_state()
    country_key = search_key(country) if country is not None else None
    cache = _cache()
    cached = cache.body(state.key, country_key)
    if cached is not None:
        return cached
    groups = cache.groups(state.key)
    if groups is None:
        groups = load_groups(state.snapshot[0]) if state.snapshot else []
    selected = [g for g in groups if country_key is None or search_key(g[0]) == country_key]
    body = {"countries": [{"name": name, "users": users} for name, users in selected], "sync": state.as_dict()}
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    rendered = (payload, hashlib.sha256(payload).hexdigest()[:32])
    cache.store(state.key, groups, country_key, rendered)
    return rendered
