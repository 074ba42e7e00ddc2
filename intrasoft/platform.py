"""What the domains plug into the core: blueprints, jobs, seeders, import kinds and CLI commands.

The core (CLI, scheduler, seed and import machinery) knows no domain. Each domain package
has a ``register(platform)`` that adds its parts here; ``app.create_app`` calls them in
dependency order (customers, opportunities, revenue, then the independent domains) and
keeps the result on the app, where the core reads it. One mechanism for every kind of
contribution, so a new domain is one line in ``app.register_domains``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # pragma: no cover - types only
    import click
    from apscheduler.schedulers.base import BaseScheduler
    from flask_smorest import Blueprint

    from .seed import SeedRun

EXTENSION_KEY = "intrasoft.platform"


@dataclass(frozen=True)
class Seeder:
    """A domain's demo data: ``seed(run)`` adds rows to the current transaction and counts them.

    ``options`` are the ``flask seed`` options it reads from ``run.options`` (``--customers N``).
    Seeders run in registration order, so a domain's data exists before its dependants'.
    """

    name: str
    seed: Callable[[SeedRun], None]
    options: tuple[click.Option, ...] = ()


@dataclass
class Platform:
    blueprints: list[Blueprint] = field(default_factory=list)
    #: ``add_jobs(scheduler, app)`` callables, run by ``flask scheduler``.
    job_providers: list[Callable[[BaseScheduler, Flask], None]] = field(default_factory=list)
    seeders: list[Seeder] = field(default_factory=list)
    #: Import kinds by name (``flask import <name> FILE``), in dependency order.
    import_kinds: dict[str, Any] = field(default_factory=dict)
    #: A domain's own CLI commands (``flask sync``).
    commands: list[click.Command] = field(default_factory=list)

    def add_blueprint(self, blueprint: Blueprint) -> None:
        self.blueprints.append(blueprint)

    def add_jobs(self, provider: Callable[[BaseScheduler, Flask], None]) -> None:
        self.job_providers.append(provider)

    def add_seeder(self, seeder: Seeder) -> None:
        self.seeders.append(seeder)

    def add_command(self, command: click.Command) -> None:
        self.commands.append(command)

    def add_import_kind(self, kind) -> None:
        if kind.name in self.import_kinds:
            raise ValueError(f"import kind {kind.name!r} is registered twice")
        self.import_kinds[kind.name] = kind


def init_platform(app: Flask, domains) -> Platform:
    """Collect every domain's contributions onto ``app``."""
    platform = Platform()
    for domain in domains:
        domain.register(platform)
    app.extensions[EXTENSION_KEY] = platform
    return platform


def current_platform(app: Flask | None = None) -> Platform:
    return (app or current_app).extensions[EXTENSION_KEY]
