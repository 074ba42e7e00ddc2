"""``flask import customers``: the CRM's customer roster (the ``Customer`` sheet of the workbook).

Columns as the CRM exports them: ``CID``, ``Area``, ``Customer_Type`` and the four ``Has_*``
flags, plus ours (``Name``, the account team, contract dates, ``Subscriptions``).
"""

from __future__ import annotations

from marshmallow import ValidationError, post_load, validate

from ..importing import CellBoolean, CellDate, CellInteger, CellText, ImportKind, ImportSchema
from .models import Customer
from .reference import AREAS, PRODUCTS
from .schemas import MAX_CID


class CustomerImport(ImportSchema):
    cid = CellInteger(required=True, validate=validate.Range(min=1, max=MAX_CID))
    name = CellText(validate=validate.Length(max=200))
    area = CellText(required=True, validate=validate.OneOf(AREAS))
    customer_type = CellText(required=True, validate=validate.Length(max=32))
    has_dedicated_account_manager = CellBoolean(load_default=False)
    has_dedicated_technical_consultant = CellBoolean(load_default=False)
    has_support_contract = CellBoolean(load_default=False)
    has_discounted_pricing = CellBoolean(load_default=False)
    account_executive = CellText(validate=validate.Length(max=100))
    technical_specialist = CellText(validate=validate.Length(max=100))
    contract_start_date = CellDate()
    contract_renewal_date = CellDate()
    subscriptions = CellText(load_default="", metadata={"description": "Products separated by ';' or ','."})

    @post_load
    def _normalise_subscriptions(self, data, **kwargs):
        held = {s.strip() for s in data["subscriptions"].replace(",", ";").split(";") if s.strip()}
        unknown = held - set(PRODUCTS)
        if unknown:
            raise ValidationError(f"Unknown products: {', '.join(sorted(unknown))}.", "subscriptions")
        data["subscriptions"] = ",".join(p for p in PRODUCTS if p in held)
        return data


KIND = ImportKind(
    name="customers",
    model=Customer,
    schema=CustomerImport,
    key=("cid",),
    sheet_names=("Customer", "Customers"),
)
