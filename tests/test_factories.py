"""The factories build rows the way the service writes them: what the API reads back from a
factory-built thread is what it reads from one built through the API."""

from intrasoft.countries.models import SyncRun
from intrasoft.opportunities.models import IdempotencyKey

from .factories import TEST_CLIENT, IdempotencyKeyFactory, SyncRunFactory, ThreadFactory, opportunity_payload


def listed(client, user):
    """The user's thread list without ids and times (they differ between two threads)."""
    rows = client.get(f"/api/threads?user={user}").json
    return [
        {
            "users": row["users"],
            "message_count": row["message_count"],
            "unread_count": row["unread_count"],
            "last_message": {k: row["last_message"][k] for k in ("username", "message")},
        }
        for row in rows
    ]


def test_a_factory_thread_reads_like_one_posted_through_the_api(client, db):
    posts = [("ana", "hi"), ("quinn", "hello"), ("ana", "how are you?")]
    built = ThreadFactory(users=["quinn", "ana", "ian"], messages=posts)
    through_the_api = client.post("/api/threads", json={"users": ["quinn", "ana", "ian"]}).json["thread_id"]
    for username, text in posts:
        client.post(f"/api/threads/{through_the_api}/messages", json={"username": username, "message": text})

    for user in ("quinn", "ana", "ian"):
        first, second = listed(client, user)
        assert first == second
    assert listed(client, "ian")[0]["unread_count"] == 3 and listed(client, "ana")[0]["unread_count"] == 0
    detail = client.get(f"/api/threads/{built.id}").json
    assert [(m["username"], m["message"]) for m in detail["messages"]] == posts
    ids = [m["id"] for m in detail["messages"]]
    assert ids == sorted(ids) and detail["last_activity_at"] == detail["messages"][-1]["sent_at"]


def test_a_number_of_messages_takes_turns_between_the_participants(client, db):
    thread = ThreadFactory(users=["quinn", "jeff"], messages=3)
    messages = client.get(f"/api/threads/{thread.id}").json["messages"]
    assert [(m["username"], m["message"]) for m in messages] == [
        ("quinn", "message 0"),
        ("jeff", "message 1"),
        ("quinn", "message 2"),
    ]


def test_a_thread_may_have_no_participants(db):
    thread = ThreadFactory(users=[])
    assert thread.message_count == 0 and thread.last_message_id is None


def test_sync_runs_are_finished_unless_running(db):
    succeeded, running = SyncRunFactory(), SyncRunFactory(status="running")
    assert succeeded.finished_at == succeeded.started_at
    assert running.finished_at is None
    assert db.session.get(SyncRun, running.id).status == "running"


def test_an_idempotency_key_belongs_to_the_test_tokens_client(client, db):
    """Keyed as a request with the test token is: its key in flight is a 409 for that client."""
    key = IdempotencyKeyFactory(key="in-flight")
    assert db.session.get(IdempotencyKey, {"client": TEST_CLIENT, "key": "in-flight"}) is key
    response = client.post("/api/opportunities", json=opportunity_payload(), headers={"Idempotency-Key": "in-flight"})
    # Another body's hash: refused as reused with a different body (the in-flight record is live).
    assert response.status_code == 422 and "Idempotency-Key" in response.json["errors"]["headers"]


def test_the_payload_takes_overrides_and_leaves_out_ellipses():
    body = opportunity_payload(cid=7, name=..., probability=40)
    assert body["cid"] == 7 and body["probability"] == 40 and "name" not in body
    assert set(body) == {"cid", "product", "monthly_estimated_revenue", "estimated_delivery_date", "probability"}
