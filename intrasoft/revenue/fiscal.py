"""The fiscal year: FY N runs 1 July N-1 to 30 June N (FY2025 = July 2024 to June 2025)."""

from __future__ import annotations

from datetime import date

MIN_FISCAL_YEAR = 2000
MAX_FISCAL_YEAR = 2100


def fiscal_year_of(day: date) -> int:
    """FY N runs 1 July N-1 to 30 June N: December 2024 is in FY2025."""
    return day.year + 1 if day.month >= 7 else day.year


def fiscal_year_start(fiscal_year: int) -> date:
    return date(fiscal_year - 1, 7, 1)


def fiscal_year_end(fiscal_year: int) -> date:
    return date(fiscal_year, 6, 30)


def fiscal_months(fiscal_year: int) -> list[date]:
    """The first day of each of the fiscal year's 12 months, July first."""
    start = fiscal_year_start(fiscal_year)
    return [date(start.year + (start.month + i - 1) // 12, (start.month + i - 1) % 12 + 1, 1) for i in range(12)]
