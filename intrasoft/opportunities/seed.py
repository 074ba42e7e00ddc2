"""Demo opportunities over the seeded customers: every status, the CRM's sales groups and
non-recurring flag, a few overdue (and a few without a name) on purpose."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import click
from sqlalchemy import select

from ..customers.models import Customer
from ..customers.reference import CUSTOMER_TYPES, PRODUCTS
from ..customers.seed import account_teams
from ..extensions import db
from ..platform import Seeder
from ..seed import SeedRun, insert_missing
from .models import Opportunity
from .reference import DEFAULT_PROBABILITY

SEED = 20250702
STATUS_WEIGHTS = {
    "prospecting": 25,
    "qualification": 20,
    "proposal": 18,
    "negotiation": 12,
    "won": 15,
    "lost": 10,
}
#: The sales group that sells to each customer type (the CRM's Opportunity_Sales_Group).
SALES_GROUPS = dict(zip(CUSTOMER_TYPES, ("SMB Inside Sales", "Mid-Market AE", "Enterprise AE"), strict=True))
PARTNER_GROUP = "Partner Channel"
#: The CRM's Non_Recurring as it writes it (a few deals have none recorded).
NON_RECURRING_WEIGHTS = {"No": 75, "Yes": 20, None: 5}
UNNAMED_SHARE = 0.02


def seed_opportunities(count: int, customer_count: int, as_of: date, now: datetime) -> int:
    """``count`` opportunities spread over customers 1..customer_count (a few overdue on purpose)."""
    rng = random.Random(SEED)
    teams = account_teams()
    customers = {
        cid: (area, customer_type)
        for cid, area, customer_type in db.session.execute(
            select(Customer.cid, Customer.area, Customer.customer_type).where(Customer.cid <= customer_count)
        )
    }
    if not customers:
        return 0
    cids = sorted(customers)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    rows = []
    for index in range(count):
        oid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        cid = cids[rng.randrange(len(cids))]
        status = rng.choices(statuses, weights=weights)[0]
        if status in ("won", "lost"):
            close = as_of - timedelta(days=rng.randrange(1, 365))
        elif rng.random() < 0.03:  # overdue deals the data-quality report should flag
            close = as_of - timedelta(days=rng.randrange(1, 60))
        else:
            close = as_of + timedelta(days=rng.randrange(0, 540))
        area, customer_type = customers[cid]
        team = teams[area]
        created = now - timedelta(days=rng.randrange(1, 400), seconds=index)
        product = rng.choice(PRODUCTS)
        rows.append(
            {
                "oid": oid,
                "cid": cid,
                "opportunity_sales_group": (
                    PARTNER_GROUP if rng.random() < 0.1 else SALES_GROUPS.get(customer_type, PARTNER_GROUP)
                ),
                "opportunity_status": status,
                "monthly_estimated_revenue": Decimal(rng.randrange(10000, 2000000)) / 100,
                "estimated_delivery_date": close,
                "non_recurring": rng.choices(list(NON_RECURRING_WEIGHTS), weights=list(NON_RECURRING_WEIGHTS.values()))[
                    0
                ],
                "name": None
                if rng.random() < UNNAMED_SHARE
                else f"{product.replace('_', ' ').title()} deal {index + 1}",
                "product": product,
                "probability": DEFAULT_PROBABILITY[status],
                "currency": "EUR",
                "account_executive": rng.choice(team["account_executives"]),
                "technical_specialist": rng.choice(team["technical_specialists"]),
                "created_at": created,
                "updated_at": created,
            }
        )
    return insert_missing(Opportunity, "oid", rows)


def seed(run: SeedRun) -> None:
    count = seed_opportunities(run.options["opportunities"], run.options["customers"], run.as_of, run.now)
    run.add("opportunities", count)


SEEDER = Seeder(
    "opportunities",
    seed,
    options=(click.Option(["--opportunities"], default=300, show_default=True, type=click.IntRange(0, 100_000)),),
)
