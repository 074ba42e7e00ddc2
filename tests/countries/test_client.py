"""The randomuser client against the real fake server on loopback: retries, deadlines, validation."""

import json
import socket
import time
from datetime import timedelta
from email.utils import format_datetime

import pytest
import urllib3.exceptions
import urllib3.response

from intrasoft.countries import client as client_module
from intrasoft.countries.client import (
    PullFailed,
    RandomUserClient,
    parse_body,
    people_from_records,
    person_from_record,
    retry_after_seconds,
    uuid_from_email,
)
from intrasoft.countries.demo_people import generate_people
from intrasoft.database import utcnow


def make_client(fake, **options):
    sleeps = []
    settings = {"results": 20, "seed": "client", "timeout": 2.0, "retries": 3, "backoff": 0.01, "deadline": 10.0}
    settings.update(options)
    client = RandomUserClient(fake.url, sleep=lambda s: sleeps.append(s), **settings)
    return client, sleeps


def test_good_pull_sends_results_seed_and_nat(fake):
    client, _ = make_client(fake, nat="fr,de")
    pull = client.fetch()
    assert (pull.received, pull.skipped, pull.duplicates, pull.attempts) == (20, 0, 0, 1)
    assert fake.requests[-1]["query"] == {"results": "20", "seed": "client", "nat": "fr,de"}
    assert {p["country"] for p in pull.people} <= {"France", "Germany"}


@pytest.mark.parametrize("mode", ["500", "503", "drop", "429"])
def test_transient_failures_are_retried_then_succeed(fake, mode):
    fake.plan({"mode": mode, "retry_after": 0}, {"mode": mode, "retry_after": 0})
    client, sleeps = make_client(fake)
    pull = client.fetch()
    assert pull.attempts == 3
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]  # exponential backoff


def test_retries_stop_after_three(fake):
    fake.set_default("503")
    client, sleeps = make_client(fake)
    with pytest.raises(PullFailed) as failure:
        client.fetch()
    assert failure.value.reason == "HTTP 503, after 4 attempts"
    assert failure.value.attempts == 4 and len(sleeps) == 3
    assert len(fake.requests) == 4


def test_retry_after_is_honoured(fake):
    fake.plan({"mode": "429", "retry_after": 3})
    client, sleeps = make_client(fake)
    client.fetch()
    assert sleeps[0] >= 3


def test_retry_after_past_the_deadline_fails_without_waiting(fake):
    fake.plan({"mode": "429", "retry_after": 3600})
    client, sleeps = make_client(fake, deadline=20)
    with pytest.raises(PullFailed, match="would pass the 20 s deadline") as failure:
        client.fetch()
    assert "ease up there cowboy" in failure.value.reason
    assert sleeps == []


def test_client_errors_are_not_retried(fake, monkeypatch):
    client, sleeps = make_client(fake)
    client.url = fake.base_url + "/nothing-here"
    with pytest.raises(PullFailed, match=r"^HTTP 404"):
        client.fetch()
    assert sleeps == [] and len(fake.requests) == 0


def test_a_slow_server_times_out_and_is_retried(fake):
    fake.plan({"mode": "slow", "delay": 1.0})
    client, sleeps = make_client(fake, timeout=0.2)
    pull = client.fetch()
    assert pull.attempts == 2 and len(sleeps) == 1


def test_the_deadline_bounds_the_whole_pull(fake):
    fake.set_default({"mode": "slow", "delay": 1.0})
    client, _ = make_client(fake, timeout=0.3, deadline=0.5, backoff=0.5)
    with pytest.raises(PullFailed, match=r"timed out.*deadline"):
        client.fetch()


@pytest.mark.parametrize(("phase", "doing"), [("body", "reading"), ("headers", "waiting for")])
def test_a_trickling_server_cannot_hold_a_pull_past_its_deadline(fake, phase, doing):
    """A server sending one byte every 50 ms never trips a read timeout; the deadline still holds.

    Real clock, real loopback server: an upper bound on a failure path (deadline 1 s, margin 1 s;
    the trickle itself would last 10 s).
    """
    fake.plan({"mode": "trickle", "phase": phase, "interval": 0.05, "seconds": 10})
    client, sleeps = make_client(fake, results=50, timeout=2.0, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(
        PullFailed, match=r"the 1 s deadline passed while (reading|waiting for) the response"
    ) as failure:
        client.fetch()
    assert time.monotonic() - started < 1.0 + 1.0
    assert failure.value.attempts == 1 and sleeps == []
    assert len(fake.requests) == 1


def test_a_trickle_that_ends_before_the_deadline_is_a_good_pull(fake):
    fake.plan({"mode": "trickle", "interval": 0.0005, "seconds": 30})
    client, _ = make_client(fake, results=1, timeout=2.0, deadline=30.0)
    pull = client.fetch()
    assert (pull.received, len(pull.people), pull.attempts) == (1, 1, 1)


def test_invalid_url_is_a_request_error():
    client = RandomUserClient("http://", results=1)
    with pytest.raises(PullFailed, match="request error"):
        client.fetch()


def test_from_config_reads_every_setting(app):
    client = RandomUserClient.from_config({**app.config, "RANDOMUSER_NAT": "fr", "RANDOMUSER_SEED": "s"})
    assert client.params == {"results": str(app.config["RANDOMUSER_RESULTS"]), "nat": "fr", "seed": "s"}
    assert client.deadline == app.config["SYNC_DEADLINE_SECONDS"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>", "not valid JSON"),
        (b'{"results": [', "not valid JSON"),
        (b'{"a": "\xc3\x28"}', "not valid UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"error": "Uh oh"}', "randomuser answered with an error: Uh oh"),
        (b'{"info": {}}', "has no results"),
        (b'{"results": {}}', "results is not a list"),
        (b'{"results": []}', "results is empty"),
    ],
)
def test_bodies_that_fail_a_pull(body, reason):
    with pytest.raises(PullFailed, match=reason):
        parse_body(body)


def good_record(**changes):
    record = generate_people("r", 1)[0]
    record.update(changes)
    return record


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("email"),
        lambda r: r.update(email="no-at-sign"),
        lambda r: r.update(email=7),
        lambda r: r.update(gender=None),
        lambda r: r.update(gender="   "),
        lambda r: r.update(name="Jeanne Roux"),
        lambda r: r["name"].pop("last"),
        lambda r: r["location"].update(country=42),
        lambda r: r.pop("location"),
        lambda r: r["location"].update(postcode=True),
        lambda r: r["location"].update(postcode=1.5),
        lambda r: r["location"].update(city=["Paris"]),
        lambda r: r["name"].update(first="x" * 101),
        lambda r: r.update(login="uuid"),
    ],
)
def test_invalid_records_are_rejected(change):
    record = good_record()
    change(record)
    assert person_from_record(record) is None


def test_records_accept_integer_or_string_postcodes_and_missing_optionals():
    assert person_from_record(good_record())["postcode"] is not None
    record = good_record()
    record["location"]["postcode"] = 75001
    assert person_from_record(record)["postcode"] == "75001"
    record["location"]["postcode"] = "SW1A 1AA"
    assert person_from_record(record)["postcode"] == "SW1A 1AA"
    for name in ("postcode", "city", "state"):
        record["location"].pop(name)
    record.pop("login")
    record["name"].pop("title")
    person = person_from_record(record)
    assert person["uuid"] == uuid_from_email(record["email"])  # no login.uuid: derived from the e-mail
    assert person["city"] is None and person["title"] is None
    assert person_from_record("not a dict") is None


def test_ten_percent_rule_and_duplicates():
    records = generate_people("ten", 20)
    records[0] = {"gender": "female"}
    records[1] = None
    pull = people_from_records(records)  # 2 of 20: exactly 10% is still fine
    assert (pull.received, pull.skipped, len(pull.people)) == (20, 2, 18)
    records[2] = 5
    with pytest.raises(PullFailed, match="3 of 20 records are invalid") as failure:
        people_from_records(records)
    assert (failure.value.received, failure.value.skipped) == (20, 3)

    same = generate_people("dup", 3)
    no_uuid = good_record()
    no_uuid.pop("login")
    twin = {**no_uuid, "email": no_uuid["email"].upper()}
    pull = people_from_records([*same, same[0], no_uuid, twin])
    assert (pull.duplicates, len(pull.people)) == (2, 4)


def test_retry_after_formats():
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("soon") is None
    later = format_datetime((utcnow() + timedelta(seconds=30)).replace(tzinfo=__import__("datetime").UTC))
    assert 25 <= retry_after_seconds(later) <= 31
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00") == 0.0


def test_a_body_too_large_is_refused(fake, monkeypatch):
    monkeypatch.setattr("intrasoft.countries.client.MAX_BODY_BYTES", 1000)
    client, sleeps = make_client(fake)
    with pytest.raises(PullFailed, match="larger than") as failure:
        client.fetch()
    assert failure.value.attempts == 1 and sleeps == []


def test_no_attempt_starts_after_the_deadline(fake):
    ticks = iter([0.0, 100.0, 100.0])
    client, _ = make_client(fake, deadline=5)
    client.clock = lambda: next(ticks)
    with pytest.raises(PullFailed, match="deadline passed"):
        client.fetch()
    assert fake.requests == []


def test_blank_optional_text_is_stored_as_null():
    record = good_record()
    record["location"]["city"] = "  "
    assert person_from_record(record)["city"] is None


def test_uuids_are_lowercased_so_case_twins_are_one_person():
    person = generate_people("case", 1)[0]
    twin = json.loads(json.dumps(person))
    twin["login"]["uuid"] = person["login"]["uuid"].upper()
    assert person_from_record(twin)["uuid"] == person["login"]["uuid"].lower()
    pull = people_from_records([person, twin])
    assert (len(pull.people), pull.duplicates) == (1, 1)
    assert pull.people[0]["uuid"] == person["login"]["uuid"].lower()


def test_a_body_stalling_past_the_read_timeout_is_retried(fake):
    fake.plan({"mode": "trickle", "interval": 0.5, "seconds": 2})
    client, sleeps = make_client(fake, results=1, timeout=0.2, deadline=10.0)
    pull = client.fetch()
    assert pull.attempts == 2 and len(sleeps) == 1


def test_a_body_cut_short_is_a_retried_connection_error(fake):
    fake.plan({"mode": "trickle", "interval": 0.0005, "seconds": 0.01}, {"mode": "trickle", "seconds": 0})
    client, sleeps = make_client(fake, results=1)
    pull = client.fetch()
    assert pull.attempts == 3 and len(sleeps) == 2


def test_an_undecodable_body_fails_at_once(fake, monkeypatch):
    def broken_read1(self, *args, **kwargs):
        raise urllib3.exceptions.DecodeError("bad gzip")

    monkeypatch.setattr(urllib3.response.HTTPResponse, "read1", broken_read1)
    client, sleeps = make_client(fake, results=1)
    with pytest.raises(PullFailed, match=r"request error \(ContentDecodingError\)"):
        client.fetch()
    assert sleeps == []


def test_the_watchdog_shuts_a_socket_attached_after_it_fired():
    left, right = socket.socketpair()
    with left, right:
        watchdog = client_module._Watchdog(0)
        watchdog._fire()
        watchdog.attach(left)
        assert right.recv(10) == b""  # the peer sees the end of the connection at once


def test_proxied_connections_are_watched_too():
    manager = client_module.WatchedAdapter().proxy_manager_for("http://proxy.invalid:3128")
    assert manager.pool_classes_by_scheme == client_module._WATCHED_POOLS
