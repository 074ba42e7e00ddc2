"""Read markers and unread counts: ``PUT /api/threads/<id>/read`` and ``unread_count`` in the list.

A participant's marker is the id of the last message they have read; ``unread_count`` is the
number of the thread's messages after it. Posting moves the poster's marker to their message,
so a user's own messages are never unread.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from intrasoft.database import utcnow
from intrasoft.threads import service as service_module
from intrasoft.threads.models import ThreadParticipant

from .conftest import JEFF_TOKEN, QUINN_TOKEN, READ_TOKEN, TEST_TOKEN, mysql_only, token_client
from .factories import ThreadFactory
from .helpers import StatementCounter


@pytest.fixture()
def service(app, db):
    return token_client(app, TEST_TOKEN)


@pytest.fixture()
def quinn(app, db):
    return token_client(app, QUINN_TOKEN)


def new_thread(client, users):
    response = client.post("/api/threads", json={"users": users})
    assert response.status_code == 201, response.json
    return response.json["thread_id"]


def post(client, thread_id, username, text="hi"):
    response = client.post(f"/api/threads/{thread_id}/messages", json={"username": username, "message": text})
    assert response.status_code == 201, response.json
    return response.json["id"]


def mark(client, thread_id, message_id, username=None):
    body = {"last_read_message_id": message_id}
    if username is not None:
        body["username"] = username
    return client.put(f"/api/threads/{thread_id}/read", json=body)


def unread(client, user):
    """Thread id -> unread_count, from the user's thread list."""
    response = client.get(f"/api/threads?user={user}")
    assert response.status_code == 200, response.json
    return {thread["thread_id"]: thread["unread_count"] for thread in response.json}


def test_a_new_thread_has_nothing_unread_and_others_messages_are(service):
    thread_id = new_thread(service, ["quinn", "ana", "ian"])
    assert unread(service, "quinn") == {thread_id: 0}
    post(service, thread_id, "ana")
    post(service, thread_id, "ian")
    assert unread(service, "quinn") == {thread_id: 2}
    assert unread(service, "ana") == {thread_id: 1}  # her own message is read; ian's is not
    assert unread(service, "ian") == {thread_id: 0}
    listed = service.get("/api/threads?user=quinn").json[0]
    assert list(listed) == [
        "thread_id",
        "users",
        "title",
        "created_at",
        "message_count",
        "last_activity_at",
        "last_message",
        "unread_count",
    ]


def test_marking_read_answers_the_marker_and_what_is_left(service):
    thread_id = new_thread(service, ["Quinn", "ana"])
    ids = [post(service, thread_id, "ana", f"m{i}") for i in range(4)]
    response = mark(service, thread_id, ids[1], username="QUINN")
    assert response.status_code == 200
    assert response.json == {
        "thread_id": thread_id,
        "username": "Quinn",
        "last_read_message_id": ids[1],
        "unread_count": 2,
    }
    assert list(response.json) == ["thread_id", "username", "last_read_message_id", "unread_count"]
    assert unread(service, "quinn") == {thread_id: 2}
    assert mark(service, thread_id, ids[-1], username="quinn").json["unread_count"] == 0
    assert unread(service, "quinn") == {thread_id: 0}


def test_the_marker_never_moves_backwards(service):
    thread_id = new_thread(service, ["quinn", "ana"])
    ids = [post(service, thread_id, "ana", f"m{i}") for i in range(3)]
    assert mark(service, thread_id, ids[2], username="quinn").json["unread_count"] == 0
    for older in (ids[0], ids[2], 0):
        response = mark(service, thread_id, older, username="quinn")
        assert response.status_code == 200
        assert response.json == {
            "thread_id": thread_id,
            "username": "quinn",
            "last_read_message_id": ids[2],
            "unread_count": 0,
        }


def test_an_id_beyond_the_last_message_is_422_and_changes_nothing(service, db):
    thread_id = new_thread(service, ["quinn", "ana"])
    first = post(service, thread_id, "ana")
    other_thread = new_thread(service, ["ana", "ian"])
    later = post(service, other_thread, "ian")  # a real message, of another thread, after this one's last
    for beyond in (later, first + 1000, 2**63 - 1):
        response = mark(service, thread_id, beyond, username="quinn")
        assert response.status_code == 422, beyond
        assert list(response.json["errors"]["json"]) == ["last_read_message_id"]
        assert str(first) in response.json["errors"]["json"]["last_read_message_id"][0]
    assert unread(service, "quinn") == {thread_id: 1}
    empty = new_thread(service, ["quinn", "ana"])
    assert mark(service, empty, 1, username="quinn").status_code == 422
    assert mark(service, empty, 0, username="quinn").json == {
        "thread_id": empty,
        "username": "quinn",
        "last_read_message_id": 0,
        "unread_count": 0,
    }


def test_a_marker_between_messages_counts_only_the_threads_messages(service):
    """Message ids are global: the marker may be any id up to the thread's last message, and
    what it has read is the thread's messages up to it."""
    thread_id = new_thread(service, ["quinn", "ana"])
    other = new_thread(service, ["ana", "ian"])
    first = post(service, thread_id, "ana")
    elsewhere = post(service, other, "ian")
    second = post(service, thread_id, "ana")
    third = post(service, thread_id, "ana")
    assert first < elsewhere < second < third
    assert mark(service, thread_id, elsewhere, username="quinn").json["unread_count"] == 2
    assert mark(service, thread_id, second, username="quinn").json["unread_count"] == 1
    assert unread(service, "quinn") == {thread_id: 1}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"last_read_message_id": "5"},
        {"last_read_message_id": 5.5},
        {"last_read_message_id": -1},
        {"last_read_message_id": None},
        {"last_read_message_id": True},
        {"last_read_message_id": 2**63},
    ],
)
def test_a_bad_marker_is_422_naming_the_field(service, body):
    thread_id = new_thread(service, ["quinn", "ana"])
    post(service, thread_id, "ana")
    response = service.put(f"/api/threads/{thread_id}/read", json={"username": "quinn", **body})
    assert response.status_code == 422
    assert "last_read_message_id" in response.json["errors"]["json"]


def test_unknown_fields_and_bad_usernames_are_422(service):
    thread_id = new_thread(service, ["quinn", "ana"])
    message_id = post(service, thread_id, "ana")
    extra = service.put(
        f"/api/threads/{thread_id}/read", json={"username": "quinn", "last_read_message_id": message_id, "x": 1}
    )
    assert extra.status_code == 422 and "x" in extra.json["errors"]["json"]
    assert mark(service, thread_id, message_id, username="not valid").status_code == 422


def test_a_service_token_must_say_whose_marker(service):
    thread_id = new_thread(service, ["quinn", "ana"])
    message_id = post(service, thread_id, "ana")
    missing = mark(service, thread_id, message_id)
    assert missing.status_code == 422
    assert "username" in missing.json["errors"]["json"]
    outsider = mark(service, thread_id, message_id, username="mallory")
    assert outsider.status_code == 403
    assert "username" in outsider.json["errors"]["json"]


def test_unknown_threads_are_404(service):
    for thread_id in (999, 2**31, 10**20):
        response = mark(service, thread_id, 1, username="quinn")
        assert response.status_code == 404, thread_id
        assert response.json["code"] == 404


def test_a_user_token_marks_only_its_own_reads(app, service, quinn):
    thread_id = new_thread(service, ["quinn", "ana"])
    message_id = post(service, thread_id, "ana")
    own = mark(quinn, thread_id, message_id)  # username defaults to the token's user
    assert own.status_code == 200 and own.json["username"] == "quinn" and own.json["unread_count"] == 0
    assert mark(quinn, thread_id, message_id, username="Quinn").status_code == 200
    as_other = mark(quinn, thread_id, message_id, username="ana")
    assert as_other.status_code == 403
    assert "username" in as_other.json["errors"]["json"]
    assert unread(service, "ana") == {thread_id: 0}  # her own message; untouched by quinn's attempt

    jeff = token_client(app, JEFF_TOKEN)
    hidden = mark(jeff, thread_id, message_id)
    assert (hidden.status_code, hidden.json) == (
        404,
        {"code": 404, "status": "Not Found", "message": f"Thread {thread_id} not found."},
    )
    assert mark(jeff, thread_id + 1000, message_id).json["message"] == f"Thread {thread_id + 1000} not found."
    assert mark(jeff, thread_id, message_id, username="quinn").status_code == 403

    reader = token_client(app, READ_TOKEN)
    refused = mark(reader, thread_id, message_id, username="quinn")
    assert refused.status_code == 403 and "Authorization" in refused.json["errors"]["headers"]


def test_a_user_token_lists_its_own_unread_counts(service, quinn):
    thread_id = new_thread(service, ["quinn", "ana"])
    post(service, thread_id, "ana")
    assert {t["thread_id"]: t["unread_count"] for t in quinn.get("/api/threads").json} == {thread_id: 1}


def test_posting_moves_the_posters_marker_to_their_message(service, db):
    thread_id = new_thread(service, ["quinn", "ana"])
    post(service, thread_id, "ana")
    post(service, thread_id, "ana")
    assert unread(service, "quinn") == {thread_id: 2}
    mine = post(service, thread_id, "QUINN")  # replying reads what came before
    assert unread(service, "quinn") == {thread_id: 0}
    assert unread(service, "ana") == {thread_id: 1}
    row = db.session.scalars(
        select(ThreadParticipant).where(ThreadParticipant.thread_id == thread_id, ThreadParticipant.username == "quinn")
    ).one()
    assert (row.last_read_message_id, row.read_count) == (mine, 3)


def test_a_compatibility_post_moves_the_marker_too(service):
    thread_id = new_thread(service, ["quinn", "ana"])
    post(service, thread_id, "ana")
    assert service.post(f"/thread/{thread_id}/quinn", json={"message": "compat"}).status_code == 204
    assert unread(service, "quinn") == {thread_id: 0}
    assert unread(service, "ana") == {thread_id: 1}
    assert service.get(f"/thread/{thread_id}").json == {
        "messages": [{"username": "ana", "message": "hi"}, {"username": "quinn", "message": "compat"}]
    }


def test_listing_with_unread_counts_stays_a_constant_number_of_statements(service, db):
    def statements_to_list():
        with StatementCounter(db.engine) as counter:
            response = service.get("/api/threads?user=quinn&page_size=100")
        assert response.status_code == 200
        return len(counter.statements), response.json

    ThreadFactory(users=["quinn", "jeff"], messages=[("jeff", "hi")])
    few, listed = statements_to_list()
    assert [t["unread_count"] for t in listed] == [1]
    for i in range(20):
        ThreadFactory(users=["quinn", f"user{i}"], messages=[(f"user{i}", "hi")] * (i % 3))
    many, listed = statements_to_list()
    assert len(listed) == 21
    assert sorted(t["unread_count"] for t in listed) == sorted([1] + [i % 3 for i in range(20)])
    assert many == few <= 3


def test_marking_up_to_the_last_message_does_not_count_messages(service, db):
    """The usual mark (up to the newest message) takes the count from the thread row; only a
    marker short of the last message counts the messages it passes."""
    thread_id = new_thread(service, ["quinn", "ana"])
    ids = [post(service, thread_id, "ana", f"m{i}") for i in range(5)]
    with StatementCounter(db.engine) as counter:
        assert mark(service, thread_id, ids[-1], username="quinn").json["unread_count"] == 0
    assert not [s for s in counter.statements if "thread_messages" in s]
    newest = post(service, thread_id, "ana")
    with StatementCounter(db.engine) as counter:
        unchanged = mark(service, thread_id, ids[-1], username="quinn")
    assert unchanged.json["unread_count"] == 1
    assert not [s for s in counter.statements if "thread_messages" in s]
    with StatementCounter(db.engine) as counter:
        assert mark(service, thread_id, newest, username="quinn").json["unread_count"] == 0
    assert not [s for s in counter.statements if "thread_messages" in s]


def test_the_endpoint_is_in_the_spec(service):
    operation = service.get("/api/openapi.json").json["paths"]["/api/threads/{thread_id}/read"]["put"]
    assert operation["summary"] and operation["description"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ReadMarkerUpdate")


@mysql_only
def test_messages_committed_after_the_snapshot_are_counted(app, db, service, quinn, monkeypatch):
    """InnoDB takes a transaction's snapshot at its first plain read: for a user token that is the
    participation check, before the thread is locked. Two messages committed right then (by
    another connection) are invisible to that snapshot; the marker must count them anyway."""
    thread_id = new_thread(service, ["quinn", "ana"])
    first = post(service, thread_id, "ana")
    late = (first + 1000, first + 1001)
    real = service_module._is_participant

    def commit_two_messages_in_between(*args):
        answer = real(*args)
        monkeypatch.setattr(service_module, "_is_participant", real)
        with db.engine.connect() as other:
            for message_id in late:
                other.execute(
                    text(
                        "INSERT INTO thread_messages (id, thread_id, username, message, sent_at)"
                        " VALUES (:id, :thread_id, 'ana', 'late', :now)"
                    ),
                    {"id": message_id, "thread_id": thread_id, "now": utcnow()},
                )
            other.execute(
                text("UPDATE threads SET message_count = 3, last_message_id = :last WHERE id = :id"),
                {"last": late[1], "id": thread_id},
            )
            other.commit()
        return answer

    monkeypatch.setattr(service_module, "_is_participant", commit_two_messages_in_between)
    response = mark(quinn, thread_id, late[0])
    assert response.json == {
        "thread_id": thread_id,
        "username": "quinn",
        "last_read_message_id": late[0],
        "unread_count": 1,
    }
    assert unread(service, "quinn") == {thread_id: 1}
