"""Deterministic demo data, relative to an as-of date.

The same arguments always produce the same rows (fixed Faker and random seeds, ids
derived from the seed), so running the seed twice adds nothing the second time, and
``--customers``/``--opportunities`` scale it up for benchmarks.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy import delete, insert, select

from .customers.models import Customer
from .domain import AREAS, DEFAULT_PROBABILITY, PRODUCTS, SEGMENTS, fiscal_months, fiscal_year_of
from .extensions import db
from .opportunities.models import Opportunity
from .revenue.models import RevenueActual, RevenueTarget

log = logging.getLogger(__name__)

SEED = 20250701
CHUNK = 1000
LOCALES = {"France": "fr_FR", "Germany": "de_DE", "Switzerland": "de_CH", "Netherlands": "nl_NL", "UK": "en_GB"}
#: Typical monthly revenue per Area, the base the demo actuals and targets grow from.
AREA_MONTHLY_BASE = {
    "France": Decimal("420000"),
    "Germany": Decimal("510000"),
    "Switzerland": Decimal("230000"),
    "Netherlands": Decimal("180000"),
    "UK": Decimal("390000"),
}
STATUS_WEIGHTS = {
    "prospecting": 25,
    "qualification": 20,
    "proposal": 18,
    "negotiation": 12,
    "won": 15,
    "lost": 10,
}


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count


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


def _insert_missing(model, key_name: str, rows: list[dict]) -> int:
    """Insert the rows whose key is not stored yet, in chunks; return how many."""
    key = getattr(model, key_name)
    inserted = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        existing = set(db.session.scalars(select(key).where(key.in_([r[key_name] for r in chunk]))))
        fresh = [r for r in chunk if r[key_name] not in existing]
        if fresh:
            db.session.execute(insert(model), fresh)
            inserted += len(fresh)
    return inserted


def seed_customers(count: int, now: datetime) -> int:
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
        renewal = (
            start.replace(year=start.year + rng.choice((1, 2, 3))) if start.day <= 28 else start + timedelta(days=730)
        )
        held = [p for p in PRODUCTS if rng.random() < 0.55] or [PRODUCTS[0]]
        gap = rng.random()
        rows.append(
            {
                "cid": cid,
                "name": fakers[area].company()[:200],
                "area": area,
                "segment": rng.choices(SEGMENTS, weights=(60, 30, 10))[0],
                # A few gaps and inconsistencies on purpose: the data-quality report finds them.
                "account_executive": None if gap < 0.02 else rng.choice(team["account_executives"]),
                "technical_specialist": None if 0.02 <= gap < 0.04 else rng.choice(team["technical_specialists"]),
                "contract_start_date": start,
                "contract_renewal_date": start - timedelta(days=30) if 0.04 <= gap < 0.05 else renewal,
                "subscriptions": ",".join(held),
                "is_strategic": rng.random() < 0.1,
                "is_reference": rng.random() < 0.15,
                "credit_hold": rng.random() < 0.03,
                "created_at": now,
                "updated_at": now,
            }
        )
    return _insert_missing(Customer, "cid", rows)


def seed_opportunities(count: int, customer_count: int, as_of: date, now: datetime) -> int:
    rng = random.Random(SEED + 1)
    teams = account_teams()
    customers = dict(
        db.session.execute(select(Customer.cid, Customer.area).where(Customer.cid <= customer_count)).all()
    )
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
        team = teams[customers[cid]]
        created = now - timedelta(days=rng.randrange(1, 400), seconds=index)
        rows.append(
            {
                "oid": oid,
                "cid": cid,
                "name": f"{rng.choice(PRODUCTS).replace('_', ' ').title()} deal {index + 1}",
                "product": rng.choice(PRODUCTS),
                "status": status,
                "probability": DEFAULT_PROBABILITY[status],
                "estimated_monthly_revenue": Decimal(rng.randrange(10000, 2000000)) / 100,
                "currency": "EUR",
                "expected_close_date": close,
                "account_executive": rng.choice(team["account_executives"]),
                "technical_specialist": rng.choice(team["technical_specialists"]),
                "created_at": created,
                "updated_at": created,
            }
        )
    return _insert_missing(Opportunity, "oid", rows)


def _months_to_seed(as_of: date) -> list[date]:
    """The previous fiscal year, then the current one up to the last complete month before as-of."""
    current = fiscal_year_of(as_of)
    months = fiscal_months(current - 1) + fiscal_months(current)
    this_month = as_of.replace(day=1)
    return [m for m in months if m < this_month]


def seed_revenue(as_of: date, now: datetime) -> tuple[int, int]:
    rng = random.Random(SEED + 2)
    current = fiscal_year_of(as_of)
    all_months = fiscal_months(current - 1) + fiscal_months(current)
    actuals, inserted_actuals, inserted_targets = [], 0, 0
    wanted = set(_months_to_seed(as_of))
    for area in AREAS:
        base = AREA_MONTHLY_BASE[area]
        for i, month in enumerate(all_months):
            growth = Decimal(1) + Decimal(i) / Decimal(200)
            noise = Decimal(rng.randrange(-600, 600)) / Decimal(10000)
            amount = (base * growth * (1 + noise)).quantize(Decimal("0.01"))
            if month in wanted:
                actuals.append({"area": area, "month": month, "amount": amount, "created_at": now, "updated_at": now})
    existing = {tuple(row) for row in db.session.execute(select(RevenueActual.area, RevenueActual.month))}
    fresh = [a for a in actuals if (a["area"], a["month"]) not in existing]
    if fresh:
        db.session.execute(insert(RevenueActual), fresh)
        inserted_actuals = len(fresh)

    existing_targets = {tuple(row) for row in db.session.execute(select(RevenueTarget.area, RevenueTarget.fiscal_year))}
    targets = []
    for year_offset, year in enumerate((current - 1, current)):
        for area in AREAS:
            amount = (AREA_MONTHLY_BASE[area] * 12 * (Decimal("1.04") + Decimal(year_offset) / 20)).quantize(
                Decimal("1")
            )
            if (area, year) not in existing_targets:
                targets.append(
                    {"area": area, "fiscal_year": year, "amount": amount, "created_at": now, "updated_at": now}
                )
    if targets:
        db.session.execute(insert(RevenueTarget), targets)
        inserted_targets = len(targets)
    return inserted_actuals, inserted_targets


def reset_all() -> None:
    """Empty every table of the application (children before parents)."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))


def seed_foundation(report: SeedReport, *, as_of: date, customers: int, opportunities: int, now: datetime) -> None:
    report.add("customers", seed_customers(customers, now))
    report.add("opportunities", seed_opportunities(opportunities, customers, as_of, now))
    actuals, targets = seed_revenue(as_of, now)
    report.add("revenue_actuals", actuals)
    report.add("revenue_targets", targets)
