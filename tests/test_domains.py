"""The platform registry: each domain plugs its parts into the core, in dependency order."""

from dataclasses import dataclass

import pytest

from intrasoft.platform import Platform, current_platform
from intrasoft.scheduler import build_scheduler

from .factories import ThreadFactory


def test_every_domain_contributes_its_parts_in_dependency_order(app):
    platform = current_platform(app)
    assert [seeder.name for seeder in platform.seeders] == [
        "customers",
        "opportunities",
        "revenue",
        "countries",
        "threads",
    ]
    assert {blp.name for blp in platform.blueprints} == {
        "customers",
        "opportunities",
        "revenue",
        "data_quality",
        "countries",
        "threads",
        "threads_compat",
    }
    assert {job.id for job in build_scheduler(app).get_jobs()} == {"countries-sync", "idempotency-keys-purge"}


def test_seed_options_come_from_the_seeders(runner):
    help_text = runner.invoke(args=["seed", "--help"]).output
    for option in ("--customers", "--opportunities", "--people", "--messages", "--as-of", "--reset", "--if-empty"):
        assert option in help_text


def test_an_import_kind_cannot_be_registered_twice():
    @dataclass
    class Kind:
        name: str

    platform = Platform()
    platform.add_import_kind(Kind("customers"))
    with pytest.raises(ValueError, match="registered twice"):
        platform.add_import_kind(Kind("customers"))


def test_seed_if_empty_looks_at_every_table(runner, db):
    ThreadFactory(title="only a thread", users=[])
    assert "not seeding" in runner.invoke(args=["seed", "--if-empty"]).output
