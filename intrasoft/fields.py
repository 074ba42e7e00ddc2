"""Marshmallow fields shared by every domain schema.

Text a client sends goes through one of these, which refuse control characters and say so in
the spec (a ``pattern``), so the spec and the server agree on what is valid:

* ``TrimmedString``: one line (names, titles): no control character, trimmed, not blank;
* ``SearchText``: a free-text query (``q``, ``account_executive``, ``country``): no control
  character, normalised to NFC so a decomposed "é" finds a composed one;
* ``MULTILINE_TEXT`` (a validator): message text, which may keep tabs and line breaks.

Lengths count the text as sent (before trimming), as the spec's ``maxLength`` does. Query
integers are ``QueryInteger``: ASCII digits only (``int()`` would take "1_0", " 5", "+5",
fullwidth or Arabic-Indic digits).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import fields, validate

CENT = Decimal("0.01")
#: Unicode's control characters (category Cc): C0, DEL and C1. NUL and the others match
#: differently per database (SQLite ends a pattern at NUL, MySQL does not), end up in CSV
#: exports and logs, and are never part of a name.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
CONTROL_CHARACTER_ERROR = "Must not contain control characters."
#: For one-line text: no control character at all.
NO_CONTROL_CHARACTERS = validate.Regexp(rf"^[^{CONTROL_CHARACTERS}]*$", error=CONTROL_CHARACTER_ERROR)
#: For message text: tabs and line breaks (\t, \n, \r) are allowed, other controls are not.
MULTILINE_TEXT = validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$", error=CONTROL_CHARACTER_ERROR)
#: ``TrimmedString``'s rule for the spec: no control character, and something besides whitespace.
NOT_BLANK_LINE_PATTERN = rf"^[^\S{CONTROL_CHARACTERS}]*[^\s{CONTROL_CHARACTERS}][^{CONTROL_CHARACTERS}]*$"
#: The earliest date any date field takes (a deal closing in year 1 is a typo, not a deal).
EARLIEST_DATE = date(2000, 1, 1)
#: Dates of the years 2000-2999, for the spec (``format: date`` cannot bound the year).
DATE_FROM_2000_PATTERN = r"^2\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
#: Digits a query or path integer may have; every id and count of the API has far fewer.
MAX_INTEGER_TEXT_DIGITS = 30
_ASCII_INTEGER = re.compile(rf"-?[0-9]{{1,{MAX_INTEGER_TEXT_DIGITS}}}")
#: What a money string may look like: digits with an optional fraction (``"1234.5"``, ``".5"``).
PLAIN_DECIMAL = re.compile(r"-?(\d+(\.\d+)?|\.\d+)")


class Money(fields.Field):
    """Money: a string or number in, a two-decimal string out (``"1234.50"``).

    Input with more than two decimals is rejected rather than rounded: a client that
    sends ``12.345`` has a bug we should surface, not hide. JSON numbers reach us as
    Decimal (see ``blueprint.DecimalJSONParser``), never as floats.
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


def _declare_length(field: fields.Field, min_length: int | None, max_length: int | None) -> None:
    if min_length is not None:
        field.metadata.setdefault("minLength", min_length)
    if max_length is not None:
        field.metadata.setdefault("maxLength", max_length)


class TrimmedString(fields.String):
    """One line of text: control characters refused, surrounding whitespace removed, blank
    refused. ``max_length`` counts the text as sent, so the spec's ``maxLength`` holds."""

    default_error_messages = {
        "blank": "Must not be blank.",
        "control": CONTROL_CHARACTER_ERROR,
        "too_long": "At most {max} characters.",
    }

    def __init__(self, *, max_length: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.metadata.setdefault("pattern", NOT_BLANK_LINE_PATTERN)
        _declare_length(self, 1, max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if NO_CONTROL_CHARACTERS.regex.match(text) is None:
            raise self.make_error("control")
        if self.max_length is not None and len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        text = text.strip()
        if not text:
            raise self.make_error("blank")
        return text


class SearchText(fields.String):
    """A free-text search or filter value: 1 to ``max_length`` characters, no control
    character, normalised to NFC (the form stored names are in), so the way a client's
    keyboard or OS composes accents does not change what is found."""

    default_error_messages = {
        "control": CONTROL_CHARACTER_ERROR,
        "length": "Must be 1 to {max} characters.",
    }

    def __init__(self, *, max_length: int = 100, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.metadata.setdefault("pattern", NO_CONTROL_CHARACTERS.regex.pattern)
        _declare_length(self, 1, max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(text) <= self.max_length:
            raise self.make_error("length", max=self.max_length)
        if NO_CONTROL_CHARACTERS.regex.match(text) is None:
            raise self.make_error("control")
        return unicodedata.normalize("NFC", text)


def search_key(text: str) -> str:
    """What two texts are compared by when case and Unicode composition must not matter
    (NFC, casefolded, NFC again: casefolding can decompose)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


class QueryInteger(fields.Integer):
    """An integer in a query string: an optional ``-`` and ASCII digits, nothing else."""

    default_error_messages = {
        "invalid": f"Not a valid integer: use ASCII digits only (at most {MAX_INTEGER_TEXT_DIGITS})."
    }

    def _validated(self, value):
        if isinstance(value, str) and _ASCII_INTEGER.fullmatch(value) is None:
            raise self.make_error("invalid")
        return super()._validated(value)


class QueryBoolean(fields.Boolean):
    """A boolean in a query string: exactly ``true`` or ``false``, as OpenAPI serializes them
    (marshmallow's Boolean would also take ``yes``, ``on``, ``1``..., which the spec does not allow)."""

    truthy = frozenset({"true"})
    falsy = frozenset({"false"})
    default_error_messages = {"invalid": "Not a boolean: use true or false."}


def date_from_2000(**kwargs) -> fields.Date:
    """A date field refusing days before ``EARLIEST_DATE`` (and documenting it as a pattern)."""
    validators = [validate.Range(min=EARLIEST_DATE, error=f"Must be {EARLIEST_DATE} or later.")]
    extra = kwargs.pop("validate", None)
    if extra is not None:
        validators.extend(extra if isinstance(extra, list) else [extra])
    metadata = {"pattern": DATE_FROM_2000_PATTERN, **kwargs.pop("metadata", {})}
    return fields.Date(validate=validators, metadata=metadata, **kwargs)
