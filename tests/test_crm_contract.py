"""A client written against the CRM's contract works unchanged (issue 9).

The models below are that client's, written from the CRM's field list (not from our spec): a
customer read model whose ``has_*`` booleans are required, an opportunity create model where only
``cid`` is required, and a read model that adds ``oid``. Like any pydantic client they ignore the
fields they do not know (our name, probability, version, ...).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from .factories import CustomerFactory, delivery_date, opportunity_payload

CRMText = Annotated[str, Field(max_length=32)]


class CRMCustomer(BaseModel):
    """The CRM's ``customer``: CID, Area, Customer_Type and the four Has_* booleans (required)."""

    cid: StrictInt
    area: CRMText
    customer_type: CRMText
    has_dedicated_account_manager: StrictBool
    has_dedicated_technical_consultant: StrictBool
    has_support_contract: StrictBool
    has_discounted_pricing: StrictBool


class CRMOpportunityCreate(BaseModel):
    """The CRM's ``crm_opportunities`` as its clients create them: only ``cid`` is required."""

    cid: StrictInt
    opportunity_sales_group: CRMText | None = None
    opportunity_status: CRMText | None = None
    monthly_estimated_revenue: Annotated[Decimal, Field(max_digits=18, decimal_places=2)] | None = None
    estimated_delivery_date: date | None = None
    non_recurring: CRMText | None = None
    days_since_last_updated: Annotated[int, Field(ge=0)] | None = None


class CRMOpportunity(CRMOpportunityCreate):
    """What the CRM's clients read back: the create model plus the OID (varchar 32)."""

    model_config = ConfigDict(strict=False)

    oid: CRMText


#: A valid delivery date for an open deal: in the future, less than 3 years ahead.
DELIVERY_DAYS = 90


def sample_body(status: str = "Proposal") -> dict:
    """The sample create body the CRM's users send (revenue as a JSON number): its fields only."""
    return opportunity_payload(
        cid=5987,
        opportunity_sales_group="Enterprise AE",
        opportunity_status=status,
        monthly_estimated_revenue=2500.00,
        estimated_delivery_date=delivery_date(DELIVERY_DAYS).isoformat(),
        non_recurring="No",
        days_since_last_updated=0,
        name=...,
        product=...,
    )


@pytest.fixture()
def crm_customer(db):
    return CustomerFactory(cid=5987, name=None, area="France", customer_type="Mid-Market")


def walk(client, url: str, first, **query) -> list[dict]:
    items, after = [], first
    while after is not None:
        response = client.get(url, query_string={**query, "after": after, "page_size": 100})
        assert response.status_code == 200, response.json
        items += response.json
        after = json.loads(response.headers["X-Pagination"])["next_after"]
    return items


def test_the_customer_model_validates_every_customer_of_the_list(client, runner):
    result = runner.invoke(args=["seed", "--customers", "250", "--opportunities", "0"])
    assert result.exit_code == 0, result.output
    for sort in ("cid", "-cid"):
        customers = walk(client, "/api/customers", 0, sort=sort)
        assert len(customers) == 250
        for item in customers:
            CRMCustomer.model_validate(item)
    # The seed has what the CRM has: customers without a name, every flag both ways.
    assert any(item["name"] is None for item in customers)
    for flag in ("has_dedicated_account_manager", "has_dedicated_technical_consultant", "has_support_contract"):
        assert {item[flag] for item in customers} == {True, False}, flag


def test_the_customer_model_would_notice_a_missing_or_loose_flag(client, crm_customer):
    item = client.get("/api/customers/5987").json
    CRMCustomer.model_validate(item)
    with pytest.raises(ValidationError):
        CRMCustomer.model_validate({k: v for k, v in item.items() if k != "has_support_contract"})
    with pytest.raises(ValidationError):
        CRMCustomer.model_validate({**item, "has_support_contract": 1})


def test_the_sample_body_creates_an_opportunity(client, crm_customer):
    body = sample_body()
    CRMOpportunityCreate.model_validate(body)  # the client's own model accepts it
    response = client.post("/api/opportunities", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.json
    created = CRMOpportunity.model_validate(response.json)
    assert created.cid == 5987 and created.opportunity_sales_group == "Enterprise AE"
    assert created.opportunity_status == "proposal"  # matched in any case, stored lowercase
    assert created.monthly_estimated_revenue == Decimal("2500.00")
    assert created.estimated_delivery_date == delivery_date(DELIVERY_DAYS)
    assert (created.non_recurring, created.days_since_last_updated) == ("No", 0)


def test_a_body_dumped_from_the_create_model_creates_an_opportunity(client, crm_customer):
    model = CRMOpportunityCreate(
        cid=5987,
        opportunity_status="Negotiation",
        monthly_estimated_revenue=Decimal("1999.99"),
        estimated_delivery_date=delivery_date(DELIVERY_DAYS),
        non_recurring="Yes",
    )
    response = client.post("/api/opportunities", json=model.model_dump(mode="json", exclude_none=True))
    assert response.status_code == 201, response.json
    created = CRMOpportunity.model_validate(response.json)
    assert (created.opportunity_status, created.monthly_estimated_revenue) == ("negotiation", Decimal("1999.99"))
    assert created.opportunity_sales_group is None


def test_the_read_model_validates_get_patch_and_the_lists(client, crm_customer):
    created = client.post("/api/opportunities", json=sample_body())
    assert created.status_code == 201, created.json
    oid = created.json["oid"]
    read = client.get(f"/api/opportunities/{oid}")
    assert CRMOpportunity.model_validate(read.json) == CRMOpportunity.model_validate(created.json)
    patched = client.patch(
        f"/api/opportunities/{oid}",
        json={"opportunity_status": "Won", "opportunity_sales_group": "Strategic AE"},
        headers={"If-Match": read.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.json
    won = CRMOpportunity.model_validate(patched.json)
    assert (won.opportunity_status, won.opportunity_sales_group) == ("won", "Strategic AE")
    for url in ("/api/opportunities", "/api/customers/5987/opportunities"):
        listed = walk(client, url, "")
        assert [CRMOpportunity.model_validate(item).oid for item in listed] == [oid]


def test_a_create_may_send_days_since_last_updated_only_as_zero(client, crm_customer, db):
    response = client.post("/api/opportunities", json={**sample_body(), "days_since_last_updated": 3})
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["days_since_last_updated"]
    oid = client.post("/api/opportunities", json=sample_body()).json["oid"]
    patched = client.patch(f"/api/opportunities/{oid}", json={"days_since_last_updated": 0})
    assert patched.status_code == 422 and list(patched.json["errors"]["json"]) == ["days_since_last_updated"]


def test_sending_days_since_last_updated_as_zero_is_the_same_request(client, crm_customer):
    """0 is what a new opportunity has: a retry with or without it replays the same Idempotency-Key."""
    headers = {"Idempotency-Key": "crm-retry-1"}
    body = sample_body()
    first = client.post("/api/opportunities", json=body, headers=headers)
    retry = client.post(
        "/api/opportunities",
        json={k: v for k, v in body.items() if k != "days_since_last_updated"},
        headers=headers,
    )
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json["oid"] == first.json["oid"]
