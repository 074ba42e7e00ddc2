"""Threads with user tokens: a user sees, lists and posts only in their own threads, as themselves.

Run against the app whose reads need a token (as in production) and the one whose reads are
open (as in development): the user-token rules hold in both.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from intrasoft.threads.models import Thread, ThreadMessage

from .conftest import JEFF_TOKEN, QUINN_TOKEN, READ_TOKEN, TEST_TOKEN, token_client


@pytest.fixture(params=["reads-need-a-token", "reads-open"])
def served(request, app, db):
    return request.getfixturevalue("locked_app") if request.param == "reads-need-a-token" else app


@pytest.fixture()
def service(served):
    return token_client(served, TEST_TOKEN)


@pytest.fixture()
def quinn(served):
    return token_client(served, QUINN_TOKEN)


@pytest.fixture()
def jeff(served):
    """User B: jeff_goldblum, who is not in quinn's thread with ana."""
    return token_client(served, JEFF_TOKEN)


@pytest.fixture()
def quinns_thread(service):
    thread_id = service.post("/api/threads", json={"users": ["quinn", "ana"]}).json["thread_id"]
    assert (
        service.post(f"/api/threads/{thread_id}/messages", json={"username": "ana", "message": "hi"}).status_code == 201
    )
    return thread_id


def count(db, model):
    db.session.rollback()  # a fresh snapshot: on MariaDB an open transaction would not see the other app's commits
    return db.session.scalar(select(func.count()).select_from(model))


def not_found(thread_id):
    return {"code": 404, "status": "Not Found", "message": f"Thread {thread_id} not found."}


def test_a_user_lists_only_their_own_threads(service, quinn, jeff, quinns_thread):
    jeffs_thread = service.post("/api/threads", json={"users": ["jeff_goldblum", "ana"]}).json["thread_id"]
    assert [t["thread_id"] for t in quinn.get("/api/threads").json] == [quinns_thread]  # ?user= defaults to quinn
    assert [t["thread_id"] for t in quinn.get("/api/threads?user=QUINN").json] == [quinns_thread]
    assert [t["thread_id"] for t in jeff.get("/api/threads").json] == [jeffs_thread]
    other = jeff.get("/api/threads?user=quinn")
    assert other.status_code == 403
    assert "user" in other.json["errors"]["query"]


@pytest.mark.parametrize("token", [TEST_TOKEN, READ_TOKEN], ids=["service", "read"])
def test_service_and_read_tokens_must_name_the_user(served, quinns_thread, token):
    caller = token_client(served, token)
    missing = caller.get("/api/threads")
    assert missing.status_code == 422
    assert "user" in missing.json["errors"]["query"]
    assert [t["thread_id"] for t in caller.get("/api/threads?user=ana").json] == [quinns_thread]


def test_a_thread_the_user_is_not_in_is_not_found(db, jeff, quinn, quinns_thread):
    missing_id = quinns_thread + 1000
    for url in ("/api/threads/{}", "/api/threads/{}/messages", "/thread/{}"):
        hidden = jeff.get(url.format(quinns_thread))
        assert (hidden.status_code, hidden.json) == (404, not_found(quinns_thread)), url
        missing = jeff.get(url.format(missing_id))
        assert (missing.status_code, missing.json) == (404, not_found(missing_id)), url
        assert quinn.get(url.format(quinns_thread)).status_code == 200, url


def test_a_user_cannot_post_in_a_thread_they_are_not_in(db, jeff, quinns_thread):
    for response in (
        jeff.post(f"/api/threads/{quinns_thread}/messages", json={"message": "let me in"}),
        jeff.post(f"/api/threads/{quinns_thread}/messages", json={"username": "jeff_goldblum", "message": "hi"}),
        jeff.post(f"/thread/{quinns_thread}/jeff_goldblum", json={"message": "hi"}),
    ):
        assert (response.status_code, response.json) == (404, not_found(quinns_thread))
    assert count(db, ThreadMessage) == 1


def test_a_user_posts_only_as_themselves(db, jeff, quinn, quinns_thread):
    as_other = quinn.post(f"/api/threads/{quinns_thread}/messages", json={"username": "ana", "message": "it's ana"})
    assert as_other.status_code == 403
    assert "username" in as_other.json["errors"]["json"]
    compat_as_other = quinn.post(f"/thread/{quinns_thread}/ana", json={"message": "it's ana"})
    assert compat_as_other.status_code == 403
    assert "username" in compat_as_other.json["errors"]["path"]
    # Posing as a participant does not get an outsider in either: still 403, nothing stored.
    assert (
        jeff.post(f"/api/threads/{quinns_thread}/messages", json={"username": "quinn", "message": "x"}).status_code
        == 403
    )
    assert jeff.post(f"/thread/{quinns_thread}/quinn", json={"message": "x"}).status_code == 403
    assert count(db, ThreadMessage) == 1

    # As themselves: the username may be left out, or given in any case.
    own = quinn.post(f"/api/threads/{quinns_thread}/messages", json={"message": "from quinn"})
    assert own.status_code == 201 and own.json["username"] == "quinn"
    assert (
        quinn.post(f"/api/threads/{quinns_thread}/messages", json={"username": "QUINN", "message": "x"}).status_code
        == 201
    )
    assert quinn.post(f"/thread/{quinns_thread}/quinn", json={"message": "compat"}).status_code == 204
    assert [m["username"] for m in quinn.get(f"/thread/{quinns_thread}").json["messages"]] == ["ana"] + ["quinn"] * 3


def test_service_tokens_post_as_any_participant_and_must_say_who(db, service, quinns_thread):
    assert (
        service.post(f"/api/threads/{quinns_thread}/messages", json={"username": "quinn", "message": "x"}).status_code
        == 201
    )
    missing = service.post(f"/api/threads/{quinns_thread}/messages", json={"message": "who am I?"})
    assert missing.status_code == 422
    assert "username" in missing.json["errors"]["json"]
    assert (
        service.post(
            f"/api/threads/{quinns_thread}/messages", json={"username": "jeff_goldblum", "message": "x"}
        ).status_code
        == 403
    )


def test_a_user_creates_only_threads_they_are_in(db, jeff):
    for url in ("/api/threads", "/thread"):
        refused = jeff.post(url, json={"users": ["quinn", "ana"]})
        assert refused.status_code == 403, url
        assert "users" in refused.json["errors"]["json"]
    assert count(db, Thread) == 0
    assert jeff.post("/api/threads", json={"users": ["quinn", "Jeff_Goldblum"]}).status_code == 201
    assert jeff.post("/thread", json={"users": ["jeff_goldblum", "ana"]}).status_code == 201
    assert count(db, Thread) == 2


def test_read_tokens_read_every_thread_and_write_none(db, served, quinns_thread):
    reader = token_client(served, READ_TOKEN)
    assert reader.get(f"/api/threads/{quinns_thread}").status_code == 200
    assert reader.get(f"/thread/{quinns_thread}").status_code == 200
    for response in (
        reader.post(f"/api/threads/{quinns_thread}/messages", json={"username": "quinn", "message": "x"}),
        reader.post(f"/thread/{quinns_thread}/quinn", json={"message": "x"}),
        reader.post("/api/threads", json={"users": ["quinn", "ana"]}),
    ):
        assert response.status_code == 403
        assert "Authorization" in response.json["errors"]["headers"]
    assert count(db, ThreadMessage) == 1 and count(db, Thread) == 1
