"""Flask CLI commands: ``flask setup-db``, ``flask seed``, ``flask import``, ``flask sync``, ``flask scheduler``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from . import database
from .countries.cli import sync_command
from .database import run_in_transaction, utcnow
from .importer import KINDS, import_csv
from .platform import current_platform
from .scheduler import scheduler_command
from .seed import SeedRun, has_data, reset_all


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


def make_seed_command(seeders) -> click.Command:
    """``flask seed`` with the shared options and each domain seeder's own (``--customers N``, ...)."""

    @with_appcontext
    def seed_command(as_of, reset, if_empty, **options):
        if if_empty and not reset and has_data():
            click.echo("database already has data: not seeding")
            return
        day = as_of.date() if as_of else database.today()

        def work(attempt):
            run = SeedRun(as_of=day, now=utcnow(), options=options)
            if reset:
                reset_all()
            for seeder in seeders:
                seeder.seed(run)
            return run

        run = run_in_transaction(work)
        summary = ", ".join(f"{name}: {count}" for name, count in run.counts.items())
        click.echo(f"seeded as of {day.isoformat()} ({summary} added)")

    shared = [
        click.Option(
            ["--as-of", "as_of"],
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default=None,
            help="Date the demo data is relative to (default: today, UTC).",
        ),
        click.Option(["--reset"], is_flag=True, help="Empty every table first."),
        click.Option(["--if-empty"], is_flag=True, help="Do nothing when the database already has data."),
    ]
    return click.Command(
        "seed",
        callback=seed_command,
        params=shared + [option for seeder in seeders for option in seeder.options],
        help="Load deterministic demo data (running it twice adds nothing).",
    )


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
    app.cli.add_command(make_seed_command(current_platform(app).seeders))
    app.cli.add_command(import_command)
    app.cli.add_command(sync_command)
    app.cli.add_command(scheduler_command)
