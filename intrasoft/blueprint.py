"""The Blueprint every API domain uses: flask-smorest's, with a JSON parser that is safe
against hostile bodies.

The parser reads JSON floats as ``Decimal`` (money never passes through binary floats) and
refuses, as client errors, what would otherwise reach a schema or the database and fail there:

* nesting deeper than ``MAX_JSON_DEPTH`` (checked on the text, without recursion, before
  ``json.loads``, whose C scanner recurses and would raise ``RecursionError``): 400;
* integers longer than Python's ``int`` conversion limit (4,300 digits): 422 naming the field;
* strings holding lone surrogates (``"\\ud800"``), which no encoder or database can store: 422;
* ``NaN`` and ``Infinity``, which are not JSON: 400.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import flask_smorest
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

#: Deeper JSON is refused (400). Every body of this API is 2 levels deep; 32 leaves room.
MAX_JSON_DEPTH = 32
#: Python refuses to convert longer integer literals (``sys.get_int_max_str_digits()``).
MAX_INTEGER_DIGITS = 4300

#: A JSON string (skipped: brackets inside it are text) or one bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_MESSAGE = "Not valid Unicode (a lone surrogate)."
_LONG_INTEGER_MESSAGE = f"An integer of more than {MAX_INTEGER_DIGITS} digits."


class _TooLongInteger:
    """Stands in for an integer literal Python cannot convert, so the field can be named."""


_TOO_LONG = _TooLongInteger()


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects nest deeper than ``limit``; one pass, no recursion."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        piece = match.group()
        if piece in "[{":
            depth += 1
            if depth > limit:
                return True
        elif piece in "]}":
            depth -= 1
    return False


def _parse_int(literal: str):
    try:
        return int(literal)
    except ValueError:  # over Python's digit limit
        return _TOO_LONG


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _is_invalid_text(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def value_problem(value) -> str | None:
    """Why ``value`` (a parsed JSON value) cannot be used, or None; iterative, any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item is _TOO_LONG:
            return _LONG_INTEGER_MESSAGE
        if _is_invalid_text(item):
            return _SURROGATE_MESSAGE
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _reject_unusable_values(data, text: str) -> None:
    """422 naming each top-level field whose value cannot be used; 400 if no field can be named."""
    if not isinstance(data, dict):
        if value_problem(data):
            raise json.JSONDecodeError("unusable value", text, 0)
        return
    if any(_is_invalid_text(key) for key in data):
        raise json.JSONDecodeError("lone surrogate in a key", text, 0)
    fields = {}
    for key, value in data.items():
        problem = value_problem(value)
        if problem:
            fields[key] = [problem]
    if fields:
        abort(422, message="Some values cannot be used; see errors.", errors={"json": fields})


def load_json_text(text: str):
    """Parse a request body under the rules above (raises ``JSONDecodeError`` or aborts)."""
    if json_depth_exceeds(text):
        message = f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        abort(400, message=message, errors={"json": [message]})
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=_parse_int, parse_constant=_refuse_constant)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise json.JSONDecodeError(str(exc), text, 0) from None
    _reject_unusable_values(data, text)
    return data


class DecimalJSONParser(FlaskParser):
    """Reads JSON bodies with ``load_json_text``."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        # A UnicodeDecodeError propagates: webargs answers it with 400 like malformed JSON.
        # (Re-raised as a JSONDecodeError with an empty document, it would pass for "no body".)
        return load_json_text(req.get_data(cache=True).decode("utf-8"))


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = DecimalJSONParser()
