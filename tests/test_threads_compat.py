"""The screening contract's routes: POST /thread, POST /thread/<id>/<username>, GET /thread/<id>."""

from sqlalchemy import func, select

from intrasoft.threads.models import Thread, ThreadMessage


def test_the_contract_end_to_end(client):
    created = client.post("/thread", json={"users": ["quinn", "jeff_goldblum"]})
    assert created.status_code == 201
    assert created.json == {"thread_id": created.json["thread_id"]}
    thread_id = created.json["thread_id"]
    assert isinstance(thread_id, int)

    for username, message in [("quinn", "This is a message!"), ("jeff_goldblum", "Must go faster."), ("quinn", "ok")]:
        response = client.post(f"/thread/{thread_id}/{username}", json={"message": message})
        assert response.status_code == 204
        assert response.data == b""

    response = client.get(f"/thread/{thread_id}")
    assert response.status_code == 200
    assert response.json == {
        "messages": [
            {"username": "quinn", "message": "This is a message!"},
            {"username": "jeff_goldblum", "message": "Must go faster."},
            {"username": "quinn", "message": "ok"},
        ]
    }


def test_compat_and_api_share_storage(client):
    thread_id = client.post("/thread", json={"users": ["Quinn", "jeff"]}).json["thread_id"]
    assert client.post(f"/thread/{thread_id}/QUINN", json={"message": "from compat"}).status_code == 204
    client.post(f"/api/threads/{thread_id}/messages", json={"username": "jeff", "message": "from api"})
    detail = client.get(f"/api/threads/{thread_id}").json
    assert [(m["username"], m["message"]) for m in detail["messages"]] == [
        ("Quinn", "from compat"),
        ("jeff", "from api"),
    ]
    assert detail["users"] == ["Quinn", "jeff"]
    assert client.get("/api/threads?user=quinn").json[0]["thread_id"] == thread_id


def test_same_validation(client, db):
    assert client.post("/thread", json={"users": ["quinn"]}).status_code == 422
    duplicate = client.post("/thread", json={"users": ["quinn", "QUINN "]})
    assert duplicate.status_code == 422 and "users" in duplicate.json["errors"]["json"]
    thread_id = client.post("/thread", json={"users": ["quinn", "jeff"]}).json["thread_id"]
    for body in ({}, {"message": "   "}, {"message": "x" * 281}, {"message": 1}, {"message": "hi", "username": "jeff"}):
        response = client.post(f"/thread/{thread_id}/quinn", json=body)
        assert response.status_code == 422, body
        assert response.json["errors"]["json"], body
    bad_name = client.post(f"/thread/{thread_id}/not%20valid", json={"message": "hi"})
    assert bad_name.status_code == 422
    assert "username" in bad_name.json["errors"]["path"]
    assert client.post(f"/thread/{thread_id}/quinn", json={"message": "😀" * 280}).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(ThreadMessage)) == 1


def test_403_and_404(client, db):
    thread_id = client.post("/thread", json={"users": ["quinn", "jeff"]}).json["thread_id"]
    forbidden = client.post(f"/thread/{thread_id}/mallory", json={"message": "hi"})
    assert forbidden.status_code == 403
    assert "username" in forbidden.json["errors"]["path"]
    assert client.post("/thread/9999/quinn", json={"message": "hi"}).status_code == 404
    assert client.get("/thread/9999").status_code == 404
    assert client.get("/thread/99999999999999999999999").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ThreadMessage)) == 0


def test_writes_need_the_token(anon_client, client, db):
    assert anon_client.post("/thread", json={"users": ["quinn", "jeff"]}).status_code == 401
    thread_id = client.post("/thread", json={"users": ["quinn", "jeff"]}).json["thread_id"]
    response = anon_client.post(f"/thread/{thread_id}/quinn", json={"message": "hi"})
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert anon_client.get(f"/thread/{thread_id}").json == {"messages": []}
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 1


def test_documented_in_the_openapi_spec(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"/thread", "/thread/{thread_id}", "/thread/{thread_id}/{username}"} <= set(paths)
    post_message = paths["/thread/{thread_id}/{username}"]["post"]
    assert "204" in post_message["responses"] and "403" in post_message["responses"]
    assert post_message["security"] == [{"bearerAuth": []}]
    assert "201" in paths["/thread"]["post"]["responses"]
    assert paths["/thread/{thread_id}"]["get"]["summary"]
