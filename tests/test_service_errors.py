"""A service's refusals (``intrasoft.exceptions``) come out in the one JSON error shape, with
their status, field and headers, and a refusal inside a write transaction writes nothing."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intrasoft.database import run_in_transaction
from intrasoft.exceptions import Conflict, Forbidden, NotFound, PreconditionFailed, RuleViolation
from intrasoft.extensions import db as _db
from intrasoft.threads.models import Thread

from .conftest import TEST_TOKEN, make_app

REFUSALS = {
    "not-found": lambda: NotFound("Widget 7 not found."),
    "rule": lambda: RuleViolation("cid", "Customer 9 does not exist."),
    "rule-in-path": lambda: RuleViolation("area", "Unknown Area 'Mars'.", location="path"),
    "rule-400": lambda: RuleViolation("If-Match", "Malformed.", location="headers", status=400),
    "forbidden": lambda: Forbidden("username", "Not a participant.", location="query"),
    "conflict": lambda: Conflict("Busy; retry.", headers={"Retry-After": "10"}),
    "conflict-on-a-field": lambda: Conflict("It is final.", field="opportunity_status"),
    "precondition": lambda: PreconditionFailed("If-Match", "It has changed."),
}


@pytest.fixture(scope="module")
def refusing_app(database_url, app):
    """The real app (same database) with a route raising each refusal, and one that raises
    after writing inside ``run_in_transaction``."""
    refusing = make_app(database_url)

    @refusing.route("/refuse/<name>")
    def refuse(name):
        raise REFUSALS[name]()

    @refusing.route("/refuse-after-writing", methods=["POST"])
    def refuse_after_writing():
        def work(attempt):
            _db.session.add(Thread(title="half-written", message_count=0))
            _db.session.flush()
            raise Conflict("Refused after the write.")

        run_in_transaction(work)

    return refusing


def get(refusing_app, name):
    return refusing_app.test_client().get(f"/refuse/{name}")


@pytest.mark.parametrize(
    ("name", "status", "body"),
    [
        ("not-found", 404, {"code": 404, "status": "Not Found", "message": "Widget 7 not found."}),
        (
            "rule",
            422,
            {
                "code": 422,
                "status": "Unprocessable Entity",
                "message": "Customer 9 does not exist.",
                "errors": {"json": {"cid": ["Customer 9 does not exist."]}},
            },
        ),
        (
            "rule-in-path",
            422,
            {
                "code": 422,
                "status": "Unprocessable Entity",
                "message": "Unknown Area 'Mars'.",
                "errors": {"path": {"area": ["Unknown Area 'Mars'."]}},
            },
        ),
        (
            "rule-400",
            400,
            {
                "code": 400,
                "status": "Bad Request",
                "message": "Malformed.",
                "errors": {"headers": {"If-Match": ["Malformed."]}},
            },
        ),
        (
            "forbidden",
            403,
            {
                "code": 403,
                "status": "Forbidden",
                "message": "Not a participant.",
                "errors": {"query": {"username": ["Not a participant."]}},
            },
        ),
        ("conflict", 409, {"code": 409, "status": "Conflict", "message": "Busy; retry."}),
        (
            "conflict-on-a-field",
            409,
            {
                "code": 409,
                "status": "Conflict",
                "message": "It is final.",
                "errors": {"json": {"opportunity_status": ["It is final."]}},
            },
        ),
        (
            "precondition",
            412,
            {
                "code": 412,
                "status": "Precondition Failed",
                "message": "It has changed.",
                "errors": {"headers": {"If-Match": ["It has changed."]}},
            },
        ),
    ],
)
def test_each_refusal_has_its_status_and_the_one_shape(refusing_app, db, name, status, body):
    response = get(refusing_app, name)
    assert response.status_code == status
    assert response.is_json
    # Key order too: the body is what the error layer has always written.
    assert list(json.loads(response.data)) == list(body)
    assert response.json == body


def test_a_refusal_keeps_its_headers(refusing_app, db):
    assert get(refusing_app, "conflict").headers["Retry-After"] == "10"
    assert "Retry-After" not in get(refusing_app, "not-found").headers


def test_a_refusal_is_no_server_error_in_the_log(refusing_app, db, caplog):
    get(refusing_app, "rule")
    assert not [record for record in caplog.records if record.getMessage() == "unhandled exception"]


def test_a_refusal_inside_a_write_transaction_writes_nothing(refusing_app, db):
    response = refusing_app.test_client().post(
        "/refuse-after-writing", headers={"Authorization": f"Bearer {TEST_TOKEN}"}
    )
    assert response.status_code == 409 and response.json["message"] == "Refused after the write."
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_services_raise_and_never_abort():
    """The convention the error layer relies on: no service (nor the rules modules beside them)
    imports flask-smorest's ``abort`` or builds an HTTP error itself."""
    package = Path(__file__).resolve().parents[1] / "intrasoft"
    modules = [*package.glob("*/service.py"), *package.glob("*/*/service.py")]
    modules += [package / "threads/access.py", package / "opportunities/idempotency.py", package / "preconditions.py"]
    assert len(modules) >= 8
    for module in modules:
        tree = ast.parse(module.read_text())
        imported = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom | ast.Import)
            for name in [getattr(node, "module", None) or "", *(alias.name for alias in node.names)]
        }
        assert not {"flask_smorest", "abort", "errors"} & imported, module
