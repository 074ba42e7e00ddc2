from datetime import date

from sqlalchemy import func, select

from intrasoft.customers.models import Customer
from intrasoft.customers.reference import AREAS
from intrasoft.opportunities.models import Opportunity
from intrasoft.revenue.models import RevenueActual, RevenueTarget


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_setup_db_is_safe_to_run_twice(runner):
    for _ in range(2):
        result = runner.invoke(args=["setup-db"])
        assert result.exit_code == 0, result.output
        assert "latest migration" in result.output


def test_models_and_migrations_agree(runner):
    """`flask db check` fails when a model changed without a migration."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_seed_is_deterministic_and_idempotent(runner, db):
    first = runner.invoke(args=["seed", "--as-of", "2024-12-15"])
    assert first.exit_code == 0, first.output
    assert count(db, Customer) == 200 and count(db, Opportunity) == 300
    assert {a for (a,) in db.session.execute(select(Customer.area).distinct())} == set(AREAS)
    assert db.session.scalar(select(func.count()).where(Customer.account_executive.is_(None))) >= 1
    # Actuals: FY2024 (12 months) and FY2025 up to November 2024 (5 months), per Area.
    assert count(db, RevenueActual) == len(AREAS) * (12 + 5)
    months = set(db.session.scalars(select(RevenueActual.month)))
    assert min(months) == date(2023, 7, 1) and max(months) == date(2024, 11, 1)
    assert set(db.session.scalars(select(RevenueTarget.fiscal_year))) == {2024, 2025}
    snapshot = db.session.execute(select(Opportunity.oid, Opportunity.monthly_estimated_revenue)).all()

    again = runner.invoke(args=["seed", "--as-of", "2024-12-15"])
    assert again.exit_code == 0
    assert "customers: 0, opportunities: 0, revenue_actuals: 0, revenue_targets: 0" in again.output
    assert count(db, Customer) == 200 and count(db, Opportunity) == 300
    reset = runner.invoke(args=["seed", "--as-of", "2024-12-15", "--reset"])
    assert reset.exit_code == 0
    assert db.session.execute(select(Opportunity.oid, Opportunity.monthly_estimated_revenue)).all() == snapshot


def test_seed_scales_and_skips_when_asked(runner, db):
    result = runner.invoke(args=["seed", "--customers", "20", "--opportunities", "30"])
    assert result.exit_code == 0
    assert count(db, Customer) == 20 and count(db, Opportunity) == 30
    skipped = runner.invoke(args=["seed", "--if-empty"])
    assert "not seeding" in skipped.output and count(db, Customer) == 20
    assert runner.invoke(args=["seed", "--customers", "0"]).exit_code != 0
