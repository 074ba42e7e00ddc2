"""``python -m bench`` (``make bench``): run every scenario, print the table, write bench/results.md.

Scenarios run in order: ``bench.customers``, then ``bench.countries``, ``bench.threads`` and
``bench.revenue`` when those modules exist. A scenario that crashes is a missed row, and the
others still run. Exit status 1 when any row missed its target.
"""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import sys
import traceback
from pathlib import Path

import pymysql

from .common import MYSQL_HOST, MYSQL_PASSWORD, MYSQL_PORT, MYSQL_USER, Report

SCENARIOS = ("bench.customers", "bench.countries", "bench.threads", "bench.revenue")
OPTIONAL = frozenset(SCENARIOS[1:])
RESULTS = Path(__file__).resolve().parent / "results.md"


def load_scenario(name: str):
    """The scenario module, or None for an optional one that is not written yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if name in OPTIONAL and exc.name == name:
            return None
        raise


def mariadb_version() -> str:
    try:
        connection = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, password=MYSQL_PASSWORD)
    except pymysql.err.MySQLError as exc:
        return f"unreachable ({exc.args[0]})"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_summary() -> str:
    return (
        f"nproc {len(os.sched_getaffinity(0))} ({cpu_model()}), MariaDB {mariadb_version()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def run_all(report: Report) -> list[str]:
    ran = []
    for name in SCENARIOS:
        try:
            module = load_scenario(name)
            if module is None:
                continue
            print(f"== {name}", flush=True)
            ran.append(name)
            module.run(report)
        except Exception as exc:  # one broken scenario must not hide the others' results
            traceback.print_exc()
            report.add(f"{name} (crashed)", f"{type(exc).__name__}: {exc}"[:200], "-", "runs to completion", False)
    return ran


def main() -> int:
    started = datetime.datetime.now(datetime.UTC)
    report = Report()
    ran = run_all(report)
    table = report.markdown()
    header = (
        f"# Benchmark results\n\n"
        f"Run {started:%Y-%m-%d %H:%M} UTC on {machine_summary()}.\n"
        f"Scenarios: {', '.join(ran) or 'none'}. Produced by `make bench` (`python -m bench`).\n"
    )
    RESULTS.write_text(f"{header}\n{table}\n")
    print()
    print(table)
    print(f"\nwritten to {RESULTS}")
    missed = [row.scenario for row in report.rows if not row.passed]
    if missed:
        print(f"{len(missed)} target(s) missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
