"""Concurrent writers against a real threaded HTTP server on loopback, and transaction retries."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pymysql
import pytest
import requests
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from intrasoft.threads.models import Thread, ThreadMessage

from .conftest import TEST_TOKEN
from .servers import serve_app

WRITERS = 50


@pytest.fixture()
def live_server(app, db):
    with serve_app(app) as base_url:
        yield base_url


def test_fifty_concurrent_messages_are_all_stored_in_a_stable_order(live_server, db):
    headers = {"Authorization": f"Bearer {TEST_TOKEN}"}
    users = [f"writer{i}" for i in range(WRITERS)]
    created = requests.post(f"{live_server}/api/threads", json={"users": users}, headers=headers, timeout=30)
    assert created.status_code == 201
    thread_id = created.json()["thread_id"]
    start = threading.Barrier(WRITERS)

    def send(index):
        with requests.Session() as session:
            start.wait(timeout=30)
            # Half through the REST API, half through the compatibility route.
            if index % 2:
                response = session.post(
                    f"{live_server}/api/threads/{thread_id}/messages",
                    json={"username": users[index], "message": f"message {index}"},
                    headers=headers,
                    timeout=60,
                )
                return response.status_code, response.json()
            response = session.post(
                f"{live_server}/thread/{thread_id}/{users[index]}",
                json={"message": f"message {index}"},
                headers=headers,
                timeout=60,
            )
            return response.status_code, None

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(send, range(WRITERS)))

    assert [status for status, _ in results] == [201 if i % 2 else 204 for i in range(WRITERS)]
    db.session.rollback()  # a new read transaction, which sees what the server committed
    stored = (
        db.session.execute(select(ThreadMessage).where(ThreadMessage.thread_id == thread_id).order_by(ThreadMessage.id))
        .scalars()
        .all()
    )
    assert sorted(m.message for m in stored) == sorted(f"message {i}" for i in range(WRITERS))
    for message in stored:
        assert message.username == users[int(message.message.split()[1])]
    # Ids and timestamps agree on the order: nobody overtook anybody.
    assert [m.sent_at for m in stored] == sorted(m.sent_at for m in stored)
    for _, body in results:
        if body is not None:
            assert body["id"] in {m.id for m in stored}

    thread = db.session.get(Thread, thread_id)
    assert thread.message_count == WRITERS
    assert thread.last_message_id == stored[-1].id
    assert thread.last_activity_at == stored[-1].sent_at

    # Stable: every read gives the same order, through both APIs.
    expected = [m.message for m in stored]
    for _ in range(2):
        compat = requests.get(f"{live_server}/thread/{thread_id}", timeout=30).json()["messages"]
        assert [m["message"] for m in compat] == expected
        api = requests.get(f"{live_server}/api/threads/{thread_id}/messages?page_size=100", timeout=30).json()
        assert [m["id"] for m in api] == [m.id for m in stored]


def _lost_connection_after_commit(monkeypatch, db):
    """Make the first commit land but report a lost connection, as when the reply is lost."""
    real_commit = db.session.commit
    calls = []

    def commit():
        real_commit()
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("COMMIT", {}, pymysql.err.OperationalError(2013, "Lost connection"))

    monkeypatch.setattr(db.session, "commit", commit)
    return calls


def test_a_retried_message_whose_commit_landed_is_not_stored_twice(client, db, monkeypatch):
    thread_id = client.post("/api/threads", json={"users": ["quinn", "jeff"]}).json["thread_id"]
    calls = _lost_connection_after_commit(monkeypatch, db)
    response = client.post(f"/api/threads/{thread_id}/messages", json={"username": "quinn", "message": "once"})
    assert response.status_code == 201
    assert len(calls) == 2  # retried
    monkeypatch.undo()
    rows = db.session.scalars(select(ThreadMessage)).all()
    assert [m.message for m in rows] == ["once"]
    assert response.json["id"] == rows[0].id
    assert db.session.get(Thread, thread_id, populate_existing=True).message_count == 1


def test_a_retried_thread_whose_commit_landed_is_not_created_twice(client, db, monkeypatch):
    client.post("/api/threads", json={"users": ["quinn", "jeff"], "title": "same"})  # a lookalike, earlier
    calls = _lost_connection_after_commit(monkeypatch, db)
    response = client.post("/api/threads", json={"users": ["quinn", "jeff"], "title": "same"})
    assert response.status_code == 201
    assert len(calls) == 2
    monkeypatch.undo()
    threads = db.session.scalars(select(Thread).order_by(Thread.id)).all()
    assert len(threads) == 2
    assert response.json["thread_id"] == threads[-1].id
