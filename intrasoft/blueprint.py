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
        data = req.get_data(cache=True)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(f"Bytes decoding error: {exc.reason}", "", exc.start) from exc
        return json.loads(text, parse_float=Decimal)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = DecimalJSONParser()
