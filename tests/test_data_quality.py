"""GET /api/data-quality: every check's count and samples, on a hand-built data set.

Today is moved to 15 November 2024: the current fiscal year is FY2025 (ends 30 June 2025)
and its complete months are July..October 2024.
"""

from datetime import date
from decimal import Decimal

import pytest

from intrasoft import database

from .factories import CustomerFactory, OpportunityFactory, RevenueActualFactory, RevenueTargetFactory

TODAY = date(2024, 11, 15)


@pytest.fixture()
def today(monkeypatch):
    monkeypatch.setattr(database, "today", lambda: TODAY)
    return TODAY


def _opp(customer, status, revenue, close):
    return OpportunityFactory(
        customer=customer,
        opportunity_status=status,
        probability={"won": 100, "lost": 0}.get(status, 50),
        monthly_estimated_revenue=Decimal(revenue),
        estimated_delivery_date=close,
    ).oid


@pytest.fixture()
def dataset(db, today):
    germany = CustomerFactory(cid=1, area="Germany")
    france = CustomerFactory(cid=2, area="France", account_executive=None)
    uk = CustomerFactory(cid=3, area="UK", technical_specialist=None)
    CustomerFactory(cid=4, area="Germany", contract_start_date=date(2023, 1, 1), contract_renewal_date=date(2022, 1, 1))
    CustomerFactory(cid=5, area="Germany", contract_start_date=date(2023, 1, 1), contract_renewal_date=date(2023, 1, 1))
    CustomerFactory(cid=6, area="Germany", contract_start_date=None, contract_renewal_date=date(2023, 1, 1))
    oids = {
        # Germany: 100, 200, 300, 400, 1750.00, 1750.01 -> median 350, outliers above 1750
        "g100": _opp(germany, "prospecting", "100.00", date(2024, 11, 14)),  # overdue (yesterday)
        "g200": _opp(germany, "won", "200.00", date(2024, 10, 1)),  # closed: not overdue
        "g300": _opp(germany, "proposal", "300.00", TODAY),  # closes today: not overdue
        "g400": _opp(germany, "negotiation", "400.00", date(2025, 7, 1)),  # after the fiscal year
        "g1750": _opp(germany, "qualification", "1750.00", date(2025, 6, 30)),  # exactly 5x: not an outlier
        "g1750.01": _opp(germany, "lost", "1750.01", date(2025, 8, 1)),  # outlier; lost: not "after FY"
        # France: one opportunity is its own median: never an outlier
        "f": _opp(france, "prospecting", "50000.00", date(2023, 1, 1)),  # overdue
        # UK: 10, 20, 100.01 -> median 20, outliers above 100
        "u10": _opp(uk, "prospecting", "10.00", date(2025, 1, 1)),
        "u20": _opp(uk, "prospecting", "20.00", date(2026, 1, 1)),  # after the fiscal year
        "u100.01": _opp(uk, "prospecting", "100.01", date(2025, 1, 1)),  # outlier
    }
    RevenueTargetFactory(area="Germany", fiscal_year=2025)
    RevenueTargetFactory(area="France", fiscal_year=2025)
    RevenueTargetFactory(area="UK", fiscal_year=2024)  # another year
    for month in (7, 8, 9, 10):
        RevenueActualFactory(area="Germany", month=date(2024, month, 1))
    RevenueActualFactory(area="France", month=date(2024, 7, 1))
    RevenueActualFactory(area="France", month=date(2024, 9, 1))
    RevenueActualFactory(area="UK", month=date(2024, 11, 1))  # the current month is not complete
    return oids


def test_every_check(client, dataset):
    response = client.get("/api/data-quality")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["as_of"] == "2024-11-15"
    assert body["fiscal_year"] == 2025
    checks = body["checks"]

    def ids(name):
        return checks[name]["count"], checks[name]["sample_ids"]

    assert ids("overdue_open_opportunities") == (2, sorted([dataset["g100"], dataset["f"]]))
    assert ids("open_closing_after_fiscal_year") == (2, sorted([dataset["g400"], dataset["u20"]]))
    assert ids("revenue_outliers") == (2, sorted([dataset["g1750.01"], dataset["u100.01"]]))
    assert ids("customers_missing_account_team") == (2, [2, 3])
    assert ids("renewal_before_start") == (1, [4])
    assert ids("areas_without_target") == (3, ["Switzerland", "Netherlands", "UK"])
    # 4 complete months x 5 Areas = 20, minus Germany's 4 and France's 2 = 14; 10 samples.
    assert ids("missing_actual_months") == (
        14,
        [
            "Switzerland/2024-07",
            "Netherlands/2024-07",
            "UK/2024-07",
            "France/2024-08",
            "Switzerland/2024-08",
            "Netherlands/2024-08",
            "UK/2024-08",
            "Switzerland/2024-09",
            "Netherlands/2024-09",
            "UK/2024-09",
        ],
    )
    assert body["issue_count"] == 2 + 2 + 2 + 2 + 1 + 3 + 14
    for check in checks.values():
        assert check["description"]


def test_samples_are_capped_at_ten(client, db, today):
    customer = CustomerFactory(area="France")
    oids = [_opp(customer, "prospecting", "10.00", date(2024, 1, 1)) for _ in range(12)]
    check = client.get("/api/data-quality").json["checks"]["overdue_open_opportunities"]
    assert check["count"] == 12
    assert check["sample_ids"] == sorted(oids)[:10]


def test_clean_data_has_no_issue(client, db, today):
    customer = CustomerFactory(area="Germany")
    _opp(customer, "proposal", "100.00", date(2025, 1, 1))
    for area in ("France", "Germany", "Switzerland", "Netherlands", "UK"):
        RevenueTargetFactory(area=area, fiscal_year=2025)
        for month in (7, 8, 9, 10):
            RevenueActualFactory(area=area, month=date(2024, month, 1))
    body = client.get("/api/data-quality").json
    assert body["issue_count"] == 0
    assert all(c["count"] == 0 and c["sample_ids"] == [] for c in body["checks"].values())


def test_first_month_of_the_year_has_no_complete_month(client, db, monkeypatch):
    monkeypatch.setattr(database, "today", lambda: date(2024, 7, 31))
    body = client.get("/api/data-quality").json
    assert body["checks"]["missing_actual_months"]["count"] == 0
    assert body["checks"]["areas_without_target"]["count"] == 5


def test_as_of_parameter(client, dataset):
    body = client.get("/api/data-quality?as_of=2025-07-15").json
    assert body["fiscal_year"] == 2026
    # Open and closing before 15 July 2025: g100, g300, g400, g1750, f, u10, u100.01
    assert body["checks"]["overdue_open_opportunities"]["count"] == 7
    assert client.get("/api/data-quality?as_of=nope").status_code == 422
    assert "as_of" in client.get("/api/data-quality?as_of=2100-07-01").json["errors"]["query"]
