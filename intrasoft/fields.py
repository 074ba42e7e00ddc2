"""Marshmallow fields shared by every domain schema."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import fields, validate

CENT = Decimal("0.01")
#: For free-text query parameters: NUL and other control characters match differently per
#: database (SQLite ends the pattern at NUL, MySQL does not), so they are refused.
NO_CONTROL_CHARACTERS = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="Must not contain control characters.")
#: What a money string may look like: digits with an optional fraction (``"1234.5"``, ``".5"``).
PLAIN_DECIMAL = re.compile(r"-?(\d+(\.\d+)?|\.\d+)")


class Money(fields.Field):
    """Money: a string or number in, a two-decimal string out (``"1234.50"``).

    Input with more than two decimals is rejected rather than rounded: a client that
    sends ``12.345`` has a bug we should surface, not hide. JSON numbers reach us as
    Decimal (see ``DecimalJSONProvider``), never as floats.
    """

    default_error_messages = {
        "invalid": 'Not a valid amount: use a string or number like "1234.50".',
        "too_precise": "At most two decimal places are allowed.",
        "range": "Must be between {min} and {max}.",
        "min_exclusive": "Must be greater than {min}.",
    }

    def __init__(self, *, minimum=Decimal("0"), maximum=Decimal("9999999999.99"), min_exclusive=False, **kwargs):
        super().__init__(**kwargs)
        self.minimum = Decimal(minimum)
        self.maximum = Decimal(maximum)
        self.min_exclusive = min_exclusive
        self.metadata.setdefault("type", "string")
        self.metadata.setdefault("pattern", r"^-?\d+(\.\d{1,2})?$")

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(Decimal(value).quantize(CENT))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal, float)):
            raise self.make_error("invalid")
        if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value):
            raise self.make_error("invalid")  # no exponents, signs, separators or spaces
        try:
            amount = value if isinstance(value, Decimal) else Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise self.make_error("invalid") from None
        if not amount.is_finite():
            raise self.make_error("invalid")
        if self.min_exclusive and amount <= self.minimum:
            raise self.make_error("min_exclusive", min=self.minimum)
        if not self.minimum <= amount <= self.maximum:
            raise self.make_error("range", min=self.minimum, max=self.maximum)
        if amount != amount.quantize(CENT):
            raise self.make_error("too_precise")
        return amount.quantize(CENT)


class MoneyInput(Money):
    """Money in a request body: documented as a two-decimal string *or* a JSON number."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.pop("type", None)
        as_string = {"type": "string", "pattern": self.metadata.pop("pattern")}
        as_number = {"type": "number", "multipleOf": 0.01, "maximum": float(self.maximum)}
        as_number["minimum"] = float(self.minimum)
        if self.min_exclusive:
            as_number["exclusiveMinimum"] = True
        self.metadata["anyOf"] = [as_string, as_number]


class UTCDateTime(fields.DateTime):
    """Naive UTC datetimes from the database, rendered as ISO 8601 with ``Z``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_utc(value)


def iso_utc(value: datetime | None) -> str | None:
    """The same rendering as ``UTCDateTime`` for lean serialization paths."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class TrimmedString(fields.String):
    """A string with surrounding whitespace removed; blank values are rejected."""

    default_error_messages = {"blank": "Must not be blank."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise self.make_error("blank")
        return text
