"""OpenAPI documentation shared by the threads routes and the compatibility routes."""

from __future__ import annotations

from ..schemas import ErrorSchema

#: Every error a write can get before or besides validation, with the shared error schema.
WRITE_ERRORS = {
    400: "The body is not valid JSON (or not UTF-8).",
    401: "Missing or invalid bearer token.",
    413: "The body is larger than 1 MiB.",
    415: "The body is not JSON (`Content-Type: application/json`).",
}


def document_errors(blp, errors: dict[int, str]):
    """Decorator adding ``alt_response`` entries for the given statuses."""

    def decorate(view):
        for status, description in errors.items():
            view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
        return view

    return decorate
