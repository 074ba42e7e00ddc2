"""Demo customers: a deterministic roster with account teams, contracts, the CRM's flags and a few gaps."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import click
from faker import Faker

from ..platform import Seeder
from ..seed import SeedRun, insert_missing
from .models import Customer
from .reference import AREAS, CUSTOMER_TYPES, PRODUCTS

SEED = 20250701
#: Shares of each customer type: most customers are small.
CUSTOMER_TYPE_WEIGHTS = (60, 30, 10)
#: How likely each CRM flag is, by customer type (SMB, Mid-Market, Enterprise): the bigger the
#: account, the more dedicated its team and its contract.
FLAG_SHARES = {
    "has_dedicated_account_manager": (0.10, 0.45, 0.90),
    "has_dedicated_technical_consultant": (0.05, 0.25, 0.70),
    "has_support_contract": (0.50, 0.75, 0.95),
    "has_discounted_pricing": (0.10, 0.20, 0.40),
}
#: Share of customers without a name: the CRM's table has none, and some never got one.
UNNAMED_SHARE = 0.03
LOCALES = {"France": "fr_FR", "Germany": "de_DE", "Switzerland": "de_CH", "Netherlands": "nl_NL", "UK": "en_GB"}


def account_teams() -> dict[str, dict[str, list[str]]]:
    """Four account executives and three technical specialists per Area, always the same."""
    teams = {}
    for area in AREAS:
        fake = Faker(LOCALES[area])
        fake.seed_instance(SEED + AREAS.index(area))
        teams[area] = {
            "account_executives": [fake.name() for _ in range(4)],
            "technical_specialists": [fake.name() for _ in range(3)],
        }
    return teams


def _next_anniversary(start: date, as_of: date, years: int) -> date:
    """The first renewal on or after ``as_of`` for a contract renewing every ``years`` years."""
    day = min(start.day, 28)
    year = start.year + years
    while date(year, start.month, day) < as_of:
        year += years
    return date(year, start.month, day)


def seed_customers(count: int, as_of: date, now: datetime) -> int:
    """``count`` customers with CIDs 1..count (those already stored are kept)."""
    rng = random.Random(SEED)
    teams = account_teams()
    fakers = {}
    for area in AREAS:
        fakers[area] = Faker(LOCALES[area])
        fakers[area].seed_instance(SEED)
    rows = []
    for cid in range(1, count + 1):
        area = AREAS[rng.randrange(len(AREAS))]
        team = teams[area]
        start = date(2018, 1, 1) + timedelta(days=rng.randrange(365 * 7))
        renewal = _next_anniversary(start, as_of, years=rng.choice((1, 2, 3)))
        held = [p for p in PRODUCTS if rng.random() < 0.55] or [PRODUCTS[0]]
        gap = rng.random()
        customer_type = rng.choices(CUSTOMER_TYPES, weights=CUSTOMER_TYPE_WEIGHTS)[0]
        size = CUSTOMER_TYPES.index(customer_type)
        company = fakers[area].company()[:200]
        rows.append(
            {
                "cid": cid,
                "name": None if rng.random() < UNNAMED_SHARE else company,
                "area": area,
                "customer_type": customer_type,
                **{flag: rng.random() < shares[size] for flag, shares in FLAG_SHARES.items()},
                # A few gaps and inconsistencies on purpose: the data-quality report finds them.
                "account_executive": None if gap < 0.02 else rng.choice(team["account_executives"]),
                "technical_specialist": None if 0.02 <= gap < 0.04 else rng.choice(team["technical_specialists"]),
                "contract_start_date": start,
                "contract_renewal_date": start - timedelta(days=30) if 0.04 <= gap < 0.05 else renewal,
                "subscriptions": ",".join(held),
                "created_at": now,
                "updated_at": now,
            }
        )
    return insert_missing(Customer, "cid", rows)


def seed(run: SeedRun) -> None:
    run.add("customers", seed_customers(run.options["customers"], run.as_of, run.now))


SEEDER = Seeder(
    "customers",
    seed,
    options=(click.Option(["--customers"], default=200, show_default=True, type=click.IntRange(1, 100_000)),),
)
