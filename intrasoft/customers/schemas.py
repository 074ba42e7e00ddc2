from marshmallow import Schema, fields, validate

from ..domain import AREAS, PRODUCTS, SEGMENTS
from ..fields import QueryInteger, SearchText, UTCDateTime
from ..pagination import cursor_args

MAX_CID = 2**31 - 1


class CustomerSchema(Schema):
    cid = fields.Integer(metadata={"description": "The customer id (CID).", "example": 1042})
    name = fields.String(metadata={"example": "Dupont Logistique SARL"})
    area = fields.String(metadata={"enum": list(AREAS), "example": "France"})
    segment = fields.String(metadata={"enum": list(SEGMENTS), "example": "Mid-Market"})
    account_executive = fields.String(allow_none=True, metadata={"example": "Claire Martin"})
    technical_specialist = fields.String(allow_none=True, metadata={"example": "Lucas Bernard"})
    contract_start_date = fields.Date(allow_none=True, metadata={"example": "2023-09-01"})
    contract_renewal_date = fields.Date(allow_none=True, metadata={"example": "2026-09-01"})
    subscriptions = fields.List(
        fields.String(validate=validate.OneOf(PRODUCTS)),
        attribute="subscription_list",
        metadata={"description": "Products held.", "example": ["accounting", "payroll"]},
    )
    is_strategic = fields.Boolean()
    is_reference = fields.Boolean()
    credit_hold = fields.Boolean()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


CustomerPageArgs = cursor_args(
    QueryInteger(load_default=None, validate=validate.Range(min=0, max=MAX_CID)),
    "Keyset cursor: return customers with `cid` greater than this (no COUNT; see `next_after`).",
)


class CustomerListArgs(CustomerPageArgs):
    area = fields.String(validate=validate.OneOf(AREAS), metadata={"description": "Sales Area."})
    segment = fields.String(validate=validate.OneOf(SEGMENTS))
    account_executive = SearchText(max_length=100, metadata={"description": "Exact account executive name."})
    is_strategic = fields.Boolean()
    q = SearchText(max_length=100, metadata={"description": "Name contains (case-insensitive)."})
