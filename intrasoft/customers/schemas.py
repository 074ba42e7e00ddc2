from marshmallow import Schema, fields, validate

from ..fields import QueryBoolean, QueryInteger, SearchText, TrimmedString, UTCDateTime
from ..pagination import cursor_args
from .reference import AREAS, CUSTOMER_TYPES, PRODUCTS

MAX_CID = 2**31 - 1
#: The CRM's ``customer`` flags, in the order of its table (and of every response).
CRM_FLAGS = (
    "has_dedicated_account_manager",
    "has_dedicated_technical_consultant",
    "has_support_contract",
    "has_discounted_pricing",
)
#: ``sort``: by CID, ascending (the default) or descending.
SORTS = ("cid", "-cid")


def _flag(description: str) -> fields.Boolean:
    return fields.Boolean(metadata={"description": description, "example": False})


class CustomerSchema(Schema):
    """A customer: the CRM's columns first (in its order), then ours."""

    cid = fields.Integer(metadata={"description": "The customer id (CID).", "example": 5987})
    name = fields.String(
        allow_none=True,
        metadata={"description": "Not in the CRM's table: may be null (show the CID).", "example": "Dupont SARL"},
    )
    area = fields.String(metadata={"enum": list(AREAS), "example": "France"})
    customer_type = fields.String(
        metadata={
            "description": f"Free text as the CRM has it (up to 32 characters), e.g. {', '.join(CUSTOMER_TYPES)}.",
            "maxLength": 32,
            "example": "Mid-Market",
        }
    )
    has_dedicated_account_manager = _flag("The CRM's Has_Dedicated_Account_Manager.")
    has_dedicated_technical_consultant = _flag("The CRM's Has_Dedicated_Technical_Consultant.")
    has_support_contract = _flag("The CRM's Has_Support_Contract.")
    has_discounted_pricing = _flag("The CRM's Has_Discounted_Pricing.")
    account_executive = fields.String(allow_none=True, metadata={"example": "Claire Martin"})
    technical_specialist = fields.String(allow_none=True, metadata={"example": "Lucas Bernard"})
    contract_start_date = fields.Date(allow_none=True, metadata={"example": "2023-09-01"})
    contract_renewal_date = fields.Date(allow_none=True, metadata={"example": "2026-09-01"})
    subscriptions = fields.List(
        fields.String(validate=validate.OneOf(PRODUCTS)),
        attribute="subscription_list",
        metadata={"description": "Products held.", "example": ["accounting", "payroll"]},
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


CustomerPageArgs = cursor_args(
    QueryInteger(load_default=None, validate=validate.Range(min=0, max=MAX_CID)),
    "Keyset cursor: the customers after this CID in the `sort` order (`after=0` starts from the top "
    "in either order; then pass `next_after`). No COUNT.",
)


def _flag_filter(column: str) -> QueryBoolean:
    return QueryBoolean(metadata={"description": f"Only customers whose `{column}` is `true` (or `false`)."})


class CustomerListArgs(CustomerPageArgs):
    area = fields.String(validate=validate.OneOf(AREAS), metadata={"description": "Sales Area."})
    customer_type = TrimmedString(max_length=32, metadata={"description": "Exact customer type (`Mid-Market`)."})
    has_dedicated_account_manager = _flag_filter("has_dedicated_account_manager")
    has_dedicated_technical_consultant = _flag_filter("has_dedicated_technical_consultant")
    has_support_contract = _flag_filter("has_support_contract")
    has_discounted_pricing = _flag_filter("has_discounted_pricing")
    account_executive = SearchText(max_length=100, metadata={"description": "Exact account executive name."})
    q = SearchText(max_length=100, metadata={"description": "Name contains (case-insensitive)."})
    sort = fields.String(
        load_default="cid",
        validate=validate.OneOf(SORTS),
        metadata={"description": "`cid` (ascending, the default) or `-cid` (descending)."},
    )
