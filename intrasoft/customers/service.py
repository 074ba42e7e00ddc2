"""Customer queries. The list uses Core rows and a hand-written serializer: it is the
hottest read of the dashboards, and ``test_customers`` proves it renders exactly what
``CustomerSchema`` documents."""

from __future__ import annotations

from sqlalchemy import select, true

from ..exceptions import NotFound
from ..extensions import db
from ..fields import iso_utc
from ..pagination import Cursor, Page, paginate
from .models import Customer
from .schemas import CRM_FLAGS, MAX_CID

#: The table's Core columns: a statement built from ORM attributes goes through the ORM's
#: compile and execute layers (about 5% of a list request) for nothing, as we want rows.
_customer = Customer.__table__.c
#: The list's columns, in the order ``customer_row_to_dict`` unpacks them.
LIST_COLUMNS = (
    _customer.cid,
    _customer.name,
    _customer.area,
    _customer.customer_type,
    _customer.has_dedicated_account_manager,
    _customer.has_dedicated_technical_consultant,
    _customer.has_support_contract,
    _customer.has_discounted_pricing,
    _customer.account_executive,
    _customer.technical_specialist,
    _customer.contract_start_date,
    _customer.contract_renewal_date,
    _customer.subscriptions,
    _customer.created_at,
    _customer.updated_at,
)
#: Statements are immutable: build the bases once, each request adds its filters and page.
_LIST_BASE = {
    "cid": select(*LIST_COLUMNS).order_by(_customer.cid),
    "-cid": select(*LIST_COLUMNS).order_by(_customer.cid.desc()),
}
#: Keyset cursors by ``sort``. CIDs start at 1, so ``after=0`` is the top in either order.
_CURSORS = {
    "cid": Cursor.on_column(_customer.cid),
    "-cid": Cursor(
        rows_after=lambda after: _customer.cid < after if after else true(),
        value_of=lambda row: row.cid,
    ),
}
#: Exact-match filters: query argument -> column.
_EQUAL_FILTERS = {
    "area": _customer.area,
    "customer_type": _customer.customer_type,
    "account_executive": _customer.account_executive,
    **{flag: _customer[flag] for flag in CRM_FLAGS},
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_customers(args: dict) -> Page:
    sort = args.get("sort", "cid")
    stmt = _LIST_BASE[sort]
    for name, column in _EQUAL_FILTERS.items():
        if name in args:
            stmt = stmt.where(column == args[name])
    if "q" in args:
        stmt = stmt.where(_customer.name.ilike(f"%{_escape_like(args['q'])}%", escape="\\"))
    return paginate(stmt, args, cursor=_CURSORS[sort])


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
        customer_type,
        has_dedicated_account_manager,
        has_dedicated_technical_consultant,
        has_support_contract,
        has_discounted_pricing,
        account_executive,
        technical_specialist,
        start,
        renewal,
        subscriptions,
        created_at,
        updated_at,
    ) = row
    return {
        "cid": cid,
        "name": name,
        "area": area,
        "customer_type": customer_type,
        "has_dedicated_account_manager": bool(has_dedicated_account_manager),
        "has_dedicated_technical_consultant": bool(has_dedicated_technical_consultant),
        "has_support_contract": bool(has_support_contract),
        "has_discounted_pricing": bool(has_discounted_pricing),
        "account_executive": account_executive,
        "technical_specialist": technical_specialist,
        "contract_start_date": start.isoformat() if start else None,
        "contract_renewal_date": renewal.isoformat() if renewal else None,
        "subscriptions": [s for s in subscriptions.split(",") if s] if subscriptions else [],
        "created_at": _utc(created_at),
        "updated_at": _utc(updated_at),
    }


def get_customer_or_404(cid: int) -> Customer:
    customer = db.session.get(Customer, cid) if 0 < cid <= MAX_CID else None
    if customer is None:
        raise NotFound(f"Customer {cid} not found.")
    return customer
