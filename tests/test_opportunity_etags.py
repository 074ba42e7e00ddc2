"""Optimistic concurrency on opportunities: ``version``, ``ETag`` and ``If-Match``."""

from __future__ import annotations

import pytest

from .factories import CustomerFactory, OpportunityFactory, opportunity_payload

BODY = opportunity_payload(name="Versioned deal", monthly_estimated_revenue="100.00")


@pytest.fixture()
def oid(db):
    return OpportunityFactory(
        customer=CustomerFactory(cid=1), name="Original", opportunity_status="proposal", probability=50
    ).oid


def url(oid: str) -> str:
    return f"/api/opportunities/{oid}"


def test_create_get_and_patch_carry_the_version_as_a_strong_etag(client, db):
    CustomerFactory(cid=1)
    created = client.post("/api/opportunities", json=BODY, headers={"Idempotency-Key": "etag-1"})
    assert created.status_code == 201
    assert created.json["version"] == 1 and created.headers["ETag"] == '"1"'
    replayed = client.post("/api/opportunities", json=BODY, headers={"Idempotency-Key": "etag-1"})
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.headers["ETag"] == '"1"'

    location = created.headers["Location"]
    read = client.get(location)
    assert read.headers["ETag"] == '"1"' and read.json["version"] == 1
    for expected, change in (
        (2, {"name": "Renamed"}),
        (3, {"opportunity_status": "negotiation"}),
        (4, {"probability": 80}),
    ):
        patched = client.patch(location, json=change)
        assert patched.status_code == 200
        assert patched.json["version"] == expected
        assert patched.headers["ETag"] == f'"{expected}"'
    assert client.get(location).headers["ETag"] == '"4"'


def test_a_patch_that_changes_nothing_keeps_the_version(client, oid):
    assert client.patch(url(oid), json={"name": "Original"}).headers["ETag"] == '"1"'
    assert client.patch(url(oid), json={}).json["version"] == 1


def test_version_is_read_only(client, oid):
    response = client.patch(url(oid), json={"version": 7})
    assert response.status_code == 422
    assert "version" in response.json["errors"]["json"]


@pytest.mark.parametrize("if_match", ['"1"', "*", '"7", "1"', ' "1" ', '"x",W/"2","1"'])
def test_a_current_if_match_applies_the_update(client, oid, if_match):
    response = client.patch(url(oid), json={"name": "Agreed"}, headers={"If-Match": if_match})
    assert response.status_code == 200, response.json
    assert response.json["name"] == "Agreed" and response.headers["ETag"] == '"2"'


@pytest.mark.parametrize("if_match", ['"2"', 'W/"1"', '"01"', '""'])
def test_a_stale_or_weak_if_match_is_412_and_writes_nothing(client, oid, if_match):
    response = client.patch(url(oid), json={"name": "Lost update"}, headers={"If-Match": if_match})
    assert response.status_code == 412, response.json
    assert response.is_json and response.json["code"] == 412
    assert '"1"' in response.json["errors"]["headers"]["If-Match"][0]
    current = client.get(url(oid))
    assert current.json["name"] == "Original" and current.headers["ETag"] == '"1"'


def test_an_edit_based_on_an_old_read_is_refused(client, oid):
    first_read = client.get(url(oid)).headers["ETag"]
    assert client.patch(url(oid), json={"name": "Alice's edit"}, headers={"If-Match": first_read}).status_code == 200
    bob = client.patch(url(oid), json={"name": "Bob's edit"}, headers={"If-Match": first_read})
    assert bob.status_code == 412
    assert client.get(url(oid)).json["name"] == "Alice's edit"


@pytest.mark.parametrize("if_match", ["1", '"1', "", "**", '"1" "2"', 'w/"1"', '"a b"', '"1",,"2"'])
def test_a_malformed_if_match_is_400(client, oid, if_match):
    response = client.patch(url(oid), json={"name": "x"}, headers={"If-Match": if_match})
    assert response.status_code == 400, response.json
    assert "If-Match" in response.json["errors"]["headers"]
    assert client.get(url(oid)).json["name"] == "Original"


def test_the_precondition_is_checked_before_the_business_rules(client, db):
    won = OpportunityFactory(customer=CustomerFactory(cid=1), opportunity_status="won", probability=100).oid
    assert client.patch(url(won), json={"opportunity_status": "lost"}, headers={"If-Match": '"9"'}).status_code == 412
    assert client.patch(url(won), json={"opportunity_status": "lost"}, headers={"If-Match": '"1"'}).status_code == 409


def test_if_match_on_an_unknown_opportunity_is_404(client, db):
    assert client.patch(url("a" * 32), json={"name": "x"}, headers={"If-Match": "*"}).status_code == 404


def test_the_spec_documents_etag_and_if_match(client):
    paths = client.get("/api/openapi.json").json["paths"]
    patch = paths["/api/opportunities/{oid}"]["patch"]
    header = next(p for p in patch["parameters"] if p["in"] == "header" and p["name"] == "If-Match")
    assert header["required"] is False and header["schema"]["pattern"]
    assert {"400", "412"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert "ETag" in paths["/api/opportunities/{oid}"]["get"]["responses"]["200"]["headers"]
    created = paths["/api/opportunities"]["post"]["responses"]["201"]["headers"]
    assert {"ETag", "Location"} <= set(created)
    item = client.get("/api/openapi.json").json["components"]["schemas"]["Opportunity"]["properties"]
    assert item["version"]["type"] == "integer"


def test_browsers_may_send_if_match_and_read_the_etag(database_url):
    from .conftest import make_app

    app = make_app(database_url, CORS_ORIGINS=["http://dashboard.example"])
    with app.app_context():
        preflight = app.test_client().options(
            url("a" * 32),
            headers={
                "Origin": "http://dashboard.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "If-Match, Content-Type",
            },
        )
    assert "if-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
