"""Helpers shared by the benchmark scenarios (``bench/<domain>.py``).

Each scenario module exposes ``run(report: Report) -> None`` and adds rows to the report.
A row compares a measurement with its baseline or target; ``make bench`` prints the table,
writes it to ``bench/results.md`` and exits non-zero if a target is missed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pymysql

MYSQL_HOST = os.environ.get("BENCH_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("BENCH_MYSQL_PORT", "3306"))
MYSQL_USER = os.environ.get("BENCH_MYSQL_USER", "root")
MYSQL_PASSWORD = os.environ.get("BENCH_MYSQL_PASSWORD", "")


def mysql_url(database: str) -> str:
    auth = MYSQL_USER + (f":{MYSQL_PASSWORD}" if MYSQL_PASSWORD else "")
    return f"mysql+pymysql://{auth}@{MYSQL_HOST}:{MYSQL_PORT}/{database}?charset=utf8mb4"


def recreate_database(database: str) -> str:
    """Drop and create a benchmark database; return its SQLAlchemy URL."""
    connection = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, password=MYSQL_PASSWORD)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
            cursor.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()
    return mysql_url(database)


def make_bench_app(database_url: str, **config):
    """A migrated app on ``database_url`` (logging quiet, no tokens)."""
    from flask_migrate import upgrade

    from intrasoft import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LOG_LEVEL": "WARNING", **config})
    with app.app_context():
        upgrade()
    return app


def median_seconds(call: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


@dataclass
class Row:
    scenario: str
    measured: str
    baseline: str
    target: str
    passed: bool


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, scenario: str, measured: str, baseline: str, target: str, passed: bool) -> None:
        self.rows.append(Row(scenario, measured, baseline, target, passed))
        print(f"  {'PASS' if passed else 'MISS'}  {scenario}: {measured} (baseline {baseline}; target {target})")

    def markdown(self) -> str:
        lines = ["| scenario | measured | baseline | target | result |", "|---|---|---|---|---|"]
        for row in self.rows:
            result = "pass" if row.passed else "MISS"
            lines.append(f"| {row.scenario} | {row.measured} | {row.baseline} | {row.target} | {result} |")
        return "\n".join(lines)
