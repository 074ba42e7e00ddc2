from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, SmallInteger, String, text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..database import Timestamp, utcnow
from ..extensions import db

#: An OID is the CRM's (any varchar 32, compared exactly: ``OPP-1`` is not ``opp-1``, as on
#: SQLite); the server generates 32 lowercase hex characters.
OidString = String(32).with_variant(mysql.VARCHAR(32, collation="utf8mb4_bin"), "mysql", "mariadb")
#: The CRM's ``Monthly_Estimated_Revenue`` is numeric(18, 2); the API caps it at 1,000,000.
CRMMoney = Numeric(18, 2)


class Opportunity(db.Model):
    """A deal of a customer: the CRM's ``crm_opportunities`` columns (OID, CID, sales group,
    status, monthly revenue, delivery date, non-recurring), plus what our rules and dashboards
    use (name, product, probability, currency, account team, version). The CRM's
    ``Days_Since_Last_Updated`` is not stored: it is computed from ``updated_at``."""

    __tablename__ = "crm_opportunities"

    oid: Mapped[str] = mapped_column(OidString, primary_key=True)
    cid: Mapped[int] = mapped_column(Integer, ForeignKey("customer.cid", ondelete="RESTRICT"), index=True)
    opportunity_sales_group: Mapped[str | None] = mapped_column(String(32))
    opportunity_status: Mapped[str] = mapped_column(String(32), default="prospecting", index=True)
    monthly_estimated_revenue: Mapped[Decimal] = mapped_column(CRMMoney)
    estimated_delivery_date: Mapped[date] = mapped_column(Date)
    #: As the CRM writes it ("Yes", "No", ...), not interpreted.
    non_recurring: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(20))
    probability: Mapped[int] = mapped_column(SmallInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    account_executive: Mapped[str | None] = mapped_column(String(100))
    technical_specialist: Mapped[str | None] = mapped_column(String(100))
    #: 1 when created, incremented by every update (SQLAlchemy's version counter, below);
    #: the ETag is its quoted value, and ``If-Match`` is checked against it.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        Index("ix_crm_opportunities_created_at_oid", "created_at", "oid"),
        Index("ix_crm_opportunities_estimated_delivery_date", "estimated_delivery_date"),
        # Covers the revenue summary's pipeline aggregate (revenue.service.pipeline_statement): a
        # range scan on the delivery date that reads everything it sums from the index, no row
        # lookups. Measured in bench/revenue.py.
        Index(
            "ix_crm_opportunities_pipeline",
            "estimated_delivery_date",
            "cid",
            "opportunity_status",
            "probability",
            "monthly_estimated_revenue",
        ),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
        CheckConstraint("monthly_estimated_revenue > 0", name="revenue_positive"),
    )


#: Keys are compared exactly: MySQL/MariaDB's default utf8mb4 collations would make ``Abc``
#: and ``abc`` one key (SQLite compares bytes already).
IdempotencyKeyString = String(255).with_variant(mysql.VARCHAR(255, collation="utf8mb4_bin"), "mysql", "mariadb")


class IdempotencyKey(db.Model):
    """A client's ``Idempotency-Key`` for a create, so a retried request creates nothing new.

    A key belongs to the client that sent it: two clients choosing the same key are two keys.
    """

    __tablename__ = "idempotency_keys"

    #: The ``token_id`` of the bearer token that sent the key (``auth.Principal``; "" without a token).
    client: Mapped[str] = mapped_column(String(64), primary_key=True, server_default=text("''"))
    key: Mapped[str] = mapped_column(IdempotencyKeyString, primary_key=True)
    #: SHA-256 of the canonical request body: the same key with another body is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    #: None while the first request is in flight; the created opportunity's oid after.
    oid: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
