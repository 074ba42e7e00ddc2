"""Every operation of the API, called the way an allowed caller succeeds: one table for the
tests that walk the whole OpenAPI spec (who may call what, database faults)."""

from __future__ import annotations

from dataclasses import dataclass, field

from intrasoft.countries.service import run_sync

from .conftest import TEST_TOKEN, token_client
from .factories import (
    CustomerFactory,
    OpportunityFactory,
    RevenueActualFactory,
    RevenueTargetFactory,
    opportunity_payload,
)


def operations(spec) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    ]


@dataclass
class Row:
    """How to call one operation so that an allowed caller succeeds."""

    success: set[int]
    path: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: dict | None = None
    #: Caller -> status, where a thread rule decides rather than the token kind.
    exceptions: dict[str, int] = field(default_factory=dict)


def rows(world) -> dict[str, Row]:
    thread = {"thread_id": world["thread_id"]}
    return {
        "GET /api/me": Row({200}),
        "GET /api/customers": Row({200}),
        "GET /api/customers/{cid}": Row({200}, path={"cid": 1}),
        "GET /api/customers/{cid}/opportunities": Row({200}, path={"cid": 1}),
        "GET /api/opportunities": Row({200}),
        "POST /api/opportunities": Row(
            {201}, body=opportunity_payload(name="Matrix deal", monthly_estimated_revenue="100.00")
        ),
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
        "PUT /api/threads/{thread_id}/read": Row(
            {200},
            path=thread,
            body={"username": "quinn", "last_read_message_id": world["message_id"]},
            exceptions={"outsider": 403},
        ),
        "POST /thread": Row({201}, body={"users": ["quinn", "ana"]}, exceptions={"outsider": 403}),
        "POST /thread/{thread_id}/{username}": Row(
            {204}, path={**thread, "username": "quinn"}, body={"message": "hi"}, exceptions={"outsider": 403}
        ),
        "GET /thread/{thread_id}": Row({200}, path=thread, exceptions={"outsider": 404}),
    }


def point_at_the_same_fake(app, other, monkeypatch) -> None:
    """Give ``other`` the randomuser settings the ``fake`` fixture gave ``app``."""
    for name, value in app.config.items():
        if name.startswith(("RANDOMUSER_", "SYNC_")):
            monkeypatch.setitem(other.config, name, value)


def build_world(app) -> dict:
    """One of everything the rows address, committed (needs the ``db`` and ``fake`` fixtures)."""
    customer = CustomerFactory(cid=1)
    opportunity = OpportunityFactory(customer=customer)
    RevenueActualFactory()
    RevenueTargetFactory()
    run = run_sync("cli")
    assert run.status == "succeeded", run.reason
    created = token_client(app, TEST_TOKEN).post("/api/threads", json={"users": ["quinn", "ana"]})
    thread_id = created.json["thread_id"]
    message = token_client(app, TEST_TOKEN).post(
        f"/api/threads/{thread_id}/messages", json={"username": "ana", "message": "x"}
    )
    return {"oid": opportunity.oid, "run_id": run.id, "thread_id": thread_id, "message_id": message.json["id"]}
