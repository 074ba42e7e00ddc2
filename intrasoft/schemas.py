"""Documentation shared by every blueprint: the error body, the pagination header, write errors."""

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 422})
    status = fields.String(required=True, metadata={"example": "Unprocessable Entity"})
    message = fields.String(metadata={"example": "The request is not valid; see errors for the fields at fault."})
    errors = fields.Dict(
        metadata={
            "description": "Field errors by location then field: `errors.json.cid`, `errors.query.page_size`.",
            "example": {"json": {"cid": ["Unknown customer."]}},
        }
    )


PAGINATION_HEADER = {
    "X-Pagination": {
        "description": (
            "Offset mode: `{total, total_pages, first_page, last_page, page, previous_page?, next_page?}`. "
            "Cursor mode (`after`): `{page_size, next_after}`; `next_after` is null on the last page."
        ),
        "schema": {"type": "string"},
    }
}

#: Every error a JSON write can get before or besides validation.
WRITE_ERRORS = {
    400: "The body is not valid JSON (or not UTF-8).",
    401: "Missing or invalid bearer token.",
    413: "The body is larger than 1 MiB.",
    415: "The body is not JSON (`Content-Type: application/json`).",
}


def document_errors(blp, errors: dict[int, str]):
    """Decorator adding ``alt_response`` entries with the shared error schema."""

    def decorate(view):
        for status, description in errors.items():
            view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
        return view

    return decorate
