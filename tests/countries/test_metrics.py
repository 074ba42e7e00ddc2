"""Sync metrics come from the ``country_sync_runs`` table at scrape time.

So they are right on the API's ``/metrics`` whatever process ran the sync (the scheduler
process, ``flask sync``, another gunicorn worker, another host).
"""

from calendar import timegm
from datetime import datetime

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from intrasoft.countries import metrics as countries_metrics
from intrasoft.countries.metrics import COLLECTOR, DURATION_BUCKETS, CountrySyncCollector
from intrasoft.countries.service import run_sync
from intrasoft.observability import add_scrape_collector

from ..conftest import make_app
from ..factories import SyncRunFactory
from ..helpers import StatementCounter

RUNS = "intrasoft_country_sync_runs_total"
DURATION = "intrasoft_country_sync_duration_seconds"
PEOPLE = "intrasoft_country_snapshot_people"
LAST_SUCCESS = "intrasoft_country_last_success_timestamp_seconds"


def scrape(test_client) -> dict:
    """``/metrics`` as {(sample name, sorted labels): value}."""
    response = test_client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def bucket(le: str):
    return (f"{DURATION}_bucket", (("le", le),))


def record(db, status, *, duration_ms=None, rows=0, finished_at=None):
    """A run as another process would have recorded it (straight into the table)."""
    return SyncRunFactory(
        trigger="scheduler",
        status=status,
        started_at=datetime(2026, 1, 1),
        finished_at=finished_at,
        duration_ms=duration_ms,
        rows_stored=rows,
        results_requested=rows,
    )


@pytest.fixture()
def other_app(database_url):
    """Another instance of the API on the same database (as another process would be)."""
    return make_app(database_url)


def test_runs_recorded_elsewhere_are_on_metrics(db, other_app):
    record(db, "succeeded", duration_ms=100, rows=40, finished_at=datetime(2026, 1, 1, 0, 0, 1))
    record(db, "failed", duration_ms=3000, finished_at=datetime(2026, 1, 1, 1))
    record(db, "failed", finished_at=datetime(2026, 1, 1, 2))  # abandoned: no duration
    latest = record(db, "succeeded", duration_ms=750, rows=42, finished_at=datetime(2026, 1, 2, 12, 0, 0, 250000))
    record(db, "running")

    values = scrape(other_app.test_client())

    assert values[(RUNS, (("outcome", "succeeded"),))] == 2
    assert values[(RUNS, (("outcome", "failed"),))] == 2
    assert [values[bucket(str(float(b)))] for b in DURATION_BUCKETS] == [1, 1, 1, 2, 2, 3, 3, 3, 3, 3]
    assert values[bucket("+Inf")] == 3
    assert values[(f"{DURATION}_count", ())] == 3
    assert values[(f"{DURATION}_sum", ())] == pytest.approx(3.85)
    assert values[(PEOPLE, ())] == 42
    assert values[(LAST_SUCCESS, ())] == timegm(latest.finished_at.timetuple()) + 0.25


def test_a_sync_run_by_one_app_shows_on_another_apps_metrics(db, fake, other_app):
    before = scrape(other_app.test_client())
    run = run_sync("cli")  # in the session's app: another instance with its own engine and state
    fake.plan("empty")
    run_sync("cli")
    after = scrape(other_app.test_client())
    assert after[(RUNS, (("outcome", "succeeded"),))] == before[(RUNS, (("outcome", "succeeded"),))] + 1 == 1
    assert after[(RUNS, (("outcome", "failed"),))] == 1
    assert after[(f"{DURATION}_count", ())] == 2
    assert after[(PEOPLE, ())] == 40
    assert after[(LAST_SUCCESS, ())] == pytest.approx(
        timegm(run.finished_at.timetuple()) + run.finished_at.microsecond / 1e6
    )


def test_before_any_run(client):
    values = scrape(client)
    assert values[(RUNS, (("outcome", "succeeded"),))] == 0
    assert values[(RUNS, (("outcome", "failed"),))] == 0
    assert values[bucket("+Inf")] == 0 and values[(f"{DURATION}_sum", ())] == 0
    assert values[(PEOPLE, ())] == 0
    assert values[(LAST_SUCCESS, ())] == 0


def test_a_scrape_costs_two_statements(app, db):
    record(db, "succeeded", duration_ms=100, rows=1, finished_at=datetime(2026, 1, 1))
    with StatementCounter(db.engine) as counter:
        families = list(CountrySyncCollector().collect())
    assert len(counter) == 2
    assert [f.name for f in families] == [
        "intrasoft_country_sync_runs",
        DURATION,
        PEOPLE,
        LAST_SUCCESS,
    ]


def test_no_app_context_no_samples(app):
    """E.g. a metrics server thread: nothing to query, nothing reported (and no error)."""
    assert list(CountrySyncCollector().collect()) == []


def test_a_database_error_leaves_the_rest_of_metrics_up(client, monkeypatch, caplog):
    def broken(connection):
        raise OperationalError("SELECT", {}, Exception("server has gone away"))

    monkeypatch.setattr(countries_metrics, "_query", broken)
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "intrasoft_http_requests_total" in text
    assert RUNS not in text
    assert any(r.getMessage() == "country sync metrics unavailable" for r in caplog.records)


def test_adding_the_collector_is_idempotent_and_process_metrics_are_gone():
    add_scrape_collector(COLLECTOR)
    add_scrape_collector(COLLECTOR)
    names = set(REGISTRY._names_to_collectors)
    assert RUNS in names and "intrasoft_country_sync_skipped_total" in names
    collectors = {id(c) for n, c in REGISTRY._names_to_collectors.items() if n.startswith("intrasoft_country_")}
    assert len(collectors) == 2  # the database collector and the skipped counter of this process


def test_multiprocess_mode_metrics_also_come_from_the_database(db, client, tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    record(db, "succeeded", duration_ms=100, rows=7, finished_at=datetime(2026, 1, 1))
    values = scrape(client)
    assert values[(PEOPLE, ())] == 7
