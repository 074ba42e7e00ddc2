"""One sync at a time across processes, even when a process dies holding the lock."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from intrasoft.countries import lock as lock_module
from intrasoft.countries import service
from intrasoft.countries.client import RandomUserClient
from intrasoft.countries.lock import LOCK_NAME, SyncLockHandle, mysql_lock_name, pid_is_alive
from intrasoft.countries.models import SyncLock, SyncRun
from intrasoft.countries.service import SyncBusy, run_sync
from intrasoft.database import utcnow

from ..conftest import MYSQL
from ..helpers import lock_is_free

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, seconds=15.0):
    """Poll a condition (bounded): for events in other processes, never a timing assertion."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_two_syncs_started_together_make_one_run_and_one_refusal(app, db, fake):
    fake.plan({"mode": "hold"})  # the winner waits in its HTTP call, holding the lock
    barrier = threading.Barrier(2)
    outcomes = []

    def trigger():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(run_sync("api"))
            except SyncBusy:
                outcomes.append("refused")

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert wait_until(lambda: "refused" in outcomes)
    fake.release()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o if o == "refused" else o.status for o in outcomes) == ["refused", "succeeded"]
    assert db.session.scalar(select(func.count()).select_from(SyncRun)) == 1
    assert lock_is_free(db.engine)


def test_a_process_killed_while_holding_the_lock(app, client, db, fake, database_url):
    fake.plan({"mode": "hold", "timeout": 60})
    env = {
        **os.environ,
        "FLASK_APP": "intrasoft",
        "DATABASE_URL": database_url,
        "RANDOMUSER_URL": fake.url,
        "RANDOMUSER_RESULTS": "40",
        "RANDOMUSER_TIMEOUT": "60",
        "SYNC_DEADLINE_SECONDS": "120",
        "GUNICORN_TIMEOUT": "300",  # the deadline is bounded by the (unused here) gunicorn timeout
        "LOG_LEVEL": "WARNING",
        "ENV_FILE": "",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "flask", "sync"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert fake.request_arrived.wait(30), child.communicate(timeout=5)
        # The child holds the lock and is in the middle of its pull.
        assert client.post("/api/countries/sync").status_code == 409
        assert not lock_is_free(db.engine)
        running = db.session.scalars(select(SyncRun)).one()
        assert running.status == "running" and running.trigger == "cli"
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert wait_until(lambda: lock_is_free(db.engine))
    response = client.post("/api/countries/sync")
    assert response.status_code == 201, response.json
    db.session.expire_all()
    dead = db.session.get(SyncRun, running.id)
    assert dead.status == "failed" and dead.reason == "abandoned: the process running it stopped"


def lock_row(db):
    with db.engine.connect() as connection:
        return connection.execute(select(SyncLock.owner, SyncLock.expires_at)).first()


def test_lock_row_lease_and_takeover(db):
    """The lock-row strategy (used where GET_LOCK is missing), exercised on any database."""
    first = SyncLockHandle(db.engine, lease_seconds=60)
    second = SyncLockHandle(db.engine, lease_seconds=60)
    assert first._acquire_row() and first.owner != second.owner
    assert not second._acquire_row()
    # A holder on another host whose lease has expired: taken over.
    with db.engine.begin() as connection:
        connection.execute(update(SyncLock).values(owner="elsewhere:1:abc", expires_at=utcnow() - timedelta(seconds=1)))
    assert second._acquire_row()
    assert lock_row(db).owner == second.owner
    # A holder on another host with a live lease: refused, whatever its pid.
    with db.engine.begin() as connection:
        connection.execute(update(SyncLock).values(owner="elsewhere:1:abc", expires_at=utcnow() + timedelta(hours=1)))
    assert not first._acquire_row()
    # A dead process of this host: taken over at once.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not pid_is_alive(dead.pid)
    with db.engine.begin() as connection:
        connection.execute(update(SyncLock).values(owner=f"{socket.gethostname()}:{dead.pid}:abc"))
    assert first._acquire_row()
    with db.engine.begin() as connection:
        connection.execute(update(SyncLock).values(expires_at=utcnow()))
    first._renew_row()
    assert lock_row(db).expires_at > utcnow() + timedelta(seconds=50)
    first._release_row()
    assert lock_row(db) is None


def test_lock_row_released_between_read_and_retry(db, monkeypatch):
    """The holder releases between our failed insert and our read of its row: our second insert takes it."""
    handle = SyncLockHandle(db.engine, lease_seconds=60)
    with db.engine.begin() as connection:
        connection.execute(
            insert(SyncLock).values(name=LOCK_NAME, owner="x:1:y", acquired_at=utcnow(), expires_at=utcnow())
        )
    real_select = lock_module.select
    calls = []

    def select_after_release(*args):
        calls.append(args)
        with db.engine.begin() as connection:
            connection.execute(SyncLock.__table__.delete())
        return real_select(*args)

    monkeypatch.setattr(lock_module, "select", select_after_release)
    assert handle._acquire_row()
    # One read of the holder's row (which found it gone), then the second insert.
    assert [[column.key for column in columns] for columns in calls] == [["owner", "expires_at"]]
    assert lock_row(db).owner == handle.owner
    handle.held = True
    handle._release_row()
    assert lock_row(db) is None


def test_lock_row_taken_between_release_and_retry_is_refused(db, monkeypatch):
    """The row is gone when we read it, but another process inserts it before our second try."""
    handle = SyncLockHandle(db.engine, lease_seconds=60)
    with db.engine.begin() as connection:
        connection.execute(
            insert(SyncLock).values(name=LOCK_NAME, owner="x:1:y", acquired_at=utcnow(), expires_at=utcnow())
        )
    real_select = lock_module.select

    def select_while_another_takes_it(*args):
        with db.engine.begin() as connection:
            connection.execute(SyncLock.__table__.update().values(owner="x:2:z"))
        statement = real_select(*args)
        return statement.where(SyncLock.owner == "nobody")  # we see no row...

    monkeypatch.setattr(lock_module, "select", select_while_another_takes_it)
    assert not handle._acquire_row()  # ...and our retry collides with theirs
    assert lock_row(db).owner == "x:2:z"


def test_pid_checks(monkeypatch):
    assert pid_is_alive(os.getpid())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not pid_is_alive(dead.pid)
    # A process of another user: os.kill refuses (PermissionError), but it exists. As root every
    # process can be signalled, so the refusal is what an unprivileged server would get.
    signalled = []

    def refuse(pid, sig):
        signalled.append((pid, sig))
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(lock_module.os, "kill", refuse)
    assert pid_is_alive(1)
    assert signalled == [(1, 0)]  # signal 0: a probe, never a real signal


def test_mysql_lock_names_fit_in_64_characters():
    assert mysql_lock_name("intrasoft") == "intrasoft:intrasoft:countries_sync"
    long_name = mysql_lock_name("x" * 64)
    assert len(long_name) <= 64 and long_name.startswith("intrasoft:")


@pytest.mark.skipif(not MYSQL, reason="GET_LOCK needs MySQL/MariaDB")
def test_mysql_lock_is_per_database_and_released_with_the_connection(db):
    handle = SyncLockHandle(db.engine, lease_seconds=1)
    assert handle.acquire()
    other = SyncLockHandle(db.engine, lease_seconds=1)
    assert not other.acquire()
    handle.renew()  # nothing to renew: the lock lives with its connection
    handle._connection.invalidate()  # the connection dies: the server frees the lock
    handle.release()
    assert wait_until(lambda: lock_is_free(db.engine))
    assert other.acquire()
    other.release()
    other.release()  # idempotent


@pytest.mark.skipif(MYSQL, reason="the lease is the lock row's (SQLite); GET_LOCK lives with its connection")
def test_the_lease_covers_the_whole_pull_however_long_the_start_took(app, db, fake, monkeypatch):
    """Renewed as the pull starts, for the client's own deadline plus the writing margin."""
    real_start = service._start_run

    def slow_start(trigger, requested):
        run_id = real_start(trigger, requested)
        # 150 s went by (a busy database): the lock's clock moves on.
        monkeypatch.setattr(lock_module, "utcnow", lambda: utcnow() + timedelta(seconds=150))
        return run_id

    monkeypatch.setattr(service, "_start_run", slow_start)
    client = RandomUserClient.from_config(app.config)
    client.deadline = 300.0  # longer than SYNC_DEADLINE_SECONDS (10 s here)
    real_fetch = client.fetch
    seen = {}

    def fetch():
        seen["lease_left"] = lock_row(db).expires_at - lock_module.utcnow()
        return real_fetch()

    client.fetch = fetch
    assert run_sync("cli", client=client).status == "succeeded"
    assert seen["lease_left"] >= timedelta(seconds=client.deadline + service.LEASE_MARGIN_SECONDS - 5)
