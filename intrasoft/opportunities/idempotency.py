"""``Idempotency-Key``: a retried create returns what the first request created, and creates
nothing new.

A create sent with a key goes through these steps (``service.create_opportunity``):

1. ``replayed``: an earlier request with this client's key created an opportunity: its oid
   is the answer (checked before the rules, so a retry after midnight still replays). The
   same key with another body is refused (422), and a key whose first request is still
   running too (409);
2. ``claim``: the key is reserved for this request, in a transaction of its own that commits
   before the create, so a concurrent request with the same key sees it in flight (409)
   instead of waiting on a row lock. A key that expired (``IDEMPOTENCY_TTL_HOURS``) or whose
   first request died before creating anything (``IDEMPOTENCY_IN_FLIGHT_SECONDS``) is free;
3. ``complete``: in the create's own transaction, the key records the new oid (both commit
   or neither does);
4. ``release``: when the create fails, the key is freed so that the client's retry can go
   through.

``purge_expired`` deletes expired keys (the opportunities' hourly job).

A key belongs to the client that sent it (``IdempotentRequest.client``: the principal's
``token_id``, "" without a token): two clients choosing the same key are two keys.

Why here and not in the core: an opportunity is the only resource created with a key, and a
key's record holds the oid it created (``IdempotencyKey.oid``). Nothing else of opportunities
is known here (the caller hands over the body and, at the end, the oid), so the day a second
resource takes keys this moves to the core with a resource column, callers unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, update
from sqlalchemy.exc import IntegrityError

from ..database import run_in_transaction, utcnow
from ..exceptions import Conflict, RuleViolation
from ..extensions import db
from .models import IdempotencyKey

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Reads and claims of a key before giving up on a key that concurrent requests keep taking.
CLAIM_ATTEMPTS = 3


def request_hash(body: dict) -> str:
    """SHA-256 of the canonical body (keys sorted, values as text): the same request, the same hash."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    """A create sent with an ``Idempotency-Key``: whose key, which key, and its body's hash."""

    client: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, client: str, key: str, body: dict) -> IdempotentRequest:
        return cls(client=client, key=key, request_hash=request_hash(body))

    def record(self) -> IdempotencyKey | None:
        """The stored record of (client, key), read again from the database (keys compare exactly)."""
        return db.session.get(IdempotencyKey, {"client": self.client, "key": self.key}, populate_existing=True)

    def is_key(self):
        return and_(IdempotencyKey.client == self.client, IdempotencyKey.key == self.key)


def is_free(record: IdempotencyKey) -> bool:
    """Expired, or claimed by a request that died before creating anything."""
    config = current_app.config
    now = utcnow()
    if record.created_at < now - timedelta(hours=config["IDEMPOTENCY_TTL_HOURS"]):
        return True
    return record.oid is None and record.created_at < now - timedelta(seconds=config["IDEMPOTENCY_IN_FLIGHT_SECONDS"])


def replay_or_refuse(record: IdempotencyKey, request: IdempotentRequest) -> str:
    """The oid the earlier request created; 422 for another body, 409 while it is in flight."""
    if record.request_hash != request.request_hash:
        raise RuleViolation(
            IDEMPOTENCY_HEADER,
            "This Idempotency-Key was already used with a different request body.",
            location="headers",
        )
    if record.oid is None:
        raise Conflict(
            "A request with this Idempotency-Key is still in progress; retry shortly.",
            field=IDEMPOTENCY_HEADER,
            location="headers",
        )
    return record.oid


def replayed(request: IdempotentRequest) -> str | None:
    """The oid to replay when the key is live (see ``replay_or_refuse``); None when it is free."""
    record = request.record()
    return None if record is None or is_free(record) else replay_or_refuse(record, request)


def claim(request: IdempotentRequest) -> str | None:
    """Reserve the key for this request (None), or the oid a request with it created meanwhile.

    Commits on its own, before the create: see the module's docstring. 409 when concurrent
    requests kept taking the key ``CLAIM_ATTEMPTS`` times.
    """
    for _ in range(CLAIM_ATTEMPTS):
        seen = request.record()
        if seen is not None and not is_free(seen):
            return replay_or_refuse(seen, request)

        def take(attempt: int, seen_at=seen.created_at if seen else None) -> bool:
            if seen_at is None:
                db.session.add(
                    IdempotencyKey(
                        client=request.client, key=request.key, request_hash=request.request_hash, created_at=utcnow()
                    )
                )
                db.session.flush()  # IntegrityError when a concurrent request inserted it first
                return True
            # Replace the expired or abandoned record we saw, unless someone replaced it first.
            replaced = db.session.execute(
                update(IdempotencyKey)
                .where(request.is_key(), IdempotencyKey.created_at == seen_at)
                .values(request_hash=request.request_hash, oid=None, created_at=utcnow())
            )
            return replaced.rowcount == 1

        try:
            if run_in_transaction(take):
                return None
        except IntegrityError:
            pass  # claimed by a concurrent request between our read and our write: look again
    raise Conflict("Could not claim the Idempotency-Key; retry shortly.")


def complete(request: IdempotentRequest, oid: str) -> None:
    """Record the created ``oid`` on the claimed key: part of the create's transaction."""
    db.session.execute(update(IdempotencyKey).where(request.is_key()).values(oid=oid))


def release(request: IdempotentRequest) -> None:
    """Free the key of a create that failed (only while it holds no oid), so the retry can go through."""
    db.session.rollback()

    def free(attempt: int) -> None:
        db.session.execute(delete(IdempotencyKey).where(request.is_key(), IdempotencyKey.oid.is_(None)))

    run_in_transaction(free)


def purge_expired() -> int:
    """Delete keys older than ``IDEMPOTENCY_TTL_HOURS`` (run hourly by the scheduler)."""
    expired_before = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])

    def work(attempt: int) -> int:
        return db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < expired_before)).rowcount

    purged = run_in_transaction(work)
    log.info("idempotency keys purged", extra={"purged": purged})
    return purged
