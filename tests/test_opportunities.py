import json
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from intrasoft import database
from intrasoft.customers.models import Customer
from intrasoft.database import utcnow
from intrasoft.opportunities.models import Opportunity

from .factories import CustomerFactory, OpportunityFactory, opportunity_payload

TODAY = database.today()
#: The response's fields, in the contract's order (CONTRACT.md, "Opportunities").
CONTRACT_FIELDS = [
    "oid",
    "cid",
    "opportunity_sales_group",
    "opportunity_status",
    "monthly_estimated_revenue",
    "estimated_delivery_date",
    "non_recurring",
    "days_since_last_updated",
    "name",
    "product",
    "probability",
    "currency",
    "account_executive",
    "technical_specialist",
    "version",
    "created_at",
    "updated_at",
]


@pytest.fixture()
def customer(db):
    return CustomerFactory(cid=1, account_executive="Claire Martin", technical_specialist="Lucas Bernard")


def count_rows(db):
    return db.session.scalar(select(func.count()).select_from(Opportunity))


def test_create_returns_201_location_and_defaults(client, customer, db):
    response = client.post("/api/opportunities", json=opportunity_payload())
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"] == f"/api/opportunities/{created['oid']}"
    assert list(created) == CONTRACT_FIELDS
    assert len(created["oid"]) == 32 and created["oid"] == created["oid"].lower()
    assert created["opportunity_status"] == "prospecting" and created["probability"] == 10
    assert created["days_since_last_updated"] == 0
    assert created["opportunity_sales_group"] is None and created["non_recurring"] is None
    assert created["currency"] == "EUR"
    assert created["monthly_estimated_revenue"] == "1250.00"
    assert created["account_executive"] == "Claire Martin"
    assert created["technical_specialist"] == "Lucas Bernard"
    assert created["created_at"].endswith("Z")
    assert client.get(response.headers["Location"]).json == created


@pytest.mark.parametrize(
    ("status", "probability"),
    [("prospecting", 10), ("qualification", 25), ("proposal", 50), ("negotiation", 75), ("won", 100), ("lost", 0)],
)
def test_probability_defaults_by_status(client, customer, status, probability):
    response = client.post("/api/opportunities", json=opportunity_payload(opportunity_status=status))
    assert response.status_code == 201
    assert response.json["probability"] == probability


def test_money_accepts_numbers_and_strings_and_keeps_exact_cents(client, customer, db):
    for value, expected in [(12.5, "12.50"), ("0.01", "0.01"), (1000000, "1000000.00"), ("999999.99", "999999.99")]:
        response = client.post("/api/opportunities", json=opportunity_payload(monthly_estimated_revenue=value))
        assert response.status_code == 201, (value, response.json)
        assert response.json["monthly_estimated_revenue"] == expected
    # A float that is not exactly representable in binary still arrives exactly.
    raw = json.dumps(opportunity_payload()).replace('"1250.00"', "0.29")
    response = client.post("/api/opportunities", data=raw, content_type="application/json")
    assert response.json["monthly_estimated_revenue"] == "0.29"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cid": ...}, "cid"),
        ({"monthly_estimated_revenue": ...}, "monthly_estimated_revenue"),
        ({"estimated_delivery_date": ...}, "estimated_delivery_date"),
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
        ({"opportunity_status": "dreaming"}, "opportunity_status"),
        ({"opportunity_status": " won"}, "opportunity_status"),
        ({"opportunity_status": None}, "opportunity_status"),
        ({"opportunity_status": 1}, "opportunity_status"),
        ({"opportunity_sales_group": "x" * 33}, "opportunity_sales_group"),
        ({"opportunity_sales_group": "  "}, "opportunity_sales_group"),
        ({"opportunity_sales_group": "AE\u0000"}, "opportunity_sales_group"),
        ({"non_recurring": "N" * 33}, "non_recurring"),
        ({"non_recurring": "No\nYes"}, "non_recurring"),
        ({"non_recurring": False}, "non_recurring"),
        ({"days_since_last_updated": 1}, "days_since_last_updated"),
        ({"days_since_last_updated": -1}, "days_since_last_updated"),
        ({"days_since_last_updated": "0"}, "days_since_last_updated"),
        ({"days_since_last_updated": None}, "days_since_last_updated"),
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"probability": "50"}, "probability"),
        ({"opportunity_status": "won", "probability": 90}, "probability"),
        ({"opportunity_status": "lost", "probability": 5}, "probability"),
        ({"monthly_estimated_revenue": 0}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "-5"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "1000000.01"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "1e400"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "NaN"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "12.345"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "abc"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "1E+1"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "1_000"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "+5"}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": " 12.10 "}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": "5."}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": True}, "monthly_estimated_revenue"),
        ({"monthly_estimated_revenue": None}, "monthly_estimated_revenue"),
        ({"estimated_delivery_date": None}, "estimated_delivery_date"),
        ({"currency": "USD"}, "currency"),
        ({"estimated_delivery_date": "31/12/2026"}, "estimated_delivery_date"),
        ({"estimated_delivery_date": "2026-02-30"}, "estimated_delivery_date"),
        ({"estimated_delivery_date": (TODAY - timedelta(days=1)).isoformat()}, "estimated_delivery_date"),
        ({"estimated_delivery_date": (TODAY + timedelta(days=3 * 366 + 1)).isoformat()}, "estimated_delivery_date"),
        ({"account_executive": "x" * 101}, "account_executive"),
        ({"oid": "0" * 32}, "oid"),
        ({"version": 1}, "version"),
        ({"created_at": "2024-01-01T00:00:00Z"}, "created_at"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(client, customer, db, overrides, field):
    response = client.post("/api/opportunities", json=opportunity_payload(**overrides))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json
    assert response.json["code"] == 422 and response.json["status"] == "Unprocessable Entity"
    assert count_rows(db) == 0


def test_closed_deals_may_have_past_close_dates(client, customer):
    past = (TODAY - timedelta(days=10)).isoformat()
    assert (
        client.post(
            "/api/opportunities", json=opportunity_payload(opportunity_status="won", estimated_delivery_date=past)
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/opportunities", json=opportunity_payload(opportunity_status="lost", estimated_delivery_date=past)
        ).status_code
        == 201
    )


def test_text_is_stored_as_given(client, customer):
    name = "Robert'); DROP TABLE customer;-- Zürich 株式会社 🚀"
    response = client.post("/api/opportunities", json=opportunity_payload(name=name))
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
    first = OpportunityFactory(customer=de, opportunity_status="won", probability=100, product="payroll")
    second = OpportunityFactory(customer=fr, product="accounting")
    third = OpportunityFactory(customer=fr, product="payroll")
    listed = client.get("/api/opportunities").json
    assert [o["oid"] for o in listed] == [first.oid, second.oid, third.oid]
    assert [o["oid"] for o in client.get("/api/opportunities?area=France").json] == [second.oid, third.oid]
    assert [o["oid"] for o in client.get("/api/opportunities?opportunity_status=won").json] == [first.oid]
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
    oid = client.post("/api/opportunities", json=opportunity_payload()).json["oid"]
    response = client.patch(f"/api/opportunities/{oid}", json={"opportunity_status": "proposal"})
    assert response.status_code == 200
    assert response.json["opportunity_status"] == "proposal" and response.json["probability"] == 50
    response = client.patch(f"/api/opportunities/{oid}", json={"probability": 60, "name": "Bigger deal"})
    assert response.json["probability"] == 60 and response.json["name"] == "Bigger deal"
    assert response.json["opportunity_status"] == "proposal"
    response = client.patch(f"/api/opportunities/{oid}", json={"monthly_estimated_revenue": 99.9})
    assert response.json["monthly_estimated_revenue"] == "99.90" and response.json["probability"] == 60
    response = client.patch(f"/api/opportunities/{oid}", json={"opportunity_status": "won"})
    assert response.json["probability"] == 100


def test_won_and_lost_are_final(client, customer):
    oid = client.post("/api/opportunities", json=opportunity_payload(opportunity_status="won")).json["oid"]
    reopened = client.patch(f"/api/opportunities/{oid}", json={"opportunity_status": "negotiation"})
    assert reopened.status_code == 409 and list(reopened.json["errors"]["json"]) == ["opportunity_status"]
    assert client.patch(f"/api/opportunities/{oid}", json={"opportunity_status": "lost"}).status_code == 409
    assert client.patch(f"/api/opportunities/{oid}", json={"probability": 50}).status_code == 422
    same = client.patch(f"/api/opportunities/{oid}", json={"opportunity_status": "won", "name": "Renamed"})
    assert same.status_code == 200 and same.json["name"] == "Renamed"


def test_patch_close_date_rules(client, customer, db):
    overdue = OpportunityFactory(customer=customer, estimated_delivery_date=TODAY - timedelta(days=20))
    past = (TODAY - timedelta(days=5)).isoformat()
    rejected = client.patch(f"/api/opportunities/{overdue.oid}", json={"estimated_delivery_date": past})
    assert rejected.status_code == 422 and "estimated_delivery_date" in rejected.json["errors"]["json"]
    # An overdue deal can still be closed, even with its (past) close date in the request.
    won = client.patch(
        f"/api/opportunities/{overdue.oid}", json={"opportunity_status": "won", "estimated_delivery_date": past}
    )
    assert won.status_code == 200 and won.json["estimated_delivery_date"] == past


def test_patch_rejects_bad_input(client, customer):
    oid = client.post("/api/opportunities", json=opportunity_payload()).json["oid"]
    for payload, field in [
        ({"cid": 2}, "cid"),
        ({"oid": "b" * 32}, "oid"),
        ({"days_since_last_updated": 0}, "days_since_last_updated"),
        ({"opportunity_status": None}, "opportunity_status"),
        ({"monthly_estimated_revenue": None}, "monthly_estimated_revenue"),
        ({"estimated_delivery_date": None}, "estimated_delivery_date"),
        ({"opportunity_status": "reopened"}, "opportunity_status"),
        ({"updated_at": "2020-01-01"}, "updated_at"),
        ({"name": ""}, "name"),
        ({"monthly_estimated_revenue": -1}, "monthly_estimated_revenue"),
        ({"nope": True}, "nope"),
    ]:
        response = client.patch(f"/api/opportunities/{oid}", json=payload)
        assert response.status_code == 422 and field in response.json["errors"]["json"], payload
    assert client.patch("/api/opportunities/" + "c" * 32, json={"name": "x"}).status_code == 404


def test_three_years_ahead_is_the_limit(client, customer, monkeypatch):
    monkeypatch.setattr(database, "today", lambda: date(2024, 2, 29))
    ok = client.post("/api/opportunities", json=opportunity_payload(estimated_delivery_date="2027-02-28"))
    assert ok.status_code == 201
    too_far = client.post("/api/opportunities", json=opportunity_payload(estimated_delivery_date="2027-03-01"))
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


def test_only_cid_revenue_and_delivery_date_are_required(client, customer, db):
    minimal = {"cid": 1, "monthly_estimated_revenue": 10, "estimated_delivery_date": TODAY.isoformat()}
    response = client.post("/api/opportunities", json=minimal)
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["name"], created["product"], created["opportunity_sales_group"], created["non_recurring"]) == (
        None,
        None,
        None,
        None,
    )
    assert created["opportunity_status"] == "prospecting" and created["monthly_estimated_revenue"] == "10.00"
    explicit_nulls = {**minimal, "name": None, "product": None, "opportunity_sales_group": None, "non_recurring": None}
    assert client.post("/api/opportunities", json=explicit_nulls).status_code == 201
    missing = client.post("/api/opportunities", json={"cid": 1})
    assert missing.status_code == 422
    assert set(missing.json["errors"]["json"]) == {"monthly_estimated_revenue", "estimated_delivery_date"}


def test_the_crm_fields_are_stored_as_given(client, customer):
    created = client.post(
        "/api/opportunities",
        json=opportunity_payload(
            opportunity_sales_group="Enterprise AE", non_recurring="No", days_since_last_updated=0
        ),
    )
    assert created.status_code == 201, created.json
    assert created.json["opportunity_sales_group"] == "Enterprise AE" and created.json["non_recurring"] == "No"
    oid = created.json["oid"]
    patched = client.patch(f"/api/opportunities/{oid}", json={"non_recurring": "Yes (setup fee)", "name": None})
    assert patched.status_code == 200, patched.json
    assert patched.json["non_recurring"] == "Yes (setup fee)" and patched.json["name"] is None
    cleared = client.patch(f"/api/opportunities/{oid}", json={"opportunity_sales_group": None, "product": None})
    assert cleared.json["opportunity_sales_group"] is None and cleared.json["product"] is None
    assert client.get(f"/api/opportunities/{oid}").json == cleared.json


@pytest.mark.parametrize("spelling", ["Proposal", "PROPOSAL", "proposal", "pRoPoSaL"])
def test_status_is_matched_in_any_case_and_stored_lowercase(client, customer, db, spelling):
    created = client.post("/api/opportunities", json=opportunity_payload(opportunity_status=spelling))
    assert created.status_code == 201, created.json
    assert created.json["opportunity_status"] == "proposal" and created.json["probability"] == 50
    assert db.session.scalar(select(Opportunity.opportunity_status)) == "proposal"
    moved = client.patch(f"/api/opportunities/{created.json['oid']}", json={"opportunity_status": "Won"})
    assert moved.json["opportunity_status"] == "won" and moved.json["probability"] == 100
    listed = client.get("/api/opportunities?opportunity_status=WON")
    assert [o["oid"] for o in listed.json] == [created.json["oid"]]


def test_the_status_error_lists_the_allowed_values(client, customer):
    for value in ("Dreaming", "\uff37\uff2f\uff2e", "w\u03bfn"):  # unknown, fullwidth WON, a Greek omicron
        response = client.post("/api/opportunities", json=opportunity_payload(opportunity_status=value))
        assert response.status_code == 422
        message = " ".join(response.json["errors"]["json"]["opportunity_status"])
        assert "prospecting, qualification, proposal, negotiation, won, lost" in message
    refused = client.get("/api/opportunities?opportunity_status=dreaming")
    assert refused.status_code == 422 and "opportunity_status" in refused.json["errors"]["query"]


def test_days_since_last_updated_counts_whole_utc_days(client, customer, monkeypatch):
    now = utcnow()
    fresh = OpportunityFactory(customer=customer)
    old = OpportunityFactory(customer=customer, updated_at=now - timedelta(days=3, hours=1))
    listed = {o["oid"]: o["days_since_last_updated"] for o in client.get("/api/opportunities").json}
    assert listed == {fresh.oid: 0, old.oid: 3}
    # Calendar days in UTC: just after midnight, something updated the evening before is 1 day old.
    monkeypatch.setattr(database, "today", lambda: now.date() + timedelta(days=1))
    assert client.get(f"/api/opportunities/{fresh.oid}").json["days_since_last_updated"] == 1
    # An update makes it 0 again.
    monkeypatch.setattr(database, "today", lambda: now.date())
    patched = client.patch(f"/api/opportunities/{old.oid}", json={"name": "Touched"})
    assert patched.json["days_since_last_updated"] == 0


def test_the_crms_oids_are_accepted_in_paths_and_cursors(client, customer):
    crm = OpportunityFactory(customer=customer, oid="OPP-2024.0001_b")
    later = OpportunityFactory(customer=customer, oid="z" * 32, created_at=crm.created_at + timedelta(seconds=1))
    assert client.get("/api/opportunities/OPP-2024.0001_b").json["oid"] == "OPP-2024.0001_b"
    # Compared exactly: another case is another OID (on MySQL too: a binary collation).
    assert client.get("/api/opportunities/opp-2024.0001_b").status_code == 404
    patched = client.patch("/api/opportunities/OPP-2024.0001_b", json={"opportunity_status": "qualification"})
    assert patched.status_code == 200 and patched.json["probability"] == 25
    after = client.get("/api/opportunities?after=OPP-2024.0001_b")
    assert after.status_code == 200 and [o["oid"] for o in after.json] == [later.oid]
    for bad in ("-starts-with-dash", "x" * 33, "has space", "ünïcode"):
        assert client.get(f"/api/opportunities/{bad}").status_code == 404, bad
        refused = client.get(f"/api/opportunities?after={bad}")
        assert refused.status_code == 422 and "after" in refused.json["errors"]["query"], bad


def test_a_customer_with_opportunities_cannot_be_deleted(app, db, customer):
    OpportunityFactory(customer=customer)
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as connection:
        # SQLite enforces foreign keys only when asked (outside a transaction); the constraint
        # is the migration's on both databases.
        driver = connection.connection.driver_connection
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
        try:
            with pytest.raises(IntegrityError), connection.begin():
                connection.execute(delete(Customer).where(Customer.cid == 1))
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=OFF")
    assert db.session.get(Customer, 1) is not None
