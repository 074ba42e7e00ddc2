"""The opportunities' periodic job: purge expired ``Idempotency-Key`` records."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from . import idempotency

log = logging.getLogger(__name__)

JOB_ID = "idempotency-keys-purge"
INTERVAL_MINUTES = 60


def scheduled_purge(app: Flask) -> int | None:
    """The job: never raising (the next run tries again)."""
    with app.app_context():
        try:
            return idempotency.purge_expired()
        except Exception:
            log.exception("idempotency key purge failed")
            return None


def add_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    scheduler.add_job(
        scheduled_purge,
        "interval",
        minutes=INTERVAL_MINUTES,
        args=[app],
        id=JOB_ID,
        name="idempotency keys purge",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
