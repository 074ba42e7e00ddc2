"""The data-quality checks, each a count and up to ``SAMPLE_SIZE`` sample ids.

Every check is one or two SQL statements (counting with ``COUNT(*) OVER ()`` beside the
first ids), so the report costs the same number of round trips at any data volume.
Medians use window functions (SQLite 3.25+, MariaDB 10.2+, MySQL 8).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, false, func, or_, select

from ... import database
from ...customers.models import Customer
from ...customers.reference import AREAS
from ...extensions import db
from ...opportunities.models import Opportunity
from ...opportunities.reference import OPEN_STATUSES
from ..fiscal import fiscal_months, fiscal_year_end, fiscal_year_of
from ..models import RevenueActual, RevenueTarget
from ..service import money_cents

SAMPLE_SIZE = 10
#: An opportunity is an outlier above this multiple of its Area's median monthly revenue.
OUTLIER_FACTOR = 5

DESCRIPTIONS = {
    "overdue_open_opportunities": "Open opportunities whose estimated delivery date has passed.",
    "open_closing_after_fiscal_year": "Open opportunities delivered after the end of the current fiscal year.",
    "revenue_outliers": (
        f"Opportunities whose monthly revenue is more than {OUTLIER_FACTOR}x the median of all their Area's "
        "opportunities."
    ),
    "customers_missing_account_team": "Customers without an account executive or without a technical specialist.",
    "renewal_before_start": "Customers whose contract renewal date is before their contract start date.",
    "areas_without_target": "Areas without a revenue target for the current fiscal year.",
    "missing_actual_months": "Complete months of the current fiscal year without an actual, as Area/YYYY-MM.",
}


def _check(name: str, count: int, sample_ids: list) -> dict:
    return {"description": DESCRIPTIONS[name], "count": count, "sample_ids": sample_ids}


def _count_and_sample(name: str, id_column, *conditions, join=None) -> dict:
    """One statement: the first ids in order, each row carrying the total count."""
    stmt = select(id_column, func.count().over().label("total")).where(*conditions)
    if join is not None:
        stmt = stmt.join(*join)
    rows = db.session.execute(stmt.order_by(id_column).limit(SAMPLE_SIZE)).all()
    return _check(name, rows[0].total if rows else 0, [row[0] for row in rows])


def area_medians_in_cents() -> dict[str, tuple[int, int]]:
    """Each Area's median monthly revenue as ``(sum, count)`` of its middle one or two rows, in cents.

    The median is ``sum / count``; keeping the fraction lets the outlier test stay in integers.
    """
    cents = money_cents(Opportunity.monthly_estimated_revenue)
    ranked = (
        select(
            Customer.area.label("area"),
            cents.label("cents"),
            func.row_number()
            .over(partition_by=Customer.area, order_by=Opportunity.monthly_estimated_revenue)
            .label("position"),
            func.count().over(partition_by=Customer.area).label("size"),
        )
        .join(Customer, Customer.cid == Opportunity.cid)
        .subquery()
    )
    # The middle row(s): 2 x position between size and size + 2 (one row when odd, two when even).
    middle = (
        select(ranked.c.area, func.sum(ranked.c.cents), func.count())
        .where((ranked.c.position * 2).between(ranked.c.size, ranked.c.size + 2))
        .group_by(ranked.c.area)
    )
    return {area: (int(total), int(count)) for area, total, count in db.session.execute(middle)}


def _revenue_outliers() -> dict:
    medians = area_medians_in_cents()
    cents = money_cents(Opportunity.monthly_estimated_revenue)
    # cents > 5 x (sum / count)  <=>  cents x count > 5 x sum: exact, in integers.
    above = [
        and_(Customer.area == area, cents * count > OUTLIER_FACTOR * total) for area, (total, count) in medians.items()
    ]
    return _count_and_sample(
        "revenue_outliers",
        Opportunity.oid,
        or_(*above) if above else false(),
        join=(Customer, Customer.cid == Opportunity.cid),
    )


def _missing_actual_months(fiscal_year: int, as_of: date) -> dict:
    this_month = as_of.replace(day=1)
    complete = [month for month in fiscal_months(fiscal_year) if month < this_month]
    stored = set()
    if complete:
        rows = db.session.execute(
            select(RevenueActual.area, RevenueActual.month).where(
                RevenueActual.month.between(complete[0], complete[-1])
            )
        )
        stored = {(area, month) for area, month in rows}
    missing = [f"{area}/{month:%Y-%m}" for month in complete for area in AREAS if (area, month) not in stored]
    return _check("missing_actual_months", len(missing), missing[:SAMPLE_SIZE])


def data_quality_report(as_of: date | None = None) -> dict:
    as_of = as_of or database.today()
    fiscal_year = fiscal_year_of(as_of)
    is_open = Opportunity.opportunity_status.in_(OPEN_STATUSES)
    with_target = set(db.session.scalars(select(RevenueTarget.area).where(RevenueTarget.fiscal_year == fiscal_year)))
    without_target = [area for area in AREAS if area not in with_target]
    blank = [
        or_(column.is_(None), column == "") for column in (Customer.account_executive, Customer.technical_specialist)
    ]
    checks = {
        "overdue_open_opportunities": _count_and_sample(
            "overdue_open_opportunities", Opportunity.oid, is_open, Opportunity.estimated_delivery_date < as_of
        ),
        "open_closing_after_fiscal_year": _count_and_sample(
            "open_closing_after_fiscal_year",
            Opportunity.oid,
            is_open,
            Opportunity.estimated_delivery_date > fiscal_year_end(fiscal_year),
        ),
        "revenue_outliers": _revenue_outliers(),
        "customers_missing_account_team": _count_and_sample(
            "customers_missing_account_team", Customer.cid, or_(*blank)
        ),
        "renewal_before_start": _count_and_sample(
            "renewal_before_start", Customer.cid, Customer.contract_renewal_date < Customer.contract_start_date
        ),
        "areas_without_target": _check("areas_without_target", len(without_target), without_target),
        "missing_actual_months": _missing_actual_months(fiscal_year, as_of),
    }
    return {
        "as_of": as_of,
        "fiscal_year": fiscal_year,
        "issue_count": sum(check["count"] for check in checks.values()),
        "checks": checks,
    }
