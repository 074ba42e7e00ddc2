"""Revenue actuals and targets per Area."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Money, Timestamp, utcnow
from ..extensions import db


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
