"""``flask sync``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .service import SyncBusy, run_sync

#: ``flask sync`` exit codes: 1 the sync failed, 75 (EX_TEMPFAIL) another sync is running.
EXIT_FAILED = 1
EXIT_BUSY = 75


def summary(run) -> str:
    counts = (
        f"{run.results_received} received, {run.records_skipped} skipped, "
        f"{run.duplicates_dropped} duplicates, {run.rows_stored} stored, "
        f"{run.http_attempts} HTTP attempt(s), {(run.duration_ms or 0) / 1000:.2f} s"
    )
    if run.status == "succeeded":
        return f"sync run {run.id} succeeded: {counts}"
    return f"sync run {run.id} failed: {run.reason} ({counts}); the last good data is still served"


@click.command("sync")
@with_appcontext
def sync_command():
    """Pull people from randomuser.me now (exit 1 on failure, 75 when a sync is running)."""
    try:
        run = run_sync("cli")
    except SyncBusy:
        click.echo("another sync is running: not started", err=True)
        raise SystemExit(EXIT_BUSY) from None
    if run.status != "succeeded":
        click.echo(summary(run), err=True)
        raise SystemExit(EXIT_FAILED)
    click.echo(summary(run))
