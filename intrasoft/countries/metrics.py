"""Prometheus metrics of the countries sync (no labels that could carry personal data).

They are updated by the process that runs a sync: a gunicorn worker (POST), ``flask sync``
or ``flask scheduler`` (which can expose them with ``--metrics-port``). Under gunicorn the
multiprocess directory aggregates workers; gauges keep the most recent value.
"""

from prometheus_client import Counter, Gauge, Histogram

SYNC_RUNS = Counter(
    "intrasoft_country_sync_runs_total",
    "Country sync runs by outcome (succeeded, failed, skipped: another sync was running)",
    ["outcome"],
)
SYNC_DURATION = Histogram(
    "intrasoft_country_sync_duration_seconds",
    "Duration of country sync runs, from start to the final commit",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60),
)
SNAPSHOT_PEOPLE = Gauge(
    "intrasoft_country_snapshot_people",
    "People in the served snapshot (the latest succeeded sync)",
    multiprocess_mode="mostrecent",
)
LAST_SUCCESS = Gauge(
    "intrasoft_country_last_success_timestamp_seconds",
    "Unix time of the latest succeeded country sync",
    multiprocess_mode="mostrecent",
)
