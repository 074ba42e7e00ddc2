"""Revenue actuals and targets per Area, and the index the pipeline forecast reads."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Money, Timestamp, utcnow
from ..extensions import db
from ..opportunities.models import Opportunity


class RevenueActual(db.Model):
    """Booked revenue of one Area for one calendar month (``month`` is its first day)."""

    __tablename__ = "revenue_actuals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(20))
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("area", "month"),)


class RevenueTarget(db.Model):
    """Leadership's revenue target for one Area and fiscal year."""

    __tablename__ = "revenue_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(20))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("area", "fiscal_year"),)


#: Covers the revenue summary's pipeline aggregate: a range scan on the close date that reads
#: everything it sums from the index (no row lookups). Declared here, beside its only reader;
#: it attaches to ``crm_opportunities``. Measured in bench/revenue.py.
Index(
    "ix_crm_opportunities_pipeline",
    Opportunity.expected_close_date,
    Opportunity.cid,
    Opportunity.status,
    Opportunity.probability,
    Opportunity.estimated_monthly_revenue,
)
