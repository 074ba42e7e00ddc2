"""Write ``examples/intrasoft-sample.xlsx``: a small sales workbook shaped as the CRM exports it.

Four sheets, as the sales team's workbook names them, with the CRM's headers (README, "Importing
the sales team's data"): ``Customer``, ``CRM Opportunities``, ``Revenue Actuals`` and ``Revenue
Targets``. ``flask import workbook examples/intrasoft-sample.xlsx`` imports it (tests/test_sample_workbook.py
proves it, and that the committed file is what this script writes).

The content is fixed (no clock, no randomness): running the script again gives the same cells.

    python examples/make_sample_workbook.py [OUTPUT.xlsx]
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "intrasoft-sample.xlsx"
#: The workbook's metadata dates are fixed too (openpyxl would stamp the creation time).
CREATED = datetime(2026, 12, 1, 9, 0, 0)
DATE_FORMAT = "yyyy-mm-dd"

CUSTOMER_HEADER = [
    "CID",
    "Name",
    "Area",
    "Customer_Type",
    "Has_Dedicated_Account_Manager",
    "Has_Dedicated_Technical_Consultant",
    "Has_Support_Contract",
    "Has_Discounted_Pricing",
    "Account_Executive",
    "Technical_Specialist",
    "Contract_Start_Date",
    "Contract_Renewal_Date",
    "Subscriptions",
]
# fmt: off
CUSTOMERS = [
    [5987, "Dupont Logistique SARL", "France", "Mid-Market", "Yes", "No", "Yes", "No",
     "Claire Martin", "Lucas Bernard", date(2023, 9, 1), date(2026, 9, 1), "accounting;payroll"],
    [5988, "Boulangerie Moreau", "France", "SMB", "No", "No", "Yes", "No",
     "Claire Martin", "Lucas Bernard", date(2024, 2, 15), date(2027, 2, 15), "accounting"],
    [6012, "Schneider Maschinenbau GmbH", "Germany", "Enterprise", "Yes", "Yes", "Yes", "Yes",
     "Anna Schmidt", "Jonas Weber", date(2021, 7, 1), date(2027, 7, 1), "accounting;time_entry;payroll;expenses"],
    [6013, None, "Germany", "SMB", "No", "No", "No", "No",
     "Anna Schmidt", None, date(2025, 1, 10), date(2026, 1, 10), "time_entry"],
    [6150, "Bergbahnen Graubünden AG", "Switzerland", "Mid-Market", "Yes", "No", "Yes", "No",
     "Luca Meier", "Nina Keller", date(2022, 11, 1), date(2026, 11, 1), "payroll;expenses"],
    [6151, "Uhrenatelier Favre SA", "Switzerland", "SMB", "No", "No", "Yes", "Yes",
     "Luca Meier", "Nina Keller", date(2024, 6, 1), date(2026, 6, 1), "accounting"],
    [6320, "Van Dijk Transport B.V.", "Netherlands", "Mid-Market", "No", "Yes", "Yes", "No",
     "Sanne de Vries", "Daan Bakker", date(2023, 3, 1), date(2027, 3, 1), "time_entry;expenses"],
    [6321, "Bloemenhandel Jansen", "Netherlands", "SMB", "No", "No", "No", "No",
     None, "Daan Bakker", date(2025, 5, 1), date(2026, 5, 1), "expenses"],
    [6480, "Hartley & Finch Ltd", "UK", "Enterprise", "Yes", "Yes", "Yes", "No",
     "Oliver Hughes", "Amelia Clarke", date(2020, 4, 1), date(2028, 4, 1), "accounting;payroll;expenses"],
    [6481, "Northern Bakeries plc", "UK", "Mid-Market", "Yes", "No", "No", "Yes",
     "Oliver Hughes", "Amelia Clarke", date(2022, 8, 15), date(2026, 8, 15), "payroll"],
]
# fmt: on

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
    "Account_Executive",
    "Technical_Specialist",
]
# fmt: off
OPPORTUNITIES = [
    ["OPP-2026-0001", 5987, "Mid-Market AE", "Proposal", 2500.00, date(2027, 3, 1), "No", 3,
     "Payroll roll-out", "payroll", None, "Claire Martin", "Lucas Bernard"],
    ["OPP-2026-0002", 5987, "Mid-Market AE", "Won", 480.50, date(2026, 6, 30), "Yes", 160,
     "Onboarding package", "accounting", None, "Claire Martin", "Lucas Bernard"],
    ["OPP-2026-0003", 5988, "SMB Inside Sales", "Prospecting", 95.00, date(2027, 1, 15), "No", 12,
     "Time entry trial", "time_entry", None, "Claire Martin", None],
    ["OPP-2026-0004", 6012, "Enterprise AE", "Negotiation", 18750.00, date(2027, 2, 1), "No", 1,
     "Group-wide expenses", "expenses", 80, "Anna Schmidt", "Jonas Weber"],
    ["OPP-2026-0005", 6012, "Enterprise AE", "Qualification", 7200.00, date(2027, 9, 30), "No", 25,
     None, None, None, "Anna Schmidt", "Jonas Weber"],
    ["OPP-2026-0006", 6013, "SMB Inside Sales", "Lost", 60.00, date(2026, 4, 1), "No", 240,
     "Payroll for 12", "payroll", None, "Anna Schmidt", None],
    ["OPP-2026-0007", 6150, "Partner Channel", "Proposal", 3100.00, date(2027, 4, 15), None, 7,
     "Seasonal staff payroll", "payroll", 55, "Luca Meier", "Nina Keller"],
    ["OPP-2026-0008", 6151, "SMB Inside Sales", "Won", 240.00, date(2026, 10, 1), "Yes", 58,
     "Migration service", "accounting", None, "Luca Meier", "Nina Keller"],
    ["OPP-2026-0009", 6320, "Mid-Market AE", "Negotiation", 1450.00, date(2027, 1, 31), "No", 2,
     "Driver expenses", "expenses", None, "Sanne de Vries", "Daan Bakker"],
    ["OPP-2026-0010", 6321, "SMB Inside Sales", "Qualification", 120.00, date(2027, 5, 1), "No", 30,
     "Expenses starter", "expenses", None, None, "Daan Bakker"],
    ["OPP-2026-0011", 6480, "Enterprise AE", "Proposal", 26400.00, date(2027, 6, 30), "No", 5,
     "Time entry for 2,000 staff", "time_entry", None, "Oliver Hughes", "Amelia Clarke"],
    ["OPP-2026-0012", 6481, "Mid-Market AE", "Prospecting", 980.00, date(2027, 8, 1), "No", 44,
     "Accounting upgrade", "accounting", None, "Oliver Hughes", "Amelia Clarke"],
]
# fmt: on

ACTUALS_HEADER = ["Area", "Month", "Amount"]
#: Monthly revenue per Area, July to December 2025 (FY2026), growing a little each month.
AREA_MONTHLY = {
    "France": 420000,
    "Germany": 510000,
    "Switzerland": 230000,
    "Netherlands": 180000,
    "UK": 390000,
}
ACTUAL_MONTHS = [date(2025, month, 1) for month in range(7, 13)]

TARGETS_HEADER = ["Area", "Fiscal_Year", "Amount"]


def actuals() -> list[list]:
    return [
        [area, month, round(base * (1 + index / 100) + 0.25 * index, 2)]
        for area, base in AREA_MONTHLY.items()
        for index, month in enumerate(ACTUAL_MONTHS)
    ]


def targets() -> list[list]:
    return [
        [area, year, round(base * 12 * factor)]
        for year, factor in ((2026, 1.05), (2027, 1.10))
        for area, base in AREA_MONTHLY.items()
    ]


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, name in enumerate(header, start=1):
        values = [name] + [row[column - 1] for row in rows]
        width = max(len(value.isoformat() if isinstance(value, date) else str(value)) for value in values)
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, 40)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"


def build() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "Customer", CUSTOMER_HEADER, CUSTOMERS)
    _sheet(book, "CRM Opportunities", OPPORTUNITY_HEADER, OPPORTUNITIES)
    _sheet(book, "Revenue Actuals", ACTUALS_HEADER, actuals())
    _sheet(book, "Revenue Targets", TARGETS_HEADER, targets())
    book.properties.creator = "IntraSoft examples/make_sample_workbook.py"
    book.properties.title = "IntraSoft sample sales workbook"
    book.properties.created = CREATED
    return book


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    build().save(output)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
