"""The fake randomuser server speaks randomuser 1.4 and misbehaves on demand."""

import json

import pytest
import requests

from intrasoft.countries.demo_people import generate_people

from ..fake_randomuser import FakeRandomUser, main, parse_nat, parse_results


def get(fake, **params):
    return requests.get(fake.url, params=params, timeout=5)


def test_format_and_determinism(fake):
    first = get(fake, results=30, seed="abc")
    again = get(fake, results=30, seed="abc")
    assert first.status_code == 200
    assert first.content == again.content
    body = first.json()
    assert body["info"] == {"seed": "abc", "results": 30, "page": 1, "version": "1.4"}
    person = body["results"][0]
    assert set(person) >= {"gender", "name", "location", "email", "login", "dob", "registered", "phone", "nat"}
    assert set(person["name"]) == {"title", "first", "last"}
    assert set(person["location"]) >= {"street", "city", "state", "country", "postcode", "coordinates", "timezone"}
    assert len(person["login"]["uuid"]) == 36
    postcodes = {type(p["location"]["postcode"]) for p in body["results"]}
    assert postcodes == {int, str}  # like randomuser: integers for some countries, strings for others
    assert get(fake, results=30, seed="abd").content != first.content
    assert get(fake, results=30, seed="abc", page=2).content != first.content


def test_nat_filter_and_results_limits(fake):
    body = get(fake, results=50, seed="n", nat="fr,GB").json()
    assert {p["location"]["country"] for p in body["results"]} == {"France", "United Kingdom"}
    assert {p["nat"] for p in body["results"]} == {"FR", "GB"}
    assert len(get(fake, results=5000, seed="n").json()["results"]) == 5000
    assert parse_results("5001") == 1 and parse_results("x") == 1 and parse_results(None) == 1
    assert parse_nat("xx") == parse_nat(None)
    without_seed = get(fake, results=2).json()["info"]["seed"]
    assert without_seed != get(fake, results=2).json()["info"]["seed"]


@pytest.mark.parametrize(
    ("mode", "status"),
    [("500", 500), ("503", 503), ("error_key", 200), ("empty", 200), ("missing_results", 200), ("not_a_list", 200)],
)
def test_faults_are_used_once_then_the_fake_recovers(fake, mode, status):
    fake.plan(mode)
    broken = get(fake, results=3, seed="f")
    assert broken.status_code == status
    assert get(fake, results=3, seed="f").json()["results"]


def test_429_carries_randomuser_error_and_retry_after(fake):
    fake.plan({"mode": "429", "retry_after": 7})
    response = get(fake, results=3)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert "ease up" in response.json()["error"]


def test_malformed_truncated_invalid_duplicates(fake):
    fake.plan("malformed", "truncated", {"mode": "invalid", "fraction": 0.5}, "duplicates")
    for _ in range(2):
        with pytest.raises(ValueError):
            json.loads(get(fake, results=20, seed="m").content)
    invalid = get(fake, results=20, seed="m").json()["results"]
    assert sum(1 for r in invalid if not isinstance(r.get("name"), dict) or "email" not in r) >= 1
    assert len(get(fake, results=20, seed="m").json()["results"]) == 24


def test_drop_and_default_fault(fake):
    fake.plan("drop")
    with pytest.raises(requests.ConnectionError):
        get(fake, results=1)
    fake.set_default("503")
    assert get(fake, results=1).status_code == 503
    assert get(fake, results=1).status_code == 503
    fake.set_default(None)
    assert get(fake, results=1).status_code == 200


def test_control_endpoint(fake):
    control = fake.base_url + "/_fake/faults"
    assert requests.post(control, json={"faults": ["503", "500"]}, timeout=5).json()["queued"] == 2
    assert get(fake, results=1).status_code == 503
    assert requests.post(control, json={"faults": ["bogus"]}, timeout=5).status_code == 400
    assert requests.delete(control, timeout=5).json() == {"queued": 0, "default": None}
    assert get(fake, results=1).status_code == 200
    assert requests.post(control, json={"default": "500"}, timeout=5).json()["default"] == {"mode": "500"}
    assert get(fake, results=1).status_code == 500
    assert requests.delete(control, timeout=5).status_code == 200
    assert requests.post(fake.base_url + "/other", json={}, timeout=5).status_code == 404
    assert requests.delete(fake.base_url + "/other", timeout=5).status_code == 404
    assert requests.get(fake.base_url + "/other", timeout=5).status_code == 404


def test_generate_people_is_deterministic():
    assert generate_people("s", 5) == generate_people("s", 5)
    assert generate_people("s", 5) != generate_people("t", 5)


def test_main_serves_until_interrupted(monkeypatch, capsys):
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr("http.server.HTTPServer.serve_forever", interrupted)
    main(["--port", "0", "--fault", "503", "--default-fault", "500"])
    assert "fake randomuser listening on http://127.0.0.1:" in capsys.readouterr().out


def test_unknown_fault_is_refused():
    server = FakeRandomUser()
    try:
        with pytest.raises(ValueError, match="unknown fault"):
            server.plan("teapot")
    finally:
        server.httpd.server_close()


@pytest.mark.parametrize("phase", ["body", "headers"])
def test_trickle_sends_the_whole_good_answer_slowly(fake, phase):
    fake.plan({"mode": "trickle", "phase": phase, "interval": 0.0005})
    answer = get(fake, results=1, seed="t")
    assert answer.status_code == 200
    assert answer.content == get(fake, results=1, seed="t").content


def test_trickle_stops_after_its_budget(fake):
    fake.plan({"mode": "trickle", "interval": 0.0005, "seconds": 0.01})
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(fake, results=2, seed="t")


def test_duplicates_with_upper_case_uuids(fake):
    fake.plan({"mode": "duplicates", "fraction": 0.5, "uuid_case": "upper"})
    results = get(fake, results=4, seed="u").json()["results"]
    assert len(results) == 6
    originals = {r["login"]["uuid"] for r in results[:4]}
    copies = [r["login"]["uuid"] for r in results[4:]]
    assert all(c == c.upper() and c.lower() in originals for c in copies)
