from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from ..customers.schemas import MAX_CID
from ..domain import AREAS, CURRENCIES, PRODUCTS, STATUSES
from ..fields import Money, MoneyInput, QueryInteger, TrimmedString, UTCDateTime, date_from_2000
from ..pagination import cursor_args
from ..preconditions import IF_MATCH_PATTERN

MAX_MONTHLY_REVENUE = Decimal("1000000")
READ_ONLY_FIELDS = ("oid", "version", "created_at", "updated_at")
OID_PATTERN = r"^[0-9a-f]{32}$"


class OpportunitySchema(Schema):
    oid = fields.String(metadata={"example": "3f1c2a9e8b7d4c6f9a0b1c2d3e4f5a6b", "pattern": OID_PATTERN})
    cid = fields.Integer(metadata={"example": 1042})
    name = fields.String(metadata={"example": "Payroll roll-out 2025"})
    product = fields.String(metadata={"enum": list(PRODUCTS), "example": "payroll"})
    status = fields.String(metadata={"enum": list(STATUSES), "example": "proposal"})
    probability = fields.Integer(metadata={"example": 50})
    estimated_monthly_revenue = Money(metadata={"example": "1250.00"})
    currency = fields.String(metadata={"enum": list(CURRENCIES), "example": "EUR"})
    expected_close_date = fields.Date(metadata={"example": "2026-03-31"})
    account_executive = fields.String(allow_none=True, metadata={"example": "Claire Martin"})
    technical_specialist = fields.String(allow_none=True, metadata={"example": "Lucas Bernard"})
    version = fields.Integer(
        metadata={"example": 4, "description": "1 when created, +1 on every update; the `ETag` is its quoted value."}
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class _OpportunityInput(Schema):
    """Fields a client may write. Unknown and server-owned fields are rejected (422)."""

    name = TrimmedString(max_length=200)
    product = fields.String(validate=validate.OneOf(PRODUCTS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    probability = fields.Integer(strict=True, validate=validate.Range(min=0, max=100))
    estimated_monthly_revenue = MoneyInput(
        minimum=Decimal("0"),
        maximum=MAX_MONTHLY_REVENUE,
        min_exclusive=True,
        metadata={
            "description": "Monthly revenue in EUR, > 0 and at most 1,000,000, at most two decimals.",
            "pattern": r"^0*(1000000(\.0{1,2})?|[1-9]\d{0,5}(\.\d{1,2})?|0?\.(0[1-9]|[1-9]\d?))$",
        },
    )
    currency = fields.String(validate=validate.OneOf(CURRENCIES))
    expected_close_date = date_from_2000(
        metadata={
            "description": (
                "Never before 2000-01-01; not in the past while the opportunity is open; at most 3 years ahead."
            )
        }
    )
    account_executive = TrimmedString(max_length=100, allow_none=True)
    technical_specialist = TrimmedString(max_length=100, allow_none=True)

    @pre_load
    def _reject_server_owned(self, data, **kwargs):
        if isinstance(data, dict):
            owned = {f: ["Read-only: set by the server."] for f in READ_ONLY_FIELDS if f in data}
            if owned:
                raise ValidationError(owned)
        return data


class OpportunityCreateSchema(_OpportunityInput):
    cid = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_CID))

    class Meta:
        ordered = True

    def on_bind_field(self, field_name, field_obj):
        if field_name in {"name", "product", "estimated_monthly_revenue", "expected_close_date"}:
            field_obj.required = True


class OpportunityUpdateSchema(_OpportunityInput):
    @pre_load
    def _reject_cid(self, data, **kwargs):
        if isinstance(data, dict) and "cid" in data:
            raise ValidationError({"cid": ["An opportunity cannot move to another customer."]})
        return data


OpportunityPageArgs = cursor_args(
    fields.String(load_default=None, validate=validate.Regexp(r"^([0-9a-f]{32})?$", error="Not an opportunity id.")),
    "Keyset cursor: empty (`after=`) for the first page, then the `oid` of the last opportunity "
    "seen (`next_after`); pages in (`created_at`, `oid`) order without a COUNT.",
)


class OpportunityListArgs(OpportunityPageArgs):
    cid = QueryInteger(validate=validate.Range(min=1, max=MAX_CID))
    status = fields.String(validate=validate.OneOf(STATUSES))
    product = fields.String(validate=validate.OneOf(PRODUCTS))
    area = fields.String(validate=validate.OneOf(AREAS))


class IdempotencyHeaders(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Regexp(r"^[\x21-\x7e]{1,255}$", error="1-255 visible ASCII characters."),
        metadata={
            "description": (
                "Makes retries safe: the same key with the same body returns the original opportunity "
                "and creates nothing; with another body 422; while the first request runs 409. Keys "
                "belong to the bearer token that sent them (another client's identical key is another "
                "key) and are compared exactly (case-sensitive)."
            )
        },
    )


class IfMatchHeaders(Schema):
    if_match = fields.String(
        data_key="If-Match",
        metadata={
            "description": (
                'Optimistic concurrency: the `ETag` of the opportunity as last read (e.g. `"4"`). '
                "The update applies only while it is still current, otherwise 412 and nothing is "
                'written (read it again). `*` matches any existing opportunity; a weak tag (`W/"4"`) '
                "never matches. A malformed value is 400. Without the header the update applies "
                "to the current opportunity."
            ),
            "pattern": IF_MATCH_PATTERN,
            "example": '"4"',
        },
    )
