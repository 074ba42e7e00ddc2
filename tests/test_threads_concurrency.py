"""Concurrent writers against a real threaded HTTP server on loopback, and transaction retries."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pymysql
import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from intrasoft.extensions import db as _db
from intrasoft.threads.models import Thread, ThreadMessage, ThreadParticipant

from .conftest import TEST_TOKEN, make_app
from .servers import serve_app

WRITERS = 50
#: The read-marker race: these users, each with a user token, post and mark read this many times.
READERS = ("ana", "ben", "cleo", "dan")
ROUNDS = 8


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


def test_unread_counts_stay_exact_while_users_post_and_mark_read(db, database_url):
    """Every user posts and moves their read marker at once, from two clients each (a poster and
    a reader, so a user's own post races their own marker), with user tokens (the path that
    checks participation before it locks the thread). The reader marks read the newest message
    it has seen, then one in the middle, then an older one (which must not move the marker back).

    Every answer keeps the marker at or past every id its user sent or had posted by then, with an
    unread count between what that reader had seen after the marker and all that followed it. At
    the end each marker is the highest id its user sent or posted (no update lost), its
    ``read_count`` is the number of messages up to it, and the listed ``unread_count`` is the
    number of the other users' messages after it (never one of the user's own)."""
    tokens = {name: f"test-{name}-token-0123456789abcdefghijklmnopqrstu" for name in READERS}
    served = make_app(database_url, API_USER_TOKENS=list(tokens.items()))
    service = {"Authorization": f"Bearer {TEST_TOKEN}"}
    posted = {name: [] for name in READERS}  # appended once the post's 201 arrived
    with serve_app(served) as base:
        created = requests.post(f"{base}/api/threads", json={"users": list(READERS)}, headers=service, timeout=30)
        assert created.status_code == 201
        thread_id = created.json()["thread_id"]
        start = threading.Barrier(2 * len(READERS))

        def poster(name):
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {tokens[name]}"
                start.wait(timeout=30)
                for round_ in range(ROUNDS):
                    message = session.post(
                        f"{base}/api/threads/{thread_id}/messages", json={"message": f"{name} {round_}"}, timeout=60
                    )
                    assert message.status_code == 201, message.text
                    posted[name].append(message.json()["id"])

        def reader(name):
            answers = []
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {tokens[name]}"
                start.wait(timeout=30)
                for round_ in range(ROUNDS):
                    seen = session.get(f"{base}/api/threads/{thread_id}/messages?page_size=100", timeout=60).json()
                    ids = [m["id"] for m in seen] or [0]
                    marker = (ids[-1], ids[len(ids) // 2], ids[0])[round_ % 3]
                    own_before = max(posted[name], default=0)
                    read = session.put(
                        f"{base}/api/threads/{thread_id}/read", json={"last_read_message_id": marker}, timeout=60
                    )
                    assert read.status_code == 200, read.text
                    answers.append((marker, own_before, ids, read.json()))
            return answers

        with ThreadPoolExecutor(max_workers=2 * len(READERS)) as pool:
            posters = [pool.submit(poster, name) for name in READERS]
            readers = {name: pool.submit(reader, name) for name in READERS}
            for future in posters:
                future.result()
            answers = {name: future.result() for name, future in readers.items()}

        listed = {
            name: requests.get(f"{base}/api/threads?user={name}", headers=service, timeout=30).json()[0]["unread_count"]
            for name in READERS
        }
    with served.app_context():
        _db.engine.dispose()

    db.session.rollback()  # a new read transaction, which sees what the server committed
    assert db.session.get(Thread, thread_id).message_count == len(READERS) * ROUNDS
    messages = db.session.execute(
        select(ThreadMessage.id, ThreadMessage.username).where(ThreadMessage.thread_id == thread_id)
    ).all()
    highest = {}
    for name, replies in answers.items():
        moved = 0
        for marker, own_before, ids, reply in replies:
            now = reply["last_read_message_id"]
            moved = max(moved, marker)
            assert now >= max(moved, own_before), (name, marker, own_before, reply)
            seen_after = sum(1 for i in ids if i > now)
            assert seen_after <= reply["unread_count"] <= sum(1 for m in messages if m.id > now), (name, ids, reply)
        highest[name] = max([moved, *posted[name]])
    for row in db.session.scalars(select(ThreadParticipant).where(ThreadParticipant.thread_id == thread_id)):
        name, marker = row.username, row.last_read_message_id
        assert marker == highest[name], name
        assert row.read_count == sum(1 for m in messages if m.id <= marker), name
        after = [m.username for m in messages if m.id > marker]
        assert name not in after, name
        assert listed[name] == len(after), name
    assert db.session.scalar(select(func.count()).select_from(ThreadParticipant)) == len(READERS)


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
