"""flask sync, flask scheduler, flask seed --people, and the scheduled job."""

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import func, select

from intrasoft.countries import jobs as countries_jobs
from intrasoft.countries.jobs import JOB_ID, scheduled_sync
from intrasoft.countries.lock import SyncLockHandle
from intrasoft.countries.models import CountryPerson, SyncRun
from intrasoft.scheduler import build_scheduler


def test_flask_sync_success(runner, fake):
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0, result.output
    assert "succeeded: 40 received, 0 skipped, 0 duplicates, 40 stored, 1 HTTP attempt(s)" in result.output


def test_flask_sync_failure_exits_non_zero(runner, fake, db):
    fake.set_default("empty")
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 1
    assert "failed: results is empty (0 people)" in result.output
    assert "the last good data is still served" in result.output


def test_flask_sync_refused_while_another_runs(runner, fake, db):
    holder = SyncLockHandle(db.engine, lease_seconds=60)
    assert holder.acquire()
    try:
        result = runner.invoke(args=["sync"])
    finally:
        holder.release()
    assert result.exit_code == 75
    assert "another sync is running" in result.output


def test_the_scheduled_job_syncs_and_never_raises(app, fake, db, monkeypatch):
    run = scheduled_sync(app)
    assert run.status == "succeeded" and run.trigger == "scheduler"
    fake.set_default("503")
    assert scheduled_sync(app).status == "failed"
    holder = SyncLockHandle(db.engine, lease_seconds=60)
    assert holder.acquire()
    try:
        assert scheduled_sync(app) is None  # skipped
    finally:
        holder.release()

    def crash(trigger):
        raise RuntimeError("database gone")

    monkeypatch.setattr(countries_jobs, "run_sync", crash)
    assert scheduled_sync(app) is None


def test_the_scheduler_registers_the_job_with_the_interval(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_INTERVAL_MINUTES", 15)
    scheduler = build_scheduler(app)
    job = scheduler.get_job(JOB_ID)
    assert job.func is scheduled_sync and job.args == (app,)
    assert job.trigger.interval == timedelta(minutes=15)
    assert job.max_instances == 1 and job.coalesce is True
    # No snapshot yet: the first sync is now.
    assert abs(job.next_run_time - datetime.now(UTC)) < timedelta(minutes=1)


def test_the_scheduler_waits_an_interval_when_data_exists(app, fake, synced):
    job = build_scheduler(app).get_job(JOB_ID)
    assert not hasattr(job, "next_run_time")  # computed at start: now + interval


def test_flask_scheduler_runs_a_blocking_scheduler(runner, app, db, monkeypatch):
    started = []

    def fake_start(self, *args, **kwargs):
        started.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(BlockingScheduler, "start", fake_start)
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 0, result.output
    assert f"every {app.config['SYNC_INTERVAL_MINUTES']} min" in result.output
    assert {job.id for job in started[0].get_jobs()} == {JOB_ID, "idempotency-keys-purge"}


def test_seed_creates_one_snapshot_once(runner, db, client):
    result = runner.invoke(args=["seed", "--customers", "5", "--opportunities", "0", "--people", "300"])
    assert result.exit_code == 0, result.output
    assert "country_people: 300" in result.output
    body = client.get("/api/countries").json
    assert {c["name"] for c in body["countries"]} == {
        "France",
        "Germany",
        "Switzerland",
        "Netherlands",
        "United Kingdom",
    }
    assert sum(len(c["users"]) for c in body["countries"]) == 300
    run = db.session.scalars(select(SyncRun)).one()
    assert run.trigger == "seed" and run.status == "succeeded"
    again = runner.invoke(args=["seed", "--customers", "5", "--opportunities", "0", "--people", "300"])
    assert "country_people: 0" in again.output
    assert db.session.scalar(select(func.count()).select_from(CountryPerson)) == 300
    assert client.get("/api/countries").json == body


def test_seed_people_zero_and_limits(runner, db):
    assert "country_people: 0" in runner.invoke(args=["seed", "--customers", "1", "--people", "0"]).output
    assert runner.invoke(args=["seed", "--people", "5001"]).exit_code == 2
