"""Who may call what: every operation of the OpenAPI spec, with every kind of caller.

The operations come from ``/api/openapi.json`` itself, so a new route without a row here fails
the test. Expected statuses are derived from what the spec declares for the operation
(``x-token-kinds`` and ``security``) plus the row's own success status; a row states only the
exceptions the thread rules add for a user who is not in the thread (the "outsider").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from intrasoft.countries.service import run_sync

from .conftest import JEFF_TOKEN, QUINN_TOKEN, READ_TOKEN, TEST_TOKEN, token_client
from .factories import CustomerFactory, OpportunityFactory, RevenueActualFactory, RevenueTargetFactory

#: Callers: no token, a token no server knows, and each token kind. The outsider is a user token
#: (jeff_goldblum) whose user is not in the thread the rows use (between quinn and ana).
CALLERS = {
    "none": None,
    "wrong": "not-a-token-this-server-knows-0123456789",
    "read": READ_TOKEN,
    "user": QUINN_TOKEN,
    "outsider": JEFF_TOKEN,
    "service": TEST_TOKEN,
}
TOKEN_KIND = {"read": "read", "user": "user", "outsider": "user", "service": "service"}
WRITES = {"post", "put", "patch", "delete"}


@dataclass
class Row:
    """How to call one operation so that an allowed caller succeeds."""

    success: set[int]
    path: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: dict | None = None
    #: Caller -> status, where a thread rule decides rather than the token kind.
    exceptions: dict[str, int] = field(default_factory=dict)


def opportunity_body():
    return {
        "cid": 1,
        "name": "Matrix deal",
        "product": "payroll",
        "monthly_estimated_revenue": "100.00",
        "estimated_delivery_date": (date.today() + timedelta(days=30)).isoformat(),
    }


def rows(world) -> dict[str, Row]:
    thread = {"thread_id": world["thread_id"]}
    return {
        "GET /api/me": Row({200}),
        "GET /api/customers": Row({200}),
        "GET /api/customers/{cid}": Row({200}, path={"cid": 1}),
        "GET /api/customers/{cid}/opportunities": Row({200}, path={"cid": 1}),
        "GET /api/opportunities": Row({200}),
        "POST /api/opportunities": Row({201}, body=opportunity_body()),
        "GET /api/opportunities/{oid}": Row({200}, path={"oid": world["oid"]}),
        "PATCH /api/opportunities/{oid}": Row({200}, path={"oid": world["oid"]}, body={"name": "Renamed"}),
        "GET /api/revenue/actuals": Row({200}),
        "GET /api/revenue/targets": Row({200}),
        "PUT /api/revenue/targets/{area}/{fiscal_year}": Row(
            {200, 201}, path={"area": "UK", "fiscal_year": 2030}, body={"amount": "1000.00"}
        ),
        "GET /api/revenue/summary": Row({200}, query={"fiscal_year": 2025}),
        "GET /api/data-quality": Row({200}),
        "GET /api/countries": Row({200}),
        "POST /api/countries/sync": Row({201}),
        "GET /api/countries/sync-runs": Row({200}),
        "GET /api/countries/sync-runs/{run_id}": Row({200}, path={"run_id": world["run_id"]}),
        "POST /api/threads": Row({201}, body={"users": ["quinn", "ana"]}, exceptions={"outsider": 403}),
        "GET /api/threads": Row({200}, query={"user": "quinn"}, exceptions={"outsider": 403}),
        "GET /api/threads/{thread_id}": Row({200}, path=thread, exceptions={"outsider": 404}),
        "GET /api/threads/{thread_id}/messages": Row({200}, path=thread, exceptions={"outsider": 404}),
        "POST /api/threads/{thread_id}/messages": Row(
            {201}, path=thread, body={"username": "quinn", "message": "hi"}, exceptions={"outsider": 403}
        ),
        "POST /thread": Row({201}, body={"users": ["quinn", "ana"]}, exceptions={"outsider": 403}),
        "POST /thread/{thread_id}/{username}": Row(
            {204}, path={**thread, "username": "quinn"}, body={"message": "hi"}, exceptions={"outsider": 403}
        ),
        "GET /thread/{thread_id}": Row({200}, path=thread, exceptions={"outsider": 404}),
    }


@pytest.fixture()
def world(app, db, fake, monkeypatch, locked_app):
    """One of everything the rows address, committed; both apps pointed at the fake randomuser."""
    for name, value in app.config.items():
        if name.startswith(("RANDOMUSER_", "SYNC_")):
            monkeypatch.setitem(locked_app.config, name, value)
    customer = CustomerFactory(cid=1)
    opportunity = OpportunityFactory(customer=customer)
    RevenueActualFactory()
    RevenueTargetFactory()
    run = run_sync("cli")
    assert run.status == "succeeded", run.reason
    created = token_client(app, TEST_TOKEN).post("/api/threads", json={"users": ["quinn", "ana"]})
    thread_id = created.json["thread_id"]
    token_client(app, TEST_TOKEN).post(f"/api/threads/{thread_id}/messages", json={"username": "ana", "message": "x"})
    return {"oid": opportunity.oid, "run_id": run.id, "thread_id": thread_id}


def operations(spec) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    ]


def expected_status(caller: str, method: str, operation: dict, row: Row) -> set[int]:
    if caller in row.exceptions:
        return {row.exceptions[caller]}
    if caller == "wrong":
        return {401}
    if caller == "none":
        return row.success if {} in operation["security"] else {401}
    if TOKEN_KIND[caller] not in operation["x-token-kinds"]:
        return {403}
    return row.success


@pytest.mark.parametrize("reads_required", [True, False], ids=["reads-need-a-token", "reads-open"])
def test_every_operation_with_every_caller(request, world, reads_required):
    served = request.getfixturevalue("locked_app" if reads_required else "app")
    spec = served.test_client().get("/api/openapi.json").json
    table = rows(world)
    listed = {f"{method.upper()} {path}" for method, path, _ in operations(spec)}
    assert listed - set(table) == set(), "operations in the spec without a row: add them to rows()"
    assert set(table) - listed == set(), "rows for operations the spec no longer has"

    mismatches = []
    for method, path, operation in operations(spec):
        # The spec declares the kinds: reads accept every token kind, writes refuse read-only tokens.
        assert operation["x-token-kinds"] == (["service", "user"] if method in WRITES else ["service", "read", "user"])
        assert operation["security"][0] == {"bearerAuth": []}
        assert ({} in operation["security"]) == (not reads_required and method not in WRITES), (method, path)
        row = table[f"{method.upper()} {path}"]
        url = path.format(**row.path)
        for caller, token in CALLERS.items():
            response = token_client(served, token).open(
                url, method=method.upper(), query_string=row.query, json=row.body
            )
            want = expected_status(caller, method, operation, row)
            if response.status_code not in want:
                mismatches.append(f"{method.upper()} {url} as {caller}: {response.status_code}, expected {want}")
            elif response.status_code >= 400:
                assert response.is_json and response.json["code"] == response.status_code
                assert str(response.status_code) in operation["responses"], (method, path, response.status_code)
                if response.status_code == 401:
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert mismatches == []
