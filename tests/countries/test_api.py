"""GET /api/countries, the sync-run history and POST /api/countries/sync."""

import json

import requests
from sqlalchemy import insert

from intrasoft.countries.client import uuid_from_email
from intrasoft.countries.lock import SyncLockHandle
from intrasoft.countries.models import CountryPerson
from intrasoft.countries.schemas import CountriesSchema, SyncRunSchema

from ..factories import SyncRunFactory
from ..helpers import StatementCounter


def person_id(email):
    """The id make_snapshot gives a person (a uuid of its e-mail, as the client gives uuid-less records)."""
    return uuid_from_email(email)


def make_snapshot(db, people, *, status="succeeded", uuids=True):
    """A run with these people: (country, first, last, gender, email) tuples; ``uuids=False`` stores
    rows without a uuid, as rows written before every person had one."""
    run = SyncRunFactory(status=status, rows_stored=len(people))
    rows = [
        {
            "run_id": run.id,
            "country": c,
            "first_name": f,
            "last_name": la,
            "gender": g,
            "email": e,
            "uuid": person_id(e) if uuids else None,
        }
        for c, f, la, g, e in people
    ]
    if rows:
        db.session.execute(insert(CountryPerson.__table__), rows)
    db.session.commit()
    return run


def test_before_any_sync_countries_is_empty_not_an_error(client):
    response = client.get("/api/countries")
    assert response.status_code == 200
    assert response.json == {
        "countries": [],
        "sync": {"synced_at": None, "run_id": None, "stale": False, "last_attempt": None},
    }


def test_shape_and_casefold_ordering(client, db):
    run = make_snapshot(
        db,
        [
            ("germany", "Zoe", "Zimmer", "female", "zoe@example.com"),
            ("France", "jeanne", "Roux", "female", "b@example.com"),
            ("France", "Jeanne", "Roux", "female", "A@example.com"),
            ("France", "Élodie", "Martin", "female", "elodie@example.com"),
            ("France", "anna", "Zed", "female", "anna@example.com"),
            ("Denmark", "Søren", "Hansen", "male", "soren@example.com"),
            ("Germany", "Bernd", "Becker", "male", "bernd@example.com"),
        ],
    )
    body = client.get("/api/countries").json
    assert [c["name"] for c in body["countries"]] == ["Denmark", "France", "Germany", "germany"]
    france = body["countries"][1]["users"]
    assert france == [
        {"id": person_id("anna@example.com"), "name": "anna Zed", "gender": "female", "email": "anna@example.com"},
        {"id": person_id("A@example.com"), "name": "Jeanne Roux", "gender": "female", "email": "A@example.com"},
        {"id": person_id("b@example.com"), "name": "jeanne Roux", "gender": "female", "email": "b@example.com"},
        {
            "id": person_id("elodie@example.com"),
            "name": "Élodie Martin",
            "gender": "female",
            "email": "elodie@example.com",
        },
    ]
    assert body["sync"] == {
        "synced_at": run.finished_at.isoformat() + "Z",
        "run_id": run.id,
        "stale": False,
        "last_attempt": {
            "run_id": run.id,
            "status": "succeeded",
            "finished_at": run.finished_at.isoformat() + "Z",
            "reason": None,
        },
    }
    assert CountriesSchema().validate(body) == {}
    assert list(body) == ["countries", "sync"]
    assert list(france[0]) == ["id", "name", "gender", "email"]


def test_every_person_has_an_id_even_rows_stored_without_a_uuid(client, db):
    make_snapshot(
        db,
        [
            ("France", "Jeanne", "Roux", "female", "jeanne.roux@example.com"),
            ("France", "Jeanne", "Roux", "female", "JEANNE.ROUX@example.net"),
        ],
        uuids=False,
    )
    users = client.get("/api/countries").json["countries"][0]["users"]
    assert [u["id"] for u in users] == [person_id("jeanne.roux@example.com"), person_id("JEANNE.ROUX@example.net")]
    assert len({u["id"] for u in users}) == 2  # same name, different people


def test_synced_people_are_keyed_by_their_login_uuid(client, synced, fake, app):
    countries = client.get("/api/countries").json["countries"]
    ids = [user["id"] for country in countries for user in country["users"]]
    served = requests.get(
        fake.url, params={"results": app.config["RANDOMUSER_RESULTS"], "seed": app.config["RANDOMUSER_SEED"]}, timeout=5
    )
    fetched = {p["login"]["uuid"].lower() for p in served.json()["results"]}
    assert len(ids) == len(set(ids)) == synced.rows_stored
    assert set(ids) == fetched


def test_country_filter_is_exact_and_case_insensitive(client, db):
    make_snapshot(
        db,
        [("France", "Jeanne", "Roux", "female", "j@example.com"), ("Germany", "Anna", "Weber", "female", "a@e.com")],
    )
    body = client.get("/api/countries?country=fRANCE").json
    assert [c["name"] for c in body["countries"]] == ["France"]
    assert client.get("/api/countries?country=Fran").json["countries"] == []
    assert client.get("/api/countries?country=Atlantis").json["countries"] == []
    bad = client.get("/api/countries?country=")
    assert bad.status_code == 422 and "country" in bad.json["errors"]["query"]


def test_a_running_run_changes_nothing(client, db):
    make_snapshot(db, [("France", "Jeanne", "Roux", "female", "j@example.com")])
    before = client.get("/api/countries")
    make_snapshot(db, [("Spain", "Lucía", "García", "female", "l@example.com")], status="running")
    after = client.get("/api/countries")
    assert after.data == before.data
    assert after.headers["ETag"] == before.headers["ETag"]


def test_etag_and_304(client, db):
    make_snapshot(
        db,
        [("France", "Jeanne", "Roux", "female", "j@example.com"), ("Spain", "Lucía", "García", "female", "l@e.com")],
    )
    first = client.get("/api/countries")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/countries", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get("/api/countries", headers={"If-None-Match": '"other"'}).status_code == 200
    filtered = client.get("/api/countries?country=france")
    assert filtered.headers["ETag"] != etag
    make_snapshot(db, [("France", "Jeanne", "Roux", "female", "j@example.com")])
    changed = client.get("/api/countries", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_statements_cold_and_warm(client, db):
    people = [("France", f"P{i}", "Roux", "male", f"p{i}@example.com") for i in range(300)]
    make_snapshot(db, people)
    with StatementCounter(db.engine) as counter:
        cold = client.get("/api/countries")
        cold_count = len(counter)
        warm = client.get("/api/countries?country=FRANCE")
        warm_count = len(counter) - cold_count
    assert cold.status_code == warm.status_code == 200
    assert cold_count <= 2
    assert warm_count == 1  # the state check; the filtered body comes from the cached snapshot
    assert len(warm.json["countries"][0]["users"]) == 300


def test_sync_runs_history_and_detail(client, db):
    runs = [make_snapshot(db, []) for _ in range(3)]
    response = client.get("/api/countries/sync-runs?page_size=2")
    assert response.status_code == 200
    assert [r["id"] for r in response.json] == [runs[2].id, runs[1].id]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    assert SyncRunSchema(many=True).validate(response.json) == {}
    detail = client.get(f"/api/countries/sync-runs/{runs[0].id}")
    assert detail.status_code == 200 and detail.json["trigger"] == "seed"
    assert client.get("/api/countries/sync-runs/999999").status_code == 404
    assert client.get("/api/countries/sync-runs/99999999999").status_code == 404
    assert client.get("/api/countries/sync-runs?page_size=0").status_code == 422


def test_post_sync_201(client, fake):
    response = client.post("/api/countries/sync")
    assert response.status_code == 201
    assert response.json["status"] == "succeeded" and response.json["trigger"] == "api"
    assert response.json["rows_stored"] == 40
    assert SyncRunSchema().validate(response.json) == {}
    body = client.get("/api/countries").json
    assert sum(len(c["users"]) for c in body["countries"]) == 40
    assert body["sync"]["run_id"] == response.json["id"]


def test_post_sync_502_keeps_serving(client, fake, synced):
    before = client.get("/api/countries").json["countries"]
    fake.set_default("error_key")
    response = client.post("/api/countries/sync")
    assert response.status_code == 502
    assert response.json["code"] == 502
    assert "the last good data is still served" in response.json["message"]
    run = response.json["errors"]["sync_run"]
    assert run["status"] == "failed" and "randomuser answered with an error" in run["reason"]
    assert client.get("/api/countries").json["countries"] == before


def test_post_sync_409_while_another_runs(client, db, fake):
    holder = SyncLockHandle(db.engine, lease_seconds=60)
    assert holder.acquire()
    try:
        response = client.post("/api/countries/sync")
    finally:
        holder.release()
    assert response.status_code == 409
    assert response.headers["Retry-After"] == "10"
    assert response.json["message"] == "Another sync is running; retry when it has finished."
    assert client.get("/api/countries/sync-runs").json == []


def test_post_sync_needs_the_token(anon_client, fake):
    response = anon_client.post("/api/countries/sync")
    assert response.status_code == 401
    assert anon_client.get("/api/countries").status_code == 200


def test_openapi_documents_the_endpoints(client):
    spec = client.get("/api/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/api/countries/sync"]["post"]["responses"]) >= {"201", "401", "409", "502"}
    assert paths["/api/countries/sync"]["post"]["security"] == [{"bearerAuth": []}]
    assert set(paths["/api/countries"]["get"]["responses"]) >= {"200", "304", "422"}
    assert "/api/countries/sync-runs/{run_id}" in paths
