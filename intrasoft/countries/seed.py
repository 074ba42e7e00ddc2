"""Demo data: one succeeded snapshot of generated people (trigger ``seed``), offline."""

from __future__ import annotations

from datetime import datetime

import click

from ..extensions import db
from ..platform import Seeder
from ..seed import SeedRun
from .client import people_from_records
from .demo_people import generate_people
from .models import SyncRun
from .service import has_snapshot, write_snapshot

SEED = "intrasoft-demo"
#: The nationalities of our sales Areas.
NATS = ("CH", "DE", "FR", "GB", "NL")


def seed_countries(people: int, now: datetime) -> int:
    """Create the snapshot unless one exists (so seeding twice adds nothing); return its size."""
    if people <= 0 or has_snapshot():
        return 0
    pull = people_from_records(generate_people(SEED, people, NATS))
    run = SyncRun(trigger="seed", status="running", started_at=now, results_requested=people)
    db.session.add(run)
    db.session.flush()
    write_snapshot(run.id, pull, finished_at=now, duration_ms=0)
    return len(pull.people)


def seed(run: SeedRun) -> None:
    run.add("country_people", seed_countries(run.options["people"], run.now))


SEEDER = Seeder(
    "countries",
    seed,
    options=(
        click.Option(
            ["--people"],
            default=500,
            show_default=True,
            type=click.IntRange(0, 5000),
            help="People of the demo countries snapshot (0: none).",
        ),
    ),
)
