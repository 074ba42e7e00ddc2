"""The refusals a service raises, free of HTTP: ``errors.py`` turns each into the one JSON error
body (``{code, status, message, errors}``) with its status.

Services decide *that* a request is refused and *why* (which field, which rule); how that
looks on the wire is the error layer's business. So a service can be called from a route,
the CLI or a test alike, and a refusal inside ``run_in_transaction`` rolls the transaction
back like any other exception.

* ``NotFound(message)``: 404, no field (the path names the resource);
* ``RuleViolation(field, message, location="json", status=422)``: a business rule broken by one
  field, under ``errors.<location>.<field>``; ``status`` for the rules that are not a 422
  (a malformed header is 400);
* ``Forbidden(field, message, location="json")``: 403, the caller may not do this with that field;
* ``Conflict(message, field=None, ...)``: 409, the resource's state refuses the request now
  (a final status, a key in flight, another sync running); with or without a field;
* ``PreconditionFailed(field, message, location="headers")``: 412, a condition the client sent
  (``If-Match``) no longer holds.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request a service refuses: ``status``, ``message``, and the field at fault if any."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        location: str = "json",
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.location = location
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})

    @property
    def errors(self) -> dict | None:
        """``{location: {field: [message]}}``, or None without a field."""
        if self.field is None:
            return None
        return {self.location: {self.field: [self.message]}}


class NotFound(ServiceError):
    status = 404


class RuleViolation(ServiceError):
    status = 422

    def __init__(self, field: str, message: str, *, location: str = "json", status: int | None = None):
        super().__init__(message, field=field, location=location, status=status)


class Forbidden(RuleViolation):
    status = 403


class Conflict(ServiceError):
    status = 409


class PreconditionFailed(RuleViolation):
    status = 412

    def __init__(self, field: str, message: str, *, location: str = "headers"):
        super().__init__(field, message, location=location)
