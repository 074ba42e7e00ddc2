"""Schemas of the revenue endpoints: actuals, targets and the leadership summary.

Money is a two-decimal string everywhere. Percentages are two-decimal strings too
(``"35.42"``), for the same reason: they are exact decimals rounded once, half up,
and a JSON float could not promise that.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import Schema, fields, validate

from ..customers.reference import AREAS
from ..fields import Money, MoneyInput, QueryInteger, UTCDateTime
from ..pagination import PageArgs
from .fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR

MAX_TARGET = Decimal("9999999999.99")


#: Days whose fiscal year is within 2000-2100, and the same bound as a pattern for the spec.
FIRST_DAY = date(MIN_FISCAL_YEAR - 1, 7, 1)
LAST_DAY = date(MAX_FISCAL_YEAR, 6, 30)
AS_OF_PATTERN = r"^(1999-(0[7-9]|1[0-2])|20\d{2}-(0[1-9]|1[0-2])|2100-0[1-6])-(0[1-9]|[12]\d|3[01])$"
#: A positive amount of at most 9,999,999,999.99 with at most two decimals.
POSITIVE_MONEY_PATTERN = r"^(0*[1-9]\d{0,9}(\.\d{1,2})?|0*\.(0[1-9]|[1-9]\d?))$"


def as_of_field(description: str) -> fields.Date:
    return fields.Date(
        validate=validate.Range(
            min=FIRST_DAY, max=LAST_DAY, error=f"Must be between {FIRST_DAY} and {LAST_DAY} (fiscal years 2000-2100)."
        ),
        metadata={"description": description, "example": "2024-12-31", "pattern": AS_OF_PATTERN},
    )


def fiscal_year_field(description: str, **kwargs) -> QueryInteger:
    return QueryInteger(
        validate=validate.Range(min=MIN_FISCAL_YEAR, max=MAX_FISCAL_YEAR),
        metadata={"description": description, "example": 2025},
        **kwargs,
    )


class Percentage(fields.Field):
    """A percentage already rounded to two decimals, rendered as a string (``"35.42"``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.setdefault("type", "string")
        self.metadata.setdefault("pattern", r"^-?\d+\.\d{2}$")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


# --- actuals and targets -----------------------------------------------------------------


class ActualSchema(Schema):
    area = fields.String(metadata={"enum": list(AREAS), "example": "Germany"})
    month = fields.Date(metadata={"description": "First day of the calendar month.", "example": "2024-11-01"})
    fiscal_year = fields.Integer(metadata={"description": "Fiscal year of the month.", "example": 2025})
    amount = Money(metadata={"example": "120000.10"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class ActualListArgs(PageArgs):
    area = fields.String(validate=validate.OneOf(AREAS), metadata={"description": "Sales Area."})
    fiscal_year = fiscal_year_field("Only the months of this fiscal year (July N-1 to June N).")


class TargetSchema(Schema):
    area = fields.String(metadata={"enum": list(AREAS), "example": "Germany"})
    fiscal_year = fields.Integer(metadata={"example": 2025})
    amount = Money(metadata={"example": "1200000.00"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class TargetListArgs(PageArgs):
    fiscal_year = fiscal_year_field("Only the targets of this fiscal year.")
    area = fields.String(validate=validate.OneOf(AREAS), metadata={"description": "Sales Area."})


class TargetInputSchema(Schema):
    amount = MoneyInput(
        required=True,
        minimum=Decimal("0"),
        maximum=MAX_TARGET,
        min_exclusive=True,
        metadata={
            "description": "The fiscal year's revenue target in EUR: > 0, at most 9,999,999,999.99, two decimals.",
            "pattern": POSITIVE_MONEY_PATTERN,
        },
    )


# --- summary -------------------------------------------------------------------------------


class SummaryArgs(Schema):
    fiscal_year = fiscal_year_field("Fiscal year (default: as_of's, so with neither parameter the current one).")
    as_of = as_of_field("Day the figures are computed at (default: today); may lie outside the fiscal year.")


def _figure_fields() -> dict[str, fields.Field]:
    """The figures shared by an Area row and the total, in their documented order."""
    return {
        "actual_to_date": Money(metadata={"description": "Actuals of the year's months up to as_of's month."}),
        "run_rate_projection": Money(
            metadata={"description": "Latest actual to date (0 if none) x the year's months after as_of's month."}
        ),
        "weighted_pipeline": Money(
            metadata={
                "description": (
                    "Sum over not-lost opportunities delivered in the year after as_of of monthly revenue x "
                    "probability / 100 x the year's months after the delivery month."
                )
            }
        ),
        "projected_total": Money(metadata={"description": "actual_to_date + run_rate_projection + weighted_pipeline."}),
        "gap_to_target": Money(
            allow_none=True, metadata={"description": "target - projected_total; null without target."}
        ),
        "attainment_pct": Percentage(
            allow_none=True,
            metadata={"description": "actual_to_date / target x 100; null without target or when it is 0."},
        ),
        "projected_attainment_pct": Percentage(
            allow_none=True,
            metadata={"description": "projected_total / target x 100; null without target or when it is 0."},
        ),
        "open_count": fields.Integer(metadata={"description": "Open opportunities delivered inside the fiscal year."}),
        "open_monthly_revenue": Money(metadata={"description": "Their monthly revenue, unweighted."}),
    }


AreaSummarySchema = Schema.from_dict(
    {
        "area": fields.String(metadata={"enum": list(AREAS), "example": "Germany"}),
        "target": Money(allow_none=True, metadata={"description": "Null when the Area has no target for the year."}),
        "target_missing": fields.Boolean(
            metadata={"description": "True when the Area has no target for the year (the row is flagged)."}
        ),
        **_figure_fields(),
    },
    name="AreaSummary",
)

TotalSummarySchema = Schema.from_dict(
    {
        "target": Money(
            allow_none=True, metadata={"description": "Sum of the non-null targets; null when all are missing."}
        ),
        "missing_targets": fields.List(
            fields.String(metadata={"enum": list(AREAS)}),
            metadata={"description": "Areas without a target for the year.", "example": ["UK"]},
        ),
        **_figure_fields(),
    },
    name="TotalSummary",
)
TotalSummarySchema.__doc__ = (
    "Sums of the Areas' exact figures, each rounded once. `gap_to_target` and the percentages "
    "compare the summed targets with the figures of the Areas that have a target."
)


class SummarySchema(Schema):
    fiscal_year = fields.Integer(metadata={"example": 2025})
    as_of = fields.Date(metadata={"example": "2024-12-31"})
    months_to_date = fields.Integer(metadata={"description": "Months of the year up to and including as_of's."})
    months_remaining = fields.Integer(metadata={"description": "Months of the year after as_of's month."})
    areas = fields.List(fields.Nested(AreaSummarySchema), metadata={"description": "One row per Area, fixed order."})
    total = fields.Nested(TotalSummarySchema)
