"""Revenue queries, target updates and the leadership summary.

The summary runs three statements whatever the data volume: the year's targets
(at most 5 rows), its actuals (at most 5 x 12 rows) and one aggregate over the
opportunities grouped by Area. Money is summed in SQL as integer cents (SQLite
stores NUMERIC as binary floats; integers are exact on every backend), the
pipeline weight ``cents x probability x months`` in units of 1/10,000 EUR, and
every figure is rounded once, to cents, half up, after the exact arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from sqlalchemy import Integer, and_, case, cast, extract, func, select
from sqlalchemy.exc import IntegrityError

from .. import database
from ..customers.models import Customer
from ..customers.reference import AREAS
from ..database import run_in_transaction, utcnow
from ..exceptions import RuleViolation
from ..extensions import db
from ..opportunities.models import Opportunity
from ..opportunities.reference import OPEN_STATUSES
from ..pagination import Page, paginate
from .fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, fiscal_months, fiscal_year_end, fiscal_year_of, fiscal_year_start
from .models import RevenueActual, RevenueTarget

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
#: Precision for the percentage divisions: far beyond any tie a 12-digit amount can create.
DIVISION_PRECISION = 50


def round_cents(value: Decimal) -> Decimal:
    """Round once, to cents, half up (away from zero on a tie: -0.005 -> -0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percentage(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """``part / whole x 100`` rounded to two decimals half up; None without a (non-zero) whole."""
    if whole is None or whole == 0:
        return None
    with localcontext() as context:
        context.prec = DIVISION_PRECISION
        return round_cents(part * HUNDRED / whole)


# --- actuals and targets -----------------------------------------------------------------


def list_actuals(args: dict) -> Page:
    stmt = select(RevenueActual).order_by(RevenueActual.month, RevenueActual.area, RevenueActual.id)
    if "area" in args:
        stmt = stmt.where(RevenueActual.area == args["area"])
    if "fiscal_year" in args:
        year = args["fiscal_year"]
        stmt = stmt.where(RevenueActual.month.between(fiscal_year_start(year), fiscal_year_end(year)))
    page = paginate(stmt, args)
    page.items = [
        {
            "area": actual.area,
            "month": actual.month,
            "fiscal_year": fiscal_year_of(actual.month),
            "amount": actual.amount,
            "created_at": actual.created_at,
            "updated_at": actual.updated_at,
        }
        for (actual,) in page.items
    ]
    return page


def list_targets(args: dict) -> Page:
    stmt = select(RevenueTarget).order_by(RevenueTarget.fiscal_year, RevenueTarget.area, RevenueTarget.id)
    if "fiscal_year" in args:
        stmt = stmt.where(RevenueTarget.fiscal_year == args["fiscal_year"])
    if "area" in args:
        stmt = stmt.where(RevenueTarget.area == args["area"])
    page = paginate(stmt, args)
    page.items = [row[0] for row in page.items]
    return page


def check_target_key(area: str, fiscal_year: int) -> None:
    """422 under ``errors.path.<name>`` for an unknown Area or a year outside 2000-2100."""
    if area not in AREAS:
        raise RuleViolation("area", f"Unknown Area {area!r}: one of {', '.join(AREAS)}.", location="path")
    if not MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR:
        raise RuleViolation("fiscal_year", f"Must be between {MIN_FISCAL_YEAR} and {MAX_FISCAL_YEAR}.", location="path")


def set_target(area: str, fiscal_year: int, amount: Decimal) -> tuple[RevenueTarget, bool]:
    """Create or update the target; return it and whether it was created.

    Two concurrent first PUTs race on the (area, fiscal_year) unique key: the loser's
    insert fails and it runs again as an update, so both get a consistent answer.
    """
    check_target_key(area, fiscal_year)

    def upsert(attempt: int) -> tuple[RevenueTarget, bool]:
        target = db.session.execute(
            select(RevenueTarget)
            .where(RevenueTarget.area == area, RevenueTarget.fiscal_year == fiscal_year)
            .with_for_update()
        ).scalar_one_or_none()
        now = utcnow()
        if target is not None:
            target.amount = amount
            target.updated_at = now
            return target, False
        target = RevenueTarget(area=area, fiscal_year=fiscal_year, amount=amount, created_at=now, updated_at=now)
        db.session.add(target)
        db.session.flush()
        return target, True

    try:
        return run_in_transaction(upsert)
    except IntegrityError:
        return run_in_transaction(upsert)


# --- summary -------------------------------------------------------------------------------


def money_cents(column):
    """A money column as exact integer cents in SQL, on SQLite (floats) as on MySQL (DECIMAL)."""
    return cast(func.round(column * 100), Integer)


def months_after_delivery(delivery_column):
    """The fiscal year's months after the delivery month: July 11 ... December 6, January 5 ... June 0."""
    month = extract("month", delivery_column)
    return case((month >= 7, 18 - month), else_=6 - month)


@dataclass
class AreaFigures:
    area: str
    target: Decimal | None = None
    actual_to_date: Decimal = ZERO
    run_rate_projection: Decimal = ZERO
    #: Exact, not rounded: the pipeline has up to four decimals before rounding.
    weighted_pipeline: Decimal = ZERO
    open_count: int = 0
    open_monthly_revenue: Decimal = ZERO

    @property
    def projected_total(self) -> Decimal:
        return self.actual_to_date + self.run_rate_projection + self.weighted_pipeline


@dataclass
class FiscalPosition:
    """Where ``as_of`` falls in the fiscal year."""

    months: list[date]
    as_of_month: date
    months_to_date: int = field(init=False)

    def __post_init__(self):
        self.months_to_date = sum(1 for month in self.months if month <= self.as_of_month)

    @property
    def months_remaining(self) -> int:
        return len(self.months) - self.months_to_date


def _targets(fiscal_year: int) -> dict[str, Decimal]:
    rows = db.session.execute(
        select(RevenueTarget.area, RevenueTarget.amount).where(RevenueTarget.fiscal_year == fiscal_year)
    )
    return {area: Decimal(amount) for area, amount in rows}


def _apply_actuals(figures: dict[str, AreaFigures], fiscal_year: int, position: FiscalPosition) -> None:
    """Actual to date and run rate from the year's actual rows (at most 5 x 12)."""
    rows = db.session.execute(
        select(RevenueActual.area, RevenueActual.month, RevenueActual.amount)
        .where(RevenueActual.month.between(fiscal_year_start(fiscal_year), position.as_of_month))
        .where(RevenueActual.month <= fiscal_year_end(fiscal_year))
        .order_by(RevenueActual.month)
    )
    latest: dict[str, Decimal] = {}
    for area, _month, amount in rows:
        if area in figures:
            figures[area].actual_to_date += Decimal(amount)
            latest[area] = Decimal(amount)  # ordered by month: the last one wins
    for area, amount in latest.items():
        figures[area].run_rate_projection = amount * position.months_remaining


def pipeline_statement(fiscal_year: int, as_of: date):
    """One aggregate per Area over the opportunities delivered inside the fiscal year.

    The opportunities are first summed per customer (a derived table read from the
    covering index ``ix_crm_opportunities_pipeline``), then the customer sums are joined
    to their Area: joining every opportunity to its customer first is 5-10x slower on
    MariaDB (see bench/revenue.py).
    """
    cents = money_cents(Opportunity.monthly_estimated_revenue)
    is_open = Opportunity.opportunity_status.in_(OPEN_STATUSES)
    in_pipeline = and_(Opportunity.opportunity_status != "lost", Opportunity.estimated_delivery_date > as_of)
    weighted = cents * Opportunity.probability * months_after_delivery(Opportunity.estimated_delivery_date)
    per_customer = (
        select(
            Opportunity.cid.label("cid"),
            func.sum(case((in_pipeline, weighted), else_=0)).label("weighted_units"),
            func.sum(case((is_open, 1), else_=0)).label("open_count"),
            func.sum(case((is_open, cents), else_=0)).label("open_cents"),
        )
        .where(
            Opportunity.estimated_delivery_date.between(fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year))
        )
        .group_by(Opportunity.cid)
        .subquery("per_customer")
    )
    # STRAIGHT_JOIN keeps the derived table first on MySQL/MariaDB: with fresh statistics
    # MariaDB otherwise picks a "lateral derived" plan (one index lookup per customer),
    # 4x slower at 100,000 opportunities.
    return (
        select(
            Customer.area,
            func.sum(per_customer.c.weighted_units),
            func.sum(per_customer.c.open_count),
            func.sum(per_customer.c.open_cents),
        )
        .select_from(per_customer)
        .join(Customer, Customer.cid == per_customer.c.cid)
        .group_by(Customer.area)
        .prefix_with("STRAIGHT_JOIN", dialect="mysql")
        .prefix_with("STRAIGHT_JOIN", dialect="mariadb")
    )


def _apply_pipeline(figures: dict[str, AreaFigures], fiscal_year: int, as_of: date) -> None:
    for area, weighted_units, open_count, open_cents in db.session.execute(pipeline_statement(fiscal_year, as_of)):
        if area not in figures:
            continue
        # units are cents x percent: 1/10,000 EUR, exact.
        figures[area].weighted_pipeline = Decimal(int(weighted_units or 0)).scaleb(-4)
        figures[area].open_count = int(open_count or 0)
        figures[area].open_monthly_revenue = Decimal(int(open_cents or 0)).scaleb(-2)


def _area_row(figures: AreaFigures) -> dict:
    projected = figures.projected_total
    target = figures.target
    return {
        "area": figures.area,
        "target": target,
        "target_missing": target is None,
        "actual_to_date": round_cents(figures.actual_to_date),
        "run_rate_projection": round_cents(figures.run_rate_projection),
        "weighted_pipeline": round_cents(figures.weighted_pipeline),
        "projected_total": round_cents(projected),
        "gap_to_target": None if target is None else round_cents(target - projected),
        "attainment_pct": percentage(figures.actual_to_date, target),
        "projected_attainment_pct": percentage(projected, target),
        "open_count": figures.open_count,
        "open_monthly_revenue": round_cents(figures.open_monthly_revenue),
    }


def _total_row(areas: list[AreaFigures]) -> dict:
    with_target = [a for a in areas if a.target is not None]
    target = sum((a.target for a in with_target), ZERO) if with_target else None
    projected_with_target = sum((a.projected_total for a in with_target), ZERO)
    actual_with_target = sum((a.actual_to_date for a in with_target), ZERO)
    return {
        "target": target,
        "missing_targets": [a.area for a in areas if a.target is None],
        "actual_to_date": round_cents(sum((a.actual_to_date for a in areas), ZERO)),
        "run_rate_projection": round_cents(sum((a.run_rate_projection for a in areas), ZERO)),
        "weighted_pipeline": round_cents(sum((a.weighted_pipeline for a in areas), ZERO)),
        "projected_total": round_cents(sum((a.projected_total for a in areas), ZERO)),
        "gap_to_target": None if target is None else round_cents(target - projected_with_target),
        "attainment_pct": percentage(actual_with_target, target),
        "projected_attainment_pct": percentage(projected_with_target, target),
        "open_count": sum(a.open_count for a in areas),
        "open_monthly_revenue": round_cents(sum((a.open_monthly_revenue for a in areas), ZERO)),
    }


def revenue_summary(fiscal_year: int | None = None, as_of: date | None = None) -> dict:
    """The leadership summary; defaults: today and the fiscal year it falls in."""
    as_of = as_of or database.today()
    fiscal_year = fiscal_year or fiscal_year_of(as_of)
    position = FiscalPosition(fiscal_months(fiscal_year), as_of.replace(day=1))
    figures = {area: AreaFigures(area) for area in AREAS}
    for area, amount in _targets(fiscal_year).items():
        if area in figures:
            figures[area].target = amount
    _apply_actuals(figures, fiscal_year, position)
    _apply_pipeline(figures, fiscal_year, as_of)
    areas = list(figures.values())
    return {
        "fiscal_year": fiscal_year,
        "as_of": as_of,
        "months_to_date": position.months_to_date,
        "months_remaining": position.months_remaining,
        "areas": [_area_row(a) for a in areas],
        "total": _total_row(areas),
    }
