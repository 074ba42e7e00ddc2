from ...blueprint import Blueprint
from ...schemas import ErrorSchema
from .schemas import DataQualityArgs, DataQualitySchema
from .service import data_quality_report

blp = Blueprint(
    "data_quality",
    __name__,
    url_prefix="/api/data-quality",
    description="Data-quality checks over customers, opportunities, actuals and targets.",
)


@blp.route("")
@blp.arguments(DataQualityArgs, location="query", as_kwargs=False)
@blp.response(200, DataQualitySchema)
@blp.alt_response(422, schema=ErrorSchema, description="A malformed `as_of` date.")
@blp.doc(
    summary="Data-quality report",
    description=(
        "Seven checks, each with a `count` and up to 10 `sample_ids` in id order: overdue open "
        "opportunities, open opportunities delivered after the current fiscal year, revenue outliers "
        "(more than 5x their Area's median monthly revenue, over all its opportunities), customers "
        "without an account executive or technical specialist, renewal dates before start dates, "
        "Areas without a target for the current fiscal year, and complete months of the current "
        "fiscal year missing from the actuals (per Area, as `Area/YYYY-MM`). 'Current' is relative "
        "to `as_of` (default today)."
    ),
)
def data_quality_view(args):
    return data_quality_report(args.get("as_of"))
