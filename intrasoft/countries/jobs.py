"""The countries sync job of the scheduler process (``flask scheduler``, ``intrasoft/scheduler.py``).

``max_instances=1`` and ``coalesce=True`` keep one sync at a time in that process and fold
missed runs into one; the database lock keeps one sync at a time across processes (a
scheduled run while ``flask sync`` or the API syncs is skipped).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from .service import SyncBusy, has_snapshot, run_sync

log = logging.getLogger("intrasoft.countries.jobs")

JOB_ID = "countries-sync"


def scheduled_sync(app: Flask):
    """The job: one sync, never raising (a failure is recorded on its run and logged)."""
    with app.app_context():
        try:
            return run_sync("scheduler")
        except SyncBusy:
            return None
        except Exception:
            log.exception("scheduled country sync crashed")
            return None


def add_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """The sync job, every ``SYNC_INTERVAL_MINUTES``.

    The first run is immediate when there is no snapshot yet, so a fresh install shows data.
    """
    minutes = app.config["SYNC_INTERVAL_MINUTES"]
    with app.app_context():
        first_run = datetime.now(UTC) if not has_snapshot() else None
    options = {"next_run_time": first_run} if first_run else {}
    scheduler.add_job(
        scheduled_sync,
        "interval",
        minutes=minutes,
        args=[app],
        id=JOB_ID,
        name="countries sync",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(60, minutes * 30),
        replace_existing=True,
        **options,
    )
    log.info(
        "scheduler ready",
        extra={"job": JOB_ID, "interval_minutes": minutes, "sync_at_start": first_run is not None},
    )
