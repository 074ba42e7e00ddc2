"""Bad input of every kind gets a JSON 4xx naming the field, and nothing is half-written."""

import json
import unicodedata

import pytest
from sqlalchemy import func, select

from intrasoft.threads.models import Thread, ThreadMessage, ThreadParticipant
from intrasoft.threads.validation import MESSAGE_MAX_CHARACTERS, character_count
from intrasoft.usernames import username_key


def assert_nothing_written(db):
    for model in (Thread, ThreadParticipant, ThreadMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def assert_nothing_new(db, threads, messages):
    assert db.session.scalar(select(func.count()).select_from(Thread)) == threads
    assert db.session.scalar(select(func.count()).select_from(ThreadMessage)) == messages


@pytest.fixture()
def thread_id(client):
    return client.post("/api/threads", json={"users": ["quinn", "jeff"]}).json["thread_id"]


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", 3),
        ("😀", 1),
        ("é", 1),  # precomposed
        ("e\u0301", 1),  # e + combining acute accent
        ("👍🏽", 1),  # emoji + skin tone modifier
        ("👨\u200d👩\u200d👧\u200d👦", 1),  # ZWJ family
        ("🇫🇷", 1),  # flag: two regional indicators
        ("a\r\nb", 3),
    ],
)
def test_character_count_counts_what_a_reader_sees(text, expected):
    assert character_count(text) == expected


def test_username_key_is_casefolded():
    assert username_key("Quinn") == username_key("QUINN") == "quinn"
    assert username_key("Straße") == username_key("STRASSE")
    assert username_key("Zoé") != username_key("zoe")
    assert username_key("Zoe\u0301") == username_key("ZOÉ")


# --- creating a thread -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "users"),
        ({"users": None}, "users"),
        ({"users": "quinn"}, "users"),
        ({"users": {"a": 1}}, "users"),
        ({"users": []}, "users"),
        ({"users": ["quinn"]}, "users"),
        ({"users": [f"u{i}" for i in range(101)]}, "users"),
        ({"users": ["quinn", 7]}, "users"),
        ({"users": ["quinn", None]}, "users"),
        ({"users": ["quinn", ""]}, "users"),
        ({"users": ["quinn", "   "]}, "users"),
        ({"users": ["quinn", "jeff goldblum"]}, "users"),
        ({"users": ["quinn", "jeff@example.com"]}, "users"),
        ({"users": ["quinn", "x" * 65]}, "users"),
        ({"users": ["quinn", "bad\u0000name"]}, "users"),
        ({"users": ["quinn", "\ud800"]}, "users"),
        ({"users": ["quinn", "jeff"], "title": 5}, "title"),
        ({"users": ["quinn", "jeff"], "title": "   "}, "title"),
        ({"users": ["quinn", "jeff"], "title": "t" * 201}, "title"),
        ({"users": ["quinn", "jeff"], "title": "\udfff"}, "title"),
        ({"users": ["quinn", "jeff"], "thread_id": 3}, "thread_id"),
    ],
)
def test_bad_thread_bodies_get_422_naming_the_field(client, db, body, field):
    response = client.post("/api/threads", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert field in response.json["errors"]["json"], response.json
    assert_nothing_written(db)


def test_64_characters_is_the_longest_username(client):
    assert client.post("/api/threads", json={"users": ["x" * 64, "é" * 64]}).status_code == 201


@pytest.mark.parametrize(
    "users",
    [
        ["quinn", "jeff", "Quinn"],
        ["quinn", "jeff", " quinn "],
        ["QUINN", "quinn"],
        ["Straße", "STRASSE"],
        ["Zoé", "ZOE\u0301"],
    ],
)
def test_duplicate_users_get_422_naming_them(client, db, users):
    response = client.post("/api/threads", json={"users": users})
    assert response.status_code == 422
    messages = response.json["errors"]["json"]["users"]
    assert isinstance(messages, list) and len(messages) == 1
    repeated = unicodedata.normalize("NFC", users[-1].strip())
    assert repr(repeated) in messages[0], messages
    assert_nothing_written(db)


def test_duplicate_error_names_every_repeated_user(client):
    response = client.post("/api/threads", json={"users": ["a", "b", "A", "c", "B", "a"]})
    message = response.json["errors"]["json"]["users"][0]
    for name in ("'A'", "'B'", "'a'"):
        assert name in message
    assert "'c'" not in message


# --- posting a message -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "message"),
        ({"username": "quinn"}, "message"),
        ({"message": "hi"}, "username"),
        ({"username": "quinn", "message": None}, "message"),
        ({"username": "quinn", "message": 42}, "message"),
        ({"username": "quinn", "message": ["hi"]}, "message"),
        ({"username": "quinn", "message": ""}, "message"),
        ({"username": "quinn", "message": "   "}, "message"),
        ({"username": "quinn", "message": "\n\t \u3000"}, "message"),
        ({"username": "quinn", "message": "\u200b\u200d\ufeff"}, "message"),
        ({"username": "quinn", "message": "x" * 281}, "message"),
        ({"username": "quinn", "message": "😀" * 281}, "message"),
        ({"username": "quinn", "message": "\ud83d"}, "message"),
        ({"username": "quinn", "message": "a" + "\u0301" * 3000}, "message"),
        ({"username": 3, "message": "hi"}, "username"),
        ({"username": "not valid", "message": "hi"}, "username"),
        ({"username": "quinn", "message": "hi", "sent_at": "2020-01-01T00:00:00Z"}, "sent_at"),
    ],
)
def test_bad_message_bodies_get_422_naming_the_field(client, db, thread_id, body, field):
    response = client.post(f"/api/threads/{thread_id}/messages", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json
    assert_nothing_new(db, threads=1, messages=0)


@pytest.mark.parametrize(
    "text",
    ["x" * MESSAGE_MAX_CHARACTERS, "😀" * 280, "é" * 280, "e\u0301" * 280, "👍🏽" * 280, "🇫🇷" * 280, "x", " x "],
)
def test_messages_up_to_280_characters_are_accepted(client, thread_id, text):
    response = client.post(f"/api/threads/{thread_id}/messages", json={"username": "quinn", "message": text})
    assert response.status_code == 201, response.json
    assert response.json["message"] == text


def test_281_characters_error_says_how_many(client, thread_id):
    response = client.post(f"/api/threads/{thread_id}/messages", json={"username": "quinn", "message": "é" * 281})
    assert response.json["errors"]["json"]["message"] == ["At most 280 characters (this one has 281)."]


# --- transport-level bad input ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/threads", "/api/threads/{tid}/messages", "/thread", "/thread/{tid}/quinn"])
def test_huge_body_gets_413(client, db, thread_id, path):
    body = '{"users": ["quinn", "jeff"], "username": "quinn", "message": "' + "x" * (1024 * 1024 + 10) + '"}'
    response = client.post(path.format(tid=thread_id), data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["code"] == 413
    assert_nothing_new(db, threads=1, messages=0)


@pytest.mark.parametrize("path", ["/api/threads", "/api/threads/{tid}/messages", "/thread", "/thread/{tid}/quinn"])
def test_non_json_gets_415_and_malformed_json_400(client, db, thread_id, path):
    url = path.format(tid=thread_id)
    response = client.post(url, data="users=quinn&users=jeff", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["errors"]["headers"]["Content-Type"]
    response = client.post(url, data='{"users": ["quinn", "jeff"', content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == 400 and "json" in response.json["errors"]
    response = client.post(url, data=b'{"message": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400
    assert_nothing_new(db, threads=1, messages=0)


@pytest.mark.parametrize("body", ["[]", '"quinn"', "null", "42"])
def test_json_that_is_not_an_object_gets_422(client, db, thread_id, body):
    for url in ("/api/threads", f"/api/threads/{thread_id}/messages", "/thread", f"/thread/{thread_id}/quinn"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 422, (url, body, response.json)
        assert response.json["errors"]["json"]
    assert_nothing_new(db, threads=1, messages=0)
