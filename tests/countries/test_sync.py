"""Snapshot semantics: every failure leaves the served data byte-for-byte unchanged."""

import re

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from intrasoft.countries import service
from intrasoft.countries.client import RandomUserClient
from intrasoft.countries.models import CountryPerson, SyncRun
from intrasoft.countries.service import SyncBusy, run_sync
from intrasoft.database import run_in_transaction

from ..conftest import MYSQL
from ..factories import SyncRunFactory


def served(client):
    """The served data, raw bytes: the body without its ``sync`` part."""
    response = client.get("/api/countries")
    assert response.status_code == 200
    return response.data[: response.data.rindex(b',"sync":')], response.json["sync"]


FAILURES = [
    ("500", "HTTP 500: Uh oh, something has gone wrong"),
    ("503", "HTTP 503, after 4 attempts"),
    ({"mode": "429", "retry_after": 0}, "HTTP 429: Whoa, ease up there cowboy"),
    ({"mode": "slow", "delay": 1.5}, "timed out"),
    ("drop", "connection error"),
    ("malformed", "not valid JSON"),
    ("truncated", "not valid JSON"),
    ("error_key", "randomuser answered with an error"),
    ("empty", "results is empty"),
    ("missing_results", "has no results"),
    ("not_a_list", "results is not a list"),
    ({"mode": "invalid", "fraction": 0.25}, "records are invalid (more than 10%)"),
]


@pytest.mark.parametrize(("fault", "reason"), FAILURES, ids=[str(f[0]) for f in FAILURES])
def test_a_failed_pull_keeps_the_last_good_data(client, fake, synced, app, monkeypatch, fault, reason):
    monkeypatch.setitem(app.config, "RANDOMUSER_TIMEOUT", 0.3)
    monkeypatch.setitem(app.config, "RANDOMUSER_SEED", "another-seed")  # a success would change the data
    before, sync_before = served(client)
    assert sync_before["stale"] is False and sync_before["run_id"] == synced.id

    fake.set_default(fault)
    run = run_sync("cli")
    assert run.status == "failed"
    assert reason in run.reason
    assert run.finished_at is not None and run.rows_stored == 0

    after, sync_after = served(client)
    assert after == before
    assert sync_after["run_id"] == synced.id and sync_after["synced_at"] == sync_before["synced_at"]
    assert sync_after["stale"] is True
    assert sync_after["last_attempt"]["run_id"] == run.id
    assert sync_after["last_attempt"]["status"] == "failed"
    assert reason in sync_after["last_attempt"]["reason"]

    fake.set_default(None)
    good = run_sync("cli")
    assert good.status == "succeeded"
    replaced, sync_good = served(client)
    assert replaced != before
    assert sync_good["stale"] is False and sync_good["run_id"] == good.id
    assert sync_good["last_attempt"]["run_id"] == good.id and sync_good["last_attempt"]["reason"] is None


def test_failed_runs_store_no_people(db, fake, synced):
    fake.set_default("empty")
    failed = run_sync("cli")
    assert db.session.scalar(select(func.count()).where(CountryPerson.run_id == failed.id)) == 0
    assert db.session.scalar(select(func.count()).where(CountryPerson.run_id == synced.id)) == 40


def test_a_database_failure_in_the_middle_of_the_writes(client, db, fake, synced, app, monkeypatch):
    monkeypatch.setitem(app.config, "RANDOMUSER_RESULTS", 2500)  # three chunks of inserts
    monkeypatch.setitem(app.config, "RANDOMUSER_SEED", "mid-write")
    before, _ = served(client)
    inserts = []

    def fail_on_second_chunk(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO country_people"):
            inserts.append(statement)
            if len(inserts) == 2:
                raise OperationalError(statement, {}, Exception("injected: disk full"))

    event.listen(db.engine, "before_cursor_execute", fail_on_second_chunk)
    try:
        run = run_sync("api")
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_second_chunk)
    assert len(inserts) == 2
    assert run.status == "failed"
    assert run.reason == "storing the snapshot failed (OperationalError)"
    after, sync = served(client)
    assert after == before and sync["stale"] is True
    assert db.session.scalar(select(func.count()).where(CountryPerson.run_id == run.id)) == 0


def test_a_transient_database_error_is_retried(db, fake, monkeypatch):
    calls = []
    original = service.write_snapshot

    def flaky(*args, **kwargs):
        calls.append(1)
        original(*args, **kwargs)
        if len(calls) == 1:
            raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(service, "write_snapshot", flaky)
    run = run_sync("cli")
    assert run.status == "succeeded" and len(calls) == 2
    assert db.session.scalar(select(func.count()).where(CountryPerson.run_id == run.id)) == 40


def test_only_three_snapshots_are_kept(db, fake, app, monkeypatch):
    runs = []
    for index in range(5):
        monkeypatch.setitem(app.config, "RANDOMUSER_SEED", f"prune-{index}")
        runs.append(run_sync("scheduler"))
        if index == 2:
            fake.plan("empty")
            assert run_sync("scheduler").status == "failed"
    stored = dict(db.session.execute(select(CountryPerson.run_id, func.count()).group_by(CountryPerson.run_id)).all())
    assert stored == {runs[2].id: 40, runs[3].id: 40, runs[4].id: 40}
    assert db.session.scalar(select(func.count()).select_from(SyncRun)) == 6  # the history stays


def test_duplicates_and_invalid_records_below_the_threshold(db, fake):
    fake.plan({"mode": "duplicates", "fraction": 0.1})
    run = run_sync("cli")
    assert (run.results_received, run.duplicates_dropped, run.rows_stored) == (44, 4, 40)
    fake.plan({"mode": "invalid", "fraction": 0.1})
    run = run_sync("cli")
    assert (run.results_received, run.records_skipped, run.rows_stored) == (40, 4, 36)


def test_runs_left_running_by_a_dead_process_are_closed(db, fake):
    ghost = SyncRunFactory(trigger="scheduler", status="running", results_requested=40)
    run = run_sync("cli")
    db.session.refresh(ghost)
    assert run.status == "succeeded"
    assert ghost.status == "failed" and ghost.reason == "abandoned: the process running it stopped"


def test_an_unexpected_error_is_recorded_and_logged(db, fake, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(service, "write_snapshot", broken)
    run = run_sync("cli")
    assert run.status == "failed" and run.reason == "storing the snapshot failed (KeyError)"


def test_run_logs_have_counts_and_no_personal_data(db, fake, caplog):
    caplog.set_level("INFO", logger="intrasoft.countries.sync")
    run = run_sync("cli")
    records = [r for r in caplog.records if r.name == "intrasoft.countries.sync"]
    assert [r.getMessage() for r in records] == ["country sync started", "country sync finished"]
    assert records[1].run_id == run.id and records[1].rows_stored == 40 and records[1].status == "succeeded"
    people = db.session.scalars(select(CountryPerson.email)).all()
    text = " ".join(str(vars(r)) for r in records)
    assert not any(email in text for email in people)


def test_skipped_syncs_are_counted_by_the_process(db, fake):
    from prometheus_client import REGISTRY

    from intrasoft.countries.lock import SyncLockHandle

    before = REGISTRY.get_sample_value("intrasoft_country_sync_skipped_total") or 0
    holder = SyncLockHandle(db.engine, lease_seconds=60)
    assert holder.acquire()
    try:
        with pytest.raises(SyncBusy):
            run_sync("cli")
    finally:
        holder.release()
    assert REGISTRY.get_sample_value("intrasoft_country_sync_skipped_total") == before + 1


def test_uuids_differing_only_by_case_are_one_person(db, fake):
    """MySQL's unique key (run_id, uuid) ignores case: the dedup must too (else IntegrityError)."""
    fake.plan({"mode": "duplicates", "fraction": 0.1, "uuid_case": "upper"})
    run = run_sync("cli")
    assert run.status == "succeeded", run.reason
    assert (run.results_received, run.duplicates_dropped, run.rows_stored) == (44, 4, 40)
    uuids = db.session.scalars(select(CountryPerson.uuid).where(CountryPerson.run_id == run.id)).all()
    assert len(set(uuids)) == 40 and all(u == u.lower() for u in uuids)


def test_a_database_error_while_writing_logs_no_personal_data(db, fake, monkeypatch, caplog):
    """SQLAlchemy's error text carries the statement's parameters: it must not reach the logs."""
    real_fetch = RandomUserClient.fetch
    pulled = []

    def fetch_with_a_twin(self):
        pull = real_fetch(self)
        pull.people.append(dict(pull.people[0]))  # same uuid twice: the unique key refuses it
        pulled.extend(pull.people)
        return pull

    monkeypatch.setattr(RandomUserClient, "fetch", fetch_with_a_twin)
    caplog.set_level("DEBUG")
    run = run_sync("cli")
    assert run.status == "failed" and run.reason == "storing the snapshot failed (IntegrityError)"
    logged = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    (error,) = [r for r in caplog.records if r.getMessage() == "country sync: storing the snapshot failed"]
    assert error.error_type == "IntegrityError" and error.exc_info is None
    assert getattr(error, "error_code", None) == (1062 if MYSQL else None)  # ER_DUP_ENTRY: a code, no text
    for person in pulled:
        for value in (person["email"], person["uuid"], person["first_name"], person["last_name"]):
            assert not re.search(rf"\b{re.escape(value)}\b", logged), value
    assert db.session.scalar(select(func.count()).where(CountryPerson.run_id == run.id)) == 0


def test_statement_count_of_a_5000_person_sync(db, fake, app, monkeypatch):
    """At most 10 INSERT statements for 5,000 people, with RETURNING disabled (as on MySQL 8)."""
    monkeypatch.setitem(app.config, "RANDOMUSER_RESULTS", 5000)
    dialect = db.engine.dialect
    monkeypatch.setattr(dialect, "insert_returning", False)
    monkeypatch.setattr(dialect, "insert_executemany_returning", False)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    wire_inserts = []
    if dialect.name in ("mysql", "mariadb"):
        import pymysql.cursors

        real_execute = pymysql.cursors.Cursor.execute

        def counting_execute(self, query, args=None):
            head = query[:20] if isinstance(query, str) else bytes(query[:20]).decode()
            if head.lstrip().upper().startswith("INSERT"):
                wire_inserts.append(head)
            return real_execute(self, query, args)

        monkeypatch.setattr(pymysql.cursors.Cursor, "execute", counting_execute)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run = run_sync("cli")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert run.status == "succeeded" and run.rows_stored == 5000
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) <= 10
    assert not any("RETURNING" in s.upper() for s in statements)
    if dialect.name in ("mysql", "mariadb"):
        assert 1 <= len(wire_inserts) <= 10  # what PyMySQL really sent, multi-row INSERTs
    assert db.session.scalar(select(func.count()).where(CountryPerson.run_id == run.id)) == 5000


def test_a_busy_lock_refuses_the_sync(db, fake):
    from intrasoft.countries.lock import SyncLockHandle

    holder = SyncLockHandle(db.engine, lease_seconds=60)
    assert holder.acquire()
    try:
        with pytest.raises(SyncBusy):
            run_sync("cli")
    finally:
        holder.release()
    assert db.session.scalar(select(func.count()).select_from(SyncRun)) == 0
    assert run_sync("cli").status == "succeeded"


def test_has_snapshot(db, fake):
    assert not service.has_snapshot()
    run_sync("cli")
    assert service.has_snapshot()
    run_in_transaction(lambda attempt: db.session.execute(update(SyncRun).values(status="failed")))
    assert not service.has_snapshot()
