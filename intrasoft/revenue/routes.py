from ..blueprint import Blueprint
from ..customers.reference import AREAS
from ..schemas import PAGINATION_HEADER, WRITE_ERRORS, ErrorSchema, document_errors
from . import service
from .fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from .schemas import (
    ActualListArgs,
    ActualSchema,
    SummaryArgs,
    SummarySchema,
    TargetInputSchema,
    TargetListArgs,
    TargetSchema,
)

blp = Blueprint(
    "revenue",
    __name__,
    url_prefix="/api/revenue",
    description="Revenue actuals, targets and the pipeline forecast for sales leadership.",
)

TARGET_PATH_PARAMETERS = [
    {
        "in": "path",
        "name": "area",
        "required": True,
        "description": "Sales Area (unknown: 422 under `errors.path.area`).",
        "schema": {"type": "string", "enum": list(AREAS)},
    },
    {
        "in": "path",
        "name": "fiscal_year",
        "required": True,
        "description": "Fiscal year N runs 1 July N-1 to 30 June N (outside 2000-2100: 422).",
        "schema": {"type": "integer", "minimum": MIN_FISCAL_YEAR, "maximum": MAX_FISCAL_YEAR},
    },
]

SUMMARY_EXAMPLE_ROW = {
    "area": "Germany",
    "target": "1200000.00",
    "target_missing": False,
    "actual_to_date": "425000.85",
    "run_rate_projection": "840000.70",
    "weighted_pipeline": "4818.75",
    "projected_total": "1269820.30",
    "gap_to_target": "-69820.30",
    "attainment_pct": "35.42",
    "projected_attainment_pct": "105.82",
    "open_count": 7,
    "open_monthly_revenue": "10355.73",
}


@blp.route("/actuals")
@blp.arguments(ActualListArgs, location="query", as_kwargs=False)
@blp.response(200, ActualSchema(many=True), headers=PAGINATION_HEADER)
@blp.alt_response(422, schema=ErrorSchema, description="Unknown Area, year outside 2000-2100 or bad page.")
@blp.doc(
    summary="List monthly revenue actuals",
    description="Booked revenue per Area and calendar month, ordered by month then Area; paginated.",
)
def list_actuals_view(args):
    page = service.list_actuals(args)
    return page.items, 200, page.headers


@blp.route("/targets")
@blp.arguments(TargetListArgs, location="query", as_kwargs=False)
@blp.response(200, TargetSchema(many=True), headers=PAGINATION_HEADER)
@blp.alt_response(422, schema=ErrorSchema, description="Unknown Area, year outside 2000-2100 or bad page.")
@blp.doc(summary="List revenue targets", description="Targets per Area, ordered by fiscal year then Area; paginated.")
def list_targets_view(args):
    page = service.list_targets(args)
    return page.items, 200, page.headers


@blp.route("/targets/<area>/<int(signed=True):fiscal_year>", methods=["PUT"], parameters=TARGET_PATH_PARAMETERS)
@blp.arguments(TargetInputSchema, example={"amount": "1200000.00"})
@blp.response(200, TargetSchema, description="The target was updated.")
@blp.alt_response(201, schema=TargetSchema, description="The target was created.")
@document_errors(blp, WRITE_ERRORS)
@blp.alt_response(
    422,
    schema=ErrorSchema,
    description="Unknown Area or year outside 2000-2100 (`errors.path.<name>`), or a bad `errors.json.amount`.",
)
@blp.doc(
    summary="Set an Area's target for a fiscal year",
    description=(
        "Creates (201) or replaces (200) the target, as leadership does at the start of each year. "
        "`amount` is in EUR, greater than 0, at most two decimals."
    ),
)
def put_target_view(data, area, fiscal_year):
    target, created = service.set_target(area, fiscal_year, data["amount"])
    return target, 201 if created else 200


@blp.route("/summary")
@blp.arguments(SummaryArgs, location="query", as_kwargs=False)
@blp.response(
    200,
    SummarySchema,
    example={
        "fiscal_year": 2025,
        "as_of": "2024-11-15",
        "months_to_date": 5,
        "months_remaining": 7,
        "areas": [SUMMARY_EXAMPLE_ROW],
        "total": {
            **{k: v for k, v in SUMMARY_EXAMPLE_ROW.items() if k not in ("area", "target_missing")},
            "missing_targets": [],
        },
    },
)
@blp.alt_response(422, schema=ErrorSchema, description="Year outside 2000-2100 or a malformed date.")
@blp.doc(
    summary="Revenue summary and pipeline forecast per Area",
    description=(
        "Per Area and in total, for a fiscal year (N runs 1 July N-1 to 30 June N) at a day `as_of`:\n\n"
        "- `actual_to_date`: actuals of the year's months up to and including `as_of`'s month;\n"
        "- `run_rate_projection`: the latest of those actuals (0 if none) x the year's months after "
        "`as_of`'s month;\n"
        "- `weighted_pipeline`: over the Area's not-lost opportunities delivered inside the year and after "
        "`as_of`: monthly revenue x probability / 100 x the year's months after the delivery month "
        "(revenue starts the month after delivery);\n"
        "- `projected_total = actual_to_date + run_rate_projection + weighted_pipeline`;\n"
        "- `gap_to_target = target - projected_total`, `attainment_pct = actual_to_date / target x 100`, "
        "`projected_attainment_pct = projected_total / target x 100`;\n"
        "- `open_count`, `open_monthly_revenue`: open opportunities delivered inside the year.\n\n"
        "Arithmetic is exact; each output figure is rounded once, to cents, half up (away from zero). "
        "Money and percentages are two-decimal strings. An Area without a target has `target`, "
        "`gap_to_target` and both percentages null and `target_missing: true`; so do the percentages "
        "for a target of 0. `total` sums the Areas' exact figures; its `target` sums the non-null targets "
        "(null when all are missing), `missing_targets` lists the others, and its gap and percentages "
        "compare the summed targets with the Areas that have one. `as_of` defaults to today and "
        "`fiscal_year` to `as_of`'s fiscal year (so with neither, the current one); an `as_of` outside "
        "the year follows the same formulas. A year without data gives zeros and null targets."
    ),
)
def summary_view(args):
    return service.revenue_summary(args.get("fiscal_year"), args.get("as_of"))
