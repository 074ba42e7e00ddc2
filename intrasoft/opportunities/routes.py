from flask import url_for

from ..auth import current_principal
from ..blueprint import Blueprint
from ..customers.service import get_customer_or_404
from ..preconditions import etag_for, parse_if_match
from ..schemas import PAGINATION_HEADER, WRITE_ERRORS, ErrorSchema, document_errors
from .schemas import (
    OID_ERROR,
    OID_PATTERN,
    IdempotencyHeaders,
    IfMatchHeaders,
    OpportunityCreateSchema,
    OpportunityListArgs,
    OpportunitySchema,
    OpportunityUpdateSchema,
)
from .service import create_opportunity, get_opportunity_or_404, list_opportunities, update_opportunity

#: Every response carrying one opportunity has its version as a strong ETag.
ETAG_HEADER = {
    "ETag": {
        "description": 'Strong validator: the quoted `version` (`"4"`); send it back as `If-Match` on PATCH.',
        "schema": {"type": "string"},
    }
}

blp = Blueprint("opportunities", __name__, url_prefix="/api", description="CRM opportunities of customers.")

#: The CRM's own sample body (its delivery date moved to a valid one).
CREATE_EXAMPLE = {
    "cid": 5987,
    "opportunity_sales_group": "Enterprise AE",
    "opportunity_status": "Proposal",
    "monthly_estimated_revenue": 2500.00,
    "estimated_delivery_date": "2027-03-01",
    "non_recurring": "No",
    "days_since_last_updated": 0,
}
#: The oid in a path: the CRM's OIDs (the server's are 32 lowercase hex characters).
OID_PARAMETER = {
    "in": "path",
    "name": "oid",
    "description": f"The opportunity's OID: {OID_ERROR} Anything else is 404.",
    "schema": {"type": "string", "pattern": OID_PATTERN, "minLength": 1, "maxLength": 32},
}


@blp.route("/opportunities")
@blp.arguments(OpportunityListArgs, location="query", as_kwargs=False)
@blp.response(200, OpportunitySchema(many=True), headers=PAGINATION_HEADER)
@blp.doc(summary="List opportunities", description="Paginated, ordered by `created_at` then `oid`.")
def list_opportunities_view(args):
    page = list_opportunities(args)
    return page.items, 200, page.headers


@blp.route("/opportunities", methods=["POST"])
@blp.arguments(IdempotencyHeaders, location="headers", as_kwargs=False)
@blp.arguments(OpportunityCreateSchema, example=CREATE_EXAMPLE)
@blp.response(
    201,
    OpportunitySchema,
    description="The stored opportunity (also for a replayed Idempotency-Key).",
    headers={"Location": {"description": "URL of the opportunity", "schema": {"type": "string"}}, **ETAG_HEADER},
)
@document_errors(blp, WRITE_ERRORS)
@blp.alt_response(409, schema=ErrorSchema, description="A request with this Idempotency-Key is in flight.")
@blp.doc(
    summary="Create an opportunity",
    description=(
        "`cid`, `monthly_estimated_revenue` and `estimated_delivery_date` are required; everything else "
        "is optional. `opportunity_status` (any case, stored lowercase) defaults to prospecting and "
        "`probability` to the status's default (10, 25, 50, 75, 100, 0); won is always 100 and lost 0. An "
        "open opportunity cannot be delivered in the past, and no delivery date is more than 3 years "
        "ahead. `days_since_last_updated` is the server's: a create may send it only as 0. The account "
        "team defaults to the customer's. An unknown `cid` gets 422 under `errors.json.cid`."
    ),
)
def create_opportunity_view(headers, data):
    opportunity, replayed = create_opportunity(data, headers.get("idempotency_key"), current_principal().token_id or "")
    location = url_for("opportunities.get_opportunity_view", oid=opportunity.oid)
    response_headers = {"Location": location, "ETag": etag_for(opportunity.version)}
    if replayed:
        response_headers["Idempotent-Replayed"] = "true"
    return opportunity, 201, response_headers


@blp.route("/opportunities/<oid>", parameters=[OID_PARAMETER])
@blp.response(200, OpportunitySchema, headers=ETAG_HEADER)
@blp.alt_response(404, schema=ErrorSchema, description="Unknown or malformed oid.")
@blp.doc(
    summary="Get an opportunity",
    description="One opportunity by its `oid`, with its version as `ETag`.",
)
def get_opportunity_view(oid):
    opportunity = get_opportunity_or_404(oid)
    return opportunity, 200, {"ETag": etag_for(opportunity.version)}


@blp.route("/opportunities/<oid>", methods=["PATCH"], parameters=[OID_PARAMETER])
@blp.arguments(IfMatchHeaders, location="headers", as_kwargs=False)
@blp.arguments(OpportunityUpdateSchema, example={"opportunity_status": "negotiation"}, required=False)
@blp.response(200, OpportunitySchema, headers=ETAG_HEADER)
@document_errors(blp, {**WRITE_ERRORS, 400: "The body is not valid JSON, or `If-Match` is malformed."})
@blp.alt_response(404, schema=ErrorSchema, description="Unknown or malformed oid.")
@blp.alt_response(409, schema=ErrorSchema, description="The opportunity is won or lost: its status is final.")
@blp.alt_response(
    412,
    schema=ErrorSchema,
    description="`If-Match` is not the current ETag: the opportunity changed since it was read (nothing written).",
)
@blp.doc(
    summary="Update an opportunity",
    description=(
        "Partial update with the create rules (`cid` and `days_since_last_updated` cannot be sent; the "
        "optional text fields and `product` may be set to null). Changing `opportunity_status` without a "
        "probability resets the probability to the new status's default. Won and lost are final (409, "
        "under `errors.json.opportunity_status`). With `If-Match` "
        "(the `ETag` of a GET), the update applies only if nobody changed the opportunity since (412)."
    ),
)
def update_opportunity_view(headers, changes, oid):
    opportunity = update_opportunity(oid, changes, parse_if_match(headers.get("if_match")))
    return opportunity, 200, {"ETag": etag_for(opportunity.version)}


@blp.route("/customers/<int:cid>/opportunities")
@blp.arguments(OpportunityListArgs(exclude=("cid", "area")), location="query", as_kwargs=False)
@blp.response(200, OpportunitySchema(many=True), headers=PAGINATION_HEADER)
@blp.alt_response(404, schema=ErrorSchema, description="No customer with this CID.")
@blp.doc(summary="List a customer's opportunities", description="Paginated, oldest first.")
def list_customer_opportunities_view(args, cid):
    get_customer_or_404(cid)
    page = list_opportunities({**args, "cid": cid})
    return page.items, 200, page.headers
