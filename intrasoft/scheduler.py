"""The scheduler process: ``flask scheduler`` runs every periodic job of the platform.

APScheduler 3.11 in a process of its own (as Netflix dispatch runs its scheduler beside
its server): never inside gunicorn workers or the Flask reloader, where each process
would run every job. Each domain contributes its jobs with an ``add_jobs(scheduler, app)``.
"""

from __future__ import annotations

import contextlib
from datetime import UTC

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from .countries import scheduler as countries_jobs
from .opportunities import scheduler as opportunities_jobs

JOB_PROVIDERS = (countries_jobs, opportunities_jobs)


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    for provider in JOB_PROVIDERS:
        provider.add_jobs(scheduler, app)
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the periodic jobs in this process (blocking; run it as its own service).

    It serves no metrics: the sync metrics come from the database on the API's ``/metrics``.
    """
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    jobs = ", ".join(job.name for job in scheduler.get_jobs())
    click.echo(f"scheduler started: {jobs}; countries sync every {app.config['SYNC_INTERVAL_MINUTES']} min")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
