"""A hostile or careless client never gets a 500, an HTML page or an unbounded answer.

Deep JSON, huge integers, malformed chunked bodies, control characters, odd digits and
dates in year 1 are all client errors in the one JSON shape, naming the field where there is one.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import unicodedata

import pytest

from intrasoft.blueprint import MAX_JSON_DEPTH, json_depth_exceeds
from intrasoft.errors import MAX_LISTED_ERRORS, OMITTED_KEY
from intrasoft.observability import MAX_LOG_TRACEBACK, json_formatter

from .conftest import TEST_TOKEN
from .countries.test_api import make_snapshot
from .factories import CustomerFactory, OpportunityFactory, opportunity_payload
from .servers import serve_app

JSON_WRITES = [
    ("post", "/api/opportunities"),
    ("patch", "/api/opportunities/" + "a" * 32),
    ("put", "/api/revenue/targets/UK/2030"),
    ("post", "/api/threads"),
    ("post", "/api/threads/1/messages"),
    ("post", "/thread"),
    ("post", "/thread/1/quinn"),
]


def send(client, method, path, raw: str):
    return getattr(client, method)(path, data=raw, content_type="application/json")


def assert_json_error(response, status):
    assert response.status_code == status, response.data[:500]
    assert response.is_json, response.data[:500]
    assert {"code", "status", "message"} <= set(response.json)
    assert response.json["code"] == status


# --- nesting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), JSON_WRITES)
def test_deep_json_is_a_400_that_names_the_limit(client, method, path):
    for raw in ("[" * 400 + "]" * 400, '{"name": ' + "[" * 400 + "]" * 400 + "}", '{"a":' * 400 + "1" + "}" * 400):
        response = send(client, method, path, raw)
        assert_json_error(response, 400)
        assert f"at most {MAX_JSON_DEPTH} levels" in response.json["message"]
    # A million levels fit in the 1 MiB limit: still a 400, and no recursion anywhere.
    assert_json_error(send(client, method, path, "[" * 500_000 + "]" * 500_000), 400)


def test_the_nesting_limit_is_exact_and_ignores_brackets_in_strings(client, db):
    CustomerFactory(cid=1)
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert not json_depth_exceeds(at_limit)
    assert json_depth_exceeds("[" + at_limit + "]")
    name = '"' + "[{" * 90 + '\\"' + "]" * 10 + '"'
    assert not json_depth_exceeds('{"name": ' + name + "}")
    created = send(
        client, "post", "/api/opportunities", json.dumps(opportunity_payload())[:-1] + ', "name": ' + name + "}"
    )
    assert created.status_code == 201, created.json
    assert created.json["name"].startswith("[{[{")
    inner = json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))
    nested_field = send(client, "post", "/api/opportunities", json.dumps(opportunity_payload(name=inner)))
    assert_json_error(nested_field, 422)  # 32 levels parse; the schema then refuses a list as a name


# --- integers beyond Python's limit ---------------------------------------------------------------


def test_integers_longer_than_pythons_limit_are_422_naming_the_field(client, db):
    huge = "9" * (sys.get_int_max_str_digits() + 1)
    for field in ("cid", "probability"):
        raw = json.dumps(opportunity_payload())[:-1] + f', "{field}": {huge}' + "}"
        response = send(client, "post", "/api/opportunities", raw)
        assert_json_error(response, 422)
        assert list(response.json["errors"]["json"]) == [field]
    nested = send(client, "post", "/api/threads", '{"users": ["quinn", ' + huge + "]}")
    assert_json_error(nested, 422)
    assert list(nested.json["errors"]["json"]) == ["users"]
    assert_json_error(send(client, "post", "/api/threads", f"[{huge}]"), 400)  # no field to name
    negative = send(client, "put", "/api/revenue/targets/UK/2030", '{"amount": -' + huge + "}")
    assert_json_error(negative, 422)
    assert list(negative.json["errors"]["json"]) == ["amount"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, constant):
    assert_json_error(send(client, "put", "/api/revenue/targets/UK/2030", '{"amount": ' + constant + "}"), 400)


# --- integers in query strings and paths ------------------------------------------------------------

QUERY_INTEGERS = [
    ("/api/customers", "page"),
    ("/api/customers", "page_size"),
    ("/api/customers", "after"),
    ("/api/opportunities", "cid"),
    ("/api/revenue/actuals", "fiscal_year"),
    ("/api/revenue/summary", "fiscal_year"),
    ("/api/threads/1/messages", "after"),
    ("/api/threads/1/messages", "page_size"),
    ("/api/countries/sync-runs", "page"),
]
#: Underscores, fullwidth, Arabic-Indic digits, signs, spaces: all taken by int(), all refused.
NOT_ASCII_INTEGERS = ["1_0", "\uff11", "\u0661", "\u0663", "+5", " 5", "5 ", "0x10", "1e3", "1.0", "", "9" * 5000]


@pytest.mark.parametrize(("path", "name"), QUERY_INTEGERS)
def test_query_integers_take_ascii_digits_only(client, path, name):
    for value in NOT_ASCII_INTEGERS:
        response = client.get(path, query_string={name: value})
        assert_json_error(response, 422)
        assert list(response.json["errors"]["query"]) == [name], value


def test_ascii_query_integers_still_work(client, db):
    assert client.get("/api/customers?page=2&page_size=07").status_code == 200
    response = client.get("/api/customers?page=-1")
    assert_json_error(response, 422)
    assert "greater than or equal to 1" in response.json["errors"]["query"]["page"][0]


def test_path_integers_take_ascii_digits_only(client, db):
    CustomerFactory(cid=1)
    assert client.get("/api/customers/1").status_code == 200
    for segment in ("\u0661", "\uff11", "\U0001d7cf", "1" * 5000):
        assert_json_error(client.get(f"/api/customers/{segment}"), 404)
    assert_json_error(client.put("/api/revenue/targets/UK/\u0662\u0660\u0663\u0660", json={"amount": "1.00"}), 404)


# --- malformed chunked encoding over a real socket -------------------------------------------------

BAD_CHUNKS = [
    b"ZZ\r\n{}\r\n0\r\n\r\n",  # a chunk size that is not hex
    b"-5\r\n{}\r\n0\r\n\r\n",  # a negative chunk size
    b"2\r\n{}XX0\r\n\r\n",  # a chunk without its CRLF terminator
]


def raw_exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def chunked_post(body: bytes) -> bytes:
    return (
        b"POST /api/opportunities HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + TEST_TOKEN.encode() + b"\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body
    )


def assert_unreadable_body_answer(raw: bytes) -> None:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert 400 <= status < 500, raw[:300]
    assert b"content-type: application/json" in head.lower(), raw[:300]
    payload = json.loads(body)
    assert payload["code"] == status and "could not be read" in payload["message"]


@pytest.mark.parametrize("chunks", BAD_CHUNKS)
def test_malformed_chunked_bodies_are_json_4xx_on_the_werkzeug_server(app, db, chunks):
    with serve_app(app) as base:
        assert_unreadable_body_answer(raw_exchange(int(base.rsplit(":", 1)[1]), chunked_post(chunks)))


def test_malformed_chunked_bodies_are_json_4xx_under_gunicorn(tmp_path):
    from .test_gunicorn import gunicorn_with_shipped_config

    with gunicorn_with_shipped_config(tmp_path, GUNICORN_WORKERS="1", API_TOKENS=TEST_TOKEN) as (base, _, stderr):
        port = int(base.rsplit(":", 1)[1])
        for chunks in BAD_CHUNKS:
            assert_unreadable_body_answer(raw_exchange(port, chunked_post(chunks)))
    assert "unhandled exception" not in stderr.read_text()


# --- bounded answers and log lines --------------------------------------------------------------------


def test_a_huge_list_of_bad_usernames_gets_a_small_422(client):
    raw = json.dumps({"users": ["!"] * 100_000})
    assert len(raw) > 500_000
    response = send(client, "post", "/api/threads", raw)
    assert_json_error(response, 422)
    assert len(response.data) < 5_000, len(response.data)
    users = response.json["errors"]["json"]["users"]
    assert len(users) == MAX_LISTED_ERRORS + 1
    assert users[OMITTED_KEY] == [f"{100_000 - MAX_LISTED_ERRORS} more entries left out."]
    assert users["0"] == ["Only letters, digits, '.', '_' and '-' are allowed."]


def test_long_error_texts_are_cut(client):
    names = [f"user{i}" for i in range(50)]
    response = client.post("/api/threads", json={"users": names + [name.upper() for name in names]})
    assert_json_error(response, 422)  # the duplicates message lists 50 pairs
    (message,) = response.json["errors"]["json"]["users"]
    assert len(message) < 600 and "more characters left out" in message


def test_a_small_deep_body_logs_no_long_line(client, capsys):
    raw = "[" * 450 + "]" * 450
    assert len(raw) == 900
    assert_json_error(send(client, "post", "/api/threads", raw), 400)
    assert all(len(line) < 2_000 for line in capsys.readouterr().out.splitlines())


def _ping(depth: int):
    return _pong(depth - 1) if depth else (_ for _ in ()).throw(ValueError("deep"))


def _pong(depth: int):
    return _ping(depth - 1)


def test_log_lines_cut_long_messages_and_tracebacks_keeping_the_exception():
    formatter = json_formatter()
    try:
        _ping(400)  # two alternating frames: Python cannot fold them, the traceback is ~100 KB
    except ValueError:
        record = logging.LogRecord("intrasoft", logging.ERROR, __file__, 1, "m" * 100_000, None, sys.exc_info())
    line = formatter.format(record)
    assert len(line) < MAX_LOG_TRACEBACK + 3_000, len(line)
    entry = json.loads(line)
    assert entry["message"].endswith("characters cut]")
    traceback = entry["exc_info"]
    assert traceback.startswith("Traceback") and "characters cut" in traceback
    assert traceback.rstrip().endswith("ValueError: deep"), "the end, where the exception is, is kept"


# --- control characters ---------------------------------------------------------------------------------

CONTROL_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]


def body_text_cases():
    """(method, path, body builder, field): every text field of every JSON body."""
    oid = "a" * 32
    return [
        ("post", "/api/opportunities", lambda v: opportunity_payload(name=v), "name"),
        ("post", "/api/opportunities", lambda v: opportunity_payload(account_executive=v), "account_executive"),
        ("post", "/api/opportunities", lambda v: opportunity_payload(technical_specialist=v), "technical_specialist"),
        (
            "post",
            "/api/opportunities",
            lambda v: opportunity_payload(opportunity_sales_group=v),
            "opportunity_sales_group",
        ),
        ("post", "/api/opportunities", lambda v: opportunity_payload(non_recurring=v), "non_recurring"),
        ("patch", f"/api/opportunities/{oid}", lambda v: {"name": v}, "name"),
        ("patch", f"/api/opportunities/{oid}", lambda v: {"non_recurring": v}, "non_recurring"),
        ("patch", f"/api/opportunities/{oid}", lambda v: {"account_executive": v}, "account_executive"),
        ("post", "/api/threads", lambda v: {"users": ["quinn", "jeff"], "title": v}, "title"),
        ("post", "/api/threads", lambda v: {"users": ["quinn", v]}, "users"),
        ("post", "/thread", lambda v: {"users": ["quinn", v]}, "users"),
        ("post", "/api/threads/1/messages", lambda v: {"username": v, "message": "hi"}, "username"),
        ("post", "/api/threads/1/messages", lambda v: {"username": "quinn", "message": v}, "message"),
        ("post", "/thread/1/quinn", lambda v: {"message": v}, "message"),
    ]


@pytest.mark.parametrize(("method", "path", "build", "field"), body_text_cases())
def test_body_text_fields_refuse_control_characters(client, db, method, path, build, field):
    OpportunityFactory(oid="a" * 32, customer=CustomerFactory(cid=1))
    for char in CONTROL_CHARACTERS:
        # At the end, where trimming would remove the C0 characters Python counts as whitespace.
        response = getattr(client, method)(path, json=build("abc" + char))
        assert_json_error(response, 422)
        assert list(response.json["errors"]["json"]) == [field], (repr(char), response.json)


QUERY_TEXT = [
    ("/api/customers", "q"),
    ("/api/customers", "account_executive"),
    ("/api/customers", "customer_type"),
    ("/api/countries", "country"),
    ("/api/threads", "user"),
]


@pytest.mark.parametrize(("path", "name"), QUERY_TEXT)
def test_query_text_refuses_control_characters(client, db, path, name):
    CustomerFactory(cid=1)
    for char in CONTROL_CHARACTERS:
        response = client.get(path, query_string={name: "ab" + char})
        assert_json_error(response, 422)
        assert list(response.json["errors"]["query"]) == [name]


def test_messages_keep_tabs_and_line_breaks(client, db):
    thread = client.post("/api/threads", json={"users": ["quinn", "jeff"]}).json
    text = "line one\r\nline two\n\tindented"
    posted = client.post(f"/api/threads/{thread['thread_id']}/messages", json={"username": "quinn", "message": text})
    assert posted.status_code == 201 and posted.json["message"] == text


def spec_string(spec, schema_name, field):
    schema = spec["components"]["schemas"][schema_name]["properties"][field]
    return schema.get("items", schema) if schema.get("type") == "array" else schema


def test_the_spec_declares_the_text_rules(client):
    spec = client.get("/api/openapi.json").json
    declared = [
        spec_string(spec, "OpportunityCreate", "name"),
        spec_string(spec, "OpportunityCreate", "account_executive"),
        spec_string(spec, "OpportunityUpdate", "technical_specialist"),
        spec_string(spec, "OpportunityCreate", "opportunity_sales_group"),
        spec_string(spec, "OpportunityUpdate", "non_recurring"),
        spec_string(spec, "ThreadCreate", "title"),
        spec_string(spec, "ThreadCreate", "users"),
        spec_string(spec, "MessageCreate", "username"),
        spec_string(spec, "MessageCreate", "message"),
        spec_string(spec, "CompatMessageCreate", "message"),
    ]
    for operation, names in (
        ("/api/customers", {"q", "account_executive", "customer_type"}),
        ("/api/countries", {"country"}),
    ):
        for parameter in spec["paths"][operation]["get"]["parameters"]:
            if parameter["name"] in names:
                declared.append(parameter["schema"])
    assert len(declared) == 14
    for schema in declared:
        pattern = re.compile(schema["pattern"])
        assert schema["minLength"] == 1 and schema["maxLength"] >= 32
        assert pattern.search("quinn")
        for char in CONTROL_CHARACTERS:
            assert not pattern.search("quinn" + char), (schema, repr(char))
    name = spec_string(spec, "OpportunityCreate", "name")
    assert not re.search(name["pattern"], "   ") and name["maxLength"] == 200  # blank is refused too
    assert spec["components"]["schemas"]["ThreadCreate"]["properties"]["users"]["uniqueItems"] is True


def test_blank_names_are_refused_as_the_spec_says(client, db):
    """The bug schemathesis' CLI found: `"name": ""` was a 422 the spec did not announce."""
    OpportunityFactory(oid="a" * 32, customer=CustomerFactory(cid=1))
    spec = client.get("/api/openapi.json").json
    for field in ("name", "account_executive", "technical_specialist", "opportunity_sales_group", "non_recurring"):
        schema = spec_string(spec, "OpportunityUpdate", field)
        for blank in ("", "   "):
            assert len(blank) < schema["minLength"] or not re.search(schema["pattern"], blank)
            response = client.patch("/api/opportunities/" + "a" * 32, json={field: blank})
            assert_json_error(response, 422)


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1000-06-15", "1999-12-31"])
def test_delivery_dates_before_2000_are_refused(client, db, day):
    OpportunityFactory(oid="a" * 32, customer=CustomerFactory(cid=1), opportunity_status="won", probability=100)
    created = client.post(
        "/api/opportunities", json=opportunity_payload(opportunity_status="won", estimated_delivery_date=day)
    )
    assert_json_error(created, 422)
    assert list(created.json["errors"]["json"]) == ["estimated_delivery_date"]
    patched = client.patch("/api/opportunities/" + "a" * 32, json={"estimated_delivery_date": day})
    assert_json_error(patched, 422)
    assert list(patched.json["errors"]["json"]) == ["estimated_delivery_date"]


def test_a_won_deal_may_be_delivered_on_the_first_day_of_2000(client, db):
    CustomerFactory(cid=1)
    created = client.post(
        "/api/opportunities", json=opportunity_payload(opportunity_status="won", estimated_delivery_date="2000-01-01")
    )
    assert created.status_code == 201, created.json


def test_every_date_parameter_has_a_lower_bound(client):
    spec = client.get("/api/openapi.json").json
    dates = []
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if method != "parameters" else []:
                if parameter["schema"].get("format") == "date":
                    dates.append(parameter["schema"])
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith(("Create", "Update", "Input")):
            dates += [p for p in schema.get("properties", {}).values() if p.get("format") == "date"]
    assert len(dates) >= 3  # summary and data-quality as_of, the close date
    for schema in dates:
        assert not re.search(schema["pattern"], "0001-01-01") and not re.search(schema["pattern"], "1999-06-30")


# --- Unicode normalisation of searches ---------------------------------------------------------------------

COMPOSED = "Émile Bénard"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


def test_customer_searches_find_composed_names_from_decomposed_input(client, db):
    assert COMPOSED != DECOMPOSED
    CustomerFactory(cid=1, name="Société " + COMPOSED, account_executive=COMPOSED)
    CustomerFactory(cid=2, name="Other", account_executive="Other")
    by_name = client.get("/api/customers", query_string={"q": unicodedata.normalize("NFD", "Société")})
    assert [c["cid"] for c in by_name.json] == [1]
    by_executive = client.get("/api/customers", query_string={"account_executive": DECOMPOSED})
    assert [c["cid"] for c in by_executive.json] == [1]


def test_country_filter_finds_composed_names_from_decomposed_input(client, db):
    make_snapshot(db, [("Côte d'Ivoire", "Awa", "Koné", "female", "a@example.com")])
    decomposed = unicodedata.normalize("NFD", "côte d'ivoire")
    body = client.get("/api/countries", query_string={"country": decomposed}).json
    assert [c["name"] for c in body["countries"]] == ["Côte d'Ivoire"]


def test_thread_user_filter_finds_composed_names_from_decomposed_input(client, db):
    created = client.post("/api/threads", json={"users": ["zoé", "quinn"]})
    assert created.status_code == 201
    listed = client.get("/api/threads", query_string={"user": unicodedata.normalize("NFD", "Zoé")})
    assert [t["thread_id"] for t in listed.json] == [created.json["thread_id"]]
