"""The opportunity's API shapes: the CRM's ``crm_opportunities`` fields first, in its order, then ours."""

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from .. import database
from ..customers.reference import AREAS, PRODUCTS
from ..customers.schemas import MAX_CID
from ..fields import Money, MoneyInput, QueryInteger, TrimmedString, UTCDateTime, date_from_2000
from ..pagination import cursor_args
from ..preconditions import IF_MATCH_PATTERN
from .reference import CURRENCIES, STATUSES

MAX_MONTHLY_REVENUE = Decimal("1000000")
READ_ONLY_FIELDS = ("oid", "version", "created_at", "updated_at")
#: The CRM's OIDs: any varchar 32 of letters, digits, ``.``, ``_`` and ``-`` (the server's own
#: are 32 lowercase hex characters). Path oids, the ``after`` cursor and imports take this.
OID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"
OID_ERROR = "1-32 letters, digits, '.', '_' or '-', starting with a letter or digit."
STATUS_ERROR = f"Must be one of: {', '.join(STATUSES)} (in any case)."


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in word)  # statuses are ASCII letters only


#: The statuses in any ASCII case, for the spec (JSON Schema patterns have no case-insensitive flag).
STATUS_PATTERN = "^(" + "|".join(_any_case(status) for status in STATUSES) + ")$"


def normalise_status(text: str) -> str | None:
    """The status ``text`` names in any (ASCII) case, lowercase; None when it names none."""
    key = text.lower() if text.isascii() else text
    return key if key in STATUSES else None


class StatusField(fields.String):
    """An opportunity status, matched case-insensitively (``Proposal``), loaded lowercase."""

    default_error_messages = {"invalid_status": STATUS_ERROR}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.setdefault("pattern", STATUS_PATTERN)
        self.metadata.setdefault("description", f"One of {', '.join(STATUSES)}, in any case; stored lowercase.")
        self.metadata.setdefault("example", "proposal")

    def _deserialize(self, value, attr, data, **kwargs):
        status = normalise_status(super()._deserialize(value, attr, data, **kwargs))
        if status is None:
            raise self.make_error("invalid_status")
        return status


class DaysSince(fields.Integer):
    """Whole UTC days from a (naive UTC) timestamp to today: 0 on the day itself, never negative."""

    def _serialize(self, value, attr, obj, **kwargs):
        return max(0, (database.today() - value.date()).days)


class OpportunitySchema(Schema):
    oid = fields.String(
        metadata={
            "example": "3f1c2a9e8b7d4c6f9a0b1c2d3e4f5a6b",
            "pattern": OID_PATTERN,
            "description": "The CRM's OID; the server generates 32 lowercase hex characters.",
        }
    )
    cid = fields.Integer(metadata={"example": 5987})
    opportunity_sales_group = fields.String(allow_none=True, metadata={"example": "Enterprise AE"})
    opportunity_status = fields.String(metadata={"enum": list(STATUSES), "example": "proposal"})
    monthly_estimated_revenue = Money(metadata={"example": "2500.00"})
    estimated_delivery_date = fields.Date(metadata={"example": "2026-03-01"})
    non_recurring = fields.String(allow_none=True, metadata={"example": "No"})
    days_since_last_updated = DaysSince(
        attribute="updated_at",
        dump_only=True,
        metadata={"minimum": 0, "example": 3, "description": "Whole UTC days since `updated_at` (read-only)."},
    )
    name = fields.String(allow_none=True, metadata={"example": "Payroll roll-out 2025"})
    product = fields.String(allow_none=True, metadata={"enum": [*PRODUCTS, None], "example": "payroll"})
    probability = fields.Integer(metadata={"example": 50})
    currency = fields.String(metadata={"enum": list(CURRENCIES), "example": "EUR"})
    account_executive = fields.String(allow_none=True, metadata={"example": "Claire Martin"})
    technical_specialist = fields.String(allow_none=True, metadata={"example": "Lucas Bernard"})
    version = fields.Integer(
        metadata={"example": 4, "description": "1 when created, +1 on every update; the `ETag` is its quoted value."}
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class _OpportunityInput(Schema):
    """Fields a client may write. Unknown and server-owned fields are rejected (422)."""

    #: Fields the server owns: refused with "Read-only" (a create may send ``days_since_last_updated`` as 0).
    read_only = (*READ_ONLY_FIELDS, "days_since_last_updated")

    opportunity_sales_group = TrimmedString(max_length=32, allow_none=True, metadata={"example": "Enterprise AE"})
    opportunity_status = StatusField()
    monthly_estimated_revenue = MoneyInput(
        minimum=Decimal("0"),
        maximum=MAX_MONTHLY_REVENUE,
        min_exclusive=True,
        metadata={
            "description": "Monthly revenue in EUR, > 0 and at most 1,000,000, at most two decimals.",
            "pattern": r"^0*(1000000(\.0{1,2})?|[1-9]\d{0,5}(\.\d{1,2})?|0?\.(0[1-9]|[1-9]\d?))$",
        },
    )
    estimated_delivery_date = date_from_2000(
        metadata={
            "description": (
                "Never before 2000-01-01; not in the past while the opportunity is open; at most 3 years ahead."
            )
        }
    )
    non_recurring = TrimmedString(
        max_length=32,
        allow_none=True,
        metadata={"description": "As the CRM records it (e.g. Yes or No), stored as given.", "example": "No"},
    )
    name = TrimmedString(max_length=200, allow_none=True)
    product = fields.String(validate=validate.OneOf(PRODUCTS), allow_none=True)
    probability = fields.Integer(strict=True, validate=validate.Range(min=0, max=100))
    currency = fields.String(validate=validate.OneOf(CURRENCIES))
    account_executive = TrimmedString(max_length=100, allow_none=True)
    technical_specialist = TrimmedString(max_length=100, allow_none=True)

    @pre_load
    def _reject_server_owned(self, data, **kwargs):
        if isinstance(data, dict):
            owned = {f: ["Read-only: set by the server."] for f in self.read_only if f in data}
            if owned:
                raise ValidationError(owned)
        return data


class OpportunityCreateSchema(_OpportunityInput):
    read_only = READ_ONLY_FIELDS

    cid = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_CID))
    days_since_last_updated = fields.Integer(
        strict=True,
        load_only=True,
        validate=validate.Range(min=0, max=0, error="A new opportunity was updated 0 days ago: only 0 is accepted."),
        metadata={"description": "Read-only; a create may send it as 0 (what a new opportunity has)."},
    )

    class Meta:
        ordered = True

    def on_bind_field(self, field_name, field_obj):
        if field_name in {"monthly_estimated_revenue", "estimated_delivery_date"}:
            field_obj.required = True

    @post_load
    def _drop_days(self, data, **kwargs):
        # 0 is what every new opportunity has: sending it or not is the same request
        # (and the same Idempotency-Key body).
        data.pop("days_since_last_updated", None)
        return data


class OpportunityUpdateSchema(_OpportunityInput):
    @pre_load
    def _reject_cid(self, data, **kwargs):
        if isinstance(data, dict) and "cid" in data:
            raise ValidationError({"cid": ["An opportunity cannot move to another customer."]})
        return data


OpportunityPageArgs = cursor_args(
    fields.String(
        load_default=None,
        validate=validate.Regexp(f"^({OID_PATTERN[1:-1]})?$", error="Not an opportunity id."),
    ),
    "Keyset cursor: empty (`after=`) for the first page, then the `oid` of the last opportunity "
    "seen (`next_after`); pages in (`created_at`, `oid`) order without a COUNT.",
)


class OpportunityListArgs(OpportunityPageArgs):
    cid = QueryInteger(validate=validate.Range(min=1, max=MAX_CID))
    opportunity_status = StatusField()
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
