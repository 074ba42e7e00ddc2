"""Customer queries. The list uses Core rows and a hand-written serializer: it is the
hottest read of the dashboards, and ``test_customers`` proves it renders exactly what
``CustomerSchema`` documents."""

from __future__ import annotations

from flask_smorest import abort
from sqlalchemy import select

from ..extensions import db
from ..fields import iso_utc
from ..pagination import Cursor, Page, paginate
from .models import Customer
from .schemas import MAX_CID

#: The table's Core columns: a statement built from ORM attributes goes through the ORM's
#: compile and execute layers (about 5% of a list request) for nothing, as we want rows.
_customer = Customer.__table__.c
#: The list's columns, in the order ``customer_row_to_dict`` unpacks them.
LIST_COLUMNS = (
    _customer.cid,
    _customer.name,
    _customer.area,
    _customer.segment,
    _customer.account_executive,
    _customer.technical_specialist,
    _customer.contract_start_date,
    _customer.contract_renewal_date,
    _customer.subscriptions,
    _customer.is_strategic,
    _customer.is_reference,
    _customer.credit_hold,
    _customer.created_at,
    _customer.updated_at,
)
#: Statements are immutable: build the base once, each request adds its filters and page.
_LIST_BASE = select(*LIST_COLUMNS).order_by(_customer.cid)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_customers(args: dict) -> Page:
    stmt = _LIST_BASE
    if "area" in args:
        stmt = stmt.where(_customer.area == args["area"])
    if "segment" in args:
        stmt = stmt.where(_customer.segment == args["segment"])
    if "account_executive" in args:
        stmt = stmt.where(_customer.account_executive == args["account_executive"])
    if "is_strategic" in args:
        stmt = stmt.where(_customer.is_strategic.is_(args["is_strategic"]))
    if "q" in args:
        stmt = stmt.where(_customer.name.ilike(f"%{_escape_like(args['q'])}%", escape="\\"))
    return paginate(stmt, args, cursor=Cursor.on_column(_customer.cid))


def _utc(value):
    """``iso_utc`` with a fast path for the naive UTC datetimes the database returns."""
    if value is not None and value.tzinfo is None:
        return value.isoformat() + "Z"
    return iso_utc(value)


def customer_row_to_dict(row) -> dict:
    """Render a Core row of ``LIST_COLUMNS`` like ``CustomerSchema`` does (same keys, order and formats).

    The hottest loop of the API (50-100 rows per list request): the row is unpacked as a
    tuple, which is several times cheaper than ``row.name`` attribute lookups.
    """
    (
        cid,
        name,
        area,
        segment,
        account_executive,
        technical_specialist,
        start,
        renewal,
        subscriptions,
        is_strategic,
        is_reference,
        credit_hold,
        created_at,
        updated_at,
    ) = row
    return {
        "cid": cid,
        "name": name,
        "area": area,
        "segment": segment,
        "account_executive": account_executive,
        "technical_specialist": technical_specialist,
        "contract_start_date": start.isoformat() if start else None,
        "contract_renewal_date": renewal.isoformat() if renewal else None,
        "subscriptions": [s for s in subscriptions.split(",") if s] if subscriptions else [],
        "is_strategic": bool(is_strategic),
        "is_reference": bool(is_reference),
        "credit_hold": bool(credit_hold),
        "created_at": _utc(created_at),
        "updated_at": _utc(updated_at),
    }


def get_customer_or_404(cid: int) -> Customer:
    customer = db.session.get(Customer, cid) if 0 < cid <= MAX_CID else None
    if customer is None:
        abort(404, message=f"Customer {cid} not found.")
    return customer
