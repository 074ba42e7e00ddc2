import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from intrasoft.opportunities import service
from intrasoft.opportunities.models import Opportunity

from .factories import CustomerFactory, OpportunityFactory

TODAY = date.today()


def body(**overrides):
    data = {
        "cid": 1,
        "name": "Payroll roll-out",
        "product": "payroll",
        "estimated_monthly_revenue": "1250.00",
        "expected_close_date": (TODAY + timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.fixture()
def customer(db):
    return CustomerFactory(cid=1, account_executive="Claire Martin", technical_specialist="Lucas Bernard")


def count_rows(db):
    return db.session.scalar(select(func.count()).select_from(Opportunity))


def test_create_returns_201_location_and_defaults(client, customer, db):
    response = client.post("/api/opportunities", json=body())
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"] == f"/api/opportunities/{created['oid']}"
    assert len(created["oid"]) == 32 and created["oid"] == created["oid"].lower()
    assert created["status"] == "prospecting" and created["probability"] == 10
    assert created["currency"] == "EUR"
    assert created["estimated_monthly_revenue"] == "1250.00"
    assert created["account_executive"] == "Claire Martin"
    assert created["technical_specialist"] == "Lucas Bernard"
    assert created["created_at"].endswith("Z")
    assert client.get(response.headers["Location"]).json == created


@pytest.mark.parametrize(
    ("status", "probability"),
    [("prospecting", 10), ("qualification", 25), ("proposal", 50), ("negotiation", 75), ("won", 100), ("lost", 0)],
)
def test_probability_defaults_by_status(client, customer, status, probability):
    response = client.post("/api/opportunities", json=body(status=status))
    assert response.status_code == 201
    assert response.json["probability"] == probability


def test_money_accepts_numbers_and_strings_and_keeps_exact_cents(client, customer, db):
    for value, expected in [(12.5, "12.50"), ("0.01", "0.01"), (1000000, "1000000.00"), ("999999.99", "999999.99")]:
        response = client.post("/api/opportunities", json=body(estimated_monthly_revenue=value))
        assert response.status_code == 201, (value, response.json)
        assert response.json["estimated_monthly_revenue"] == expected
    # A float that is not exactly representable in binary still arrives exactly.
    raw = json.dumps(body()).replace('"1250.00"', "0.29")
    response = client.post("/api/opportunities", data=raw, content_type="application/json")
    assert response.json["estimated_monthly_revenue"] == "0.29"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cid": ...}, "cid"),
        ({"name": ...}, "name"),
        ({"product": ...}, "product"),
        ({"estimated_monthly_revenue": ...}, "estimated_monthly_revenue"),
        ({"expected_close_date": ...}, "expected_close_date"),
        ({"cid": "1"}, "cid"),
        ({"cid": True}, "cid"),
        ({"cid": 1.5}, "cid"),
        ({"cid": 99999}, "cid"),
        ({"cid": 10**20}, "cid"),
        ({"cid": -1}, "cid"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 10_000}, "name"),
        ({"name": 12}, "name"),
        ({"product": "crypto"}, "product"),
        ({"status": "dreaming"}, "status"),
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"probability": "50"}, "probability"),
        ({"status": "won", "probability": 90}, "probability"),
        ({"status": "lost", "probability": 5}, "probability"),
        ({"estimated_monthly_revenue": 0}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "-5"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "1000000.01"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "1e400"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "NaN"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "12.345"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "abc"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "1E+1"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "1_000"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "+5"}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": " 12.10 "}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": "5."}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": True}, "estimated_monthly_revenue"),
        ({"estimated_monthly_revenue": None}, "estimated_monthly_revenue"),
        ({"currency": "USD"}, "currency"),
        ({"expected_close_date": "31/12/2026"}, "expected_close_date"),
        ({"expected_close_date": "2026-02-30"}, "expected_close_date"),
        ({"expected_close_date": (TODAY - timedelta(days=1)).isoformat()}, "expected_close_date"),
        ({"expected_close_date": (TODAY + timedelta(days=3 * 366 + 1)).isoformat()}, "expected_close_date"),
        ({"account_executive": "x" * 101}, "account_executive"),
        ({"oid": "0" * 32}, "oid"),
        ({"created_at": "2024-01-01T00:00:00Z"}, "created_at"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(client, customer, db, overrides, field):
    response = client.post("/api/opportunities", json=body(**overrides))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json
    assert response.json["code"] == 422 and response.json["status"] == "Unprocessable Entity"
    assert count_rows(db) == 0


def test_closed_deals_may_have_past_close_dates(client, customer):
    past = (TODAY - timedelta(days=10)).isoformat()
    assert client.post("/api/opportunities", json=body(status="won", expected_close_date=past)).status_code == 201
    assert client.post("/api/opportunities", json=body(status="lost", expected_close_date=past)).status_code == 201


def test_text_is_stored_as_given(client, customer):
    name = "Robert'); DROP TABLE customer;-- Zürich 株式会社 🚀"
    response = client.post("/api/opportunities", json=body(name=name))
    assert response.status_code == 201
    assert client.get(response.headers["Location"]).json["name"] == name


def test_request_body_errors(client, customer, db):
    not_json = client.post("/api/opportunities", data="cid=1", content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415
    broken = client.post("/api/opportunities", data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.json["errors"] == {"json": ["Invalid JSON body."]}
    array = client.post("/api/opportunities", json=[1, 2])
    assert array.status_code == 422
    huge = client.post("/api/opportunities", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert huge.status_code == 413 and huge.json["code"] == 413
    empty = client.post("/api/opportunities", content_type="application/json")
    assert empty.status_code == 422
    assert count_rows(db) == 0


def test_list_orders_filters_and_paginates(client, db):
    de = CustomerFactory(cid=1, area="Germany")
    fr = CustomerFactory(cid=2, area="France")
    first = OpportunityFactory(customer=de, status="won", probability=100, product="payroll")
    second = OpportunityFactory(customer=fr, product="accounting")
    third = OpportunityFactory(customer=fr, product="payroll")
    listed = client.get("/api/opportunities").json
    assert [o["oid"] for o in listed] == [first.oid, second.oid, third.oid]
    assert [o["oid"] for o in client.get("/api/opportunities?area=France").json] == [second.oid, third.oid]
    assert [o["oid"] for o in client.get("/api/opportunities?status=won").json] == [first.oid]
    assert [o["oid"] for o in client.get("/api/opportunities?product=payroll&cid=2").json] == [third.oid]
    page = client.get("/api/opportunities?page_size=2&page=2")
    assert [o["oid"] for o in page.json] == [third.oid]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert client.get("/api/opportunities?area=Atlantis").status_code == 422
    assert client.get("/api/opportunities?page_size=101").status_code == 422


def test_get_unknown_or_malformed_is_404(client, db):
    assert client.get("/api/opportunities/" + "a" * 32).status_code == 404
    assert client.get("/api/opportunities/not-an-oid").status_code == 404
    assert client.get("/api/opportunities/" + "A" * 32).status_code == 404


def test_patch_updates_and_resets_probability_with_status(client, customer):
    oid = client.post("/api/opportunities", json=body()).json["oid"]
    response = client.patch(f"/api/opportunities/{oid}", json={"status": "proposal"})
    assert response.status_code == 200
    assert response.json["status"] == "proposal" and response.json["probability"] == 50
    response = client.patch(f"/api/opportunities/{oid}", json={"probability": 60, "name": "Bigger deal"})
    assert response.json["probability"] == 60 and response.json["name"] == "Bigger deal"
    assert response.json["status"] == "proposal"
    response = client.patch(f"/api/opportunities/{oid}", json={"estimated_monthly_revenue": 99.9})
    assert response.json["estimated_monthly_revenue"] == "99.90" and response.json["probability"] == 60
    response = client.patch(f"/api/opportunities/{oid}", json={"status": "won"})
    assert response.json["probability"] == 100


def test_won_and_lost_are_final(client, customer):
    oid = client.post("/api/opportunities", json=body(status="won")).json["oid"]
    reopened = client.patch(f"/api/opportunities/{oid}", json={"status": "negotiation"})
    assert reopened.status_code == 409 and "status" in reopened.json["errors"]["json"]
    assert client.patch(f"/api/opportunities/{oid}", json={"status": "lost"}).status_code == 409
    assert client.patch(f"/api/opportunities/{oid}", json={"probability": 50}).status_code == 422
    same = client.patch(f"/api/opportunities/{oid}", json={"status": "won", "name": "Renamed"})
    assert same.status_code == 200 and same.json["name"] == "Renamed"


def test_patch_close_date_rules(client, customer, db):
    overdue = OpportunityFactory(customer=customer, expected_close_date=TODAY - timedelta(days=20))
    past = (TODAY - timedelta(days=5)).isoformat()
    rejected = client.patch(f"/api/opportunities/{overdue.oid}", json={"expected_close_date": past})
    assert rejected.status_code == 422 and "expected_close_date" in rejected.json["errors"]["json"]
    # An overdue deal can still be closed, even with its (past) close date in the request.
    won = client.patch(f"/api/opportunities/{overdue.oid}", json={"status": "won", "expected_close_date": past})
    assert won.status_code == 200 and won.json["expected_close_date"] == past


def test_patch_rejects_bad_input(client, customer):
    oid = client.post("/api/opportunities", json=body()).json["oid"]
    for payload, field in [
        ({"cid": 2}, "cid"),
        ({"oid": "b" * 32}, "oid"),
        ({"updated_at": "2020-01-01"}, "updated_at"),
        ({"name": ""}, "name"),
        ({"estimated_monthly_revenue": -1}, "estimated_monthly_revenue"),
        ({"nope": True}, "nope"),
    ]:
        response = client.patch(f"/api/opportunities/{oid}", json=payload)
        assert response.status_code == 422 and field in response.json["errors"]["json"], payload
    assert client.patch("/api/opportunities/" + "c" * 32, json={"name": "x"}).status_code == 404


def test_three_years_ahead_is_the_limit(client, customer, monkeypatch):
    monkeypatch.setattr(service, "today", lambda: date(2024, 2, 29))
    ok = client.post("/api/opportunities", json=body(expected_close_date="2027-02-28"))
    assert ok.status_code == 201
    too_far = client.post("/api/opportunities", json=body(expected_close_date="2027-03-01"))
    assert too_far.status_code == 422


def test_keyset_cursor_walks_opportunities_in_created_order(client, db):
    from datetime import datetime

    from .helpers import StatementCounter

    customer = CustomerFactory(cid=1)
    same_moment = datetime(2025, 1, 1, 12, 0, 0)
    made = [OpportunityFactory(customer=customer, created_at=same_moment) for _ in range(4)]
    made += [OpportunityFactory(customer=customer, created_at=datetime(2025, 1, 2)) for _ in range(3)]
    expected = sorted(made, key=lambda o: (o.created_at, o.oid))
    seen, after = [], ""  # an empty cursor starts at the beginning
    with StatementCounter(db.engine) as counter:
        while after is not None:
            response = client.get(f"/api/opportunities?page_size=3&after={after}")
            assert response.status_code == 200, response.json
            seen += [o["oid"] for o in response.json]
            after = json.loads(response.headers["X-Pagination"])["next_after"]
    assert seen == [o.oid for o in expected]
    assert not [s for s in counter.statements if "count(" in s.lower()]


def test_cursor_errors(client, db):
    unknown = client.get("/api/opportunities?after=" + "a" * 32)
    assert unknown.status_code == 422 and "after" in unknown.json["errors"]["query"]
    malformed = client.get("/api/opportunities?after=xyz")
    assert malformed.status_code == 422 and "after" in malformed.json["errors"]["query"]
    both = client.get("/api/opportunities?page=1&after=" + "a" * 32)
    assert both.status_code == 422 and "after" in both.json["errors"]["query"]
