"""Demo revenue: monthly actuals of the previous and current fiscal year, and targets."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert, select

from ..customers.reference import AREAS
from ..extensions import db
from ..platform import Seeder
from ..seed import SeedRun
from .fiscal import fiscal_months, fiscal_year_of
from .models import RevenueActual, RevenueTarget

SEED = 20250703
#: Typical monthly revenue per Area, the base the demo actuals and targets grow from.
AREA_MONTHLY_BASE = {
    "France": Decimal("420000"),
    "Germany": Decimal("510000"),
    "Switzerland": Decimal("230000"),
    "Netherlands": Decimal("180000"),
    "UK": Decimal("390000"),
}


def _months_to_seed(as_of: date) -> list[date]:
    """The previous fiscal year, then the current one up to the last complete month before as-of."""
    current = fiscal_year_of(as_of)
    months = fiscal_months(current - 1) + fiscal_months(current)
    this_month = as_of.replace(day=1)
    return [m for m in months if m < this_month]


def seed_revenue(as_of: date, now: datetime) -> tuple[int, int]:
    rng = random.Random(SEED)
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


def seed(run: SeedRun) -> None:
    actuals, targets = seed_revenue(run.as_of, run.now)
    run.add("revenue_actuals", actuals)
    run.add("revenue_targets", targets)


SEEDER = Seeder("revenue", seed)
