"""``flask import opportunities``: the workbook's ``CRM Opportunities`` sheet, upserted by OID.

Historical data is imported as it is: an open opportunity whose date has passed is kept (the
data-quality report flags it), but every row must have a status, a revenue and a date, the
status/probability rules hold, and its customer must exist (stored, or in the same workbook).
A row without an OID gets a generated one; ``Days_Since_Last_Updated`` sets ``updated_at``
that many days back.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from marshmallow import pre_load, validate
from sqlalchemy import select

from ..customers.models import Customer
from ..customers.reference import PRODUCTS
from ..customers.schemas import MAX_CID
from ..extensions import db
from ..fields import EARLIEST_DATE, Money
from ..importing import (
    CHUNK,
    CellDate,
    CellInteger,
    CellText,
    ImportContext,
    ImportKind,
    ImportSchema,
    KindResult,
    Rejection,
)
from .models import Opportunity
from .reference import CURRENCIES, DEFAULT_PROBABILITY, FIXED_PROBABILITY, STATUSES
from .schemas import MAX_MONTHLY_REVENUE, OID_ERROR, OID_PATTERN, STATUS_ERROR, normalise_status


class OpportunityImport(ImportSchema):
    oid = CellText(validate=validate.Regexp(OID_PATTERN, error=OID_ERROR))
    cid = CellInteger(required=True, validate=validate.Range(min=1, max=MAX_CID))
    opportunity_sales_group = CellText(validate=validate.Length(max=32))
    opportunity_status = CellText(required=True, validate=validate.OneOf(STATUSES, error=STATUS_ERROR))
    monthly_estimated_revenue = Money(
        required=True, minimum=Decimal("0"), maximum=MAX_MONTHLY_REVENUE, min_exclusive=True
    )
    estimated_delivery_date = CellDate(
        required=True, validate=validate.Range(min=EARLIEST_DATE, error="Must be on or after {min}.")
    )
    non_recurring = CellText(validate=validate.Length(max=32))
    days_since_last_updated = CellInteger(validate=validate.Range(min=0, max=36500))
    name = CellText(validate=validate.Length(max=200))
    product = CellText(validate=validate.OneOf(PRODUCTS))
    probability = CellInteger(validate=validate.Range(min=0, max=100))
    currency = CellText(load_default="EUR", validate=validate.OneOf(CURRENCIES))
    account_executive = CellText(validate=validate.Length(max=100))
    technical_specialist = CellText(validate=validate.Length(max=100))

    @pre_load
    def _status_in_any_case(self, data, **kwargs):
        status = data.get("opportunity_status")
        if isinstance(status, str):
            data = {**data, "opportunity_status": normalise_status(status.strip()) or status}
        return data


def _known_customers(cids: set[int], context: ImportContext) -> set[int]:
    known = {key[0] for key in context.imported_keys.get("customers", set())} & cids
    wanted = sorted(cids - known)
    for start in range(0, len(wanted), CHUNK):
        known |= set(db.session.scalars(select(Customer.cid).where(Customer.cid.in_(wanted[start : start + CHUNK]))))
    return known


def check(part: KindResult, context: ImportContext) -> list[Rejection]:
    """Generated OIDs, probabilities by status, known customers, ``updated_at`` from the days."""
    rejections = []
    sheet, columns = part.sheet, part.headers
    known = _known_customers({row.data["cid"] for row in part.rows}, context)
    for row in part.rows:
        data = row.data
        if data["cid"] not in known:
            rejections.append(Rejection(sheet, row.number, columns["cid"], f"Customer {data['cid']} does not exist."))
        status = data["opportunity_status"]
        given = data.get("probability")
        fixed = FIXED_PROBABILITY.get(status)
        if fixed is not None and given is not None and given != fixed:
            column = columns["probability"]
            rejections.append(Rejection(sheet, row.number, column, f"A {status} opportunity has probability {fixed}."))
        data["probability"] = (
            fixed if fixed is not None else given if given is not None else DEFAULT_PROBABILITY[status]
        )
        data.setdefault("oid", None)
        data["oid"] = data["oid"] or uuid.uuid4().hex
        days = data.pop("days_since_last_updated", None)
        if days is not None:
            data["updated_at"] = context.now - timedelta(days=days)
    part.columns |= {"oid", "probability"}
    if "days_since_last_updated" in part.columns:
        part.columns = (part.columns - {"days_since_last_updated"}) | {"updated_at"}
    return rejections


KIND = ImportKind(
    name="opportunities",
    model=Opportunity,
    schema=OpportunityImport,
    key=("oid",),
    sheet_names=("CRM Opportunities", "CRM Opportunity", "Opportunities"),
    check=check,
)
