"""Actuals and targets: the paginated lists and PUT /api/revenue/targets/<area>/<fiscal_year>."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
import requests
from sqlalchemy import event, select

from intrasoft.database import utcnow
from intrasoft.revenue.models import RevenueTarget

from .conftest import TEST_TOKEN, mysql_only
from .factories import RevenueActualFactory, RevenueTargetFactory
from .servers import serve_app


def test_actuals_filtered_by_area_and_fiscal_year(client):
    RevenueActualFactory(area="Germany", month=date(2024, 6, 1), amount=Decimal("1.00"))  # FY2024
    RevenueActualFactory(area="Germany", month=date(2024, 8, 1), amount=Decimal("20.50"))
    RevenueActualFactory(area="Germany", month=date(2024, 7, 1), amount=Decimal("10.00"))
    RevenueActualFactory(area="France", month=date(2025, 6, 1), amount=Decimal("30.00"))
    RevenueActualFactory(area="France", month=date(2025, 7, 1), amount=Decimal("40.00"))  # FY2026

    response = client.get("/api/revenue/actuals?fiscal_year=2025")
    assert response.status_code == 200
    assert [(a["area"], a["month"], a["fiscal_year"], a["amount"]) for a in response.json] == [
        ("Germany", "2024-07-01", 2025, "10.00"),
        ("Germany", "2024-08-01", 2025, "20.50"),
        ("France", "2025-06-01", 2025, "30.00"),
    ]
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 3 and meta["page"] == 1

    germany = client.get("/api/revenue/actuals?area=Germany&page_size=2&page=2").json
    assert [a["month"] for a in germany] == ["2024-08-01"]
    assert set(germany[0]) == {"area", "month", "fiscal_year", "amount", "created_at", "updated_at"}


def test_targets_filtered_by_fiscal_year(client):
    RevenueTargetFactory(area="UK", fiscal_year=2025, amount=Decimal("10.00"))
    RevenueTargetFactory(area="France", fiscal_year=2025, amount=Decimal("20.00"))
    RevenueTargetFactory(area="France", fiscal_year=2024, amount=Decimal("30.00"))
    response = client.get("/api/revenue/targets?fiscal_year=2025")
    assert response.status_code == 200
    assert [(t["area"], t["fiscal_year"], t["amount"]) for t in response.json] == [
        ("France", 2025, "20.00"),
        ("UK", 2025, "10.00"),
    ]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert [t["fiscal_year"] for t in client.get("/api/revenue/targets?area=France").json] == [2024, 2025]
    everything = client.get("/api/revenue/targets").json
    assert [(t["area"], t["fiscal_year"]) for t in everything] == [("France", 2024), ("France", 2025), ("UK", 2025)]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/revenue/actuals?area=Spain", "area"),
        ("/api/revenue/actuals?fiscal_year=1999", "fiscal_year"),
        ("/api/revenue/targets?fiscal_year=2101", "fiscal_year"),
        ("/api/revenue/targets?page_size=101", "page_size"),
    ],
)
def test_list_filters_are_validated(client, url, field):
    response = client.get(url)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_put_creates_then_updates_a_target(client, db):
    created = client.put("/api/revenue/targets/Germany/2025", json={"amount": "1200000.50"})
    assert created.status_code == 201, created.json
    assert created.json["area"] == "Germany"
    assert created.json["fiscal_year"] == 2025
    assert created.json["amount"] == "1200000.50"

    updated = client.put("/api/revenue/targets/Germany/2025", json={"amount": 1300000})
    assert updated.status_code == 200
    assert updated.json["amount"] == "1300000.00"
    rows = db.session.execute(select(RevenueTarget.area, RevenueTarget.fiscal_year, RevenueTarget.amount)).all()
    assert rows == [("Germany", 2025, Decimal("1300000.00"))]


def test_put_amount_as_json_number_stays_exact(client):
    response = client.put(
        "/api/revenue/targets/UK/2030", data='{"amount": 1234567.89}', content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json["amount"] == "1234567.89"


@pytest.mark.parametrize(
    ("url", "body", "location", "field"),
    [
        ("/api/revenue/targets/Spain/2025", {"amount": "1.00"}, "path", "area"),
        ("/api/revenue/targets/germany/2025", {"amount": "1.00"}, "path", "area"),
        ("/api/revenue/targets/Germany/1999", {"amount": "1.00"}, "path", "fiscal_year"),
        ("/api/revenue/targets/Germany/2101", {"amount": "1.00"}, "path", "fiscal_year"),
        ("/api/revenue/targets/Germany/-1", {"amount": "1.00"}, "path", "fiscal_year"),
        ("/api/revenue/targets/Germany/-2025", {"amount": "1.00"}, "path", "fiscal_year"),
        ("/api/revenue/targets/Germany/2025", {"amount": "-1.00"}, "json", "amount"),
        ("/api/revenue/targets/Germany/2025", {"amount": "0"}, "json", "amount"),
        ("/api/revenue/targets/Germany/2025", {"amount": "1.005"}, "json", "amount"),
        ("/api/revenue/targets/Germany/2025", {"amount": "abc"}, "json", "amount"),
        ("/api/revenue/targets/Germany/2025", {}, "json", "amount"),
        ("/api/revenue/targets/Germany/2025", {"amount": "1.00", "area": "UK"}, "json", "area"),
    ],
)
def test_put_rejects_bad_input(client, url, body, location, field):
    response = client.put(url, json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"][location]


def test_put_needs_the_token(anon_client):
    response = anon_client.put("/api/revenue/targets/Germany/2025", json={"amount": "1.00"})
    assert response.status_code == 401
    assert "Authorization" in response.json["errors"]["headers"]


def test_put_with_a_non_numeric_year_is_404(client):
    assert client.put("/api/revenue/targets/Germany/abc", json={"amount": "1.00"}).status_code == 404


def test_spec_documents_the_revenue_endpoints(client):
    spec = client.get("/api/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/revenue/actuals",
        "/api/revenue/targets",
        "/api/revenue/summary",
        "/api/revenue/targets/{area}/{fiscal_year}",
        "/api/data-quality",
    ):
        assert path in paths, path
    put = paths["/api/revenue/targets/{area}/{fiscal_year}"]["put"]
    assert put["security"] == [{"bearerAuth": []}]
    assert {"200", "201", "401", "422"} <= set(put["responses"])
    params = {
        p["name"]: p
        for p in put.get("parameters", []) + paths["/api/revenue/targets/{area}/{fiscal_year}"].get("parameters", [])
    }
    assert params["area"]["schema"]["enum"] == ["France", "Germany", "Switzerland", "Netherlands", "UK"]
    assert params["fiscal_year"]["schema"]["minimum"] == 2000
    assert "422" in paths["/api/revenue/summary"]["get"]["responses"]


@mysql_only
def test_a_duplicate_key_on_the_first_put_becomes_an_update(client, db):
    """Another client creates the target between our read and our insert: we update it instead.

    Only READ COMMITTED lets that happen (no gap lock on the missing row); at MySQL's default
    REPEATABLE READ the gap lock turns it into a deadlock, retried, and on SQLite the write
    transaction's BEGIN IMMEDIATE keeps every other writer out from the start.
    """
    raced = []

    def read_committed(conn):
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

    def other_client_inserts_first(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO revenue_targets") and not raced:
            raced.append(True)
            with db.engine.connect() as other:
                other.execute(
                    RevenueTarget.__table__.insert().values(
                        area="UK", fiscal_year=2026, amount=Decimal("5.00"), created_at=utcnow(), updated_at=utcnow()
                    )
                )
                other.commit()

    event.listen(db.engine, "begin", read_committed)
    event.listen(db.engine, "before_cursor_execute", other_client_inserts_first)
    try:
        response = client.put("/api/revenue/targets/UK/2026", json={"amount": "7.00"})
    finally:
        event.remove(db.engine, "before_cursor_execute", other_client_inserts_first)
        event.remove(db.engine, "begin", read_committed)
    assert raced
    assert response.status_code == 200, response.json
    assert response.json["amount"] == "7.00"
    assert db.session.execute(select(RevenueTarget.amount)).scalars().all() == [Decimal("7.00")]


def test_concurrent_first_puts_through_http_give_one_row(app, db):
    """Ten clients set the same new target at once: one creates it, the others update it."""
    headers = {"Authorization": f"Bearer {TEST_TOKEN}"}
    with serve_app(app) as base, ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(
            pool.map(
                lambda i: requests.put(
                    f"{base}/api/revenue/targets/UK/2031", json={"amount": f"{i + 1}.00"}, headers=headers, timeout=60
                ),
                range(10),
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 9 + [201], statuses
    stored = db.session.execute(select(RevenueTarget.amount)).scalars().all()
    assert len(stored) == 1 and stored[0] in {Decimal(f"{i}.00") for i in range(1, 11)}
