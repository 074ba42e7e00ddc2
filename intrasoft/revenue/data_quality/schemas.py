from marshmallow import Schema, fields

from ..schemas import as_of_field


class CheckSchema(Schema):
    description = fields.String(metadata={"example": "Open opportunities whose estimated delivery date has passed."})
    count = fields.Integer(metadata={"description": "How many records fail the check.", "example": 2})
    sample_ids = fields.List(
        fields.Raw(),
        metadata={
            "description": (
                "Up to 10 of them, in id order: opportunity oids (strings), customer cids (integers), "
                "Area names, or `Area/YYYY-MM` for missing actuals."
            ),
            "example": ["3f1c2a9e8b7d4c6f9a0b1c2d3e4f5a6b"],
        },
    )


CHECK_NAMES = (
    "overdue_open_opportunities",
    "open_closing_after_fiscal_year",
    "revenue_outliers",
    "customers_missing_account_team",
    "renewal_before_start",
    "areas_without_target",
    "missing_actual_months",
)

ChecksSchema = Schema.from_dict({name: fields.Nested(CheckSchema) for name in CHECK_NAMES}, name="DataQualityChecks")


class DataQualityArgs(Schema):
    as_of = as_of_field("Day the checks are run at (default: today).")


class DataQualitySchema(Schema):
    as_of = fields.Date(metadata={"example": "2024-11-15"})
    fiscal_year = fields.Integer(metadata={"description": "The fiscal year of as_of.", "example": 2025})
    issue_count = fields.Integer(metadata={"description": "Sum of the checks' counts.", "example": 7})
    checks = fields.Nested(ChecksSchema)
