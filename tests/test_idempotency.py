import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from intrasoft import database
from intrasoft.database import utcnow
from intrasoft.opportunities.models import IdempotencyKey, Opportunity

from .conftest import QUINN_TOKEN, make_app, token_client
from .factories import TEST_CLIENT, CustomerFactory, IdempotencyKeyFactory, delivery_date, opportunity_payload

BODY = opportunity_payload(
    name="Idempotent deal", monthly_estimated_revenue="700.00", estimated_delivery_date=delivery_date(10).isoformat()
)


@pytest.fixture(autouse=True)
def customer(db):
    return CustomerFactory(cid=1)


def rows(db):
    return db.session.scalar(select(func.count()).select_from(Opportunity))


def post(client, key, body=BODY):
    return client.post("/api/opportunities", json=body, headers={"Idempotency-Key": key})


def test_same_key_same_body_replays_the_original(client, db):
    first = post(client, "order-42")
    again = post(client, "order-42", {**BODY, "monthly_estimated_revenue": 700})  # same value, other spelling
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert rows(db) == 1


def test_same_key_other_body_is_422(client, db):
    post(client, "order-43")
    other = post(client, "order-43", {**BODY, "name": "Another deal"})
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["errors"]["headers"]
    assert rows(db) == 1


def test_key_in_flight_is_409_and_abandoned_key_is_taken_over(client, db, app):
    from intrasoft.opportunities.idempotency import request_hash as hash_of
    from intrasoft.opportunities.schemas import OpportunityCreateSchema

    request_hash = hash_of(OpportunityCreateSchema().load(BODY))
    IdempotencyKeyFactory(key="busy", request_hash=request_hash)
    busy = post(client, "busy")
    assert busy.status_code == 409 and "Idempotency-Key" in busy.json["errors"]["headers"]
    assert rows(db) == 0

    stale = utcnow() - timedelta(seconds=app.config["IDEMPOTENCY_IN_FLIGHT_SECONDS"] + 5)
    IdempotencyKeyFactory(key="crashed", request_hash=request_hash, created_at=stale)
    taken_over = post(client, "crashed")
    assert taken_over.status_code == 201 and rows(db) == 1


def test_rejected_request_does_not_use_up_its_key(client, db):
    invalid = post(client, "order-44", {**BODY, "monthly_estimated_revenue": "-1"})
    assert invalid.status_code == 422
    unknown_customer = post(client, "order-44", {**BODY, "cid": 999})
    assert unknown_customer.status_code == 422
    assert post(client, "order-44").status_code == 201
    assert rows(db) == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "é"])
def test_malformed_keys_are_rejected(client, db, key):
    response = client.post(
        "/api/opportunities", json=BODY, headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")}
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]["headers"]
    assert rows(db) == 0


def test_without_a_key_each_post_creates(client, db):
    client.post("/api/opportunities", json=BODY)
    client.post("/api/opportunities", json=BODY)
    assert rows(db) == 2


def test_expired_keys_are_free_again_and_purged(client, db, app):
    from intrasoft.opportunities.idempotency import purge_expired
    from intrasoft.opportunities.jobs import scheduled_purge

    first = post(client, "yesterday")
    assert first.status_code == 201
    ttl = timedelta(hours=app.config["IDEMPOTENCY_TTL_HOURS"])
    db.session.get(IdempotencyKey, {"client": TEST_CLIENT, "key": "yesterday"}).created_at = (
        utcnow() - ttl - timedelta(minutes=1)
    )
    db.session.commit()
    # Past its time to live the key is a new request, even with another body.
    reused = post(client, "yesterday", {**BODY, "name": "Next year's deal"})
    assert reused.status_code == 201 and reused.json["oid"] != first.json["oid"]
    assert rows(db) == 2

    for key in ("old-1", "old-2"):
        IdempotencyKeyFactory(key=key, created_at=utcnow() - ttl - timedelta(hours=1))
    assert purge_expired() == 2
    assert scheduled_purge(app) == 0
    assert {k.key for k in db.session.query(IdempotencyKey)} == {"yesterday"}


def test_purge_job_survives_errors(app, monkeypatch):
    from intrasoft.opportunities import idempotency, jobs

    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr(idempotency, "purge_expired", broken)
    assert jobs.scheduled_purge(app) is None


def test_purge_job_is_registered_hourly(app, db):
    from datetime import timedelta as span

    from intrasoft.opportunities.jobs import JOB_ID, scheduled_purge
    from intrasoft.scheduler import build_scheduler

    job = build_scheduler(app).get_job(JOB_ID)
    assert job.func is scheduled_purge and job.trigger.interval == span(hours=1)
    assert job.max_instances == 1 and job.coalesce is True


def test_a_retry_after_midnight_replays_instead_of_failing_the_date_rule(client, db, monkeypatch):
    today = database.today()
    body = {**BODY, "estimated_delivery_date": today.isoformat()}
    first = post(client, "closing-today", body)
    assert first.status_code == 201
    monkeypatch.setattr(database, "today", lambda: today + timedelta(days=1))
    retried = post(client, "closing-today", body)
    assert retried.status_code == 201
    # The same opportunity, read a day later (the whole clock moved: its age too).
    assert retried.json == {**first.json, "days_since_last_updated": 1}
    assert retried.headers["Idempotent-Replayed"] == "true"
    # Without the key the same body is now refused: the replay did not run the rules.
    assert client.post("/api/opportunities", json=body).status_code == 422
    assert rows(db) == 1


def test_keys_are_compared_exactly(client, db):
    upper = post(client, "Order-7")
    lower = post(client, "order-7")
    assert upper.status_code == lower.status_code == 201
    assert "Idempotent-Replayed" not in lower.headers
    assert lower.json["oid"] != upper.json["oid"]
    assert post(client, "Order-7").json["oid"] == upper.json["oid"]
    assert post(client, "order-7").json["oid"] == lower.json["oid"]
    assert rows(db) == 2


def test_keys_belong_to_the_client_that_sent_them(app, client, db):
    other = token_client(app, QUINN_TOKEN)  # another client that may write

    mine = post(client, "shared-key")
    theirs = post(other, "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json["oid"] != mine.json["oid"]
    # Another body under the same key is no conflict either: it is the other client's key.
    assert post(other, "another-key", {**BODY, "name": "Theirs"}).status_code == 201
    assert post(client, "another-key").status_code == 201
    # Each client replays its own.
    assert post(client, "shared-key").json["oid"] == mine.json["oid"]
    assert post(other, "shared-key").json["oid"] == theirs.json["oid"]
    assert rows(db) == 4

    stored = {(k.client, k.key) for k in db.session.scalars(select(IdempotencyKey))}
    other_client = hashlib.sha256(QUINN_TOKEN.encode()).hexdigest()[:32]
    assert stored == {(c, k) for c in (TEST_CLIENT, other_client) for k in ("shared-key", "another-key")}


def test_without_a_token_keys_belong_to_the_anonymous_client(database_url, db):
    # Development without any token configured: writes are open and sent by no client.
    open_app = make_app(database_url, API_TOKENS=[], API_READ_TOKENS=[], API_USER_TOKENS=[])
    anon_client = open_app.test_client()
    first = post(anon_client, "open-key")
    assert first.status_code == 201
    assert post(anon_client, "open-key").json["oid"] == first.json["oid"]
    assert [(k.client, k.key) for k in db.session.scalars(select(IdempotencyKey))] == [("", "open-key")]


def _stale(app):
    return utcnow() - timedelta(seconds=app.config["IDEMPOTENCY_IN_FLIGHT_SECONDS"] + 5)


def test_a_key_replaced_by_a_concurrent_request_replays_what_that_request_created(client, db, app, monkeypatch):
    """Two retries found the same abandoned key; the other one replaced it (and created) between
    this one's read and its claim: this one replays the other's opportunity."""
    from intrasoft.opportunities import idempotency
    from intrasoft.opportunities.schemas import OpportunityCreateSchema

    theirs = client.post("/api/opportunities", json=BODY).json
    request_hash = idempotency.request_hash(OpportunityCreateSchema().load(BODY))
    IdempotencyKeyFactory(key="raced", request_hash=request_hash, created_at=_stale(app))
    real_record = idempotency.IdempotentRequest.record
    reads = []

    def read_then_lose_the_race(self):
        seen = real_record(self)
        reads.append(seen.oid)
        if len(reads) == 2:  # the claim's read: the other request takes the key over now
            with db.engine.begin() as connection:
                connection.execute(IdempotencyKey.__table__.update().values(created_at=utcnow(), oid=theirs["oid"]))
        return seen

    monkeypatch.setattr(idempotency.IdempotentRequest, "record", read_then_lose_the_race)
    replayed = post(client, "raced")
    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json["oid"] == theirs["oid"]
    assert reads == [None, None, theirs["oid"]]  # replay check, claim (lost), claim's second look
    assert rows(db) == 1


def test_a_key_that_concurrent_requests_keep_taking_is_a_409(client, db, monkeypatch):
    from intrasoft.opportunities import idempotency

    IdempotencyKeyFactory(key="contested", request_hash="other")
    reads = []

    def never_sees_it(self):  # each read comes just before a concurrent request inserts the key
        reads.append(self.key)
        return None

    monkeypatch.setattr(idempotency.IdempotentRequest, "record", never_sees_it)
    refused = post(client, "contested")
    assert refused.status_code == 409
    assert refused.json == {
        "code": 409,
        "status": "Conflict",
        "message": "Could not claim the Idempotency-Key; retry shortly.",
    }
    assert len(reads) == 1 + idempotency.CLAIM_ATTEMPTS
    assert rows(db) == 0
    assert db.session.get(IdempotencyKey, {"client": TEST_CLIENT, "key": "contested"}).request_hash == "other"
