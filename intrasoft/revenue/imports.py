"""``flask import actuals|targets``: the workbook's ``Revenue Actuals`` and ``Revenue Targets`` sheets."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from ..customers.reference import AREAS
from ..fields import Money
from ..importing import CellDate, CellInteger, CellText, ImportKind, ImportSchema
from .fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from .models import RevenueActual, RevenueTarget


class MonthCell(fields.Field):
    """A calendar month: ``2024-07``, ``2024-07-01``, or a date cell on the month's first day."""

    default_error_messages = {
        "invalid": "Not a valid month (YYYY-MM).",
        "not_first": "A month is given by its first day.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
            value = value.strip() + "-01"
        try:
            day = CellDate()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise self.make_error("invalid") from None
        if day.day != 1:
            raise self.make_error("not_first")
        return day


class ActualImport(ImportSchema):
    area = CellText(required=True, validate=validate.OneOf(AREAS))
    month = MonthCell(required=True, metadata={"description": "YYYY-MM or the month's first day."})
    amount = Money(required=True)


class TargetImport(ImportSchema):
    area = CellText(required=True, validate=validate.OneOf(AREAS))
    fiscal_year = CellInteger(required=True, validate=validate.Range(min=MIN_FISCAL_YEAR, max=MAX_FISCAL_YEAR))
    amount = Money(required=True)


ACTUALS = ImportKind(
    name="actuals",
    model=RevenueActual,
    schema=ActualImport,
    key=("area", "month"),
    sheet_names=("Revenue Actuals", "Revenue Actual", "Actuals"),
)
TARGETS = ImportKind(
    name="targets",
    model=RevenueTarget,
    schema=TargetImport,
    key=("area", "fiscal_year"),
    sheet_names=("Revenue Targets", "Revenue Target", "Targets"),
)
