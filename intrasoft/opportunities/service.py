"""Opportunity rules: defaults, status/probability consistency, delivery-date limits and
safe creation (transaction retry plus ``Idempotency-Key``, see ``idempotency.py``)."""

from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy import and_, or_, select, true
from werkzeug.datastructures import ETags

from .. import database
from ..customers.models import Customer
from ..database import run_in_transaction, utcnow
from ..exceptions import Conflict, NotFound, RuleViolation
from ..extensions import db
from ..pagination import Cursor, Page, paginate
from ..preconditions import check_if_match
from . import idempotency
from .models import Opportunity
from .reference import CLOSED_STATUSES, DEFAULT_PROBABILITY, FIXED_PROBABILITY, OPEN_STATUSES
from .schemas import OID_PATTERN

_OID = re.compile(OID_PATTERN)
MAX_YEARS_AHEAD = 3


def latest_delivery_date(day: date) -> date:
    try:
        return day.replace(year=day.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February
        return day.replace(year=day.year + MAX_YEARS_AHEAD, day=28)


# --- reads -------------------------------------------------------------------------


def list_opportunities(args: dict) -> Page:
    stmt = select(Opportunity).order_by(Opportunity.created_at, Opportunity.oid)
    for name in ("cid", "opportunity_status", "product"):
        if name in args:
            stmt = stmt.where(getattr(Opportunity, name) == args[name])
    if "area" in args:
        stmt = stmt.join(Customer, Customer.cid == Opportunity.cid).where(Customer.area == args["area"])
    page = paginate(stmt, args, cursor=_cursor_after(args.get("after")))
    page.items = [row[0] for row in page.items]
    return page


def _cursor_after(oid: str | None) -> Cursor | None:
    """Keyset on (created_at, oid), resolved from the last oid the client saw.

    Written as ``a > x OR (a = x AND b > y)`` with literal values: MariaDB uses the
    (created_at, oid) index for that form, not for the row comparison ``(a, b) > (x, y)``.
    """
    if oid is None:
        return None
    if oid == "":  # the first page
        return Cursor(rows_after=lambda _: true(), value_of=lambda row: row[0].oid)
    created_at = db.session.scalar(select(Opportunity.created_at).where(Opportunity.oid == oid))
    if created_at is None:
        raise RuleViolation(
            "after", f"Opportunity {oid} not found: the cursor must be an existing oid.", location="query"
        )
    return Cursor(
        rows_after=lambda _: or_(
            Opportunity.created_at > created_at,
            and_(Opportunity.created_at == created_at, Opportunity.oid > oid),
        ),
        value_of=lambda row: row[0].oid,
    )


def get_opportunity_or_404(oid: str, *, lock: bool = False) -> Opportunity:
    """The opportunity, or 404. With ``lock``, the row is locked and read again from the
    database (``populate_existing``), never the copy the session may already hold."""
    opportunity = None
    if _OID.fullmatch(oid):
        opportunity = db.session.get(Opportunity, oid, with_for_update=lock or None, populate_existing=lock)
    if opportunity is None:
        raise NotFound(f"Opportunity {oid} not found.")
    return opportunity


# --- rules -------------------------------------------------------------------------


def _resolve_probability(status: str, given: int | None, fallback: int | None) -> int:
    if status in FIXED_PROBABILITY:
        fixed = FIXED_PROBABILITY[status]
        if given is not None and given != fixed:
            raise RuleViolation("probability", f"A {status} opportunity always has probability {fixed}.")
        return fixed
    if given is not None:
        return given
    return fallback if fallback is not None else DEFAULT_PROBABILITY[status]


def _check_delivery_date(delivery: date, status: str) -> None:
    now = database.today()
    if status in OPEN_STATUSES and delivery < now:
        raise RuleViolation(
            "estimated_delivery_date", f"An open opportunity cannot be delivered in the past (today is {now})."
        )
    if delivery > latest_delivery_date(now):
        raise RuleViolation("estimated_delivery_date", f"Must be at most {MAX_YEARS_AHEAD} years ahead.")


# --- writes ------------------------------------------------------------------------


def create_opportunity(data: dict, idempotency_key: str | None = None, client: str = "") -> tuple[Opportunity, bool]:
    """Create an opportunity; return it and whether it was replayed from an earlier request.

    ``client`` (the principal's ``token_id``, "" without a token) scopes the ``Idempotency-Key``: the same key
    from another client is another key.
    """
    keyed = idempotency.IdempotentRequest.of(client, idempotency_key, data) if idempotency_key else None
    if keyed and (earlier := idempotency.replayed(keyed)) is not None:
        # Replayed before the rules: a retry after midnight must not fail on "delivery date in the past".
        return db.session.get(Opportunity, earlier), True
    customer = db.session.get(Customer, data["cid"])
    if customer is None:
        raise RuleViolation("cid", f"Customer {data['cid']} does not exist.")
    status = data.get("opportunity_status", "prospecting")
    probability = _resolve_probability(status, data.get("probability"), None)
    _check_delivery_date(data["estimated_delivery_date"], status)

    if keyed and (created_meanwhile := idempotency.claim(keyed)) is not None:
        return db.session.get(Opportunity, created_meanwhile), True

    # Generated once, outside the retried block: a retry reuses the same oid and so
    # can never insert a second row.
    oid = uuid.uuid4().hex
    now = utcnow()
    values = {
        "oid": oid,
        "cid": customer.cid,
        "opportunity_sales_group": data.get("opportunity_sales_group"),
        "opportunity_status": status,
        "monthly_estimated_revenue": data["monthly_estimated_revenue"],
        "estimated_delivery_date": data["estimated_delivery_date"],
        "non_recurring": data.get("non_recurring"),
        "name": data.get("name"),
        "product": data.get("product"),
        "probability": probability,
        "currency": data.get("currency", "EUR"),
        "account_executive": data.get("account_executive", customer.account_executive),
        "technical_specialist": data.get("technical_specialist", customer.technical_specialist),
        "created_at": now,
        "updated_at": now,
    }

    def insert(attempt: int) -> Opportunity:
        if attempt > 1:
            # The previous attempt's commit may have landed before the connection dropped.
            already = db.session.get(Opportunity, oid)
            if already is not None:
                return already
        opportunity = Opportunity(**values)
        db.session.add(opportunity)
        if keyed:
            idempotency.complete(keyed, oid)
        return opportunity

    try:
        return run_in_transaction(insert), False
    except BaseException:
        if keyed:
            idempotency.release(keyed)
        raise


def update_opportunity(oid: str, changes: dict, if_match: ETags | None = None) -> Opportunity:
    """Apply ``changes`` with every rule checked against the row as it is under its lock.

    Concurrent updates of one opportunity queue on the row lock (``BEGIN IMMEDIATE`` on
    SQLite), and each one re-reads what the previous one committed: "won and lost are
    final", "won is 100" and ``If-Match`` (412 when the version moved on) are never decided
    on a stale copy. Every update increments ``version``.
    """

    def apply(attempt: int) -> Opportunity:
        target = get_opportunity_or_404(oid, lock=True)
        check_if_match(if_match, target.version)
        current = target.opportunity_status
        status = changes.get("opportunity_status", current)
        if current in CLOSED_STATUSES and status != current:
            raise Conflict(f"The opportunity is {current}: its status is final.", field="opportunity_status")
        fallback = target.probability if status == current else None
        probability = _resolve_probability(status, changes.get("probability"), fallback)
        if "estimated_delivery_date" in changes:
            _check_delivery_date(changes["estimated_delivery_date"], status)
        for name, value in {**changes, "opportunity_status": status, "probability": probability}.items():
            setattr(target, name, value)
        return target

    return run_in_transaction(apply)
