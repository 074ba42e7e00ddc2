"""The /api/threads REST API: creation, messages, reads, listing and their rules."""

import json

import pytest
from sqlalchemy import func, select

from intrasoft.threads.models import Thread, ThreadMessage, ThreadParticipant

from .factories import ThreadFactory
from .helpers import StatementCounter


def create_thread(client, users, **extra):
    response = client.post("/api/threads", json={"users": users, **extra})
    assert response.status_code == 201, response.json
    return response.json


def post(client, thread_id, username, message):
    return client.post(f"/api/threads/{thread_id}/messages", json={"username": username, "message": message})


def count_rows(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- creating threads -----------------------------------------------------------------


def test_create_thread_returns_201_with_the_stored_thread(client, db):
    response = client.post("/api/threads", json={"users": [" quinn ", "Jeff_Goldblum"], "title": " Lunch "})
    assert response.status_code == 201
    body = response.json
    assert list(body) == ["thread_id", "users", "title", "created_at"]
    assert body["users"] == ["quinn", "Jeff_Goldblum"]  # trimmed, stored as first given
    assert body["title"] == "Lunch"
    assert body["created_at"].endswith("Z")
    assert response.headers["Location"].endswith(f"/api/threads/{body['thread_id']}")
    keys = db.session.scalars(
        select(ThreadParticipant.username_key).where(ThreadParticipant.thread_id == body["thread_id"])
    ).all()
    assert sorted(keys) == ["jeff_goldblum", "quinn"]


def test_title_is_optional(client):
    assert create_thread(client, ["a", "b"])["title"] is None
    assert create_thread(client, ["a", "b"], title=None)["title"] is None


def test_accented_and_unicode_usernames(client):
    body = create_thread(client, ["Zoé", "zoe", "Jürgen.Müller", "ÉLODIE"])
    assert body["users"] == ["Zoé", "zoe", "Jürgen.Müller", "ÉLODIE"]
    # 'Zoé' and 'zoe' are different people; the same name in another case is not.
    response = client.post("/api/threads", json={"users": ["Zoé", "ZOÉ"]})
    assert response.status_code == 422


def test_a_hundred_participants_is_the_maximum(client):
    users = [f"user{i}" for i in range(100)]
    assert create_thread(client, users)["users"] == users


# --- messages ---------------------------------------------------------------------------


def test_post_message_returns_201_with_the_stored_message(client):
    thread = create_thread(client, ["quinn", "Jeff_Goldblum"])
    response = post(client, thread["thread_id"], "JEFF_GOLDBLUM", "Life, uh, finds a way.")
    assert response.status_code == 201
    message = response.json
    assert list(message) == ["id", "thread_id", "username", "message", "sent_at"]
    assert message["thread_id"] == thread["thread_id"]
    assert message["username"] == "Jeff_Goldblum"  # the participant's stored name, whatever the case sent
    assert message["message"] == "Life, uh, finds a way."
    assert message["sent_at"].endswith("Z")


def test_message_text_is_stored_exactly(client):
    thread = create_thread(client, ["a", "b"])
    text = "  Ça va ? 👍🏽 \n second line  "
    stored = post(client, thread["thread_id"], "a", text).json
    assert stored["message"] == text
    assert client.get(f"/api/threads/{thread['thread_id']}").json["messages"][0]["message"] == text


def test_non_participant_gets_403_and_nothing_is_stored(client, db):
    thread = create_thread(client, ["quinn", "jeff"])
    response = post(client, thread["thread_id"], "mallory", "hello")
    assert response.status_code == 403
    assert response.json["code"] == 403
    assert "username" in response.json["errors"]["json"]
    assert count_rows(db, ThreadMessage) == 0


def test_unknown_thread_gets_404(client):
    for path in ("/api/threads/999", "/api/threads/999/messages", "/api/threads/99999999999999999999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json["code"] == 404
    assert post(client, 999, "quinn", "hi").status_code == 404
    assert post(client, 99999999999999999999, "quinn", "hi").status_code == 404


def test_thread_counters_follow_the_messages(client, db):
    thread = create_thread(client, ["a", "b"])
    ids = [post(client, thread["thread_id"], user, f"m{i}").json["id"] for i, user in enumerate("abab")]
    stored = db.session.get(Thread, thread["thread_id"])
    assert stored.message_count == 4
    assert stored.last_message_id == ids[-1]
    last = db.session.get(ThreadMessage, ids[-1])
    assert stored.last_activity_at == last.sent_at


# --- reading a thread -----------------------------------------------------------------------


def test_get_thread_has_participants_and_last_50_messages_ascending(client):
    thread = create_thread(client, ["quinn", "jeff"], title="Dinos")
    ids = [post(client, thread["thread_id"], "quinn", f"message {i}").json["id"] for i in range(55)]
    body = client.get(f"/api/threads/{thread['thread_id']}").json
    assert body["thread_id"] == thread["thread_id"]
    assert body["users"] == ["quinn", "jeff"]
    assert body["title"] == "Dinos"
    assert body["message_count"] == 55
    assert [m["id"] for m in body["messages"]] == ids[-50:]
    assert body["messages"][-1]["message"] == "message 54"


def test_empty_thread_has_no_messages(client):
    thread = create_thread(client, ["quinn", "jeff"])
    body = client.get(f"/api/threads/{thread['thread_id']}").json
    assert body["messages"] == [] and body["message_count"] == 0
    assert body["last_activity_at"] == body["created_at"]


def test_messages_keyset_pagination(client):
    thread = create_thread(client, ["quinn", "jeff"])
    tid = thread["thread_id"]
    ids = [post(client, tid, "jeff", f"m{i}").json["id"] for i in range(7)]
    other = create_thread(client, ["quinn", "jeff"])
    post(client, other["thread_id"], "jeff", "elsewhere")

    seen, after = [], 0
    while after is not None:
        response = client.get(f"/api/threads/{tid}/messages?after={after}&page_size=3")
        assert response.status_code == 200
        assert isinstance(response.json, list)
        seen += [m["id"] for m in response.json]
        after = json.loads(response.headers["X-Pagination"])["next_after"]
    assert seen == ids

    # Polling from the last message seen returns only what is new.
    assert client.get(f"/api/threads/{tid}/messages?after={ids[-1]}").json == []
    new = post(client, tid, "quinn", "new").json
    assert client.get(f"/api/threads/{tid}/messages?after={ids[-1]}").json == [new]
    # Without `after`, from the start.
    assert [m["id"] for m in client.get(f"/api/threads/{tid}/messages").json] == [*ids, new["id"]]


@pytest.mark.parametrize(
    "query", ["after=-1", "after=abc", "page_size=0", "page_size=101", "page_size=x", "after=99999999999999999999999"]
)
def test_messages_bad_query(client, query):
    thread = create_thread(client, ["quinn", "jeff"])
    response = client.get(f"/api/threads/{thread['thread_id']}/messages?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in response.json["errors"]["query"]


def test_newest_page_reads_use_the_thread_id_index(client, db):
    thread = create_thread(client, ["quinn", "jeff"])
    post(client, thread["thread_id"], "quinn", "hi")
    with StatementCounter(db.engine) as counter:
        client.get(f"/api/threads/{thread['thread_id']}")
    newest = [s for s in counter.statements if "thread_messages" in s and "ORDER BY" in s]
    assert len(newest) == 1
    assert "ORDER BY thread_messages.id DESC" in newest[0] and "LIMIT" in newest[0]


# --- listing a user's threads ----------------------------------------------------------------


def test_list_requires_user(client):
    response = client.get("/api/threads")
    assert response.status_code == 422
    assert "user" in response.json["errors"]["query"]
    assert client.get("/api/threads?user=not%20valid").status_code == 422


def test_list_a_users_threads_most_recent_activity_first(client):
    first = create_thread(client, ["Quinn", "jeff"], title="first")
    second = create_thread(client, ["quinn", "ian"], title="second")
    third = create_thread(client, ["jeff", "ian"], title="not mine")
    post(client, first["thread_id"], "jeff", "bump")  # first is now the most recent

    response = client.get("/api/threads?user=QUINN")
    assert response.status_code == 200
    listed = response.json
    assert [t["thread_id"] for t in listed] == [first["thread_id"], second["thread_id"]]
    assert third["thread_id"] not in [t["thread_id"] for t in listed]
    top = listed[0]
    assert top["users"] == ["Quinn", "jeff"]
    assert top["title"] == "first"
    assert top["message_count"] == 1
    assert top["last_message"]["message"] == "bump" and top["last_message"]["username"] == "jeff"
    assert listed[1]["last_message"] is None and listed[1]["message_count"] == 0
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert client.get("/api/threads?user=nobody").json == []


def test_list_is_paginated(client):
    ids = [create_thread(client, ["quinn", f"u{i}"])["thread_id"] for i in range(5)]
    page1 = client.get("/api/threads?user=quinn&page_size=2")
    page3 = client.get("/api/threads?user=quinn&page_size=2&page=3")
    assert [t["thread_id"] for t in page1.json] == ids[::-1][:2]
    assert [t["thread_id"] for t in page3.json] == ids[::-1][4:]
    assert json.loads(page1.headers["X-Pagination"])["total_pages"] == 3


def test_listing_uses_a_constant_number_of_statements(client, db):
    def statements_to_list():
        with StatementCounter(db.engine) as counter:
            response = client.get("/api/threads?user=quinn&page_size=100")
        assert response.status_code == 200
        return len(counter.statements), len(response.json)

    ThreadFactory(users=["quinn", "jeff"], messages=[("jeff", "hi")])
    few, listed = statements_to_list()
    assert listed == 1
    for i in range(30):
        ThreadFactory(users=["quinn", f"user{i}", f"other{i}"], messages=[("quinn", f"message {i}")])
    many, listed = statements_to_list()
    assert listed == 31
    assert many == few
    assert few <= 3  # count, page (with each last message), participants


# --- auth --------------------------------------------------------------------------------------


def test_writes_need_the_token_reads_do_not(anon_client, client, db):
    thread = create_thread(client, ["quinn", "jeff"])
    assert anon_client.post("/api/threads", json={"users": ["a", "b"]}).status_code == 401
    response = anon_client.post(
        f"/api/threads/{thread['thread_id']}/messages", json={"username": "quinn", "message": "x"}
    )
    assert response.status_code == 401
    assert anon_client.get(f"/api/threads/{thread['thread_id']}").status_code == 200
    assert anon_client.get("/api/threads?user=quinn").status_code == 200
    assert count_rows(db, Thread) == 1 and count_rows(db, ThreadMessage) == 0


def test_endpoints_are_in_the_openapi_spec(client):
    spec = client.get("/api/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/threads", "/api/threads/{thread_id}", "/api/threads/{thread_id}/messages"):
        assert path in paths, path
    create = paths["/api/threads"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert {"201", "401", "413", "415", "422"} <= set(create["responses"])
    assert {"201", "401", "403", "404", "422"} <= set(paths["/api/threads/{thread_id}/messages"]["post"]["responses"])
    for operation in (create, paths["/api/threads"]["get"]):
        assert operation["summary"] and operation["description"]
