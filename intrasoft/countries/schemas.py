from marshmallow import Schema, fields

from ..fields import SearchText, UTCDateTime
from ..pagination import PageArgs
from .models import STATUSES, TRIGGERS


class SyncRunSchema(Schema):
    id = fields.Integer(metadata={"example": 42})
    trigger = fields.String(metadata={"enum": list(TRIGGERS), "example": "scheduler"})
    status = fields.String(metadata={"enum": list(STATUSES), "example": "succeeded"})
    started_at = UTCDateTime(metadata={"example": "2026-11-22T09:00:00.120000Z"})
    finished_at = UTCDateTime(allow_none=True, metadata={"example": "2026-11-22T09:00:00.530000Z"})
    results_requested = fields.Integer(metadata={"example": 500})
    results_received = fields.Integer(metadata={"example": 500})
    records_skipped = fields.Integer(metadata={"description": "Invalid records left out.", "example": 2})
    duplicates_dropped = fields.Integer(metadata={"description": "Repeated people stored once.", "example": 0})
    rows_stored = fields.Integer(metadata={"example": 498})
    http_attempts = fields.Integer(metadata={"description": "HTTP attempts, retries included.", "example": 1})
    duration_ms = fields.Integer(allow_none=True, metadata={"example": 410})
    reason = fields.String(
        allow_none=True, metadata={"description": "Why the run failed (null otherwise).", "example": None}
    )


class CountryUserSchema(Schema):
    id = fields.String(
        metadata={
            "description": (
                "The person's id: randomuser's `login.uuid` (lowercase), or for a record without one a uuid "
                "derived from the e-mail. Unique within a snapshot; e-mails and names are not."
            ),
            "example": "8d9a4b0e-62c5-4f4c-9a2e-5b7b1d2c3e4f",
        }
    )
    name = fields.String(metadata={"description": "First and last name.", "example": "Jeanne Roux"})
    gender = fields.String(metadata={"example": "female"})
    email = fields.String(metadata={"example": "jeanne.roux@example.com"})


class CountrySchema(Schema):
    name = fields.String(metadata={"example": "France"})
    users = fields.List(fields.Nested(CountryUserSchema))


class LastAttemptSchema(Schema):
    run_id = fields.Integer(metadata={"example": 43})
    status = fields.String(metadata={"enum": ["succeeded", "failed"], "example": "failed"})
    finished_at = UTCDateTime(metadata={"example": "2026-11-22T10:00:20.010000Z"})
    reason = fields.String(allow_none=True, metadata={"example": "HTTP 503, after 4 attempts"})


class SyncStateSchema(Schema):
    synced_at = UTCDateTime(
        allow_none=True, metadata={"description": "End of the sync that produced the data (null before any)."}
    )
    run_id = fields.Integer(allow_none=True, metadata={"description": "The run whose data is served."})
    stale = fields.Boolean(metadata={"description": "True when the latest finished attempt failed."})
    last_attempt = fields.Nested(
        LastAttemptSchema,
        allow_none=True,
        metadata={"description": "The latest finished attempt (a run in progress is not one)."},
    )


class CountriesSchema(Schema):
    countries = fields.List(fields.Nested(CountrySchema))
    sync = fields.Nested(SyncStateSchema)


class CountriesArgs(Schema):
    country = SearchText(
        max_length=100,
        metadata={"description": "Only this country (exact name, case-insensitive).", "example": "France"},
    )


class SyncRunListArgs(PageArgs):
    pass
