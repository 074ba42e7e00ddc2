from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from intrasoft.customers.models import Customer
from intrasoft.domain import AREAS
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
    snapshot = db.session.execute(select(Opportunity.oid, Opportunity.estimated_monthly_revenue)).all()

    again = runner.invoke(args=["seed", "--as-of", "2024-12-15"])
    assert again.exit_code == 0
    assert "customers: 0, opportunities: 0, revenue_actuals: 0, revenue_targets: 0" in again.output
    assert count(db, Customer) == 200 and count(db, Opportunity) == 300
    reset = runner.invoke(args=["seed", "--as-of", "2024-12-15", "--reset"])
    assert reset.exit_code == 0
    assert db.session.execute(select(Opportunity.oid, Opportunity.estimated_monthly_revenue)).all() == snapshot


def test_seed_scales_and_skips_when_asked(runner, db):
    result = runner.invoke(args=["seed", "--customers", "20", "--opportunities", "30"])
    assert result.exit_code == 0
    assert count(db, Customer) == 20 and count(db, Opportunity) == 30
    skipped = runner.invoke(args=["seed", "--if-empty"])
    assert "not seeding" in skipped.output and count(db, Customer) == 20
    assert runner.invoke(args=["seed", "--customers", "0"]).exit_code != 0


CUSTOMERS_CSV = """cid,name,area,segment,account_executive,technical_specialist,contract_start_date,contract_renewal_date,subscriptions,is_strategic,is_reference,credit_hold
10,Alpha AG,Switzerland,Enterprise,Anna,Tom,2023-01-01,2026-01-01,payroll;accounting,true,false,false
11,Beta BV,Netherlands,SMB,,,,,,,,
"""


def test_import_customers_upserts(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_CSV)
    result = runner.invoke(args=["import", "customers", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 inserted, 0 updated" in result.output
    alpha = db.session.get(Customer, 10)
    assert alpha.subscriptions == "accounting,payroll" and alpha.is_strategic
    assert db.session.get(Customer, 11).account_executive is None

    path.write_text(CUSTOMERS_CSV.replace("Alpha AG", "Alpha Holding AG"))
    result = runner.invoke(args=["import", "customers", str(path)])
    assert "0 inserted, 2 updated" in result.output
    db.session.expire_all()
    assert db.session.get(Customer, 10).name == "Alpha Holding AG"


def test_import_rejects_everything_when_a_row_is_bad(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(
        CUSTOMERS_CSV
        + "12,Gamma,Mars,SMB,,,,,,,,\n"
        + "13,Delta,UK,SMB,,,,,crypto,,,\n"
        + "10,Alpha again,UK,SMB,,,,,,,,\n"
        + "x,Bad,UK,SMB,,,,,,,,\n"
        + "14,Too,UK,SMB,,,,,,,,,extra\n"
    )
    result = runner.invoke(args=["import", "customers", str(path)])
    assert result.exit_code == 1
    assert "line 4: rejected: area" in result.output
    assert "line 5: rejected: subscriptions" in result.output
    assert "line 6: rejected: duplicate of line 2" in result.output
    assert "line 7: rejected: cid" in result.output
    assert "line 8: rejected: more values than columns" in result.output
    assert "nothing imported" in result.output
    assert count(db, Customer) == 0


def test_import_missing_columns_and_dry_run(runner, db, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("area,amount\nUK,100\n")
    result = runner.invoke(args=["import", "targets", str(path)])
    assert result.exit_code == 1 and "missing columns: fiscal_year" in result.output

    path.write_text("area,fiscal_year,amount\nUK,2025,1000000.50\nFrance,2025,900000\n")
    dry = runner.invoke(args=["import", "targets", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "2 valid row(s), nothing written" in dry.output
    assert count(db, RevenueTarget) == 0
    assert runner.invoke(args=["import", "targets", str(path)]).exit_code == 0
    assert db.session.scalar(select(RevenueTarget.amount).where(RevenueTarget.area == "UK")) == Decimal("1000000.50")


def test_import_actuals(runner, db, tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_text("area,month,amount\nUK,2024-07,100.10\nUK,2024-08-01,200\nFrance,2024-13,1\nUK,2024-09-15,1\n")
    result = runner.invoke(args=["import", "actuals", str(path)])
    assert result.exit_code == 1
    assert "line 4: rejected: month" in result.output and "line 5: rejected: month" in result.output
    path.write_text("area,month,amount\nUK,2024-07,100.10\nUK,2024-08-01,200\n")
    assert runner.invoke(args=["import", "actuals", str(path)]).exit_code == 0
    path.write_text("area,month,amount\nUK,2024-07,150.00\n")
    assert "0 inserted, 1 updated" in runner.invoke(args=["import", "actuals", str(path)]).output
    db.session.expire_all()
    amounts = dict(db.session.execute(select(RevenueActual.month, RevenueActual.amount)).all())
    assert amounts == {date(2024, 7, 1): Decimal("150.00"), date(2024, 8, 1): Decimal("200.00")}


def test_import_updates_only_the_columns_of_the_file(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_CSV)
    assert runner.invoke(args=["import", "customers", str(path)]).exit_code == 0
    path.write_text("cid,name,area,segment\n10,Alpha Renamed AG,Switzerland,Enterprise\n")
    result = runner.invoke(args=["import", "customers", str(path)])
    assert "0 inserted, 1 updated" in result.output
    db.session.expire_all()
    alpha = db.session.get(Customer, 10)
    assert alpha.name == "Alpha Renamed AG"
    assert alpha.account_executive == "Anna" and alpha.subscriptions == "accounting,payroll" and alpha.is_strategic
    assert alpha.contract_start_date == date(2023, 1, 1)


def test_import_rejects_a_file_that_is_not_utf8(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("cid,name,area,segment\n1,Caf\xe9 SA,France,SMB\n".encode("latin-1"))
    result = runner.invoke(args=["import", "customers", str(path)])
    assert result.exit_code == 1
    assert "line 2: rejected: the file is not UTF-8 text" in result.output
    assert "Traceback" not in result.output
    assert count(db, Customer) == 0
