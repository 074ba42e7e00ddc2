from flask import Response, request
from flask_smorest import abort

from ..blueprint import Blueprint
from ..schemas import PAGINATION_HEADER, ErrorSchema
from .schemas import CountriesArgs, CountriesSchema, SyncRunListArgs, SyncRunSchema
from .service import get_run_or_404, list_runs, render_countries, run_sync

blp = Blueprint(
    "countries",
    __name__,
    url_prefix="/api/countries",
    description="People from randomuser.me grouped by country, with the history of the syncs that fetch them.",
)

COUNTRIES_EXAMPLE = {
    "countries": [
        {
            "name": "France",
            "users": [
                {
                    "id": "8d9a4b0e-62c5-4f4c-9a2e-5b7b1d2c3e4f",
                    "name": "Jeanne Roux",
                    "gender": "female",
                    "email": "jeanne.roux@example.com",
                }
            ],
        }
    ],
    "sync": {
        "synced_at": "2026-11-22T09:00:00.530000Z",
        "run_id": 42,
        "stale": True,
        "last_attempt": {
            "run_id": 43,
            "status": "failed",
            "finished_at": "2026-11-22T10:00:20.010000Z",
            "reason": "HTTP 503, after 4 attempts",
        },
    },
}
ETAG_HEADER = {"ETag": {"description": "Strong validator of this exact body.", "schema": {"type": "string"}}}


@blp.route("")
@blp.arguments(CountriesArgs, location="query", as_kwargs=False)
@blp.response(200, CountriesSchema, example=COUNTRIES_EXAMPLE, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified: the `If-None-Match` ETag is still current.")
@blp.doc(
    summary="People by country",
    description=(
        "The people of the latest successful sync, grouped by country. Countries are sorted by name "
        "and users by name then email, case-insensitively (`str.casefold`). `sync` says when the data "
        "was fetched and whether the latest attempt failed (`stale`: the data shown is the last good "
        "one). Before any successful sync `countries` is empty. `country` filters by exact name, "
        "case-insensitively; an unknown country gives an empty list. Send `If-None-Match` with the "
        "`ETag` to get 304 while nothing changed."
    ),
)
def list_countries_view(args):
    payload, etag = render_countries(args.get("country"))
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(payload, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.route("/sync", methods=["POST"])
@blp.response(201, SyncRunSchema, description="The sync succeeded: its run record.")
@blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid bearer token.")
@blp.alt_response(409, schema=ErrorSchema, description="Another sync is running.")
@blp.alt_response(
    502,
    schema=ErrorSchema,
    description=(
        "The pull failed; the last good data is still served. The failed run record is under `errors.sync_run`."
    ),
    example={
        "code": 502,
        "status": "Bad Gateway",
        "message": "The sync failed (HTTP 503, after 4 attempts); the last good data is still served.",
        "errors": {"sync_run": {"id": 43, "status": "failed", "reason": "HTTP 503, after 4 attempts"}},
    },
)
@blp.doc(
    summary="Sync now",
    description=(
        "Pull people from randomuser.me now and, when the pull is good, make them the served data. "
        "Takes at most `SYNC_DEADLINE_SECONDS` for the pull. Only one sync runs at a time across all "
        "processes: a second one gets 409."
    ),
)
def sync_view():
    run = run_sync("api")  # SyncBusy is a 409 with Retry-After (exceptions.Conflict)
    if run.status != "succeeded":
        abort(
            502,
            message=f"The sync failed ({run.reason}); the last good data is still served.",
            errors={"sync_run": SyncRunSchema().dump(run)},
        )
    return run, 201


@blp.route("/sync-runs")
@blp.arguments(SyncRunListArgs, location="query", as_kwargs=False)
@blp.response(200, SyncRunSchema(many=True), headers=PAGINATION_HEADER)
@blp.doc(summary="Sync history", description="Every sync run, newest first, paginated.")
def list_sync_runs_view(args):
    page = list_runs(args)
    return [row[0] for row in page.items], 200, page.headers


@blp.route("/sync-runs/<int:run_id>")
@blp.response(200, SyncRunSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No sync run with this id.")
@blp.doc(summary="Get a sync run", description="One sync run with its counts, duration and failure reason.")
def get_sync_run_view(run_id):
    return get_run_or_404(run_id)
