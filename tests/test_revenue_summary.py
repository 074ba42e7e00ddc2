"""GET /api/revenue/summary against hand-computed figures, to the cent.

Scenario: fiscal year 2025 (1 July 2024 - 30 June 2025), as_of 15 November 2024, so
the months to date are July..November (5) and the months after as_of's month are
December..June (7). Every expected figure below is computed by hand in the comments.
"""

from datetime import date
from decimal import Decimal

import pytest

from intrasoft import database
from intrasoft.revenue.fiscal import fiscal_year_of

from .factories import CustomerFactory, OpportunityFactory, RevenueActualFactory, RevenueTargetFactory
from .helpers import StatementCounter

D = Decimal


def _opp(customer, status, probability, revenue, close):
    return OpportunityFactory(
        customer=customer,
        opportunity_status=status,
        probability=probability,
        monthly_estimated_revenue=D(revenue),
        estimated_delivery_date=close,
    )


@pytest.fixture()
def scenario(db):
    germany = CustomerFactory(cid=1, area="Germany")
    france = CustomerFactory(cid=2, area="France")
    RevenueTargetFactory(area="Germany", fiscal_year=2025, amount=D("1200000.00"))
    RevenueTargetFactory(area="Switzerland", fiscal_year=2025, amount=D("500000.00"))
    RevenueTargetFactory(area="France", fiscal_year=2026, amount=D("999.00"))  # another year: ignored
    for month, amount in [
        (date(2024, 6, 1), "999999.99"),  # FY2024: ignored
        (date(2024, 7, 1), "100000.00"),
        (date(2024, 8, 1), "110000.50"),
        (date(2024, 9, 1), "95000.25"),
        # no October row: the latest actual is November's
        (date(2024, 11, 1), "120000.10"),  # as_of's month: included
        (date(2024, 12, 1), "130000.00"),  # after as_of's month: excluded
    ]:
        RevenueActualFactory(area="Germany", month=month, amount=D(amount))
    RevenueActualFactory(area="Switzerland", month=date(2024, 7, 1), amount=D("40000.00"))

    opps = {
        # last day of as_of's month, after as_of: 1000.05 x 10% x 7 (Dec..Jun) = 700.035
        "nov_last_day": _opp(germany, "prospecting", 10, "1000.05", date(2024, 11, 30)),
        # June: no month after closing in the year: 0
        "june": _opp(germany, "negotiation", 75, "2000.00", date(2025, 6, 15)),
        # exactly on as_of: not after as_of, so not in the pipeline (still open)
        "on_as_of": _opp(germany, "proposal", 50, "333.33", date(2024, 11, 15)),
        # probability 0, last day of January: 0
        "prob_zero": _opp(germany, "qualification", 0, "5000.00", date(2025, 1, 31)),
        # probability 100, March: 1234.56 x 100% x 3 (Apr, May, Jun) = 3703.68
        "prob_hundred": _opp(germany, "negotiation", 100, "1234.56", date(2025, 3, 1)),
        # lost: never counted
        "lost": _opp(germany, "lost", 0, "9999.99", date(2025, 2, 1)),
        # won but closing after as_of: not lost, so weighted: 100.00 x 100% x 4 (Mar..Jun) = 400.00
        "won": _opp(germany, "won", 100, "100.00", date(2025, 2, 10)),
        # 1 July 2025 is FY2026: ignored
        "next_year_july": _opp(germany, "prospecting", 10, "500.00", date(2025, 7, 1)),
        # 1 July 2024, before as_of: open in the year, not in the pipeline
        "this_year_july": _opp(germany, "qualification", 25, "777.77", date(2024, 7, 1)),
        # 30 June 2024 is FY2024: ignored
        "last_year_june": _opp(germany, "prospecting", 10, "444.44", date(2024, 6, 30)),
        # December: 10.02 x 25% x 6 (Jan..Jun) = 15.03
        "december": _opp(germany, "qualification", 25, "10.02", date(2024, 12, 1)),
        # France, April: 3000.00 x 10% x 2 (May, Jun) = 600.00
        "france": _opp(france, "prospecting", 10, "3000.00", date(2025, 4, 30)),
    }
    return opps


def _summary(client, query="fiscal_year=2025&as_of=2024-11-15"):
    response = client.get(f"/api/revenue/summary?{query}")
    assert response.status_code == 200, response.json
    return response.json


def _row(body, area):
    return next(row for row in body["areas"] if row["area"] == area)


def test_summary_every_figure_to_the_cent(client, scenario):
    body = _summary(client)
    assert body["fiscal_year"] == 2025
    assert body["as_of"] == "2024-11-15"
    assert body["months_to_date"] == 5
    assert body["months_remaining"] == 7
    assert [row["area"] for row in body["areas"]] == ["France", "Germany", "Switzerland", "Netherlands", "UK"]

    # Germany: actual 100000.00 + 110000.50 + 95000.25 + 120000.10 = 425000.85
    # run rate 120000.10 x 7 = 840000.70
    # pipeline 700.035 + 3703.68 + 400.00 + 15.03 = 4818.745 -> 4818.75 (half up, not half even)
    # projected 425000.85 + 840000.70 + 4818.745 = 1269820.295 -> 1269820.30
    # gap 1200000 - 1269820.295 = -69820.295 -> -69820.30
    # attainment 425000.85 / 1200000 x 100 = 35.4167375 -> 35.42
    # projected attainment 1269820.295 / 12000 = 105.8183579... -> 105.82
    # open: nov_last_day, june, on_as_of, prob_zero, prob_hundred, this_year_july, december = 7
    # open revenue 1000.05 + 2000 + 333.33 + 5000 + 1234.56 + 777.77 + 10.02 = 10355.73
    assert _row(body, "Germany") == {
        "area": "Germany",
        "target": "1200000.00",
        "target_missing": False,
        "actual_to_date": "425000.85",
        "run_rate_projection": "840000.70",
        "weighted_pipeline": "4818.75",
        "projected_total": "1269820.30",
        "gap_to_target": "-69820.30",
        "attainment_pct": "35.42",
        "projected_attainment_pct": "105.82",
        "open_count": 7,
        "open_monthly_revenue": "10355.73",
    }
    # France: no target (flagged), no actuals this year.
    assert _row(body, "France") == {
        "area": "France",
        "target": None,
        "target_missing": True,
        "actual_to_date": "0.00",
        "run_rate_projection": "0.00",
        "weighted_pipeline": "600.00",
        "projected_total": "600.00",
        "gap_to_target": None,
        "attainment_pct": None,
        "projected_attainment_pct": None,
        "open_count": 1,
        "open_monthly_revenue": "3000.00",
    }
    # Switzerland: only July (40000.00), so the latest actual is July's: 40000 x 7 = 280000.00
    # projected 320000.00, gap 180000.00, 8.00 %, 64.00 %
    assert _row(body, "Switzerland") == {
        "area": "Switzerland",
        "target": "500000.00",
        "target_missing": False,
        "actual_to_date": "40000.00",
        "run_rate_projection": "280000.00",
        "weighted_pipeline": "0.00",
        "projected_total": "320000.00",
        "gap_to_target": "180000.00",
        "attainment_pct": "8.00",
        "projected_attainment_pct": "64.00",
        "open_count": 0,
        "open_monthly_revenue": "0.00",
    }
    assert _row(body, "UK")["target"] is None
    assert _row(body, "UK")["projected_total"] == "0.00"

    # Total: each figure from the exact Area figures, rounded once.
    # target 1200000 + 500000 = 1700000.00; missing France, Netherlands, UK
    # actual 465000.85; run rate 1120000.70; pipeline 4818.745 + 600 = 5418.745 -> 5418.75
    # projected 1269820.295 + 600 + 320000 = 1590420.295 -> 1590420.30
    # gap over the Areas with a target: 1700000 - (1269820.295 + 320000) = 110179.705 -> 110179.71
    # attainment 465000.85 / 17000 = 27.3529911... -> 27.35
    # projected attainment 1589820.295 / 17000 = 93.5188408... -> 93.52
    assert body["total"] == {
        "target": "1700000.00",
        "missing_targets": ["France", "Netherlands", "UK"],
        "actual_to_date": "465000.85",
        "run_rate_projection": "1120000.70",
        "weighted_pipeline": "5418.75",
        "projected_total": "1590420.30",
        "gap_to_target": "110179.71",
        "attainment_pct": "27.35",
        "projected_attainment_pct": "93.52",
        "open_count": 8,
        "open_monthly_revenue": "13355.73",
    }


def test_as_of_before_the_fiscal_year(client, scenario):
    body = _summary(client, "fiscal_year=2025&as_of=2024-05-01")
    assert (body["months_to_date"], body["months_remaining"]) == (0, 12)
    germany = _row(body, "Germany")
    # No month to date: actual 0, run rate 0 (no latest actual) x 12.
    # Pipeline: every not-lost opportunity of the year closes after as_of:
    # nov_last_day 700.035 + june 0 + on_as_of 333.33 x 50% x 7 = 1166.655 + prob_zero 0
    # + prob_hundred 3703.68 + won 400.00 + this_year_july 777.77 x 25% x 11 = 2138.8675
    # + december 15.03 = 8124.2675 -> 8124.27
    assert germany["actual_to_date"] == "0.00"
    assert germany["run_rate_projection"] == "0.00"
    assert germany["weighted_pipeline"] == "8124.27"
    assert germany["projected_total"] == "8124.27"
    assert germany["gap_to_target"] == "1191875.73"  # 1200000 - 8124.2675 = 1191875.7325
    assert germany["attainment_pct"] == "0.00"
    assert germany["projected_attainment_pct"] == "0.68"  # 8124.2675 / 12000 = 0.677022...
    assert germany["open_count"] == 7


def test_as_of_after_the_fiscal_year(client, scenario):
    body = _summary(client, "fiscal_year=2025&as_of=2025-08-10")
    assert (body["months_to_date"], body["months_remaining"]) == (12, 0)
    germany = _row(body, "Germany")
    # Every month of the year: 425000.85 + December 130000.00 = 555000.85; nothing remains.
    assert germany["actual_to_date"] == "555000.85"
    assert germany["run_rate_projection"] == "0.00"
    assert germany["weighted_pipeline"] == "0.00"
    assert germany["projected_total"] == "555000.85"
    assert germany["gap_to_target"] == "644999.15"
    assert germany["attainment_pct"] == "46.25"  # 555000.85 / 12000 = 46.2500708...
    assert germany["projected_attainment_pct"] == "46.25"


def test_as_of_on_the_last_day_of_a_month(client, scenario):
    # as_of 31 December: to date July..December (6), remaining Jan..Jun (6).
    body = _summary(client, "fiscal_year=2025&as_of=2024-12-31")
    germany = _row(body, "Germany")
    assert germany["actual_to_date"] == "555000.85"
    assert germany["run_rate_projection"] == "780000.00"  # December 130000.00 x 6
    # prob_hundred 3703.68 + won 400.00 (December's deal closed before as_of) = 4103.68
    assert germany["weighted_pipeline"] == "4103.68"
    assert germany["projected_total"] == "1339104.53"


def test_year_without_data_is_zeros_and_null_targets(client, scenario):
    body = _summary(client, "fiscal_year=2031&as_of=2030-12-01")
    for row in body["areas"]:
        assert row["target"] is None and row["target_missing"] is True
        assert row["actual_to_date"] == row["weighted_pipeline"] == row["projected_total"] == "0.00"
        assert row["open_count"] == 0
    assert body["total"]["target"] is None
    assert body["total"]["missing_targets"] == ["France", "Germany", "Switzerland", "Netherlands", "UK"]
    assert body["total"]["gap_to_target"] is None
    assert body["total"]["attainment_pct"] is None


def test_zero_target_has_a_gap_but_no_percentages(client, db):
    RevenueTargetFactory(area="UK", fiscal_year=2025, amount=D("0.00"))
    RevenueActualFactory(area="UK", month=date(2024, 7, 1), amount=D("10.00"))
    body = _summary(client, "fiscal_year=2025&as_of=2024-07-31")
    uk = _row(body, "UK")
    assert uk["target"] == "0.00"
    assert uk["gap_to_target"] == "-120.00"  # 0 - (10 + 10 x 11)
    assert uk["attainment_pct"] is None and uk["projected_attainment_pct"] is None
    assert body["total"]["attainment_pct"] is None


def test_defaults_are_today_and_its_fiscal_year(client, scenario, monkeypatch):
    monkeypatch.setattr(database, "today", lambda: date(2024, 11, 15))
    body = _summary(client, "")
    assert body["fiscal_year"] == 2025 and body["as_of"] == "2024-11-15"
    assert _row(body, "Germany")["weighted_pipeline"] == "4818.75"
    only_year = _summary(client, "fiscal_year=2024")
    assert only_year["as_of"] == "2024-11-15" and only_year["months_to_date"] == 12


@pytest.mark.parametrize(
    ("query", "location", "field"),
    [
        ("fiscal_year=1999", "query", "fiscal_year"),
        ("fiscal_year=2101", "query", "fiscal_year"),
        ("fiscal_year=abc", "query", "fiscal_year"),
        ("as_of=2024-13-01", "query", "as_of"),
        ("as_of=9999-07-05", "query", "as_of"),  # fiscal year 10000
        ("as_of=1999-06-30", "query", "as_of"),  # fiscal year 1999
    ],
)
def test_invalid_parameters_are_422(client, query, location, field):
    response = client.get(f"/api/revenue/summary?{query}")
    assert response.status_code == 422
    assert field in response.json["errors"][location]


def _count_statements(db, call):
    with StatementCounter(db.engine) as counter:
        call()
    return counter.statements


def test_summary_runs_a_constant_number_of_statements(client, db):
    customers = [CustomerFactory(area=area) for area in ("France", "Germany", "UK")]
    RevenueActualFactory(area="Germany", month=date(2024, 7, 1))
    RevenueTargetFactory(area="Germany", fiscal_year=2025)

    def call():
        assert client.get("/api/revenue/summary?fiscal_year=2025&as_of=2024-09-10").status_code == 200

    def add(count):
        for i in range(count):
            _opp(customers[i % 3], "proposal", 50, "100.00", date(2025, 1 + i % 6, 1 + i % 28))

    add(3)
    few = _count_statements(db, call)
    add(60)
    many = _count_statements(db, call)
    assert len(few) == len(many) <= 3
    body = _summary(client, "fiscal_year=2025&as_of=2024-09-10")
    assert body["total"]["open_count"] == 63


def test_customers_of_an_unknown_area_are_left_out(client, db):
    # Not writable through the API, but a database may hold it (an old import, a manual fix).
    stray = CustomerFactory(area="Atlantis")
    RevenueTargetFactory(area="Atlantis", fiscal_year=2025)
    RevenueActualFactory(area="Atlantis", month=date(2024, 7, 1))
    _opp(stray, "proposal", 50, "100.00", date(2025, 1, 1))
    body = _summary(client, "fiscal_year=2025&as_of=2024-09-10")
    assert "Atlantis" not in [row["area"] for row in body["areas"]]
    assert body["total"]["target"] is None
    assert body["total"]["actual_to_date"] == "0.00"
    assert body["total"]["open_count"] == 0


def test_real_clock_default(client, db):
    body = _summary(client, "")
    assert body["as_of"] == database.today().isoformat()
    assert body["fiscal_year"] == fiscal_year_of(database.today())


def test_summary_and_report_on_the_demo_seed(client, runner):
    result = runner.invoke(args=["seed", "--as-of", "2024-11-15", "--customers", "50", "--opportunities", "200"])
    assert result.exit_code == 0, result.output
    body = _summary(client, "fiscal_year=2025&as_of=2024-11-15")
    assert all(row["target"] is not None for row in body["areas"])
    assert body["total"]["missing_targets"] == []
    assert Decimal(body["total"]["actual_to_date"]) > 0
    assert body["total"]["open_count"] > 0
    report = client.get("/api/data-quality?as_of=2024-11-15").json
    # The seed stops actuals before as_of's month and sets targets for the year.
    assert report["checks"]["missing_actual_months"]["count"] == 0
    assert report["checks"]["areas_without_target"]["count"] == 0
