"""Revenue summary with 100,000 opportunities: median under 100 ms through the app.

Baselines measured in the same run on the same data:

* the naive summary: load every opportunity of the year (with its Area) into Python
  and compute the figures there; its result must equal the app's, so it doubles as
  a cross-check of the SQL aggregate;
* the pipeline aggregate alone over raw PyMySQL (what the app adds on top), and the
  first, join-then-group version of that aggregate (why it is shaped as it is).
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pymysql
from sqlalchemy import select

from .common import (
    MYSQL_HOST,
    MYSQL_PASSWORD,
    MYSQL_PORT,
    MYSQL_USER,
    Report,
    make_bench_app,
    median_seconds,
    recreate_database,
)

DATABASE = "bench_revenue"
CUSTOMERS = 10_000
OPPORTUNITIES = 100_000
AS_OF = date(2025, 11, 15)
FISCAL_YEAR = 2026
TARGET_SECONDS = 0.100
REPEAT = 15


def seed(app) -> None:
    from intrasoft.customers.seed import seed_customers
    from intrasoft.database import utcnow
    from intrasoft.extensions import db
    from intrasoft.opportunities.seed import seed_opportunities
    from intrasoft.revenue.seed import seed_revenue

    with app.app_context():
        now = utcnow()
        seed_customers(CUSTOMERS, AS_OF, now)
        seed_opportunities(OPPORTUNITIES, CUSTOMERS, AS_OF, now)
        seed_revenue(AS_OF, now)
        db.session.commit()


def naive_summary(fiscal_year: int, as_of: date) -> dict:
    """Every opportunity of the year into Python, then loops: the way not to do it."""
    from intrasoft.customers.models import Customer
    from intrasoft.customers.reference import AREAS
    from intrasoft.extensions import db
    from intrasoft.opportunities.models import Opportunity
    from intrasoft.opportunities.reference import OPEN_STATUSES
    from intrasoft.revenue.fiscal import fiscal_year_end, fiscal_year_start
    from intrasoft.revenue.service import round_cents

    rows = db.session.execute(
        select(Opportunity, Customer.area)
        .join(Customer, Customer.cid == Opportunity.cid)
        .where(
            Opportunity.estimated_delivery_date.between(fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year))
        )
    ).all()
    weighted = dict.fromkeys(AREAS, Decimal(0))
    open_count = dict.fromkeys(AREAS, 0)
    for opportunity, area in rows:
        close = opportunity.estimated_delivery_date
        if opportunity.opportunity_status != "lost" and close > as_of:
            months_after = 18 - close.month if close.month >= 7 else 6 - close.month
            weighted[area] += opportunity.monthly_estimated_revenue * opportunity.probability / 100 * months_after
        if opportunity.opportunity_status in OPEN_STATUSES:
            open_count[area] += 1
    db.session.expunge_all()
    return {area: (str(round_cents(weighted[area])), open_count[area]) for area in AREAS}


def join_first_statement(fiscal_year: int, as_of: date):
    """The first version of the aggregate: every opportunity joined to its customer, then grouped."""
    from sqlalchemy import and_, case, func

    from intrasoft.customers.models import Customer
    from intrasoft.opportunities.models import Opportunity
    from intrasoft.opportunities.reference import OPEN_STATUSES
    from intrasoft.revenue.fiscal import fiscal_year_end, fiscal_year_start
    from intrasoft.revenue.service import money_cents, months_after_delivery

    cents = money_cents(Opportunity.monthly_estimated_revenue)
    is_open = Opportunity.opportunity_status.in_(OPEN_STATUSES)
    in_pipeline = and_(Opportunity.opportunity_status != "lost", Opportunity.estimated_delivery_date > as_of)
    weighted = cents * Opportunity.probability * months_after_delivery(Opportunity.estimated_delivery_date)
    return (
        select(
            Customer.area,
            func.sum(case((in_pipeline, weighted), else_=0)),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open, cents), else_=0)),
        )
        .join(Customer, Customer.cid == Opportunity.cid)
        .where(
            Opportunity.estimated_delivery_date.between(fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year))
        )
        .group_by(Customer.area)
    )


def raw_sql_seconds(statement, database: str) -> float:
    """Median of the statement alone over a plain PyMySQL connection (no ORM, no Flask)."""
    from intrasoft.extensions import db

    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    connection = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, password=MYSQL_PASSWORD)
    try:
        connection.select_db(database)
        with connection.cursor() as cursor:

            def execute():
                cursor.execute(sql)
                cursor.fetchall()

            return median_seconds(execute, repeat=REPEAT, warmup=2)
    finally:
        connection.close()


def run(report: Report) -> None:
    from intrasoft.revenue.service import pipeline_statement

    url = recreate_database(DATABASE)
    app = make_bench_app(url)
    started = time.perf_counter()
    seed(app)
    print(f"  seeded {CUSTOMERS} customers and {OPPORTUNITIES} opportunities in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    query = f"/api/revenue/summary?fiscal_year={FISCAL_YEAR}&as_of={AS_OF.isoformat()}"

    def summary():
        response = client.get(query)
        assert response.status_code == 200, response.json
        return response.json

    with app.app_context():
        # Measured right after the bulk load, before MariaDB refreshes its statistics: the
        # plan must be good then too (the STRAIGHT_JOIN in pipeline_statement sees to it).
        app_seconds = median_seconds(summary, repeat=REPEAT, warmup=2)
        raw_seconds = raw_sql_seconds(pipeline_statement(FISCAL_YEAR, AS_OF), DATABASE)
        join_first_seconds = raw_sql_seconds(join_first_statement(FISCAL_YEAR, AS_OF), DATABASE)

        body = summary()
        expected = naive_summary(FISCAL_YEAR, AS_OF)
        got = {row["area"]: (row["weighted_pipeline"], row["open_count"]) for row in body["areas"]}
        assert got == expected, (got, expected)
        naive_seconds = median_seconds(lambda: naive_summary(FISCAL_YEAR, AS_OF), repeat=5, warmup=1)

    report.add(
        f"revenue summary, {OPPORTUNITIES:,} opportunities (app, median)",
        f"{app_seconds * 1000:.1f} ms",
        f"naive Python loop {naive_seconds * 1000:.0f} ms ({naive_seconds / app_seconds:.0f}x slower)",
        f"< {TARGET_SECONDS * 1000:.0f} ms",
        app_seconds < TARGET_SECONDS,
    )
    report.add(
        "revenue summary: its SQL aggregate alone (raw PyMySQL)",
        f"{raw_seconds * 1000:.1f} ms",
        f"join-then-group version {join_first_seconds * 1000:.1f} ms",
        "informational",
        True,
    )
