from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Timestamp, utcnow
from ..extensions import db


class Customer(db.Model):
    __tablename__ = "customer"

    cid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(20), index=True)
    segment: Mapped[str] = mapped_column(String(20))
    account_executive: Mapped[str | None] = mapped_column(String(100), index=True)
    technical_specialist: Mapped[str | None] = mapped_column(String(100))
    contract_start_date: Mapped[date | None] = mapped_column(Date)
    contract_renewal_date: Mapped[date | None] = mapped_column(Date)
    #: Products held, comma-separated in a fixed order (see ``PRODUCTS``); exposed as a list.
    subscriptions: Mapped[str] = mapped_column(String(100), default="")
    is_strategic: Mapped[bool] = mapped_column(Boolean, default=False)
    is_reference: Mapped[bool] = mapped_column(Boolean, default=False)
    credit_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_customer_segment", "segment"),)

    @property
    def subscription_list(self) -> list[str]:
        return [s for s in self.subscriptions.split(",") if s]

    def __repr__(self) -> str:
        return f"<Customer {self.cid} {self.name!r}>"
