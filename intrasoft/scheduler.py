"""The scheduler process: ``flask scheduler`` runs every periodic job of the platform.

APScheduler 3.11 in a process of its own (as Netflix dispatch runs its scheduler beside
its server): never inside gunicorn workers or the Flask reloader, where each process
would run every job. Each domain contributes its jobs (an ``add_jobs(scheduler, app)`` in its
``jobs.py``) through the platform registry (``intrasoft/platform.py``).
"""

from __future__ import annotations

import contextlib
from datetime import UTC

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from .platform import current_platform


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    for add_jobs in current_platform(app).job_providers:
        add_jobs(scheduler, app)
    return scheduler


def _every(trigger) -> str:
    """ "every 60 min" for an interval trigger, the trigger's own text otherwise."""
    interval = getattr(trigger, "interval", None)
    return f"every {round(interval.total_seconds() / 60)} min" if interval else str(trigger)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the periodic jobs in this process (blocking; run it as its own service).

    It serves no metrics: the domains' metrics come from the database on the API's ``/metrics``.
    """
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    jobs = ", ".join(f"{job.name} {_every(job.trigger)}" for job in scheduler.get_jobs())
    click.echo(f"scheduler started: {jobs}")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
