"""Schemathesis checks of our own, for the in-process test and the CLI run (``SCHEMATHESIS_HOOKS``).

``schemathesis.toml`` has to let some operations answer valid data with 403/409/422: business
rules a schema cannot express (a customer must exist, a won deal has probability 100). That
allowance would also hide a rule the spec forgot to declare (``"name": ""`` refused as blank
while the spec allowed it). This check closes the gap: a refusal of data generated as valid
must name only the fields of a known business rule, listed here per operation.
"""

from __future__ import annotations

import os

import schemathesis

#: Who the run calls as (``tests/test_schemathesis_cli.py`` sets it): service, read or user.
TOKEN_KIND = os.environ.get("SCHEMATHESIS_TOKEN_KIND", "service")

#: operation -> status -> location -> the fields whose business rules the spec cannot express.
BUSINESS_RULES: dict[str, dict[int, dict[str, set[str]]]] = {
    # The customer must exist; an open deal cannot be delivered in the past, none more than 3 years
    # ahead; won is probability 100, lost 0; an Idempotency-Key reused with another body, or in flight.
    "POST /api/opportunities": {
        422: {"json": {"cid", "estimated_delivery_date", "probability"}, "headers": {"Idempotency-Key"}},
        409: {"headers": {"Idempotency-Key"}},
    },
    # The create rules, and won/lost are final (409).
    "PATCH /api/opportunities/{oid}": {
        422: {"json": {"estimated_delivery_date", "probability"}},
        409: {"json": {"opportunity_status"}},
    },
    # `page` and `after` together; an opportunity cursor must name an existing oid.
    "GET /api/customers": {422: {"query": {"after"}}},
    "GET /api/opportunities": {422: {"query": {"after"}}},
    "GET /api/customers/{cid}/opportunities": {422: {"query": {"after"}}},
    # Usernames: distinct case-insensitively, and letters in the Unicode sense (a JSON Schema
    # pattern has no letter class); messages: not only invisible characters, 280 graphemes.
    "POST /api/threads": {422: {"json": {"users"}}},
    "POST /thread": {422: {"json": {"users"}}},
    "GET /api/threads": {422: {"query": {"user"}}},
    "POST /api/threads/{thread_id}/messages": {422: {"json": {"username", "message"}}, 403: {"json": {"username"}}},
    "POST /thread/{thread_id}/{username}": {
        422: {"path": {"username"}, "json": {"message"}},
        403: {"path": {"username"}},
    },
    # A read marker: beyond the thread's last message (422); `username` as for posting (a
    # participant, 403; letters in the Unicode sense and required from a service token, 422).
    "PUT /api/threads/{thread_id}/read": {
        422: {"json": {"username", "last_read_message_id"}},
        403: {"json": {"username"}},
    },
    # A binary float generated for a multipleOf-0.01 amount (0.5700000000000001).
    "PUT /api/revenue/targets/{area}/{fiscal_year}": {422: {"json": {"amount"}}},
}


#: What each kind of caller is refused besides the business rules, as the spec documents it:
#: a read-only token's writes (403), a user token asking for someone else's threads, creating a
#: thread without itself, or posting as someone else (403).
CALLER_RULES: dict[str, dict[str, dict[int, dict[str, set[str]]]]] = {
    "service": {},
    "read": {},
    "user": {
        "GET /api/threads": {403: {"query": {"user"}}},
        "POST /api/threads": {403: {"json": {"users"}}},
        "POST /thread": {403: {"json": {"users"}}},
        "POST /api/threads/{thread_id}/messages": {403: {"json": {"username"}}},
        "POST /thread/{thread_id}/{username}": {403: {"path": {"username"}}},
    },
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def allowed_refusals(label: str, status: int) -> dict[str, set[str]] | None:
    """The fields a refusal with ``status`` may name on operation ``label`` for this run's caller."""
    found = [BUSINESS_RULES.get(label, {}).get(status), CALLER_RULES[TOKEN_KIND].get(label, {}).get(status)]
    if TOKEN_KIND == "read" and status == 403 and label.split(" ", 1)[0] in WRITE_METHODS:
        found.append({"headers": {"Authorization"}})
    found = [rules for rules in found if rules is not None]
    if not found:
        return None
    merged: dict[str, set[str]] = {}
    for rules in found:
        for location, fields in rules.items():
            merged.setdefault(location, set()).update(fields)
    return merged


def _refused_fields(body) -> dict[str, set[str]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict):
        return {}
    return {location: set(fields) for location, fields in errors.items() if isinstance(fields, dict)}


@schemathesis.check
def valid_data_is_refused_only_by_business_rules(ctx, response, case):
    """Data generated as valid may be refused only by the business rules listed above."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (403, 409, 422):
        return None
    allowed = allowed_refusals(case.operation.label, response.status_code)
    refused = _refused_fields(response.json())
    unexpected = {
        location: sorted(fields - (allowed or {}).get(location, set()))
        for location, fields in refused.items()
        if fields - (allowed or {}).get(location, set())
    }
    if allowed is None or not refused or unexpected:
        raise AssertionError(
            f"Valid data refused with {response.status_code} by a rule the spec does not declare: "
            f"{unexpected or refused or response.text[:300]}"
        )
    return None
