"""``flask import``: CSV and .xlsx files of every kind, the whole workbook, all rows or none."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from openpyxl import Workbook
from sqlalchemy import func, select

from intrasoft.customers.models import Customer
from intrasoft.database import utcnow
from intrasoft.importing import (
    MAX_LISTED_REJECTIONS,
    CellBoolean,
    CellDate,
    CellInteger,
    CellText,
    header_key,
    run_import,
)
from intrasoft.opportunities.models import Opportunity
from intrasoft.platform import current_platform
from intrasoft.revenue.models import RevenueActual, RevenueTarget

from .factories import CustomerFactory
from .helpers import StatementCounter

CUSTOMERS_CSV = """CID,Name,Area,Customer_Type,Has_Dedicated_Account_Manager,Has_Dedicated_Technical_Consultant,Has_Support_Contract,Has_Discounted_Pricing,Account_Executive,Technical_Specialist,Contract_Start_Date,Contract_Renewal_Date,Subscriptions
10,Alpha AG,Switzerland,Enterprise,Yes,No,Yes,No,Anna,Tom,2023-01-01,2026-01-01,payroll;accounting
11,Beta BV,Netherlands,SMB,,,,,,,,,
"""


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def write_xlsx(path, sheets: dict[str, list[list]]):
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def invoke(runner, *args):
    result = runner.invoke(args=["import", *map(str, args)])
    return result


# --- CSV, one kind ---------------------------------------------------------------------------------


def test_import_customers_upserts(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_CSV)
    result = invoke(runner, "customers", path)
    assert result.exit_code == 0, result.output
    assert "imported customers: 2 inserted, 0 updated" in result.output
    alpha = db.session.get(Customer, 10)
    assert alpha.subscriptions == "accounting,payroll" and alpha.customer_type == "Enterprise"
    assert alpha.has_dedicated_account_manager and alpha.has_support_contract
    assert not alpha.has_dedicated_technical_consultant and not alpha.has_discounted_pricing
    beta = db.session.get(Customer, 11)
    assert beta.account_executive is None and not beta.has_support_contract  # blank flags are false

    path.write_text(CUSTOMERS_CSV.replace("Alpha AG", "Alpha Holding AG"))
    result = invoke(runner, "customers", path)
    assert "0 inserted, 2 updated" in result.output
    db.session.expire_all()
    assert db.session.get(Customer, 10).name == "Alpha Holding AG"


def test_headers_match_as_the_crm_exports_them(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("CID,AREA,Customer Type ,has_support_CONTRACT,Contract Start Date\n10,UK,Key Account,Yes,45292\n")
    result = invoke(runner, "customers", path)
    assert result.exit_code == 0, result.output
    alpha = db.session.get(Customer, 10)
    assert alpha.name is None  # the CRM's table has no name
    assert alpha.customer_type == "Key Account" and alpha.has_support_contract
    assert alpha.contract_start_date == date(2024, 1, 1)  # an Excel serial date
    assert header_key("Monthly Estimated Revenue") == header_key("monthly_estimated_revenue")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        ("TRUE", True),
        ("False", False),
        ("1", True),
        ("0", False),
    ],
)
def test_booleans_in_every_spelling(runner, db, tmp_path, cell, expected):
    path = tmp_path / "customers.csv"
    path.write_text(f"CID,Area,Customer_Type,Has_Discounted_Pricing\n10,UK,SMB,{cell}\n")
    assert invoke(runner, "customers", path).exit_code == 0
    assert db.session.get(Customer, 10).has_discounted_pricing is expected


def test_import_rejects_everything_when_a_row_is_bad(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(
        CUSTOMERS_CSV
        + "12,Gamma,Mars,SMB,,,,,,,,,\n"
        + "13,Delta,UK,SMB,,,,,,,,,crypto\n"
        + "10,Alpha again,UK,SMB,,,,,,,,,\n"
        + "x,Bad,UK,SMB,,,,,,,,,\n"
        + "14,Too,UK,SMB,,,,,,,,,,extra\n"
        + "15,Maybe,UK,SMB,,,maybe,,,,,,\n"
        + "16,Date,UK,SMB,,,,,,,31/12/2024,,\n"
        + "17,Untyped,UK,,,,,,,,,,\n"
        + f"18,Long,UK,{'x' * 33},,,,,,,,,\n"
        + "19,Bell\x07,UK,SMB,,,,,,,,,\n"
    )
    result = invoke(runner, "customers", path)
    assert result.exit_code == 1
    assert "rejected: row 4: Area: Must be one of" in result.output
    assert "rejected: row 5: Subscriptions: Unknown products: crypto." in result.output
    assert "rejected: row 6: duplicate of row 2 (cid)" in result.output
    assert "rejected: row 7: CID: Not a whole number." in result.output
    assert "rejected: row 8: more values than columns" in result.output
    assert "rejected: row 9: Has_Support_Contract: Not a boolean" in result.output
    assert "rejected: row 10: Contract_Start_Date: Not a date" in result.output
    assert "rejected: row 11: Customer_Type: Missing data for required field." in result.output
    assert "rejected: row 12: Customer_Type: Longer than maximum length 32." in result.output
    assert "rejected: row 13: Name: Must not contain control characters." in result.output
    assert "10 rejection(s): nothing imported" in result.output
    assert count(db, Customer) == 0


def test_import_updates_only_the_columns_of_the_file(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS_CSV)
    assert invoke(runner, "customers", path).exit_code == 0
    path.write_text("CID,Name,Area,Customer_Type\n10,Alpha Renamed AG,Switzerland,Enterprise\n")
    result = invoke(runner, "customers", path)
    assert "0 inserted, 1 updated" in result.output
    db.session.expire_all()
    alpha = db.session.get(Customer, 10)
    assert alpha.name == "Alpha Renamed AG"
    assert alpha.account_executive == "Anna" and alpha.subscriptions == "accounting,payroll"
    assert alpha.has_dedicated_account_manager  # not in the file: kept
    assert alpha.contract_start_date == date(2023, 1, 1)


def test_import_rejects_a_file_that_is_not_utf8_or_not_a_workbook(runner, db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("CID,Name,Area,Customer_Type\n1,Caf\xe9 SA,France,SMB\n".encode("latin-1"))
    result = invoke(runner, "customers", path)
    assert result.exit_code == 1
    assert "rejected: line 2: the file is not UTF-8 text" in result.output
    fake = tmp_path / "customers.xlsx"
    fake.write_bytes(b"not a zip")
    assert "not an Excel workbook" in invoke(runner, "customers", fake).output
    other = tmp_path / "customers.json"
    other.write_text("{}")
    assert "unsupported file type '.json'" in invoke(runner, "customers", other).output
    assert "Traceback" not in result.output
    assert count(db, Customer) == 0


def test_import_missing_columns_and_dry_run(runner, db, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("area,amount\nUK,100\n")
    result = invoke(runner, "targets", path)
    assert result.exit_code == 1 and "row 1: missing columns: fiscal_year" in result.output

    path.write_text("area,fiscal_year,amount,comment\nUK,2025,1000000.50,big\nFrance,2025,900000,\n")
    dry = invoke(runner, "targets", path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: targets: 2 valid row(s), nothing written" in dry.output
    assert "ignored columns: comment" in dry.output
    assert count(db, RevenueTarget) == 0
    assert invoke(runner, "targets", path).exit_code == 0
    assert db.session.scalar(select(RevenueTarget.amount).where(RevenueTarget.area == "UK")) == Decimal("1000000.50")


def test_import_actuals(runner, db, tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_text("area,month,amount\nUK,2024-07,100.10\nUK,2024-08-01,200\nFrance,2024-13,1\nUK,2024-09-15,1\n")
    result = invoke(runner, "actuals", path)
    assert result.exit_code == 1
    assert "row 4: month: Not a valid month" in result.output
    assert "row 5: month: A month is given by its first day." in result.output
    path.write_text("area,month,amount\nUK,2024-07,100.10\nUK,2024-08-01,200\n")
    assert invoke(runner, "actuals", path).exit_code == 0
    path.write_text("area,month,amount\nUK,2024-07,150.00\n")
    assert "0 inserted, 1 updated" in invoke(runner, "actuals", path).output
    db.session.expire_all()
    amounts = dict(db.session.execute(select(RevenueActual.month, RevenueActual.amount)).all())
    assert amounts == {date(2024, 7, 1): Decimal("150.00"), date(2024, 8, 1): Decimal("200.00")}


def test_money_has_at_most_two_decimals(runner, db, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("area,fiscal_year,amount\nUK,2025,10.005\nFrance,2025,1e3\n")
    result = invoke(runner, "targets", path)
    assert "row 2: amount: At most two decimal places are allowed." in result.output
    assert "row 3: amount: Not a valid amount" in result.output


def test_the_list_of_rejections_is_capped(runner, db, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("area,fiscal_year,amount\n" + "Mars,2025,1\n" * (MAX_LISTED_REJECTIONS + 5))
    result = invoke(runner, "targets", path)
    assert result.output.count("rejected: row") == MAX_LISTED_REJECTIONS
    assert "... and 5 more rejection(s)" in result.output


# --- Excel --------------------------------------------------------------------------------------


def test_an_xlsx_of_one_kind_reads_its_sheet_with_typed_cells(runner, db, tmp_path):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "Notes": [["anything"]],
            "Customers": [
                ["CID", "Name", "Area", "Customer_Type", "Has support", "Contract_Start_Date", "Has Support Contract"],
                [10, "Alpha AG", "UK", "SMB", None, date(2024, 3, 1), True],
                [11.0, "Beta BV", "France", "SMB", None, 45292, "No"],
                [None, None, None, None, None, None, None],
            ],
        },
    )
    result = invoke(runner, "customers", path)
    assert result.exit_code == 0, result.output
    assert "imported customers (sheet 'Customers'): 2 inserted, 0 updated" in result.output
    assert "ignored columns: Customers: Has support" in result.output
    assert db.session.get(Customer, 10).contract_start_date == date(2024, 3, 1)
    beta = db.session.get(Customer, 11)
    assert beta.contract_start_date == date(2024, 1, 1) and not beta.has_support_contract
    assert db.session.get(Customer, 10).has_support_contract


def test_a_fractional_cid_cell_is_refused_not_truncated(runner, db, tmp_path):
    path = write_xlsx(
        tmp_path / "c.xlsx", {"Customer": [["CID", "Name", "Area", "Customer_Type"], [10.5, "A", "UK", "SMB"]]}
    )
    result = invoke(runner, "customers", path)
    assert "'Customer' row 2: CID: Not a whole number." in result.output
    assert count(db, Customer) == 0


# --- opportunities -------------------------------------------------------------------------------

#: The CRM's columns as it exports them, then ours.
OPPORTUNITY_HEADER = [
    "OID",
    "CID",
    "Opportunity_Sales_Group",
    "Opportunity_Status",
    "Monthly Estimated Revenue",
    "Estimated_Delivery_Date",
    "Non_Recurring",
    "Days_Since_Last_Updated",
    "Name",
    "Product",
    "Probability",
]


def test_opportunities_upsert_by_oid_with_generated_oids_and_age(runner, db, tmp_path):
    CustomerFactory(cid=1)
    past = (utcnow().date() - timedelta(days=40)).isoformat()
    path = tmp_path / "opportunities.csv"
    path.write_text(
        "OID,CID,Opportunity_Sales_Group,Opportunity_Status,Monthly Estimated Revenue,Estimated_Delivery_Date,"
        "Non_Recurring,Days Since Last Updated,Name,Product\n"
        f"OPP-0001,1,Enterprise AE,Won,2500.00,{past},No,3,Payroll,payroll\n"
        f",1,,NEGOTIATION,99.5,2027-01-31,Yes,,,\n"
    )
    result = invoke(runner, "opportunities", path)
    assert result.exit_code == 0, result.output
    assert "2 inserted, 0 updated" in result.output
    won = db.session.get(Opportunity, "OPP-0001")
    assert (
        won.opportunity_status == "won" and won.probability == 100 and won.estimated_delivery_date.isoformat() == past
    )
    assert (won.opportunity_sales_group, won.non_recurring, won.name) == ("Enterprise AE", "No", "Payroll")
    assert (utcnow() - won.updated_at).days == 3
    generated = db.session.scalars(select(Opportunity).where(Opportunity.oid != "OPP-0001")).one()
    assert len(generated.oid) == 32 and generated.probability == 75
    assert (generated.name, generated.product, generated.non_recurring) == (None, None, "Yes")

    path.write_text(
        "OID,CID,Name,Product,Opportunity_Status,Monthly_Estimated_Revenue,Estimated_Delivery_Date\n"
        f"OPP-0001,1,Payroll renamed,payroll,won,2600,{past}\n"
    )
    assert "0 inserted, 1 updated" in invoke(runner, "opportunities", path).output
    db.session.expire_all()
    renamed = db.session.get(Opportunity, "OPP-0001")
    assert renamed.name == "Payroll renamed" and renamed.opportunity_sales_group == "Enterprise AE"  # kept


def test_opportunity_rows_break_no_rule(runner, db, tmp_path):
    CustomerFactory(cid=1)
    path = tmp_path / "opportunities.csv"
    path.write_text(
        "OID,CID,Name,Product,Opportunity_Status,Probability,Monthly_Estimated_Revenue,Estimated_Delivery_Date,"
        "Non_Recurring,Opportunity_Sales_Group,Days_Since_Last_Updated\n"
        "A1,99,Unknown customer,payroll,prospecting,,10,2027-01-01,,,\n"
        "A2,1,Won at 30,payroll,won,30,10,2026-01-01,,,\n"
        "A3,1,Dreaming,payroll,dreaming,,10,2027-01-01,,,\n"
        "A4,1,Free,payroll,prospecting,,0,2027-01-01,,,\n"
        "A5,1,Year one,payroll,won,,10,0001-01-01,,,\n"
        "not an oid!,1,Bad id,payroll,won,,10,2026-01-01,,,\n"
        f"A7,1,Long,payroll,won,,10,2026-01-01,{'N' * 33},,\n"
        "A8,1,Tab,payroll,won,,10,2026-01-01,,Sales\tEU,\n"
        "A9,1,Future,payroll,won,,10,2026-01-01,,,-1\n"
        "A10,1,No status,payroll,,,10,2026-01-01,,,\n"
        "A11,1,No revenue,payroll,won,,,2026-01-01,,,\n"
        "A12,1,No date,payroll,won,,10,,,,\n"
        "A13,1,Too much,payroll,won,,1000000.01,2026-01-01,,,\n"
    )
    result = invoke(runner, "opportunities", path)
    assert result.exit_code == 1
    assert "row 2: CID: Customer 99 does not exist." in result.output
    assert "row 3: Probability: A won opportunity has probability 100." in result.output
    assert "row 4: Opportunity_Status: Must be one of: prospecting, qualification" in result.output
    assert "row 5: Monthly_Estimated_Revenue: Must be greater than 0." in result.output
    assert "row 6: Estimated_Delivery_Date:" in result.output
    assert "row 7: OID: 1-32 letters" in result.output
    assert "row 8: Non_Recurring: Longer than maximum length 32." in result.output
    assert "row 9: Opportunity_Sales_Group: Must not contain control characters." in result.output
    assert "row 10: Days_Since_Last_Updated:" in result.output
    assert "row 11: Opportunity_Status: Missing data for required field." in result.output
    assert "row 12: Monthly_Estimated_Revenue: Missing data for required field." in result.output
    assert "row 13: Estimated_Delivery_Date: Missing data for required field." in result.output
    assert "row 14: Monthly_Estimated_Revenue: Must be between" in result.output
    assert count(db, Opportunity) == 0


def test_statements_stay_constant_per_thousand_rows(app, db):
    kinds = current_platform(app).import_kinds
    CustomerFactory(cid=1)
    per_size = {}
    for size in (1000, 3000):
        body = "OID,CID,Name,Product,Opportunity_Status,Monthly_Estimated_Revenue,Estimated_Delivery_Date\n" + "".join(
            f"S{size}-{i},1,Deal {i},payroll,proposal,100,2027-01-01\n" for i in range(size)
        )
        with StatementCounter(db.engine) as counter:
            result = run_import(kinds, "opportunities", "o.csv", body.encode())
        assert not result.rejected and result.parts[0].inserted == size
        per_size[size] = len(counter)
    # One customer lookup, then a SELECT of stored keys and one INSERT ... upsert per 1,000 rows.
    assert per_size[1000] == 1 + 2 * math.ceil(1000 / 1000)
    assert per_size[3000] == 1 + 2 * math.ceil(3000 / 1000)


# --- the workbook --------------------------------------------------------------------------------


def workbook_sheets(target_amount="5000000"):
    return {
        "Customer": [
            ["CID", "Area", "Customer_Type", "Has_Support_Contract", "Name"],
            [1, "UK", "SMB", "No", "Alpha"],
            [2, "France", "Enterprise", "Yes", None],
        ],
        "CRM Opportunities": [
            OPPORTUNITY_HEADER,
            ["W-1", 2, "Enterprise AE", "Qualification", 1200, date(2027, 2, 1), "No", 0, "Payroll", "payroll", None],
        ],
        "Revenue Actual": [["Area", "Month", "Amount"], ["UK", "2024-07", 1000.5], ["France", date(2024, 8, 1), 2000]],
        "revenue_targets": [["Area", "Fiscal Year", "Amount"], ["UK", 2025, target_amount]],
    }


def test_the_workbook_imports_every_sheet_in_dependency_order(runner, db, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", workbook_sheets())
    result = invoke(runner, "workbook", path)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("imported")]
    assert lines == [
        "imported customers (sheet 'Customer'): 2 inserted, 0 updated",
        "imported opportunities (sheet 'CRM Opportunities'): 1 inserted, 0 updated",
        "imported actuals (sheet 'Revenue Actual'): 2 inserted, 0 updated",
        "imported targets (sheet 'revenue_targets'): 1 inserted, 0 updated",
    ]
    assert db.session.get(Opportunity, "W-1").cid == 2  # its customer came in the same workbook
    assert db.session.get(Customer, 2).name is None and db.session.get(Customer, 2).has_support_contract
    assert db.session.scalar(select(RevenueActual.amount).where(RevenueActual.area == "UK")) == Decimal("1000.50")


def test_the_workbook_is_all_or_nothing(runner, db, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", workbook_sheets(target_amount="-1"))
    result = invoke(runner, "workbook", path)
    assert result.exit_code == 1
    assert "'revenue_targets' row 2: Amount:" in result.output
    assert count(db, Customer) == count(db, Opportunity) == count(db, RevenueActual) == 0

    dry = invoke(runner, "workbook", write_xlsx(tmp_path / "good.xlsx", workbook_sheets()), "--dry-run")
    assert dry.exit_code == 0
    assert "dry run: opportunities (sheet 'CRM Opportunities'): 1 valid row(s), nothing written" in dry.output
    assert count(db, Customer) == 0


def test_a_workbook_without_known_sheets_is_refused(runner, db, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": [["a"], [1]]})
    result = invoke(runner, "workbook", path)
    assert result.exit_code == 1 and "no sheet of the workbook matches an import kind" in result.output
    two = write_xlsx(tmp_path / "two.xlsx", {"Customer": [["cid"]], "Customers": [["cid"]]})
    assert "several sheets hold customers" in invoke(runner, "workbook", two).output
    other = write_xlsx(tmp_path / "other.xlsx", {"A": [["cid"]], "B": [["cid"]]})
    assert "no sheet named Customer or Customers" in invoke(runner, "customers", other).output


def test_a_progress_bar_on_a_terminal(app, db, capsys):
    body = b"area,fiscal_year,amount\nUK,2025,1\n"
    run_import(current_platform(app).import_kinds, "targets", "t.csv", body, progress=True)
    assert "checking targets" in capsys.readouterr().err


# --- cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        (" 46082 ", date(2026, 3, 1)),
        (46082, date(2026, 3, 1)),
        (46082.0, date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 3, 1)),
        (datetime(2026, 3, 1), date(2026, 3, 1)),
    ],
)
def test_date_cells(value, expected):
    assert CellDate().deserialize(value) == expected


@pytest.mark.parametrize(
    "value", ["2026-02-30", "01/03/2026", "0", 0, 73051, 46082.5, True, datetime(2026, 3, 1, 9, 30), "1e4"]
)
def test_bad_date_cells(value):
    with pytest.raises(ValidationError, match="Not a date"):
        CellDate().deserialize(value)


def test_integer_text_and_boolean_cells():
    assert CellInteger().deserialize(" 42 ") == 42 and CellInteger().deserialize(42.0) == 42
    for bad in ("4 2", "٤٢", "42.0", 4.2, True, "1_000"):
        with pytest.raises(ValidationError):
            CellInteger().deserialize(bad)
    assert CellText().deserialize(5987) == "5987" and CellText().deserialize(5987.0) == "5987"
    assert CellText().deserialize(Decimal("1.50")) == "1.50"
    assert CellBoolean().deserialize(1.0) is True and CellBoolean().deserialize(0) is False
    with pytest.raises(ValidationError):
        CellBoolean().deserialize(2)


def test_a_repeated_column_is_refused(runner, db, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("area,Fiscal Year,fiscal_year,amount\nUK,2025,2025,1\n")
    assert "row 1: fiscal_year: repeats the column 'Fiscal Year'" in invoke(runner, "targets", path).output
