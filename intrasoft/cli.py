"""Flask CLI commands: ``flask setup-db``, ``flask seed``, ``flask import``, ``flask sync``, ``flask scheduler``."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .countries.cli import sync_command
from .countries.seed import seed_countries
from .database import run_in_transaction, utcnow
from .extensions import db
from .importer import KINDS, import_csv
from .scheduler import scheduler_command
from .seed import SeedReport, reset_all, seed_foundation
from .threads.seed import seed_threads


def ensure_mysql_database(url: str) -> None:
    """Create the MySQL database named in the URL if it does not exist yet (utf8mb4)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("mysql") or not parsed.database:
        return
    import pymysql

    connection = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        connect_timeout=10,
    )
    try:
        with connection.cursor() as cursor:
            name = parsed.database.replace("`", "``")
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()


@click.command("setup-db")
@with_appcontext
def setup_db_command():
    """Create the database if needed and migrate it to the latest schema (safe to re-run)."""
    from flask_migrate import upgrade

    ensure_mysql_database(current_app.config["SQLALCHEMY_DATABASE_URI"])
    upgrade()
    click.echo("database is at the latest migration")


@click.command("seed")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the demo data is relative to (default: today).",
)
@click.option("--customers", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--opportunities", default=300, show_default=True, type=click.IntRange(0, 100_000))
@click.option(
    "--messages",
    default=0,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Put this many messages in the benchmark thread.",
)
@click.option(
    "--people",
    default=500,
    show_default=True,
    type=click.IntRange(0, 5000),
    help="People of the demo countries snapshot (0: none).",
)
@click.option("--reset", is_flag=True, help="Empty every table first.")
@click.option("--if-empty", is_flag=True, help="Do nothing when customers already exist.")
@with_appcontext
def seed_command(as_of, customers, opportunities, messages, people, reset, if_empty):
    """Load deterministic demo data (running it twice adds nothing)."""
    if if_empty and not reset and db.session.scalar(select(func.count()).select_from(db.metadata.tables["customer"])):
        click.echo("database already has data: not seeding")
        return
    day = as_of.date() if as_of else date.today()
    report = SeedReport()

    def work(attempt):
        report.counts.clear()
        if reset:
            reset_all()
        now = utcnow()
        seed_foundation(report, as_of=day, customers=customers, opportunities=opportunities, now=now)
        seed_threads(report, now=now, messages=messages)
        report.add("country_people", seed_countries(people, now))
        return report

    run_in_transaction(work)
    summary = ", ".join(f"{name}: {count}" for name, count in report.counts.items())
    click.echo(f"seeded as of {day.isoformat()} ({summary} added)")


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("csv_file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@with_appcontext
def import_command(kind, csv_file, dry_run):
    """Upsert customers, actuals or targets from a CSV file (all rows or none)."""
    result = import_csv(kind, csv_file.read(), dry_run=dry_run)
    for line, reason in result.rejected:
        click.echo(f"line {line}: rejected: {reason}", err=True)
    if result.rejected:
        click.echo(f"{len(result.rejected)} rejected row(s): nothing imported", err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo(f"dry run: {len(result.rows)} valid row(s), nothing written")
    else:
        click.echo(f"imported {kind}: {result.inserted} inserted, {result.updated} updated")


def register_cli(app: Flask) -> None:
    app.cli.add_command(setup_db_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(import_command)
    app.cli.add_command(sync_command)
    app.cli.add_command(scheduler_command)
