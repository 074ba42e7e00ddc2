"""factory-boy factories; they commit, so HTTP requests in the same test see the rows."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import factory

from intrasoft.customers.models import Customer
from intrasoft.database import utcnow
from intrasoft.extensions import db
from intrasoft.opportunities.models import Opportunity
from intrasoft.revenue.models import RevenueActual, RevenueTarget


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class CustomerFactory(BaseFactory):
    class Meta:
        model = Customer

    cid = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Customer {n + 1} GmbH")
    area = "Germany"
    customer_type = "SMB"
    has_dedicated_account_manager = False
    has_dedicated_technical_consultant = False
    has_support_contract = True
    has_discounted_pricing = False
    account_executive = "Anna Schmidt"
    technical_specialist = "Jonas Weber"
    contract_start_date = date(2023, 1, 1)
    contract_renewal_date = date(2026, 1, 1)
    subscriptions = "accounting,payroll"


class OpportunityFactory(BaseFactory):
    class Meta:
        model = Opportunity

    oid = factory.LazyFunction(lambda: uuid.uuid4().hex)
    customer = factory.SubFactory(CustomerFactory)
    cid = factory.SelfAttribute("customer.cid")
    opportunity_sales_group = "Mid-Market AE"
    opportunity_status = "prospecting"
    monthly_estimated_revenue = Decimal("1000.00")
    estimated_delivery_date = factory.LazyFunction(lambda: utcnow().date() + timedelta(days=90))
    non_recurring = "No"
    name = factory.Sequence(lambda n: f"Deal {n}")
    product = "payroll"
    probability = 10
    currency = "EUR"
    account_executive = "Anna Schmidt"
    technical_specialist = "Jonas Weber"


class RevenueActualFactory(BaseFactory):
    class Meta:
        model = RevenueActual

    area = "Germany"
    month = date(2024, 7, 1)
    amount = Decimal("100000.00")


class RevenueTargetFactory(BaseFactory):
    class Meta:
        model = RevenueTarget

    area = "Germany"
    fiscal_year = 2025
    amount = Decimal("1200000.00")
