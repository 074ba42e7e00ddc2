"""The Blueprint every API domain uses: flask-smorest's, parsing JSON numbers as Decimal."""

from __future__ import annotations

import json
from decimal import Decimal

import flask_smorest
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


def _has_lone_surrogate(value) -> bool:
    """JSON may escape lone surrogates (``"\\ud800"``); no database or encoder can store them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _reject_invalid_unicode(data, text: str) -> None:
    """422 naming the field whose value holds a lone surrogate; 400 if no field can be named."""
    if not isinstance(data, dict):
        if _has_lone_surrogate(data):
            raise json.JSONDecodeError("lone surrogate in a string", text, 0)
        return
    if any(_has_lone_surrogate(key) for key in data):
        raise json.JSONDecodeError("lone surrogate in a key", text, 0)
    fields = {
        key: ["Not valid Unicode (a lone surrogate)."] for key, value in data.items() if _has_lone_surrogate(value)
    }
    if fields:
        abort(422, message="Some text is not valid Unicode.", errors={"json": fields})


class DecimalJSONParser(FlaskParser):
    """Reads JSON floats as ``Decimal`` so money never passes through binary floats, and
    refuses strings that are not valid Unicode before they reach a schema or the database."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        # A UnicodeDecodeError propagates: webargs answers it with 400 like malformed JSON.
        # (Re-raised as a JSONDecodeError with an empty document, it would pass for "no body".)
        text = req.get_data(cache=True).decode("utf-8")
        data = json.loads(text, parse_float=Decimal)
        _reject_invalid_unicode(data, text)
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = DecimalJSONParser()
