"""The core's Flask CLI: ``flask setup-db``, ``seed``, ``import``, ``scheduler``.

Domains add their own commands through the platform registry (``flask sync``).
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from . import database
from .database import run_in_transaction, utcnow
from .importing import MAX_LISTED_REJECTIONS, ImportFileError, run_import
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


def make_import_command(kinds) -> click.Command:
    """``flask import KIND FILE``: one of the domains' kinds, or ``workbook`` for all their sheets."""

    @click.command("import")
    @click.argument("kind", type=click.Choice([*kinds, "workbook"]))
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
    @with_appcontext
    def import_command(kind, path, dry_run):
        """Upsert a CSV or .xlsx file (all rows or none): customers, opportunities, actuals, targets,
        or ``workbook`` (every sheet of the sales team's workbook, in dependency order)."""
        with open(path, "rb") as handle:
            raw = handle.read()
        try:
            result = run_import(kinds, kind, path, raw, dry_run=dry_run, progress=sys.stderr.isatty())
        except ImportFileError as exc:
            click.echo(f"rejected: {exc}", err=True)
            raise SystemExit(1) from None
        if result.ignored_columns:
            click.echo(f"ignored columns: {', '.join(result.ignored_columns)}", err=True)
        for rejection in result.rejected[:MAX_LISTED_REJECTIONS]:
            click.echo(f"rejected: {rejection}", err=True)
        if result.rejected:
            more = len(result.rejected) - MAX_LISTED_REJECTIONS
            if more > 0:
                click.echo(f"... and {more} more rejection(s)", err=True)
            click.echo(f"{len(result.rejected)} rejection(s): nothing imported", err=True)
            raise SystemExit(1)
        for part in result.parts:
            source = f" (sheet {part.sheet!r})" if part.sheet else ""
            if dry_run:
                click.echo(f"dry run: {part.kind.name}{source}: {len(part.rows)} valid row(s), nothing written")
            else:
                click.echo(f"imported {part.kind.name}{source}: {part.inserted} inserted, {part.updated} updated")

    return import_command


def register_cli(app: Flask) -> None:
    platform = current_platform(app)
    app.cli.add_command(setup_db_command)
    app.cli.add_command(make_seed_command(platform.seeders))
    app.cli.add_command(make_import_command(platform.import_kinds))
    app.cli.add_command(scheduler_command)
    for command in platform.commands:
        app.cli.add_command(command)
