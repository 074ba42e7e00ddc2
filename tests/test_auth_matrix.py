"""Who may call what: every operation of the OpenAPI spec, with every kind of caller.

The operations come from ``/api/openapi.json`` itself, so a new route without a row here fails
the test. Expected statuses are derived from what the spec declares for the operation
(``x-token-kinds`` and ``security``) plus the row's own success status; a row states only the
exceptions the thread rules add for a user who is not in the thread (the "outsider").
"""

from __future__ import annotations

import pytest

from .conftest import JEFF_TOKEN, QUINN_TOKEN, READ_TOKEN, TEST_TOKEN, token_client
from .operations import Row, build_world, operations, point_at_the_same_fake, rows

#: Callers: no token, a token no server knows, and each token kind. The outsider is a user token
#: (jeff_goldblum) whose user is not in the thread the rows use (between quinn and ana).
CALLERS = {
    "none": None,
    "wrong": "not-a-token-this-server-knows-0123456789",
    "read": READ_TOKEN,
    "user": QUINN_TOKEN,
    "outsider": JEFF_TOKEN,
    "service": TEST_TOKEN,
}
TOKEN_KIND = {"read": "read", "user": "user", "outsider": "user", "service": "service"}
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture()
def world(app, db, fake, monkeypatch, locked_app):
    """One of everything the rows address; both apps pointed at the fake randomuser."""
    point_at_the_same_fake(app, locked_app, monkeypatch)
    return build_world(app)


def expected_status(caller: str, method: str, operation: dict, row: Row) -> set[int]:
    if caller in row.exceptions:
        return {row.exceptions[caller]}
    if caller == "wrong":
        return {401}
    if caller == "none":
        return row.success if {} in operation["security"] else {401}
    if TOKEN_KIND[caller] not in operation["x-token-kinds"]:
        return {403}
    return row.success


@pytest.mark.parametrize("reads_required", [True, False], ids=["reads-need-a-token", "reads-open"])
def test_every_operation_with_every_caller(request, world, reads_required):
    served = request.getfixturevalue("locked_app" if reads_required else "app")
    spec = served.test_client().get("/api/openapi.json").json
    table = rows(world)
    listed = {f"{method.upper()} {path}" for method, path, _ in operations(spec)}
    assert listed - set(table) == set(), "operations in the spec without a row: add them to rows()"
    assert set(table) - listed == set(), "rows for operations the spec no longer has"

    mismatches = []
    for method, path, operation in operations(spec):
        # The spec declares the kinds: reads accept every token kind, writes refuse read-only tokens.
        assert operation["x-token-kinds"] == (["service", "user"] if method in WRITES else ["service", "read", "user"])
        assert operation["security"][0] == {"bearerAuth": []}
        assert ({} in operation["security"]) == (not reads_required and method not in WRITES), (method, path)
        row = table[f"{method.upper()} {path}"]
        url = path.format(**row.path)
        for caller, token in CALLERS.items():
            response = token_client(served, token).open(
                url, method=method.upper(), query_string=row.query, json=row.body
            )
            want = expected_status(caller, method, operation, row)
            if response.status_code not in want:
                mismatches.append(f"{method.upper()} {url} as {caller}: {response.status_code}, expected {want}")
            elif response.status_code >= 400:
                assert response.is_json and response.json["code"] == response.status_code
                assert str(response.status_code) in operation["responses"], (method, path, response.status_code)
                if response.status_code == 401:
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert mismatches == []
