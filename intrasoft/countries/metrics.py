"""Prometheus metrics of the countries sync, read from ``country_sync_runs`` at scrape time.

A sync may run in any process (the ``flask scheduler`` process, ``flask sync``, a gunicorn
worker, another host), each with its own metrics registry. The run table is the one place
that sees them all, so the API's ``/metrics`` derives the issue's metrics from it on every
scrape (two aggregate statements):

* ``intrasoft_country_sync_runs_total{outcome="succeeded"|"failed"}``: finished runs;
* ``intrasoft_country_sync_duration_seconds``: histogram of the finished runs' ``duration_ms``
  (runs abandoned by a dead process have none and are not in it);
* ``intrasoft_country_snapshot_people``: people in the served snapshot (0 before any);
* ``intrasoft_country_last_success_timestamp_seconds``: when that snapshot's run finished
  (0 before any).

Only ``intrasoft_country_sync_skipped_total`` (a trigger refused because another sync held
the lock) is a counter of the process that refused it: skipped syncs leave no row.

``CountrySyncCollector`` queries the database of the Flask app of the current context (the
one serving ``/metrics``); outside an app context it reports nothing. It is added to
``/metrics`` at import (``observability.add_scrape_collector``), in multiprocess mode too.
"""

from __future__ import annotations

import logging
from calendar import timegm
from dataclasses import dataclass

from flask import has_app_context
from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..observability import add_scrape_collector
from .models import SyncRun

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)
FINISHED = ("succeeded", "failed")

SYNC_SKIPPED = Counter(
    "intrasoft_country_sync_skipped_total",
    "Country syncs this process did not start because another sync was running",
)


@dataclass(frozen=True)
class SyncFigures:
    runs: dict[str, int]  # finished runs by outcome
    buckets: list[tuple[str, int]]  # cumulative, ending with +Inf
    duration_ms_sum: int
    people: int
    last_success: float


def _families(figures: SyncFigures | None) -> list:
    """The metric families, with samples when ``figures`` are given (names only otherwise)."""
    runs = CounterMetricFamily(
        "intrasoft_country_sync_runs", "Finished country sync runs by outcome", labels=["outcome"]
    )
    duration = HistogramMetricFamily(
        "intrasoft_country_sync_duration_seconds", "Duration of finished country sync runs, start to final commit"
    )
    people = GaugeMetricFamily(
        "intrasoft_country_snapshot_people", "People in the served snapshot (the latest succeeded sync)"
    )
    last_success = GaugeMetricFamily(
        "intrasoft_country_last_success_timestamp_seconds",
        "Unix time the latest succeeded country sync finished (0: none yet)",
    )
    if figures is not None:
        for outcome in FINISHED:
            runs.add_metric([outcome], figures.runs.get(outcome, 0))
        duration.add_metric([], buckets=figures.buckets, sum_value=figures.duration_ms_sum / 1000)
        people.add_metric([], figures.people)
        last_success.add_metric([], figures.last_success)
    return [runs, duration, people, last_success]


def _query(connection) -> SyncFigures:
    """The figures of every finished run, in two statements."""
    in_bucket = [func.sum(case((SyncRun.duration_ms <= round(bound * 1000), 1), else_=0)) for bound in DURATION_BUCKETS]
    rows = connection.execute(
        select(
            SyncRun.status,
            func.count(),
            func.count(SyncRun.duration_ms),
            func.coalesce(func.sum(SyncRun.duration_ms), 0),
            *in_bucket,
        )
        .where(SyncRun.status.in_(FINISHED))
        .group_by(SyncRun.status)
    ).all()
    latest = connection.execute(
        select(SyncRun.rows_stored, SyncRun.finished_at)
        .where(SyncRun.status == "succeeded")
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).first()
    # "duration <= bound" counts are cumulative already, as Prometheus buckets are.
    cumulative = [sum(int(row[4 + index]) for row in rows) for index in range(len(DURATION_BUCKETS))]
    buckets = [(str(float(bound)), count) for bound, count in zip(DURATION_BUCKETS, cumulative, strict=True)]
    buckets.append(("+Inf", sum(int(row[2]) for row in rows)))
    people, last_success = 0, 0.0
    if latest is not None and latest.finished_at is not None:
        finished = latest.finished_at
        people, last_success = latest.rows_stored, timegm(finished.timetuple()) + finished.microsecond / 1e6
    return SyncFigures(
        runs={row[0]: int(row[1]) for row in rows},
        buckets=buckets,
        duration_ms_sum=sum(int(row[3]) for row in rows),
        people=people,
        last_success=last_success,
    )


class CountrySyncCollector(Collector):
    """The sync metrics of the current app's database, computed when scraped."""

    def describe(self):
        return _families(None)  # names only: registering must not query the database

    def collect(self):
        if not has_app_context():
            return []
        try:
            with db.engine.connect() as connection:
                figures = _query(connection)
        except SQLAlchemyError as exc:
            # The type only: an error's text may carry statement parameters.
            log.warning("country sync metrics unavailable", extra={"error_type": type(exc).__name__})
            return []
        return _families(figures)


COLLECTOR = CountrySyncCollector()
add_scrape_collector(COLLECTOR)
