"""The Blueprint every API domain uses: flask-smorest's, parsing JSON numbers as Decimal."""

from __future__ import annotations

import json
from decimal import Decimal

import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


class DecimalJSONParser(FlaskParser):
    """Reads JSON floats as ``Decimal`` so money never passes through binary floats."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        # A UnicodeDecodeError propagates: webargs answers it with 400 like malformed JSON.
        # (Re-raised as a JSONDecodeError with an empty document, it would pass for "no body".)
        text = req.get_data(cache=True).decode("utf-8")
        return json.loads(text, parse_float=Decimal)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = DecimalJSONParser()
