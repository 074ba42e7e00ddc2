"""Schemas shared by every blueprint: the error body and the pagination header."""

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
