from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Timestamp, utcnow
from ..extensions import db


def crm_flag() -> Mapped[bool]:
    """One of the CRM's ``Has_*`` booleans: NOT NULL, false unless the CRM says otherwise."""
    return mapped_column(Boolean, default=False, server_default=false())


class Customer(db.Model):
    """A customer as the CRM's ``customer`` table has it (CID, Area, Customer_Type, the four
    ``Has_*`` flags), plus what our features use: name, account team, contract, subscriptions."""

    __tablename__ = "customer"

    cid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The CRM's table has no name: a customer without one is shown by its CID.
    name: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(32), index=True)
    #: Free text as in the CRM (SMB, Mid-Market, Enterprise in the seed).
    customer_type: Mapped[str] = mapped_column(String(32))
    has_dedicated_account_manager: Mapped[bool] = crm_flag()
    has_dedicated_technical_consultant: Mapped[bool] = crm_flag()
    has_support_contract: Mapped[bool] = crm_flag()
    has_discounted_pricing: Mapped[bool] = crm_flag()
    account_executive: Mapped[str | None] = mapped_column(String(100), index=True)
    technical_specialist: Mapped[str | None] = mapped_column(String(100))
    contract_start_date: Mapped[date | None] = mapped_column(Date)
    contract_renewal_date: Mapped[date | None] = mapped_column(Date)
    #: Products held, comma-separated in a fixed order (see ``PRODUCTS``); exposed as a list.
    subscriptions: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_customer_customer_type", "customer_type"),)

    @property
    def subscription_list(self) -> list[str]:
        return [s for s in self.subscriptions.split(",") if s]

    def __repr__(self) -> str:
        return f"<Customer {self.cid} {self.name!r}>"
