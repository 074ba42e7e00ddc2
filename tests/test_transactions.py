import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from intrasoft.database import is_retryable, run_in_transaction
from intrasoft.opportunities.models import IdempotencyKey, Opportunity

from .factories import TEST_CLIENT, CustomerFactory, delivery_date, opportunity_payload
from .faults import fail_statements, lose_reply_after_commit, mysql_error

BODY = opportunity_payload(
    name="Retried deal",
    product="accounting",
    monthly_estimated_revenue="500.00",
    estimated_delivery_date=delivery_date(10).isoformat(),
)


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    monkeypatch.setattr("intrasoft.database.time.sleep", lambda seconds: None)


def rows(db):
    return db.session.scalar(select(func.count()).select_from(Opportunity))


@pytest.mark.parametrize("code", [1213, 1205, 2006, 2013])
def test_create_is_retried_on_transient_errors(client, db, code):
    CustomerFactory(cid=1)
    with fail_statements(db.engine, "INSERT INTO crm_opportunities", code, times=2) as state:
        response = client.post("/api/opportunities", json=BODY)
    assert response.status_code == 201, response.json
    assert state["raised"] == 2
    assert rows(db) == 1


def test_retry_after_a_lost_commit_reply_never_inserts_twice(client, db):
    CustomerFactory(cid=1)
    with lose_reply_after_commit(db.engine, times=1) as state:
        response = client.post("/api/opportunities", json=BODY)
    assert state["left"] == 0
    assert response.status_code == 201
    assert rows(db) == 1
    assert db.session.scalar(select(Opportunity.oid)) == response.json["oid"]


def test_gives_up_after_bounded_attempts_with_503_and_nothing_written(client, db, app):
    CustomerFactory(cid=1)
    attempts = app.config["TRANSACTION_MAX_ATTEMPTS"]
    with fail_statements(db.engine, "INSERT INTO crm_opportunities", 1213, times=100) as state:
        response = client.post("/api/opportunities", json=BODY, headers={"Idempotency-Key": "k-1"})
    assert state["raised"] == attempts
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json["code"] == 503 and "Traceback" not in response.get_data(as_text=True)
    assert rows(db) == 0
    # The key was released: the client's retry goes through.
    assert db.session.get(IdempotencyKey, {"client": TEST_CLIENT, "key": "k-1"}) is None
    retry = client.post("/api/opportunities", json=BODY, headers={"Idempotency-Key": "k-1"})
    assert retry.status_code == 201 and rows(db) == 1


def test_non_transient_errors_are_not_retried(app, db):
    calls = []

    def work(attempt):
        calls.append(attempt)
        raise mysql_error(1062, "Duplicate entry")

    with pytest.raises(OperationalError):
        run_in_transaction(work)
    assert calls == [1]


def test_other_exceptions_roll_back_and_propagate(app, db):
    from intrasoft.customers.models import Customer

    def work(attempt):
        db.session.add(Customer(cid=5, name="Half written", area="UK", customer_type="SMB"))
        db.session.flush()  # the row is in the open transaction...
        raise ValueError("boom")

    with pytest.raises(ValueError):
        run_in_transaction(work)
    assert db.session.get(Customer, 5) is None  # ...and gone with the rollback


def test_is_retryable_classification():
    assert is_retryable(mysql_error(1213, "deadlock"))
    assert is_retryable(mysql_error(2006, "gone away"))
    assert not is_retryable(mysql_error(1062, "duplicate"))
    assert not is_retryable(ValueError("x"))


def test_patch_is_retried_too(client, db):
    CustomerFactory(cid=1)
    oid = client.post("/api/opportunities", json=BODY).json["oid"]
    with fail_statements(db.engine, "UPDATE crm_opportunities", 1205, times=1) as state:
        response = client.patch(f"/api/opportunities/{oid}", json={"name": "Renamed"})
    assert state["raised"] == 1
    assert response.status_code == 200 and response.json["name"] == "Renamed"


def test_unexpected_error_is_a_json_500_without_details(client, db, monkeypatch):
    def explode(args):
        raise RuntimeError("secret SELECT * FROM customer details")

    monkeypatch.setattr("intrasoft.customers.routes.list_customers", explode)
    response = client.get("/api/customers")
    assert response.status_code == 500
    assert response.json == {
        "code": 500,
        "status": "Internal Server Error",
        "message": "An unexpected error occurred; it has been logged.",
    }
