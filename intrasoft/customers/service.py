"""Customer queries. The list uses Core rows and a hand-written serializer: it is the
hottest read of the dashboards, and ``test_customers`` proves it renders exactly what
``CustomerSchema`` documents."""

from __future__ import annotations

from flask_smorest import abort
from sqlalchemy import select

from ..extensions import db
from ..fields import iso_utc
from ..pagination import Page, paginate
from .models import Customer
from .schemas import MAX_CID

LIST_COLUMNS = list(Customer.__table__.columns)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_customers(args: dict) -> Page:
    stmt = select(*LIST_COLUMNS).order_by(Customer.cid)
    if "area" in args:
        stmt = stmt.where(Customer.area == args["area"])
    if "segment" in args:
        stmt = stmt.where(Customer.segment == args["segment"])
    if "account_executive" in args:
        stmt = stmt.where(Customer.account_executive == args["account_executive"])
    if "is_strategic" in args:
        stmt = stmt.where(Customer.is_strategic.is_(args["is_strategic"]))
    if "q" in args:
        stmt = stmt.where(Customer.name.ilike(f"%{_escape_like(args['q'])}%", escape="\\"))
    return paginate(stmt, args, key_column=Customer.cid)


def customer_row_to_dict(row) -> dict:
    """Render a Core row like ``CustomerSchema`` does (same keys, order and formats)."""
    start, renewal = row.contract_start_date, row.contract_renewal_date
    return {
        "cid": row.cid,
        "name": row.name,
        "area": row.area,
        "segment": row.segment,
        "account_executive": row.account_executive,
        "technical_specialist": row.technical_specialist,
        "contract_start_date": start.isoformat() if start else None,
        "contract_renewal_date": renewal.isoformat() if renewal else None,
        "subscriptions": [s for s in row.subscriptions.split(",") if s],
        "is_strategic": bool(row.is_strategic),
        "is_reference": bool(row.is_reference),
        "credit_hold": bool(row.credit_hold),
        "created_at": iso_utc(row.created_at),
        "updated_at": iso_utc(row.updated_at),
    }


def get_customer_or_404(cid: int) -> Customer:
    customer = db.session.get(Customer, cid) if 0 < cid <= MAX_CID else None
    if customer is None:
        abort(404, message=f"Customer {cid} not found.")
    return customer
